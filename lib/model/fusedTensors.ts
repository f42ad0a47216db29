/**
 * Phi-3 stores q/k/v as one `self_attn.qkv_proj` [(heads + 2·kvHeads)·headDim, hidden] and the MLP's
 * gate/up as one `mlp.gate_up_proj` [2·intermediate, hidden] (GGUF: `attn_qkv`, and the fused
 * matrix under `ffn_up`). Rows are stacked q, k, v and gate, up (transformers splits them the same
 * way; llama.cpp's swiglu takes the first half as the gate). Here each part becomes a row range of
 * the fused tensor, so the loader can expose the usual q_proj/k_proj/v_proj/gate_proj/up_proj names
 * and read each part once, by rows, without ever reading the fused tensor twice in full.
 * Pairing is unchanged: Phi-3 q/k rows are half-split in HF and GGUF files alike (NEOX rope).
 */
import { ModelFormatError } from './errors';
import type { ModelSpec } from './spec';

/** Rows [firstRow, firstRow + rowCount) of the first dimension of tensor `source` (HF name). */
export interface FusedSlice {
  source: string;
  firstRow: number;
  rowCount: number;
  /** Shape of the part: [rowCount, …rest of the fused shape]. */
  shape: number[];
}

export type RowRange = { first: number; count: number };

/**
 * The virtual tensors (HF name → slice) of every fused qkv_proj / gate_up_proj in `shapes` (HF
 * names → row-major shapes), checked against `spec`. A layer that already has the separate
 * tensor keeps it. Throws ModelFormatError when a fused tensor's rows are not what the spec says.
 */
export function fusedTensorSlices(spec: ModelSpec, shapes: ReadonlyMap<string, readonly number[]>, configName: string): Map<string, FusedSlice> {
  const out = new Map<string, FusedSlice>();
  const qRows = spec.numHeads * spec.headDim;
  const kvRows = spec.numKvHeads * spec.headDim;
  const split = (prefix: string, fusedName: string, parts: Array<[string, number]>, meaning: string): void => {
    for (const suffix of ['weight', 'bias']) {
      const source = `${prefix}.${fusedName}.${suffix}`;
      const shape = shapes.get(source);
      if (!shape) continue;
      const want = parts.reduce((n, [, rows]) => n + rows, 0);
      if (shape[0] !== want) {
        throw new ModelFormatError(`${configName} says ${meaning} = ${want} rows → ${source} should have ${want} rows, but the file has [${shape.join(', ')}]`);
      }
      let first = 0;
      for (const [name, rows] of parts) {
        const target = `${prefix}.${name}.${suffix}`;
        if (!shapes.has(target)) out.set(target, { source, firstRow: first, rowCount: rows, shape: [rows, ...shape.slice(1)] });
        first += rows;
      }
    }
  };
  for (let l = 0; l < spec.numLayers; l++) {
    const p = `model.layers.${l}`;
    split(
      `${p}.self_attn`,
      'qkv_proj',
      [
        ['q_proj', qRows],
        ['k_proj', kvRows],
        ['v_proj', kvRows],
      ],
      `(${spec.numHeads} heads + 2 × ${spec.numKvHeads} KV heads) × head_dim ${spec.headDim}`,
    );
    split(
      `${p}.mlp`,
      'gate_up_proj',
      [
        ['gate_proj', spec.intermediateSize],
        ['up_proj', spec.intermediateSize],
      ],
      `2 × intermediate ${spec.intermediateSize}`,
    );
  }
  return out;
}

/** `shapes` plus the shapes of the virtual tensors. */
export function shapesWithSlices(shapes: ReadonlyMap<string, readonly number[]>, slices: ReadonlyMap<string, FusedSlice>): Map<string, readonly number[]> {
  const all = new Map(shapes);
  for (const [name, s] of slices) all.set(name, s.shape);
  return all;
}

/**
 * Where to read `name` (rows `rows` of it, relative to the part): the fused source and absolute
 * rows for a virtual tensor, else the name itself. Throws ModelFormatError for rows outside the part.
 */
export function locateRows(slices: ReadonlyMap<string, FusedSlice>, name: string, rows?: RowRange): { name: string; rows?: RowRange } {
  const s = slices.get(name);
  if (!s) return { name, rows };
  const first = rows?.first ?? 0;
  const count = rows?.count ?? s.rowCount;
  if (!Number.isSafeInteger(first) || !Number.isSafeInteger(count) || first < 0 || count < 0 || first + count > s.rowCount) {
    throw new ModelFormatError(`${name}: rows ${first}…${first + count - 1} outside its ${s.rowCount} rows`);
  }
  return { name: s.source, rows: { first: s.firstRow + first, count } };
}

/**
 * A tensor list with each fused tensor replaced by its parts (so sizes add up to the file once):
 * a part's sizeBytes is its share of the fused tensor's rows (rows are whole ggml blocks).
 */
export function listWithSlices<T extends { name: string; shape: number[]; sizeBytes: number }>(
  tensors: readonly T[],
  slices: ReadonlyMap<string, FusedSlice>,
): T[] {
  const bySource = new Map<string, Array<[string, FusedSlice]>>();
  for (const [name, s] of slices) bySource.set(s.source, [...(bySource.get(s.source) ?? []), [name, s]]);
  const out: T[] = [];
  for (const t of tensors) {
    const parts = bySource.get(t.name);
    if (!parts) {
      out.push(t);
      continue;
    }
    for (const [name, s] of parts) out.push({ ...t, name, shape: s.shape.slice(), sizeBytes: (t.sizeBytes / t.shape[0]) * s.rowCount });
  }
  return out;
}
