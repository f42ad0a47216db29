/**
 * The quantization penalty and its repair (issue #13, SPEC §5 "The control, always").
 *
 * At one context C, on the same test windows w, four evaluations (mean NLL per window, nats):
 *   ptqBefore = PTQ at g = 1        ptqAfter = PTQ with the chosen scales g
 *   fpBefore  = FP at g = 1         fpAfter  = FP with the same g (the control, same PI)
 * Figures, ours:
 *   PTQ change     = ptqAfter − ptqBefore            (what the scales do to the deployed model)
 *   FP control     = fpAfter − fpBefore              (what they do without quantization)
 *   penalty before = ptqBefore − fpBefore            (what quantization costs)
 *   penalty after  = ptqAfter − fpAfter              (what it costs with the scales on both sides)
 *   penalty change = after − before; relative change = change / penalty before
 * A scale vector that lowers PTQ and FP alike is a temperature retune for the PI method, not a
 * repair of quantization: the PTQ change is then real but the penalty change is not. Every
 * figure is a paired per-window difference (lib/qroar/noise), so each carries its standard error;
 * the relative change's error is SE(change)/|penalty before| (the delta method, ignoring the
 * smaller relative error of the penalty before itself).
 */
import { controlShares, type ControlShares } from './controlShare';
import { isWithinNoise, pairedDifference, type NoiseSettings, type PairedStat, DEFAULT_NOISE } from './noise';

export interface PenaltyWindows {
  contextTokens: number;
  /** Mean NLL per window, nats, Float64Array|number[] [windows], all four over the same windows. */
  ptqBefore: ArrayLike<number>;
  ptqAfter: ArrayLike<number>;
  fpBefore: ArrayLike<number>;
  fpAfter: ArrayLike<number>;
}

export interface ContextPenalty {
  contextTokens: number;
  windows: number;
  /** Mean NLL over the windows, nats/token. */
  nll: { ptqBefore: number; ptqAfter: number; fpBefore: number; fpAfter: number };
  ptqChange: PairedStat;
  fpChange: PairedStat;
  penaltyBefore: PairedStat;
  penaltyAfter: PairedStat;
  penaltyChange: PairedStat;
  /** penaltyChange / penaltyBefore (−0.2 = the penalty fell 20 %); NaN when the penalty before is 0. */
  penaltyRelativeChange: number;
  penaltyRelativeChangeStdError: number;
  /** Which changes are indistinguishable from noise (lib/qroar/noise isWithinNoise). */
  withinNoise: { ptqChange: boolean; fpChange: boolean; penaltyChange: boolean };
  /**
   * Share of the PTQ−FP gap closed and the part of the gain FP gets too (lib/qroar/controlShare),
   * from `nll`; absent in reports saved before it was recorded (derive it with controlShares(nll)).
   */
  shares?: ControlShares;
}

const mean = (xs: ArrayLike<number>) => {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s / xs.length;
};

/** Penalty figures at one context; see the module comment. Throws when the four window counts differ. */
export function contextPenalty(w: PenaltyWindows, noise: NoiseSettings = DEFAULT_NOISE): ContextPenalty {
  const n = w.ptqBefore.length;
  for (const [name, xs] of [
    ['ptqAfter', w.ptqAfter],
    ['fpBefore', w.fpBefore],
    ['fpAfter', w.fpAfter],
  ] as const) {
    if (xs.length !== n) throw new Error(`contextPenalty at ${w.contextTokens}: ${name} has ${xs.length} windows, ptqBefore ${n}`);
  }
  const penBefore = Float64Array.from({ length: n }, (_, i) => w.ptqBefore[i] - w.fpBefore[i]);
  const penAfter = Float64Array.from({ length: n }, (_, i) => w.ptqAfter[i] - w.fpAfter[i]);
  const zeros = new Float64Array(n);
  const ptqChange = pairedDifference(w.ptqAfter, w.ptqBefore);
  const fpChange = pairedDifference(w.fpAfter, w.fpBefore);
  const penaltyBefore = pairedDifference(penBefore, zeros);
  const penaltyAfter = pairedDifference(penAfter, zeros);
  const penaltyChange = pairedDifference(penAfter, penBefore);
  const denom = penaltyBefore.meanNats;
  const nll = { ptqBefore: mean(w.ptqBefore), ptqAfter: mean(w.ptqAfter), fpBefore: mean(w.fpBefore), fpAfter: mean(w.fpAfter) };
  return {
    contextTokens: w.contextTokens,
    windows: n,
    nll,
    ptqChange,
    fpChange,
    penaltyBefore,
    penaltyAfter,
    penaltyChange,
    penaltyRelativeChange: denom === 0 ? Number.NaN : penaltyChange.meanNats / denom,
    penaltyRelativeChangeStdError: denom === 0 ? Number.NaN : penaltyChange.standardErrorNats / Math.abs(denom),
    withinNoise: { ptqChange: isWithinNoise(ptqChange, noise), fpChange: isWithinNoise(fpChange, noise), penaltyChange: isWithinNoise(penaltyChange, noise) },
    shares: controlShares(nll),
  };
}
