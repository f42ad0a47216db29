/**
 * Two figures of the FP control (SPEC §5 "The control, always"; issue #12 item 3), from the four
 * mean NLLs of lib/qroar/penalty at one context (nats/token, same test windows, same PI):
 *
 *   gap closed  = (PTQ_before − PTQ_after) / (PTQ_before − FP_before)
 *                 the share of what quantization cost that the scales win back on the deployed model
 *                 (1 = PTQ reaches the unscaled FP model; > 1 = it overshoots; < 0 = it got worse);
 *   FP share    = (FP_before − FP_after) / (PTQ_before − PTQ_after)
 *                 the part of the PTQ gain that the full-precision model gets too with the same scales.
 *
 * A gain is called *not specific to quantization* when the PTQ gain is positive and the FP model
 * gains at least CONTROL_GAIN_SHARE of it: then the scales mostly retune the PI method's
 * temperature, which any model under that PI would take, rather than repair quantization error.
 * Both are ratios of mean NLL differences (log-perplexity), so they do not depend on which
 * perplexity is the reference; a ratio whose denominator is not positive is undefined (null).
 */

/**
 * FP share of the PTQ gain at or above which the gain is not specific to quantization
 * (dimensionless; 0.5 = the FP model gains at least half as much as the quantized one).
 */
export const CONTROL_GAIN_SHARE = 0.5;

/** How the control's shares are defined, for the card's caption and --help. */
export const CONTROL_SHARE_DEFINITION =
  `Gap closed = (PTQ before − PTQ after)/(PTQ before − FP before); FP share = (FP before − FP after)/(PTQ before − PTQ after), both on mean NLL; ` +
  `a gain is not specific to quantization when FP gains at least ${(100 * CONTROL_GAIN_SHARE).toFixed(0)} % as much.`;

/** The four mean NLLs of one context (lib/qroar/penalty ContextPenalty.nll), nats/token. */
export interface ControlNll {
  ptqBefore: number;
  ptqAfter: number;
  fpBefore: number;
  fpAfter: number;
}

export interface ControlShares {
  /** PTQ_before − PTQ_after, nats (positive = the scales help the quantized model); NaN when an NLL is not finite. */
  ptqGainNats: number;
  /** FP_before − FP_after, nats. */
  fpGainNats: number;
  /** (PTQ_before − PTQ_after) / (PTQ_before − FP_before); null when quantization cost nothing (gap ≤ 0). */
  gapClosedShare: number | null;
  /** (FP_before − FP_after) / (PTQ_before − PTQ_after); null when the PTQ gain is ≤ 0. */
  fpShareOfGain: number | null;
  /** PTQ gain > 0 and FP share ≥ CONTROL_GAIN_SHARE. */
  notQuantizationSpecific: boolean;
}

/**
 * See the module comment. A non-finite NLL (a model that blew up at some context) gives NaN gains
 * and undefined shares rather than an error, so the other contexts still report.
 */
export function controlShares(nll: ControlNll, threshold = CONTROL_GAIN_SHARE): ControlShares {
  if (!Object.values(nll).every(Number.isFinite))
    return { ptqGainNats: Number.NaN, fpGainNats: Number.NaN, gapClosedShare: null, fpShareOfGain: null, notQuantizationSpecific: false };
  const ptqGainNats = nll.ptqBefore - nll.ptqAfter;
  const fpGainNats = nll.fpBefore - nll.fpAfter;
  const gapNats = nll.ptqBefore - nll.fpBefore;
  const gapClosedShare = gapNats > 0 ? ptqGainNats / gapNats : null;
  const fpShareOfGain = ptqGainNats > 0 ? fpGainNats / ptqGainNats : null;
  return { ptqGainNats, fpGainNats, gapClosedShare, fpShareOfGain, notQuantizationSpecific: fpShareOfGain !== null && fpShareOfGain >= threshold };
}

/** "37 %" for a share, "n/a" when undefined. */
export function formatShare(share: number | null): string {
  return share === null ? 'n/a' : `${(100 * share).toFixed(0)} %`;
}

/**
 * The one sentence the result card (and the CLI) says when the gain is not specific to
 * quantization at some contexts; null when it is specific everywhere (or nothing was gained).
 * `rows`: the contexts (tokens) with their shares.
 */
export function notSpecificSentence(rows: ReadonlyArray<{ contextTokens: number; shares: ControlShares }>, threshold = CONTROL_GAIN_SHARE): string | null {
  const flagged = rows.filter((r) => r.shares.notQuantizationSpecific);
  if (flagged.length === 0) return null;
  const where = flagged.map((r) => `${r.contextTokens} (FP gets ${formatShare(r.shares.fpShareOfGain)})`).join(', ');
  return (
    `The gain is not specific to quantization at ${flagged.length === 1 ? 'context' : 'contexts'} ${where}: the full-precision model gains at least ` +
    `${(100 * threshold).toFixed(0)} % as much with the same scales, so they mostly retune the PI method's temperature rather than repair quantization.`
  );
}
