/**
 * The held-out measurement of `bandscope search` (issue #13): at each context, the test text's
 * windows (all by default) under four weight sets — PTQ and FP, each at g = 1 and with the chosen
 * scales (same PI) — then the penalty figures of lib/qroar/penalty. Four weight builds, each
 * reused for every context; when the chosen scales are all 1 the "after" runs equal the "before"
 * runs and are not repeated.
 */
import type { GraphKvQuant } from '../../lib/onnx/llamaGraph';
import { contextPenalty, type ContextPenalty } from '../../lib/qroar/penalty';
import type { NoiseSettings } from '../../lib/qroar/noise';
import type { RtnOptions } from '../../lib/quant/rtn';
import type { RopeConfig } from '../../lib/rope/types';
import type { ScenarioModel } from './model';
import { scenarioWeights, windowedNll, type QroarSetting } from './runs';

export interface PenaltyMeasurement {
  model: ScenarioModel;
  rope: RopeConfig;
  tokens: Int32Array;
  /** Contexts to measure, ascending, unique. */
  contexts: number[];
  /** Windows per context; undefined = every whole window of the text. */
  testWindows?: number;
  rtn?: RtnOptions;
  kvQuant?: GraphKvQuant;
  qroar: Omit<QroarSetting, 'scales'>;
  chosenScales: Float64Array;
  noise: NoiseSettings;
  log: (message: string) => void;
}

/** Runs the four variants at every context and returns one ContextPenalty per context. */
export async function measureTestPenalty(m: PenaltyMeasurement): Promise<ContextPenalty[]> {
  const { model, rope, tokens, contexts } = m;
  const ones = new Float64Array(m.chosenScales.length).fill(1);
  const unchanged = m.chosenScales.every((g) => g === 1);
  const perWindow = async (label: string, weights: Awaited<ReturnType<typeof scenarioWeights>>, kv: GraphKvQuant | undefined) => {
    const out: Float64Array[] = [];
    for (const c of contexts) {
      const windows = m.testWindows ?? Math.floor(tokens.length / c);
      m.log(`test text, ${label}: ${Math.min(windows, Math.floor(tokens.length / c))} windows of ${c}`);
      out.push((await windowedNll(model.spec, weights, rope, tokens, c, windows, kv)).perWindowNll);
    }
    return out;
  };
  const ptqBefore = await perWindow('PTQ at g = 1', await scenarioWeights(model, { rtn: m.rtn, qroar: { ...m.qroar, scales: ones } }), m.kvQuant);
  const ptqAfter = unchanged ? ptqBefore : await perWindow('PTQ with the chosen g', await scenarioWeights(model, { rtn: m.rtn, qroar: { ...m.qroar, scales: m.chosenScales } }), m.kvQuant);
  const fpBefore = await perWindow('FP at g = 1 (control)', await scenarioWeights(model, {}), undefined);
  const fpAfter = unchanged ? fpBefore : await perWindow('FP with the chosen g (control)', await scenarioWeights(model, { qroar: { ...m.qroar, scales: m.chosenScales } }), undefined);
  return contexts.map((contextTokens, k) =>
    contextPenalty({ contextTokens, ptqBefore: ptqBefore[k], ptqAfter: ptqAfter[k], fpBefore: fpBefore[k], fpAfter: fpAfter[k] }, m.noise),
  );
}
