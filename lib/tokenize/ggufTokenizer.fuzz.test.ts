import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byteSourceFromBytes } from '../model/byteSource';
import { ModelFormatError } from '../model/errors';
import { parseGgufHeader } from '../model/gguf';
import { openModel } from '../model/open';
import { writeGguf, type GgufTensorToWrite, type GgufWriteValue } from '../model/testing/ggufWriter';
import { tinyGguf } from '../model/testing/tinyModels';
import { createTokenizer } from './hfTokenizer';
import { encodeTokenStream } from './stream';
import { BPE_MERGES, BPE_TOKENS, SPM_VOCAB, ggufTokenizerMeta } from './testing/ggufTokenizerFiles';

// The tiny model's tensors, written once; each run writes new tokenizer metadata in front of them.
async function tinyTensors(): Promise<{ meta: Record<string, GgufWriteValue>; tensors: GgufTensorToWrite[] }> {
  const bytes = tinyGguf('llama');
  const file = await parseGgufHeader(byteSourceFromBytes(bytes, 'tiny.gguf'));
  const tensors = [...file.tensors.values()].map((t) => ({
    name: t.name,
    ggmlType: t.ggmlType,
    dims: t.dims,
    data: bytes.subarray(t.fileOffsetBytes, t.fileOffsetBytes + t.sizeBytes),
  }));
  const meta: Record<string, GgufWriteValue> = {};
  for (const [k, v] of Object.entries(file.metadata))
    if (!k.startsWith('tokenizer.') && (typeof v === 'number' || typeof v === 'string'))
      meta[k] = Number.isInteger(v) || typeof v === 'string' ? v : { type: 'f32', value: v as number };
  return { meta, tensors };
}

// Pieces that collide, are empty, look like bytes/specials, or only make sense for one model.
const piece = fc.constantFrom(
  'a',
  'b',
  'ab',
  'ba',
  '▁',
  '▁a',
  '▁ab',
  '<0x61>',
  '<0xC3>',
  '<s>',
  '</s>',
  '<unk>',
  'Ġ',
  'Ġa',
  'é',
  '',
  ' ',
  'a b',
  '__proto__',
  '\u0000',
);
const str = fc.oneof(piece, fc.string({ maxLength: 4 }));
const num = fc.oneof(fc.integer({ min: -2, max: 40 }), fc.constantFrom(0xffffffff, 1.5, Number.NaN, -1e9));
const array = (elements: fc.Arbitrary<string | number>, kind: 'string' | 'number'): fc.Arbitrary<GgufWriteValue> =>
  fc.tuple(fc.array(elements, { maxLength: 40 }), fc.constantFrom<'string' | 'f32' | 'i32' | 'u32'>('string', 'f32', 'i32', 'u32')).map(([value, t]) => {
    // Mostly the right element type; sometimes the other, to test non-string tokens etc.
    const elementType = kind === 'string' ? (t === 'string' || t === 'f32' ? 'string' : t) : t === 'string' ? 'string' : t;
    const cast = value.map((v) =>
      elementType === 'string' ? String(v) : typeof v === 'number' ? (elementType === 'f32' ? v : Math.max(0, Math.trunc(v) || 0)) : v.length,
    );
    return { type: 'array', elementType, value: cast };
  });
const scalar: fc.Arbitrary<GgufWriteValue> = fc.oneof(
  num.map((v) => (Number.isInteger(v) && v >= 0 ? v : { type: 'f32' as const, value: v })),
  fc.boolean(),
  str,
  fc.integer({ min: -5, max: 40 }).map((v) => ({ type: 'i32' as const, value: v })),
);

const KEEP = Symbol('keep');
const DROP = Symbol('drop');
type Field = GgufWriteValue | typeof KEEP | typeof DROP;
/** Mostly keep the valid field, sometimes drop it, sometimes replace it by `mutated`. */
const field = (mutated: fc.Arbitrary<GgufWriteValue>): fc.Arbitrary<Field> =>
  fc.oneof({ weight: 8, arbitrary: fc.constant<Field>(KEEP) }, { weight: 1, arbitrary: fc.constant<Field>(DROP) }, { weight: 2, arbitrary: mutated });

