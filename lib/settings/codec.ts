/**
 * Settings ⇄ URL query string. Only values that differ from the defaults are written, so the
 * default view has a clean URL. Decoding never throws: an unreadable parameter falls back to its
 * default and is reported in `problems`, so a hand-edited link still opens.
 */
import { parseScoreMode } from '../eval/scoring';
import { checkTrainedWindowOverride } from '../model/trainedWindow';
import type { BandPartitionSpec, RopeType } from '../rope/types';
import {
  GROUP_SIZES,
  ROPE_TYPES,
  bandSpecString,
  defaultSettings,
  type DeviceChoice,
  type GroupSize,
  type KvQuantSettings,
  type ModelChoice,
  type PplAxisChoice,
  type QroarVariant,
  type QuantLayers,
  type Settings,
  type WeightQuantSettings,
} from './settings';

export interface DecodedSettings {
  settings: Settings;
  /** One line per parameter that could not be read (the default was used instead). */
  problems: string[];
}

/** Encodes settings as `key=value` pairs (no leading '?'), defaults omitted, keys in a fixed order. */
export function encodeSettings(settings: Settings): string {
  const d = defaultSettings();
  const out: Array<[string, string]> = [];
  const put = (key: string, value: string, defaultValue: string): void => {
    if (value !== defaultValue) out.push([key, value]);
  };
  put('model', encodeModel(settings.model), encodeModel(d.model));
  put('pi', settings.pi.method, d.pi.method);
  put('s', num(settings.pi.factor), num(d.pi.factor));
  put('bf', num(settings.pi.betaFast), num(d.pi.betaFast));
  put('bs', num(settings.pi.betaSlow), num(d.pi.betaSlow));
  put('lf', num(settings.pi.lowFreqFactor), num(d.pi.lowFreqFactor));
  put('hf', num(settings.pi.highFreqFactor), num(d.pi.highFreqFactor));
  put('ctx', String(settings.targetContextTokens), String(d.targetContextTokens));
  put('wq', encodeWeightQuant(settings.weightQuant), encodeWeightQuant(d.weightQuant));
  put('kv', encodeKv(settings.kvQuant), encodeKv(d.kvQuant));
  put('bands', bandSpecString(settings.bands), bandSpecString(d.bands));
  put('text', settings.text, d.text);
  put('device', settings.device, d.device);
  put('cmp', settings.compareMethods.join(','), d.compareMethods.join(','));
  put('qv', settings.qroarVariant, d.qroarVariant);
  put('g', settings.appliedScales === null ? '' : settings.appliedScales.map(num).join(','), '');
  put('p', num(settings.tirQuantile), num(d.tirQuantile));
  put('L', settings.trainedWindowTokens === null ? '' : String(settings.trainedWindowTokens), '');
  put('score', settings.scoreMode, d.scoreMode);
  put('ppy', settings.pplAxis, d.pplAxis);
  return out.map(([k, v]) => `${k}=${encodeURIComponent(v).replace(/%2C/g, ',').replace(/%3A/g, ':').replace(/%40/g, '@')}`).join('&');
}

