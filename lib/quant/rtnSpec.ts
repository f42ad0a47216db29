/**
 * The CLI/URL grammar for RTN weight quantization: `rtn:w<bits>g<group|ch><a|s>`.
 * bits 2..8; group one of SPEC §3's sizes (32, 64, 128, 256) or `ch` (per-channel = whole row);
 * `a` asymmetric (min/max + zero point), `s` symmetric (abs-max). Examples: rtn:w4g32a, rtn:w8g128s,
 * rtn:w4gcha. The grammar is strict (lower case, no spaces) so one setting has one spelling and
 * specs can be used as cache keys and fixture ids.
 */
import type { RtnOptions } from './rtn';

/** Group sizes the UI and CLI offer (SPEC §3), besides per-channel. */
export const RTN_GROUP_SIZES: readonly number[] = [32, 64, 128, 256];

const GRAMMAR = 'rtn:w<bits 2-8>g<32|64|128|256|ch><a|s>, e.g. rtn:w4g32a';

/** Parses e.g. "rtn:w4g32a" into RtnOptions; throws a message naming the bad part. */
export function parseRtnSpec(spec: string): RtnOptions {
  const m = /^rtn:w(\d+)g(\d+|ch)([as])$/.exec(spec);
  if (!m) throw new Error(`bad RTN quant spec "${spec}": expected ${GRAMMAR}`);
  const bits = Number(m[1]);
  if (bits < 2 || bits > 8) throw new Error(`bad RTN quant spec "${spec}": bits ${m[1]} outside 2..8`);
  let groupSize: number | 'channel';
  if (m[2] === 'ch') {
    groupSize = 'channel';
  } else {
    groupSize = Number(m[2]);
    if (!RTN_GROUP_SIZES.includes(groupSize)) {
      throw new Error(`bad RTN quant spec "${spec}": group ${m[2]} not one of 32, 64, 128, 256 or ch`);
    }
  }
  return { bits, groupSize, symmetric: m[3] === 's' };
}

/** Inverse of parseRtnSpec; throws for options the grammar cannot express. */
export function formatRtnSpec(opts: RtnOptions): string {
  const { bits, groupSize, symmetric } = opts;
  if (!Number.isInteger(bits) || bits < 2 || bits > 8) throw new Error(`formatRtnSpec: bits ${bits} outside 2..8`);
  if (groupSize !== 'channel' && !RTN_GROUP_SIZES.includes(groupSize)) {
    throw new Error(`formatRtnSpec: group ${groupSize} not one of 32, 64, 128, 256 or 'channel'`);
  }
  return `rtn:w${bits}g${groupSize === 'channel' ? 'ch' : groupSize}${symmetric ? 's' : 'a'}`;
}
