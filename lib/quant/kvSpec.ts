/**
 * The CLI/URL grammar for KV-cache quantization:
 * `<int8|int4>:<token|channel>:<pre|post>[:<k|v|kv>][:hadamard]`.
 * - int8 / int4: symmetric abs-max bits (lib/quant/kvcache.ts).
 * - token / channel: one scale per (token, head) over headDim, or per (head, channel) calibrated
 *   on a short context and applied, with clipping, at long context.
 * - pre / post: keys are quantized before or after RoPE is applied (values have no RoPE; the field
 *   is still required so every spec has one shape).
 * - k / v / kv: which caches are quantized; omitted means kv (both). `formatKvSpec` omits `:kv`,
 *   so e.g. `int8:token:post` and `int4:channel:pre:k` are the canonical spellings.
 * - hadamard: rotate each head's keys and values by the normalized Walsh–Hadamard matrix before
 *   quantizing them (lib/quant/hadamard.ts, lib/onnx/kvCacheQuant.ts); omitted means no rotation.
 * Strict lower case, no spaces.
 */
import type { KvBits } from './kvcache';

export interface KvQuantSpec {
  bits: KvBits;
  granularity: 'token' | 'channel';
  /** Where keys are taken relative to RoPE. */
  keyRope: 'pre' | 'post';
  /** Which caches are quantized. */
  target: 'k' | 'v' | 'kv';
  /**
   * Rotate k/v per head by the normalized Walsh–Hadamard matrix before quantizing (absent or
   * false = no rotation). Optional so every existing literal keeps meaning "not rotated".
   */
  hadamard?: boolean;
}

const GRAMMAR = '<int8|int4>:<token|channel>:<pre|post>[:<k|v|kv>][:hadamard], e.g. int8:token:post, int4:channel:pre:k or int4:token:post:hadamard';

/** Parses a KV quant spec; throws a message naming the bad field. */
export function parseKvSpec(spec: string): KvQuantSpec {
  const parts = spec.split(':');
  const hadamard = parts.length > 3 && parts[parts.length - 1] === 'hadamard';
  if (hadamard) parts.pop();
  if (parts.length < 3 || parts.length > 4) throw new Error(`bad KV quant spec "${spec}": expected ${GRAMMAR}`);
  const [b, gran, rope, target = 'kv'] = parts;
  if (b !== 'int8' && b !== 'int4') throw new Error(`bad KV quant spec "${spec}": bits "${b}" must be int8 or int4`);
  if (gran !== 'token' && gran !== 'channel') {
    throw new Error(`bad KV quant spec "${spec}": granularity "${gran}" must be token or channel`);
  }
  if (rope !== 'pre' && rope !== 'post') throw new Error(`bad KV quant spec "${spec}": key stage "${rope}" must be pre or post`);
  if (target !== 'k' && target !== 'v' && target !== 'kv') {
    throw new Error(`bad KV quant spec "${spec}": target "${target}" must be k, v or kv`);
  }
  const out: KvQuantSpec = { bits: b === 'int8' ? 8 : 4, granularity: gran, keyRope: rope, target };
  if (hadamard) out.hadamard = true;
  return out;
}

/** Canonical spelling of a KvQuantSpec (`:kv` omitted, `:hadamard` last when rotated). */
export function formatKvSpec(s: KvQuantSpec): string {
  const base = `int${s.bits}:${s.granularity}:${s.keyRope}`;
  const withTarget = s.target === 'kv' ? base : `${base}:${s.target}`;
  return s.hadamard ? `${withTarget}:hadamard` : withTarget;
}
