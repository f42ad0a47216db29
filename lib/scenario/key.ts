/**
 * THE key function of the experiment core: every TanStack query key (lib/scenario/plan
 * `plan.key(job)`) and every engine session key (`engineSessionKey`) is `stableKey` of a plain
 * record, so two callers that mean the same run or the same graph write the same string and
 * nothing else does. Object keys are sorted and undefined fields dropped, so the order a record
 * was spelt in never matters; typed arrays must be digested first (`float32Digest`), so a key
 * never carries megabytes by accident.
 */
import type { KvChannelScales } from '../eval/kvCalibration';
import type { EngineBuild } from './engineBuild';

/**
 * Stable JSON of plain data `value` (null, booleans, finite numbers, strings, arrays, records):
 * object keys sorted, undefined fields dropped, −0 written as 0. Throws for what JSON would lose
 * or blur (NaN, ±Infinity, typed arrays, functions), naming the path.
 */
export function stableKey(value: unknown): string {
  return spell(value, '$');
}

function spell(value: unknown, path: string): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'string':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new Error(`stableKey: ${path} is ${value}, which a key cannot tell apart from null`);
      return JSON.stringify(value === 0 ? 0 : value);
    case 'object': {
      if (ArrayBuffer.isView(value)) throw new Error(`stableKey: ${path} is a typed array; key its digest (float32Digest), not its values`);
      if (Array.isArray(value)) return `[${value.map((v, i) => spell(v, `${path}[${i}]`)).join(',')}]`;
      const record = value as Record<string, unknown>;
      const fields = Object.keys(record)
        .filter((k) => record[k] !== undefined)
        .sort();
      return `{${fields.map((k) => `${JSON.stringify(k)}:${spell(record[k], `${path}.${k}`)}`).join(',')}}`;
    }
    default:
      throw new Error(`stableKey: ${path} is a ${typeof value}, not plain data`);
  }
}

/** FNV-1a (32-bit) over the float32 bits of `arrays` in order, hex: equal only when every bit is. */
export function float32Digest(arrays: readonly Float32Array[]): string {
  let h = 0x811c9dc5;
  for (const a of arrays) {
    const bytes = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 0x01000193) >>> 0;
    // The boundary between arrays counts: [a, b] ≠ [ab].
    h = Math.imul(h ^ 0xff, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}

/** Digest of calibrated per-channel KV scales: two calibrations share a session only when their scales are identical. */
export function kvScalesDigest(scales: KvChannelScales): string {
  return `k:${scales.k ? float32Digest(scales.k) : '-'},v:${scales.v ? float32Digest(scales.v) : '-'}`;
}

/**
 * Every field of `build` that changes the built graph, with defaults filled in and what cannot
 * matter dropped (the RTN layers and float16 rounding without RTN, the budget of the request):
 * the identity of the graph, so equal graphs key equal.
 */
export function engineBuildIdentity(build: EngineBuild): Record<string, unknown> {
  const q = build.quant ?? null;
  const kv = build.kv ?? null;
  return {
    seqLen: build.seqLen,
    quant: q ? { bits: q.bits, groupSizeColumns: q.groupSizeColumns, symmetric: q.symmetric, layers: q.layers } : null,
    quantFormat: build.quantFormat ?? 'fake',
    weightPrecision: q ? 'f32' : (build.weightPrecision ?? 'f32'),
    kv: kv ? { bits: kv.bits, granularity: kv.granularity, keyRope: kv.keyRope, target: kv.target, hadamard: kv.hadamard === true } : null,
    kvChannelScales: build.kvChannelScales ? kvScalesDigest(build.kvChannelScales) : null,
    qroar: build.qroar
      ? { variant: build.qroar.variant, bands: build.qroar.bands.map((b) => [b.firstPair, b.lastPair]), scales: [...build.qroar.scales] }
      : null,
    tapLayers: [...(build.tapLayers ?? [])],
    tapQueries: build.tapQueries !== false,
    tapValues: build.tapValues === true,
    logits: build.logits === true,
    // Only when asked: keys of builds without the count stay as they were.
    kvClipCount: build.kvClipCount === true && kv?.granularity === 'channel' ? true : undefined,
  };
}

/**
 * The engine session key of `build` on the model `modelId` and the device asked for: one worker
 * session per distinct (model, device, graph). The device is part of it so the FP graph on the
 * WASM EP (the diagnostics' backend noise floor) never reuses the WebGPU session of the same graph.
 */
export function engineSessionKey(modelId: string, device: string, build: EngineBuild): string {
  return stableKey({ engine: modelId, device, build: engineBuildIdentity(build) });
}
