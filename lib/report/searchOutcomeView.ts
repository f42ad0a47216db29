/**
 * Result card view of a search run (issue #13): the no-op message, the grid-edge warning with its
 * widening offer, what an older report lacks, and one row of penalty figures per context, each
 * change written with its standard error and "within noise" where it is. Pure: the React card
 * only lays these strings out.
 */
import { CONTROL_SHARE_DEFINITION, controlShares, formatShare, notSpecificSentence } from '../qroar/controlShare';
import { gridEdgeMessage, WIDEN_DEFINITION, type SearchWindow } from '../qroar/gridEdge';
import { DEFAULT_NOISE } from '../qroar/noise';
import { formatPplChange, formatRelativeChange, noiseDefinition, PENALTY_DEFINITION } from '../qroar/outcomeText';
import { missingOutcomeFields, type ReportSearchRun } from './searchRecord';

export interface PenaltyRowView {
  contextTokens: number;
  windows: number;
  ptqChange: string;
  fpChange: string;
  penaltyBefore: string;
  penaltyAfter: string;
  penaltyRelativeChange: string;
  /** The PTQ change at this context cannot be told from noise. */
  ptqWithinNoise: boolean;
  /** PTQ gain and the FP model's own gain with the same scales, nats (before − after). */
  ptqGain: string;
  fpGain: string;
  /** (PTQ_before − PTQ_after)/(PTQ_before − FP_before), e.g. "20 %", "n/a". */
  gapClosed: string;
  /** (FP_before − FP_after)/(PTQ_before − PTQ_after). */
  fpShareOfGain: string;
  /** FP gains at least CONTROL_GAIN_SHARE of the PTQ gain here. */
  notQuantizationSpecific: boolean;
}

export interface SearchOutcomeView {
  noOp: string | null;
  /** Edge warning and the window one step wider, or null. */
  edge: { message: string; widenTo: SearchWindow; widenLabel: string; definition: string } | null;
  /** "This report was saved before …" or null. */
  olderReport: string | null;
  devChange: string | null;
  penaltyRows: PenaltyRowView[];
  /** Test contexts (of run.test) whose PTQ change is within noise, for the before/after table. */
  testWithinNoise: Record<number, boolean>;
  /** The sentence saying at which contexts the gain is not specific to quantization, or null. */
  notSpecific: string | null;
  caption: string;
}

const nats = (x: number) => `${x.toFixed(4)}`;

export function searchOutcomeView(run: ReportSearchRun): SearchOutcomeView {
  const noise = run.noise ?? DEFAULT_NOISE;
  const missing = missingOutcomeFields(run);
  const hits = run.edgeHits ?? [];
  const message = run.window ? gridEdgeMessage(hits, run.window.lo, run.window.hi) : null;
  const widenTo = run.widenTo ?? null;
  const shared = (run.penalty ?? []).map((p) => ({ contextTokens: p.contextTokens, shares: p.shares ?? controlShares(p.nll) }));
  const penaltyRows: PenaltyRowView[] = (run.penalty ?? []).map((p, i) => ({
    contextTokens: p.contextTokens,
    windows: p.windows,
    ptqChange: formatPplChange(p.ptqChange, noise),
    fpChange: formatPplChange(p.fpChange, noise),
    penaltyBefore: `${nats(p.penaltyBefore.meanNats)} ± ${nats(p.penaltyBefore.standardErrorNats)}`,
    penaltyAfter: `${nats(p.penaltyAfter.meanNats)} ± ${nats(p.penaltyAfter.standardErrorNats)}`,
    penaltyRelativeChange: formatRelativeChange(p.penaltyRelativeChange, p.penaltyRelativeChangeStdError, p.withinNoise.penaltyChange),
    ptqWithinNoise: p.withinNoise.ptqChange,
    ptqGain: nats(shared[i].shares.ptqGainNats),
    fpGain: nats(shared[i].shares.fpGainNats),
    gapClosed: formatShare(shared[i].shares.gapClosedShare),
    fpShareOfGain: formatShare(shared[i].shares.fpShareOfGain),
    notQuantizationSpecific: shared[i].shares.notQuantizationSpecific,
  }));
  const testWithinNoise: Record<number, boolean> = {};
  for (const p of run.penalty ?? []) testWithinNoise[p.contextTokens] = p.withinNoise.ptqChange;
  return {
    noOp: run.noOpReason ?? null,
    edge:
      message && widenTo
        ? {
            message,
            widenTo,
            widenLabel: `Widen to [${widenTo.lo.toFixed(3)}, ${widenTo.hi.toFixed(3)}] (${widenTo.pointCount} points) and search again`,
            definition: WIDEN_DEFINITION,
          }
        : null,
    olderReport: missing.length > 0 ? `This report was saved before the search recorded ${missing.join(', ')}; rerun the search to get them.` : null,
    devChange: run.devChange ? `${formatPplChange(run.devChange, noise)} on ${run.devChange.windows} dev windows` : null,
    penaltyRows,
    testWithinNoise,
    notSpecific: notSpecificSentence(shared),
    caption: `${noiseDefinition(noise)} ${PENALTY_DEFINITION} ${CONTROL_SHARE_DEFINITION}`,
  };
}
