/**
 * Band partitions of the rotary pairs (SPEC §1, REFERENCE §4). A band is a contiguous run of
 * whole pairs; every partition covers each pair exactly once.
 */
import { RopeConfigError } from './errors';
import { originalWindowTokens, validateRopeConfig, YARN_DEFAULT_BETA_FAST, YARN_DEFAULT_BETA_SLOW } from './frequencies';
import { defaultInvFreqRadPerToken, wavelengthTokens, yarnCorrectionRange } from './math';
import type { Band, BandPartitionSpec, RopeConfig } from './types';

export const EQUAL_LOG_MIN_BANDS = 2;
export const EQUAL_LOG_MAX_BANDS = 16;
export const EQUAL_LOG_DEFAULT_BANDS = 4;

/**
 * Parses 'equal-log:B' (or bare 'equal-log' = 4 bands), 'yarn', or 'custom:a-b,c-d,…' (a lone
 * 'a' is the one-pair range a-a). Range checks against a model happen in bandsFor.
 */
export function parseBandSpec(text: string): BandPartitionSpec {
  const trimmed = text.trim();
  if (trimmed === 'yarn') return { kind: 'yarn' };
  if (trimmed === 'equal-log') return { kind: 'equal-log', count: EQUAL_LOG_DEFAULT_BANDS };
  if (trimmed.startsWith('equal-log:')) {
    const raw = trimmed.slice('equal-log:'.length);
    const count = Number(raw);
    if (!/^\d+$/.test(raw) || count < EQUAL_LOG_MIN_BANDS || count > EQUAL_LOG_MAX_BANDS) {
      throw new RopeConfigError(`equal-log needs a band count from ${EQUAL_LOG_MIN_BANDS} to ${EQUAL_LOG_MAX_BANDS}, got '${raw}'`);
    }
    return { kind: 'equal-log', count };
  }
  if (trimmed.startsWith('custom:')) {
    const body = trimmed.slice('custom:'.length);
    if (body === '') throw new RopeConfigError("custom bands need ranges, e.g. 'custom:0-7,8-15'");
    const ranges: Array<[number, number]> = body.split(',').map((part) => {
      const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(part);
      if (!m) throw new RopeConfigError(`custom band '${part}' is not a pair range like '8-15'`);
      const first = Number(m[1]);
      const last = m[2] === undefined ? first : Number(m[2]);
      if (last < first) throw new RopeConfigError(`custom band '${part}' ends before it starts`);
      return [first, last];
    });
    return { kind: 'custom', ranges };
  }
  throw new RopeConfigError(`unknown band partition '${text}' (use equal-log:B, yarn, or custom:0-7,8-15,…)`);
}

function labelFor(bandIndex: number, firstPair: number, lastPair: number, inv: Float64Array): string {
  const fmt = (x: number): string => (x >= 100 ? Math.round(x).toString() : x.toPrecision(3));
  return `band ${bandIndex}: pairs ${firstPair}–${lastPair} (λ ${fmt(wavelengthTokens(inv[firstPair]))}–${fmt(wavelengthTokens(inv[lastPair]))} tokens)`;
}

function makeBands(ranges: Array<[number, number]>, inv: Float64Array, names?: string[]): Band[] {
  return ranges.map(([firstPair, lastPair], bandIndex) => ({
    bandIndex,
    firstPair,
    lastPair,
    label: (names ? `${names[bandIndex]} ` : '') + labelFor(bandIndex, firstPair, lastPair, inv),
  }));
}

/**
 * Bands of `rope`'s rotaryDim/2 pairs. Labels show the unscaled wavelengths θ_i = b^(−2i/d_r).
 * - equal-log:B — pairs split into B runs of ⌊P/B⌋ pairs; the remainder P mod B goes one extra
 *   pair each to the first (fastest) bands, so widths differ by at most one. Needs P ≥ B.
 * - yarn — split by YaRN's ramp ρ_i (betaFast/betaSlow of the config, else 32/1; L0 of the
 *   config; its truncate): 'untouched' ρ = 0 (i ≤ low), 'ramp' 0 < ρ < 1, 'interpolated' ρ = 1
 *   (i ≥ high). Bands that come out empty (e.g. high clamped past the last pair, or low = high)
 *   are dropped, so there may be 1–3 bands; bandIndex is renumbered from 0.
 * - custom — ranges sorted by first pair; they must cover 0 … P−1 exactly once (no gap,
 *   no overlap, none past the end), else RopeConfigError naming the problem.
 */
