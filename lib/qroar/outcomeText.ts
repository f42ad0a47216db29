/**
 * Words and numbers of a search outcome, one spelling for the CLI's human output and the
 * dashboard's result card (issue #13): a change always with its standard error, and "within
 * noise" where the paired test (lib/qroar/noise) cannot tell it from zero.
 */
import { DEFAULT_NOISE, isWithinNoise, pplChangePercent, type NoiseSettings, type PairedStat } from './noise';
import { controlShares, formatShare } from './controlShare';
import type { ContextPenalty } from './penalty';

/** The definitions behind every "within noise", for captions and --help. */
export function noiseDefinition(noise: NoiseSettings = DEFAULT_NOISE): string {
  return (
    `Changes are paired differences on the same windows (per window: candidate − incumbent in the search, after − before in the results; mean ± its standard error); ` +
    `a change counts only beyond max(${noise.sigmas} SE, ${noise.floatToleranceNats} nats), else it is "within noise" and the search keeps the incumbent (g = 1 at the start).`
  );
}

/** The penalty definitions, for captions and --help. */
export const PENALTY_DEFINITION =
  'Quantization penalty = NLL(PTQ) − NLL(FP) on the same test windows, before (g = 1) and after (the chosen g applied to both PTQ and FP, same PI); ' +
  'its relative change says how much of what quantization costs the scales repair. A gain FP gets as much is a temperature retune, not a repair.';

const sign = (x: number, digits: number) => `${x > 0 ? '+' : x < 0 ? '−' : '±'}${Math.abs(x).toFixed(digits)}`;

/** "−0.51 % ± 0.10 %" (perplexity change) plus " (within noise)" when it is; "± n/a" when SE is unknown. */
export function formatPplChange(stat: PairedStat, noise: NoiseSettings = DEFAULT_NOISE): string {
  const { percent, standardErrorPercent } = pplChangePercent(stat);
  const se = Number.isFinite(standardErrorPercent) ? `± ${standardErrorPercent.toFixed(2)} %` : '± n/a (one window)';
  return `${sign(percent, 2)} % ${se}${isWithinNoise(stat, noise) ? ' (within noise)' : ''}`;
}

/** "−15.5 % ± 4.0 %" for a relative change of the penalty, or "n/a" when the penalty before is 0. */
export function formatRelativeChange(relative: number, standardError: number, withinNoise: boolean): string {
  if (!Number.isFinite(relative)) return 'n/a (no penalty before)';
  const se = Number.isFinite(standardError) ? ` ± ${(100 * standardError).toFixed(1)} %` : '';
  return `${sign(100 * relative, 1)} %${se}${withinNoise ? ' (within noise)' : ''}`;
}

/** One human line per context: PTQ change, FP control, penalty before → after and its relative change, gap closed and FP share of the gain. */
export function penaltyLine(p: ContextPenalty, noise: NoiseSettings = DEFAULT_NOISE): string {
  const shares = p.shares ?? controlShares(p.nll);
  return (
    `at ${p.contextTokens} (${p.windows} test windows): PTQ ${formatPplChange(p.ptqChange, noise)}, FP control ${formatPplChange(p.fpChange, noise)}; ` +
    `penalty ${p.penaltyBefore.meanNats.toFixed(5)} → ${p.penaltyAfter.meanNats.toFixed(5)} nats ` +
    `(${formatRelativeChange(p.penaltyRelativeChange, p.penaltyRelativeChangeStdError, p.withinNoise.penaltyChange)}); ` +
    `gap closed ${formatShare(shares.gapClosedShare)}, FP gets ${formatShare(shares.fpShareOfGain)} of the gain`
  );
}
