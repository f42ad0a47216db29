/**
 * `bandscope inspect <hf-folder | file.safetensors | file.gguf> [--tensor NAME] [--json]`
 *
 * What a checkpoint holds: format, architecture, ModelSpec and every tensor (HF names).
 * --tensor NAME (HF name, or the file's own name for GGUF) adds {name, dtype, shape, first[16],
 * mean, absMax, nonFinite} over the float32 values after dequantization, in the file's own
 * row order; the tensor is read in row batches so memory stays bounded.
 * --json prints exactly one JSON object.
 */
import type { OpenedModel } from '../../lib/model/open';
import { tensorStats, type TensorStats } from '../../lib/model/stats';
import { openModelAtPath } from '../io/nodeByteSource';
import { booleanFlag, parseFlags, stringFlag } from '../args';
import { UsageError } from '../errors';

const COMMAND = 'inspect';
/** Rows are read in batches of about this many float32 values. */
const BATCH_ELEMENTS = 1 << 22;

export interface InspectReport {
  format: OpenedModel['format'];
  architecture: string;
  identity: string;
  spec: OpenedModel['spec'];
  tensors: Array<{ name: string; dtype: string; shape: number[] }>;
  tensor?: { name: string; dtype: string; shape: number[] } & TensorStats;
}

async function statsOf(model: OpenedModel, name: string): Promise<TensorStats> {
  const info = model.tensors.find((t) => t.name === name)!;
  const rowCount = info.shape.length > 1 ? info.shape[0] : 1;
  const rowElements = info.shape.reduce((a, b) => a * b, 1) / Math.max(rowCount, 1);
  const batchRows = Math.max(1, Math.floor(BATCH_ELEMENTS / Math.max(rowElements, 1)));
  let first: number[] = [];
  let sum = 0;
  let finite = 0;
  let absMax = 0;
  let nonFinite = 0;
  for (let row = 0; row < rowCount; row += batchRows) {
    const count = Math.min(batchRows, rowCount - row);
    const values = info.shape.length > 1 ? await model.tensorF32(name, { first: row, count }) : await model.tensorF32(name);
    const s = tensorStats(values);
    if (row === 0) first = s.first;
    const finiteHere = values.length - s.nonFinite;
    sum += s.mean * finiteHere;
    finite += finiteHere;
    absMax = Math.max(absMax, s.absMax);
    nonFinite += s.nonFinite;
  }
  return { first, mean: finite === 0 ? 0 : sum / finite, absMax, nonFinite };
}

export async function run(argv: string[]): Promise<void> {
  const flags = parseFlags(COMMAND, argv, { tensor: { type: 'string' }, json: { type: 'boolean' } }, true);
  if (flags.positionals.length !== 1) {
    throw new UsageError(`${COMMAND}: give exactly one path (an HF folder, a .safetensors file or a .gguf file), got ${flags.positionals.length}`);
  }
  const tensorName = stringFlag(COMMAND, flags, 'tensor');
  const { model, close } = await openModelAtPath(flags.positionals[0]);
  try {
    const report: InspectReport = {
      format: model.format,
      architecture: model.architecture,
      identity: model.identity,
      spec: model.spec,
      tensors: model.tensors.map((t) => ({ name: t.name, dtype: t.dtype, shape: t.shape })),
    };
    if (tensorName !== undefined) {
      const info = model.tensors.find((t) => t.name === tensorName || t.fileTensorName === tensorName);
      if (!info) throw new UsageError(`${COMMAND}: no tensor named '${tensorName}' (try one of: ${model.tensors.slice(0, 5).map((t) => t.name).join(', ')}, …)`);
      report.tensor = { name: info.name, dtype: info.dtype, shape: info.shape, ...(await statsOf(model, info.name)) };
    }
    if (booleanFlag(flags, 'json')) {
      process.stdout.write(`${JSON.stringify(report)}\n`);
      return;
    }
    const s = model.spec;
    const lines = [
      `format        ${report.format} (${report.architecture}), identity ${report.identity.slice(0, 16)}…`,
      `layers ${s.numLayers}, hidden ${s.hiddenSize}, heads ${s.numHeads} (kv ${s.numKvHeads}) × ${s.headDim}, mlp ${s.intermediateSize}, vocab ${s.vocabSize}`,
      `rope          ${s.rope.type}, base ${s.rope.thetaBase}, rotary dims ${s.rope.rotaryDim}, window ${s.rope.maxPositionEmbeddings}, pairs ${s.pairLayout}`,
      `tensors       ${report.tensors.length}`,
      ...report.tensors.map((t) => `  ${t.name}  ${t.dtype}  [${t.shape.join(', ')}]`),
    ];
    if (report.tensor) {
      const t = report.tensor;
      lines.push(
        `tensor ${t.name} ${t.dtype} [${t.shape.join(', ')}]: mean ${t.mean}, absMax ${t.absMax}, nonFinite ${t.nonFinite}`,
        `  first ${t.first.join(' ')}`,
      );
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await close();
  }
}