export function bandsFor(spec: BandPartitionSpec, rope: RopeConfig): Band[] {
  validateRopeConfig(rope);
  const pairCount = rope.rotaryDim >> 1;
  const inv = defaultInvFreqRadPerToken(rope.thetaBase, rope.rotaryDim);
  switch (spec.kind) {
    case 'equal-log': {
      const { count } = spec;
      if (!Number.isInteger(count) || count < 1) throw new RopeConfigError(`band count must be a positive integer, got ${count}`);
      if (count > pairCount) throw new RopeConfigError(`cannot split ${pairCount} pairs into ${count} bands`);
      const width = Math.floor(pairCount / count);
      const remainder = pairCount % count;
      const ranges: Array<[number, number]> = [];
      let first = 0;
      for (let b = 0; b < count; b++) {
        const w = width + (b < remainder ? 1 : 0);
        ranges.push([first, first + w - 1]);
        first += w;
      }
      return makeBands(ranges, inv);
    }
    case 'yarn': {
      const { low, high } = yarnCorrectionRange({
        betaFast: rope.betaFast || YARN_DEFAULT_BETA_FAST,
        betaSlow: rope.betaSlow || YARN_DEFAULT_BETA_SLOW,
        rotaryDim: rope.rotaryDim,
        thetaBase: rope.thetaBase,
        originalWindowTokens: originalWindowTokens(rope),
        truncate: rope.truncate,
      });
      // ρ_i = 0 ⇔ i ≤ low; ρ_i = 1 ⇔ i ≥ high (HF nudges high by 0.001 when low = high).
      const effHigh = low === high ? high + 0.001 : high;
      const lastUntouched = Math.min(pairCount - 1, Math.floor(low));
      const firstInterpolated = Math.max(lastUntouched + 1, Math.ceil(effHigh));
      const candidates: Array<[string, number, number]> = [
        ['untouched', 0, lastUntouched],
        ['ramp', lastUntouched + 1, Math.min(pairCount - 1, firstInterpolated - 1)],
        ['interpolated', firstInterpolated, pairCount - 1],
      ];
      const kept = candidates.filter(([, a, b]) => a <= b);
      return makeBands(
        kept.map(([, a, b]) => [a, b]),
        inv,
        kept.map(([name]) => name),
      );
    }
    case 'custom': {
      if (spec.ranges.length === 0) throw new RopeConfigError('custom partition has no bands');
      const sorted = spec.ranges.map(([a, b]) => [a, b] as [number, number]).sort((x, y) => x[0] - y[0]);
      let expected = 0;
      for (const [a, b] of sorted) {
        if (!Number.isInteger(a) || !Number.isInteger(b) || b < a) throw new RopeConfigError(`custom band ${a}-${b} is not a valid pair range`);
        if (a < expected) throw new RopeConfigError(`custom bands overlap at pair ${a}`);
        if (a > expected) throw new RopeConfigError(`custom bands miss pair${a - 1 > expected ? `s ${expected}-${a - 1}` : ` ${expected}`}`);
        if (b >= pairCount) throw new RopeConfigError(`custom band ${a}-${b} runs past the last pair ${pairCount - 1} (rotary dim ${rope.rotaryDim})`);
        expected = b + 1;
      }
      if (expected !== pairCount) {
        throw new RopeConfigError(`custom bands miss pair${pairCount - 1 > expected ? `s ${expected}-${pairCount - 1}` : ` ${expected}`}`);
      }
      return makeBands(sorted, inv);
    }
    default: {
      const never: never = spec;
      throw new RopeConfigError(`unknown band partition ${JSON.stringify(never)}`);
    }
  }
}

/** Band index of every pair. Output Int32Array[pairCount]; throws if a pair is uncovered. */
export function bandIndexOfPairs(bands: Band[], pairCount: number): Int32Array {
  const out = new Int32Array(pairCount).fill(-1);
  for (const band of bands) for (let i = band.firstPair; i <= band.lastPair; i++) out[i] = band.bandIndex;
  const missing = out.indexOf(-1);
  if (missing >= 0) throw new RopeConfigError(`pair ${missing} of ${pairCount} is in no band`);
  return out;
}
