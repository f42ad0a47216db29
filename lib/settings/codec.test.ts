import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { decodeSettings, encodeSettings, parseBands } from './codec';
import { defaultSettings, weightQuantSpec, type Settings } from './settings';

describe('settings URL codec', () => {
  it('encodes the default scenario as an empty query', () => {
    expect(encodeSettings(defaultSettings())).toBe('');
    expect(decodeSettings('').settings).toEqual(defaultSettings());
  });

  it('round-trips a hand-built non-default scenario', () => {
    const s: Settings = {
      ...defaultSettings(),
      model: { kind: 'gguf', name: 'tiny q4.gguf' },
      pi: { method: 'llama3', factor: 8, betaFast: 16, betaSlow: 2, lowFreqFactor: 1, highFreqFactor: 4 },
      targetContextTokens: 2048,
      weightQuant: { bits: 3, group: 'channel', symmetric: true, layers: 'qk' },
      kvQuant: { bits: 4, keys: true, values: false, grouping: 'channel', keyStage: 'pre', hadamard: false },
      bands: {
        kind: 'custom',
        ranges: [
          [0, 7],
          [8, 31],
        ],
      },
      text: 'user',
      device: 'webgpu',
      compareMethods: [],
      qroarVariant: 'query-only',
      appliedScales: [1.25, 0.8, 1],
      tirQuantile: 0.99,
      trainedWindowTokens: 512,
      scoreMode: 'llama-perplexity',
      pplAxis: 'log',
    };
    const q = encodeSettings(s);
    expect(q).toContain('ppy=log');
    expect(q).toContain('L=512');
    expect(q).toContain('score=llama-perplexity');
    expect(q).toContain('pi=llama3');
    expect(q).toContain('wq=w3gcs@qk');
    expect(q).toContain('kv=k4-channel-pre');
    expect(decodeSettings(q)).toEqual({ settings: s, problems: [] });
    expect(decodeSettings('?' + q).settings).toEqual(s);
  });

  it('falls back to defaults and reports unreadable parameters', () => {
    const { settings, problems } = decodeSettings('pi=warp&s=-2&ctx=2048&wq=w9g32a&bands=equal-log:40&g=1,x&L=3&score=fast');
    expect(settings).toEqual(defaultSettings());
    expect(problems).toHaveLength(7);
    expect(problems[5]).toMatch(/^L=3: trained window must be an integer from 8/);
    expect(problems[6]).toMatch(/^score=fast: score mode must be one of bandscope, llama-perplexity/);
    expect(problems[0]).toMatch(/^pi=warp: must be one of/);
  });

  it('round-trips the Hadamard-rotated KV cache and every perplexity axis choice', () => {
    const kv = { bits: 8 as const, keys: true, values: true, grouping: 'token' as const, keyStage: 'post' as const, hadamard: true };
    const s: Settings = { ...defaultSettings(), kvQuant: kv };
    expect(encodeSettings(s)).toBe('kv=kv8-token-post-hadamard');
    expect(decodeSettings('kv=kv8-token-post-hadamard').settings.kvQuant).toEqual(kv);
    expect(decodeSettings('kv=kv8-token-post').settings.kvQuant).toEqual({ ...kv, hadamard: false });
    for (const pplAxis of ['auto', 'linear', 'log'] as const) {
      const t: Settings = { ...defaultSettings(), pplAxis };
      expect(decodeSettings(encodeSettings(t))).toEqual({ settings: t, problems: [] });
    }
    expect(encodeSettings({ ...defaultSettings(), pplAxis: 'auto' })).toBe('');
    const bad = decodeSettings('ppy=sqrt&kv=kv8-token-post-rotated');
    expect(bad.settings).toEqual(defaultSettings());
    expect(bad.problems).toHaveLength(2);
    expect(bad.problems[1]).toMatch(/^ppy=sqrt: must be one of/);
  });

  it('writes full-precision and float KV explicitly', () => {
    const s = { ...defaultSettings(), weightQuant: null };
    expect(encodeSettings(s)).toBe('wq=off');
    expect(decodeSettings('wq=off').settings.weightQuant).toBeNull();
  });

  it('round-trips random factors, contexts and scales', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1, max: 64, noNaN: true }),
        fc.integer({ min: 8, max: 1 << 20 }),
        fc.array(fc.double({ min: 0.5, max: 2, noNaN: true }), { minLength: 2, maxLength: 16 }),
        fc.integer({ min: 2, max: 16 }),
        (factor, ctx, scales, count) => {
          const s: Settings = { ...defaultSettings(), targetContextTokens: ctx, appliedScales: scales, bands: { kind: 'equal-log', count } };
          s.pi = { ...s.pi, factor };
          expect(decodeSettings(encodeSettings(s)).settings).toEqual(s);
        },
      ),
    );
  });
});

describe('parseBands', () => {
  it('reads the three partitions', () => {
    expect(parseBands('equal-log:4')).toEqual({ kind: 'equal-log', count: 4 });
    expect(parseBands('yarn')).toEqual({ kind: 'yarn' });
    expect(parseBands('custom:0-3,4-31')).toEqual({
      kind: 'custom',
      ranges: [
        [0, 3],
        [4, 31],
      ],
    });
  });
  it('rejects overlaps and bad counts with the offending text', () => {
    expect(() => parseBands('custom:0-5,5-9')).toThrow(/5-9/);
    expect(() => parseBands('equal-log:1')).toThrow(/'1'/);
    expect(() => parseBands('octave')).toThrow(/octave/);
  });
});

describe('weightQuantSpec', () => {
  it('names RTN in the quant grammar', () => {
    expect(weightQuantSpec({ bits: 4, group: 32, symmetric: false, layers: 'all' })).toBe('rtn:w4g32a');
    expect(weightQuantSpec({ bits: 8, group: 'channel', symmetric: true, layers: 'qk' })).toBe('rtn:w8gchs');
    expect(weightQuantSpec(null)).toBeNull();
  });
});