/** Decodes a query string (with or without '?'); unknown keys are ignored. */
export function decodeSettings(query: string): DecodedSettings {
  const params = parseQuery(query.startsWith('?') ? query.slice(1) : query);
  const settings = defaultSettings();
  const problems: string[] = [];
  const read = <T>(key: string, parse: (raw: string) => T, assign: (value: T) => void): void => {
    const raw = params.get(key) ?? null;
    if (raw === null) return;
    try {
      assign(parse(raw));
    } catch (err) {
      problems.push(`${key}=${raw}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  read('model', decodeModel, (v) => (settings.model = v));
  read('pi', ropeType, (v) => (settings.pi.method = v));
  read('s', positive, (v) => (settings.pi.factor = v));
  read('bf', positive, (v) => (settings.pi.betaFast = v));
  read('bs', positive, (v) => (settings.pi.betaSlow = v));
  read('lf', positive, (v) => (settings.pi.lowFreqFactor = v));
  read('hf', positive, (v) => (settings.pi.highFreqFactor = v));
  read('ctx', contextTokens, (v) => (settings.targetContextTokens = v));
  read('wq', decodeWeightQuant, (v) => (settings.weightQuant = v));
  read('kv', decodeKv, (v) => (settings.kvQuant = v));
  read('bands', parseBands, (v) => (settings.bands = v));
  read(
    'text',
    (raw) => oneOf(raw, ['brown', 'user'] as const),
    (v) => (settings.text = v),
  );
  read(
    'device',
    (raw) => oneOf<DeviceChoice>(raw, ['auto', 'webgpu', 'wasm']),
    (v) => (settings.device = v),
  );
  read(
    'cmp',
    (raw) => (raw === '' ? [] : raw.split(',').map(ropeType)),
    (v) => (settings.compareMethods = v),
  );
  read(
    'qv',
    (raw) => oneOf<QroarVariant>(raw, ['symmetric', 'shared', 'query-only']),
    (v) => (settings.qroarVariant = v),
  );
  read(
    'g',
    (raw) => (raw === '' ? null : raw.split(',').map(positive)),
    (v) => (settings.appliedScales = v),
  );
  read(
    'p',
    (raw) => {
      const p = Number(raw);
      if (!(p > 0 && p <= 1)) throw new Error('quantile must be in (0, 1]');
      return p;
    },
    (v) => (settings.tirQuantile = v),
  );
  read(
    'L',
    (raw) => {
      const n = Number(raw);
      checkTrainedWindowOverride(n);
      return n;
    },
    (v) => (settings.trainedWindowTokens = v),
  );
  read('score', parseScoreMode, (v) => (settings.scoreMode = v));
  read(
    'ppy',
    (raw) => oneOf<PplAxisChoice>(raw, ['auto', 'linear', 'log']),
    (v) => (settings.pplAxis = v),
  );
  return { settings, problems };
}

/** Parses 'equal-log:B' (2 ≤ B ≤ 16), 'yarn', or 'custom:a-b,c-d' (inclusive, ascending, disjoint pair ranges). */
export function parseBands(raw: string): BandPartitionSpec {
  if (raw === 'yarn') return { kind: 'yarn' };
  const [kind, rest] = splitOnce(raw, ':');
  if (kind === 'equal-log') {
    const count = Number(rest);
    if (!Number.isInteger(count) || count < 2 || count > 16) throw new Error(`equal-log band count must be an integer 2…16, got '${rest}'`);
    return { kind: 'equal-log', count };
  }
  if (kind === 'custom') {
    const ranges = rest.split(',').map((part): [number, number] => {
      const m = /^(\d+)-(\d+)$/.exec(part.trim());
      if (!m) throw new Error(`custom band range '${part}' is not 'first-last'`);
      const a = Number(m[1]);
      const b = Number(m[2]);
      if (b < a) throw new Error(`custom band range '${part}' ends before it starts`);
      return [a, b];
    });
    for (let i = 1; i < ranges.length; i++) {
      if (ranges[i][0] <= ranges[i - 1][1]) throw new Error(`custom band ranges overlap or are out of order at '${ranges[i][0]}-${ranges[i][1]}'`);
    }
    if (ranges.length === 0) throw new Error('custom bands need at least one range');
    return { kind: 'custom', ranges };
  }
  throw new Error(`unknown band partition '${raw}' (use equal-log:B, yarn or custom:a-b,c-d)`);
}

function encodeModel(m: ModelChoice): string {
  return m.kind === 'builtin' ? 'builtin' : `${m.kind}:${m.name}`;
}
function decodeModel(raw: string): ModelChoice {
  if (raw === 'builtin') return { kind: 'builtin' };
  const [kind, name] = splitOnce(raw, ':');
  if ((kind === 'hf-folder' || kind === 'gguf') && name !== '') return { kind, name };
  throw new Error(`unknown model '${raw}'`);
}

/** 'w4g32a' / 'w8gcs' + optional '@attention'|'@qk'; 'off' = full precision. */
function encodeWeightQuant(q: WeightQuantSettings | null): string {
  if (q === null) return 'off';
  const layers = q.layers === 'all' ? '' : `@${q.layers}`;
  return `w${q.bits}g${q.group === 'channel' ? 'c' : q.group}${q.symmetric ? 's' : 'a'}${layers}`;
}
function decodeWeightQuant(raw: string): WeightQuantSettings | null {
  if (raw === 'off') return null;
  const m = /^w(\d)g(c|\d+)([as])(?:@(all|attention|qk))?$/.exec(raw);
  if (!m) throw new Error(`weight quant must look like w4g32a[@attention|@qk] or off`);
  const bits = Number(m[1]);
  if (bits < 2 || bits > 8) throw new Error(`bits must be 2…8, got ${bits}`);
  const group: GroupSize = m[2] === 'c' ? 'channel' : (Number(m[2]) as GroupSize);
  if (!GROUP_SIZES.includes(group)) throw new Error(`group must be one of ${GROUP_SIZES.join(', ')}`);
  return { bits, group, symmetric: m[3] === 's', layers: (m[4] ?? 'all') as QuantLayers };
}

/** 'kv8-token-post' style: which tensors, bits, grouping, key stage, '-hadamard' when rotated; 'off' = float cache. */
function encodeKv(q: KvQuantSettings | null): string {
  if (q === null) return 'off';
  return `${q.keys ? 'k' : ''}${q.values ? 'v' : ''}${q.bits}-${q.grouping}-${q.keyStage}${q.hadamard ? '-hadamard' : ''}`;
}
function decodeKv(raw: string): KvQuantSettings | null {
  if (raw === 'off') return null;
  const m = /^(k?)(v?)(4|8)-(token|channel)-(pre|post)(-hadamard)?$/.exec(raw);
  if (!m || (m[1] === '' && m[2] === '')) throw new Error(`kv quant must look like kv8-token-post, kv4-channel-post-hadamard or off`);
  return {
    keys: m[1] === 'k',
    values: m[2] === 'v',
    bits: Number(m[3]) as 4 | 8,
    grouping: m[4] as 'token' | 'channel',
    keyStage: m[5] as 'pre' | 'post',
    hadamard: m[6] !== undefined,
  };
}

function ropeType(raw: string): RopeType {
  return oneOf(raw, ROPE_TYPES);
}
function oneOf<T extends string>(raw: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(raw)) return raw as T;
  throw new Error(`must be one of ${allowed.join(', ')}`);
}
function positive(raw: string): number {
  const v = Number(raw);
  if (!(Number.isFinite(v) && v > 0)) throw new Error('must be a positive number');
  return v;
}
function contextTokens(raw: string): number {
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 8 || v > 1 << 20) throw new Error('must be an integer 8…1048576');
  return v;
}
function num(v: number): string {
  return String(v);
}
function splitOnce(raw: string, sep: string): [string, string] {
  const at = raw.indexOf(sep);
  return at < 0 ? [raw, ''] : [raw.slice(0, at), raw.slice(at + 1)];
}

/** Minimal query parser (lib/ has no URLSearchParams): last value of a key wins. */
function parseQuery(query: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of query.split('&')) {
    if (part === '') continue;
    const [k, v] = splitOnce(part, '=');
    try {
      out.set(decodeURIComponent(k.replace(/\+/g, ' ')), decodeURIComponent(v.replace(/\+/g, ' ')));
    } catch {
      // A malformed %-escape: skip the parameter, the default stands.
    }
  }
  return out;
}