/** A valid array with one element replaced, a few cut off or added, or its element type changed. */
const editedArray = (
  valid: Array<string | number>,
  elementType: 'string' | 'f32' | 'i32',
  element: fc.Arbitrary<string | number>,
): fc.Arbitrary<GgufWriteValue> =>
  fc.oneof(
    fc.tuple(fc.nat(valid.length - 1), element).map(([i, v]) => {
      const value = valid.slice();
      value[i] = elementType === 'string' ? String(v) : typeof v === 'number' ? v : v.length;
      return { type: 'array' as const, elementType, value };
    }),
    fc.integer({ min: -3, max: 3 }).map((d) => ({ type: 'array' as const, elementType, value: d < 0 ? valid.slice(0, d) : [...valid, ...valid.slice(0, d)] })),
    fc.constantFrom<'string' | 'f32' | 'i32' | 'u32'>('string', 'f32', 'i32', 'u32').map((t) => ({
      type: 'array' as const,
      elementType: t,
      value: valid.map((v) => (t === 'string' ? String(v) : typeof v === 'number' ? Math.abs(Math.trunc(v)) : v.length)),
    })),
    array(element, elementType === 'string' ? 'string' : 'number'),
  );

function tokenizerMeta(base: Record<string, GgufWriteValue>): fc.Arbitrary<Record<string, GgufWriteValue>> {
  const arr = (k: string): Array<string | number> => (base[k] as { value: Array<string | number> } | undefined)?.value ?? ['a'];
  return fc
    .record({
      'tokenizer.ggml.model': field(fc.oneof(fc.constantFrom('llama', 'gpt2', 't5', 'bert'), scalar)),
      'tokenizer.ggml.pre': field(fc.oneof(fc.constantFrom('default', 'gpt-2', 'llama-bpe', 'qwen2', 'tekken', '__proto__'), scalar)),
      'tokenizer.ggml.tokens': field(fc.oneof(editedArray(arr('tokenizer.ggml.tokens'), 'string', str), scalar)),
      'tokenizer.ggml.scores': field(fc.oneof(editedArray(arr('tokenizer.ggml.scores'), 'f32', num), scalar)),
      'tokenizer.ggml.token_type': field(fc.oneof(editedArray(arr('tokenizer.ggml.token_type'), 'i32', fc.integer({ min: -1, max: 8 })), scalar)),
      'tokenizer.ggml.merges': field(
        fc.oneof(
          editedArray(
            arr('tokenizer.ggml.merges'),
            'string',
            fc.oneof(
              str,
              fc.tuple(piece, piece).map(([l, r]) => `${l} ${r}`),
            ),
          ),
          scalar,
        ),
      ),
      'tokenizer.ggml.bos_token_id': field(scalar),
      'tokenizer.ggml.eos_token_id': field(scalar),
      'tokenizer.ggml.unknown_token_id': field(scalar),
      'tokenizer.ggml.add_bos_token': field(scalar),
      'tokenizer.ggml.add_eos_token': field(scalar),
      'tokenizer.ggml.add_space_prefix': field(scalar),
    })
    .map((fields) => {
      const out: Record<string, GgufWriteValue> = { ...base };
      for (const [k, v] of Object.entries(fields)) {
        if (v === DROP) delete out[k];
        else if (v !== KEEP) out[k] = v;
      }
      return out;
    });
}

const SPM_META = ggufTokenizerMeta({
  model: 'llama',
  tokens: SPM_VOCAB.map((v) => v[0]),
  scores: SPM_VOCAB.map((v) => v[1]),
  types: SPM_VOCAB.map((v) => v[2]),
});
const BPE_META = ggufTokenizerMeta({
  model: 'gpt2',
  tokens: BPE_TOKENS,
  merges: BPE_MERGES,
  types: BPE_TOKENS.map((t) => (t === '<|bos|>' ? 3 : 1)),
  extra: { 'tokenizer.ggml.pre': 'llama-bpe', 'tokenizer.ggml.bos_token_id': 16 },
});

describe('GGUF tokenizer metadata fuzz', () => {
  it('10,000 files with mutated tokenizer.ggml.* fields: open + build + encode succeed or throw a ModelFormatError', async () => {
    const base = await tinyTensors();
    let built = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(tokenizerMeta(SPM_META), tokenizerMeta(BPE_META)),
        fc.constantFrom('ab a', 'é<s>b', '  a\nb', 'hello world 123', ''),
        async (fields, text) => {
          const meta: Record<string, GgufWriteValue> = { ...base.meta, ...fields };
          try {
            const model = await openModel([byteSourceFromBytes(writeGguf({ metadata: meta, tensors: base.tensors }), 'fuzz.gguf')]);
            if (model.tokenizer.kind === 'none') return;
            const t = createTokenizer(model.tokenizer);
            const ids = encodeTokenStream(t, text);
            for (const id of ids) expect(id >= 0 && id < t.vocabSize).toBe(true);
            t.decode(t.encode(text));
            built++;
          } catch (e) {
            if (!(e instanceof ModelFormatError)) throw e;
          }
        },
      ),
      { numRuns: 10_000, seed: 11 },
    );
    // The property must reach the tokenizer, not only the shape checks.
    expect(built).toBeGreaterThan(1000);
  }, 60_000);
});
