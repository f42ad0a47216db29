/**
 * A loaded model as plain structured-clone data (strings, numbers, File handles — no functions):
 * what lib/scenario planScenario reads (PlanModel) plus what the engine port needs to read the
 * model (the served folder or the user's files, the page's memory budget). It is how a job that
 * runs in the analysis worker gets its model: the worker plans the scenario again from it and
 * opens engines over its own engine connection. hooks/ ModelInfo has every field.
 */
import type { ModelSpec } from '../../lib/model/spec';
import type { PlanModel } from '../../lib/scenario/plan';
import { addedBosId } from '../../lib/tokenize/describeSource';
import type { GraphBuildRequest, ModelFile, ModelSource } from './protocol';
import type { ScenarioPortModel } from './scenarioPort';

export interface JobModel extends PlanModel {
  /** Full spec (the per-channel KV calibration builds the model); null when the architecture cannot run. */
  spec: ModelSpec | null;
  /** For messages ("model 'X' has neither …"). */
  label: string;
  /** Served folder the engine worker reads by HTTP ranges; null for local files. */
  baseUrl: string | null;
  /** The user's files (File handles, read by byte range in the engine worker); null when served. */
  files: ModelFile[] | null;
  /** Bytes a run in the engine worker may peak at, and why (sent with every build). */
  memoryBudgetBytes: number;
  memoryBudgetReason: string;
  /** The BOS id the tokenizer adds (the perplexity scoring's rule: PlanModel.bosId), or null; the tokenizer itself does not travel. */
  bosId: number | null;
}

/** What a JobModel is made from: hooks/ ModelInfo (its tokenizer instead of the BOS id) or a JobModel. */
export type JobModelSource = Omit<JobModel, 'bosId'> & Pick<PlanModel, 'bosId' | 'tokenizer'>;

/**
 * Where the engine worker reads this model from: the served folder ('hf-url') or the user's own
 * files ('files'). The page's memory budget travels with the build.
 */
export function modelSourceOf(
  model: Pick<JobModel, 'label' | 'baseUrl' | 'files' | 'memoryBudgetBytes' | 'memoryBudgetReason'>,
  build: GraphBuildRequest,
): ModelSource {
  const withBudget: GraphBuildRequest = { memoryBudgetBytes: model.memoryBudgetBytes, memoryBudgetReason: model.memoryBudgetReason, ...build };
  if (model.baseUrl !== null) return { kind: 'hf-url', baseUrl: model.baseUrl, build: withBudget };
  if (model.files !== null) return { kind: 'files', files: model.files, build: withBudget };
  throw new Error(`model '${model.label}' has neither a served folder nor local files to run`);
}

/** The engine port's view of the model (scenarioPort.ts createScenarioPort). */
export function scenarioPortModelOf(model: JobModelSource): ScenarioPortModel {
  return {
    modelId: model.id,
    spec: model.spec,
    headDim: model.spec?.headDim ?? model.rope.headDim,
    trainedWindowTokens: model.trainedWindow.windowTokens,
    sourceOf: (build) => modelSourceOf(model, build),
  };
}

/**
 * `model`'s JobModel fields only, so nothing else is cloned into a worker: the tokenizer is left
 * out (an HF tokenizer's JSON is megabytes) and only its BOS rule travels — the one thing of it the
 * perplexity scoring reads (lib/tokenize addedBosId) — so planScenario in the worker gives the
 * page's plan, keys included.
 */
export function jobModelOf(model: JobModelSource): JobModel {
  return {
    id: model.id,
    identity: model.identity,
    rope: model.rope,
    trainedWindow: { windowTokens: model.trainedWindow.windowTokens },
    spec: model.spec,
    label: model.label,
    baseUrl: model.baseUrl,
    files: model.files,
    memoryBudgetBytes: model.memoryBudgetBytes,
    memoryBudgetReason: model.memoryBudgetReason,
    bosId: model.tokenizer ? addedBosId(model.tokenizer) : (model.bosId ?? null),
  };
}
