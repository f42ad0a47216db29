/**
 * `npm run budget:table [-- --write]`: the README's memory table, from lib/model/runBudget.ts for
 * four research-scale configs (lib/model/testing/researchConfigs.ts) at 4K and 32K tokens, full
 * precision (float32, and float16 where WebGPU has shader-f16) and RTN w4g32a as MatMulNBits, for the whole-graph engine and for the
 * layer-streamed one with one-layer groups. Prints the markdown; --write replaces the block in README.md.
 * scripts/budgetTable.test.ts fails when README.md holds a stale table.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { formatBytes } from '../lib/format/bytes';
import { specFromHfConfig } from '../lib/model/hfConfig';
import { runBudget, type RunBudget, type WeightPrecision } from '../lib/model/runBudget';
import { RESEARCH_CONFIGS } from '../lib/model/testing/researchConfigs';

export const TABLE_START = '<!-- budget-table:start (npm run budget:table -- --write) -->';
export const TABLE_END = '<!-- budget-table:end -->';

const PRECISIONS: Array<[string, WeightPrecision]> = [
  ['float32', { kind: 'float32' }],
  // Full precision as float16 (WebGPU with shader-f16, F16/BF16 checkpoints): the layer-streamed
  // engine holds 2 bytes a weight; the whole graph has no float16 path, so its cell is float32's.
  ['float16 (WebGPU shader-f16)', { kind: 'float16' }],
  ['w4g32a', { kind: 'rtn', bits: 4, groupSize: 32, symmetric: false, format: 'nbits' }],
];
const CONTEXTS = [4096, 32768];

function cell(b: RunBudget): string {
  return b.refusal !== null ? `refused: ${formatBytes(b.largestProtobufBytes)} in one protobuf (> 2 GiB)` : formatBytes(b.peakBytes);
}

/** The table as markdown lines (no markers). */
export function budgetTableMarkdown(): string {
  const lines = [
    '| model (layers · hidden · heads/kv · head_dim · MLP · vocab, tied) | T | weights | whole graph | layer-streamed, one layer at a time |',
    '|---|---|---|---|---|',
  ];
  for (const [name, config] of Object.entries(RESEARCH_CONFIGS)) {
    const spec = specFromHfConfig(config);
    const shape = `${spec.numLayers} · ${spec.hiddenSize} · ${spec.numHeads}/${spec.numKvHeads} · ${spec.headDim} · ${spec.intermediateSize} · ${spec.vocabSize}${spec.tieWordEmbeddings ? ', tied' : ''}`;
    for (const contextTokens of CONTEXTS) {
      for (const [label, weights] of PRECISIONS) {
        const whole = runBudget(spec, { weights, layerGroupSize: spec.numLayers }, contextTokens);
        const layered = runBudget(spec, { weights, layerGroupSize: 1 }, contextTokens);
        lines.push(`| ${name} (${shape}) | ${contextTokens / 1024}K | ${label} | ${cell(whole)} | ${cell(layered)} |`);
      }
    }
  }
  return lines.join('\n');
}

/** README text with the block between the markers replaced by the current table. */
export function withTable(readme: string): string {
  const start = readme.indexOf(TABLE_START);
  const end = readme.indexOf(TABLE_END);
  if (start < 0 || end < start) throw new Error(`README.md has no ${TABLE_START} … ${TABLE_END} block`);
  return `${readme.slice(0, start + TABLE_START.length)}\n${budgetTableMarkdown()}\n${readme.slice(end)}`;
}

if (process.argv[1]?.endsWith('budgetTable.ts')) {
  if (process.argv.includes('--write')) {
    const path = join(import.meta.dirname, '..', 'README.md');
    writeFileSync(path, withTable(readFileSync(path, 'utf8')));
    process.stdout.write('README.md budget table updated\n');
  } else process.stdout.write(`${budgetTableMarkdown()}\n`);
}
