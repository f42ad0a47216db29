import { describe, expect, it } from 'vitest';
import { customBandSpec, formatQroarScalesJson, hasPerLayerScales, parseQroarScalesJson, QROAR_SCALES_FORMAT, type QroarScalesFile } from './scalesJson';

const HASH = 'a'.repeat(64);

function valid(): QroarScalesFile {
  return {
    format: QROAR_SCALES_FORMAT,
    version: 1,
    variant: 'shared',
    rotaryDim: 8,
    pairLayout: 'half-split',
    bands: 'custom:0-1,2-3',
    bandSource: 'equal-log:2',
    scales: [0.9, 1.1],
    model: { name: 'builtin', hashes: { 'config.json': HASH } },
    settings: { rope: 'yarn:4' },
  };
}

describe('Q-ROAR scales JSON', () => {
  it('round-trips global and per-layer scales', () => {
    const f = valid();
    expect(parseQroarScalesJson(formatQroarScalesJson(f), 'x.json')).toEqual(f);
    expect(hasPerLayerScales(f)).toBe(false);
    const p = {
      ...valid(),
      scales: [
        [1, 1],
        [0.8, 1.25],
      ],
    };
    const back = parseQroarScalesJson(formatQroarScalesJson(p), 'x.json');
    expect(back.scales).toEqual([
      [1, 1],
      [0.8, 1.25],
    ]);
    expect(hasPerLayerScales(back)).toBe(true);
  });

  const bad: Array<[string, (f: Record<string, unknown>) => void, RegExp]> = [
    ['wrong format', (f) => (f.format = 'other'), /format must be/],
    ['future version', (f) => (f.version = 2), /version 2 is not supported/],
    ['unknown variant', (f) => (f.variant = 'both'), /variant must be one of/],
    ['odd rotaryDim', (f) => (f.rotaryDim = 7), /rotaryDim/],
    ['bad layout', (f) => (f.pairLayout = 'zigzag'), /pairLayout/],
    ['a band spec that is not custom', (f) => (f.bands = 'equal-log:2'), /custom:a-b/],
    ['malformed ranges', (f) => (f.bands = 'custom:0-1,x'), /not a pair range/],
    ['gap between bands', (f) => (f.bands = 'custom:0-1,3-3'), /start at pair 2/],
    ['band past the end', (f) => (f.bands = 'custom:0-1,2-4'), /past the last pair 3/],
    ['bands do not reach the end', (f) => (f.bands = 'custom:0-1,2-2'), /end at pair 2/],
    ['missing bandSource', (f) => delete f.bandSource, /bandSource/],
    ['wrong scale count', (f) => (f.scales = [1]), /2 numbers/],
    ['zero scale', (f) => (f.scales = [0, 1]), /scales\[0\] must be a finite number > 0/],
    [
      'non-numeric per-layer scale',
      (f) =>
        (f.scales = [
          [1, 1],
          [1, 'x'],
        ]),
      /scales\[1\]\[1\]/,
    ],
    ['bad hash', (f) => (f.model = { name: 'm', hashes: { a: 'xyz' } }), /hashes/],
    ['missing settings', (f) => delete f.settings, /settings/],
  ];
  for (const [name, mutate, message] of bad) {
    it(`refuses ${name} with a message naming the file`, () => {
      const f = valid() as unknown as Record<string, unknown>;
      mutate(f);
      expect(() => parseQroarScalesJson(JSON.stringify(f), 'in.json')).toThrow(message);
      expect(() => parseQroarScalesJson(JSON.stringify(f), 'in.json')).toThrow(/^in\.json: /);
    });
  }

  it('refuses invalid JSON and non-objects', () => {
    expect(() => parseQroarScalesJson('{', 'a.json')).toThrow(/a\.json: not valid JSON/);
    expect(() => parseQroarScalesJson('[]', 'a.json')).toThrow(/JSON object/);
  });

  it('customBandSpec writes the lib/rope custom grammar', () => {
    expect(
      customBandSpec([
        { firstPair: 0, lastPair: 7 },
        { firstPair: 8, lastPair: 31 },
      ]),
    ).toBe('custom:0-7,8-31');
  });

  it('will not format an invalid file', () => {
    expect(() => formatQroarScalesJson({ ...valid(), scales: [NaN, 1] })).toThrow(/finite/);
  });
});
