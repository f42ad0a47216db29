/**
 * Concatenates per-layer taps along the head axis: inputs Float32Array [tokens, heads, headDim]
 * each (token-major), output Float32Array [tokens, layers·heads, headDim] with layer l's head h
 * at head index l·heads + h. Stacking q taps (heads) and k taps (kvHeads) this way keeps the GQA
 * mapping exact: query head l·H + h reads kv head ⌊(l·H + h)/(H/K)⌋ = l·K + ⌊h/(H/K)⌋, the same
 * layer's kv head. So one lib/diagnostics call pools samples × heads × layers.
 */
export function stackLayersAsHeads(layers: readonly Float32Array[], tokens: number, heads: number, headDim: number): Float32Array {
  const block = heads * headDim;
  for (const [i, x] of layers.entries()) {
    if (x.length !== tokens * block) throw new Error(`stackLayersAsHeads: tensor ${i} has ${x.length} values, expected [${tokens}, ${heads}, ${headDim}]`);
  }
  const n = layers.length;
  const out = new Float32Array(tokens * n * block);
  for (let t = 0; t < tokens; t++) {
    const src = t * block;
    const dst = t * n * block;
    for (let l = 0; l < n; l++) out.set(layers[l].subarray(src, src + block), dst + l * block);
  }
  return out;
}
