// A GGUF whose linears are Q4_0 / Q8_0 runs its own blocks as MatMulNBits (lib/model/storedLinear,
// an exact repack): same per-token NLL as running the dequantized float32 weights, on the
// architecture fixtures (interleaved llama rows, fused phi3 qkv/gate_up, qwen3 q/k norms).
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { byteSourceFromBytes } from '../../lib/model/byteSource';
import { openModel, type OpenedModel } from '../../lib/model/open';
import { storedNBitsLinear } from '../../lib/model/storedLinear';
import { graphRopeInputs } from '../../lib/eval/ropeInputs';
import { assembleDecoderWeights, type AssembleOptions } from '../../lib/onnx/assembleWeights';
import { buildLlamaGraph } from '../../lib/onnx/llamaGraph';
import { tolerance } from '../../lib/testing/tolerances';
import { createNodeEngine } from './nodeRunner';
import { ARCH_FIXTURE_DIR, archFixtureAsGguf, archReference } from './testing/archFixtures';
import { BUILTIN_DIR } from './testing/builtin';
import { REPO, runCli } from '../testing/spawnCli';

const reference = archReference();
const T = 24; // the fixture token stream holds 24 tokens

async function nllOf(model: OpenedModel, opts: AssembleOptions): Promise<{ nll: Float32Array; kinds: string[] }> {
  const weights = await assembleDecoderWeights(model.spec, (n) => model.tensorF32(n), opts);
  const engine = await createNodeEngine(buildLlamaGraph(model.spec, weights, { seqLen: T }));
  const { cos, sin } = graphRopeInputs(model.spec.rope, T);
  const { nll } = await engine.run({ ids: Int32Array.from(reference.tokens.slice(0, T)), cos, sin });
  await engine.dispose();
  const l0 = weights.layers[0];
  return { nll, kinds: [l0.q, l0.k, l0.v, l0.o, l0.gate, l0.up, l0.down].map((w) => (w.kind === 'nbits' ? `nbits${w.bits}` : w.kind)) };
}

describe('GGUF Q4_0 / Q8_0 linears as MatMulNBits', () => {
  for (const name of ['llama-tied', 'phi3-fused', 'qwen3-qknorm']) {
    for (const [dtype, bits] of [
      ['Q4_0', 4],
      ['Q8_0', 8],
    ] as const) {
      it(`${name} (${dtype}): the file's blocks run as ${bits}-bit MatMulNBits, per-token NLL as the dequantized weights`, async () => {
        const model = await openModel([byteSourceFromBytes(archFixtureAsGguf(name, dtype), `${name}.gguf`)]);
        const dequantized = await nllOf(model, {});
        const stored = await nllOf(model, { storedLinear: storedNBitsLinear(model) });
        expect(dequantized.kinds.every((k) => k === 'f32')).toBe(true);
        expect(stored.kinds).toEqual(Array(7).fill(`nbits${bits}`));
        let worst = 0;
        for (let i = 0; i < stored.nll.length; i++) worst = Math.max(worst, Math.abs(stored.nll[i] - dequantized.nll[i]));
        expect(worst).toBeLessThan(tolerance('same-function-nll', 'float32', 'cpu'));
      });
    }
  }
  it('F32 files, RTN and Q-ROAR transforms keep the float32 path (their weights change before quantization)', async () => {
    const model = await openModel([byteSourceFromBytes(archFixtureAsGguf('llama-tied'), 'llama-tied.gguf')]);
    expect((await nllOf(model, { storedLinear: storedNBitsLinear(model) })).kinds.every((k) => k === 'f32')).toBe(true);
    const q = await openModel([byteSourceFromBytes(archFixtureAsGguf('llama-tied', 'Q8_0'), 'llama-tied.gguf')]);
    const rtn = await nllOf(q, { storedLinear: storedNBitsLinear(q), rtn: { bits: 4, groupSize: 32, symmetric: true } });
    expect(rtn.kinds.every((k) => k === 'f32')).toBe(true);
  });
  it("bandscope eval --quant none --quant-format nbits on a Q4_0 file prints the dequantized run's figure", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bandscope-q40-'));
    try {
      // The built-in model (256-byte vocabulary) as a Q4_0 GGUF, its byte tokenizer beside it.
      const file = join(dir, 'bandscope-byte-4m-q4_0.gguf');
      writeFileSync(file, archFixtureAsGguf(relative(ARCH_FIXTURE_DIR, BUILTIN_DIR), 'Q4_0'));
      copyFileSync(join(BUILTIN_DIR, 'bandscope_tokenizer.json'), join(dir, 'bandscope_tokenizer.json'));
      const text = join(REPO, 'public', 'text', 'brown-test.txt');
      const nllWith = async (format: string) => {
        const r = await runCli([
          'eval',
          '--model',
          file,
          '--text',
          text,
          '--contexts',
          '128',
          '--windows',
          '2',
          '--quant',
          'none',
          '--quant-format',
          format,
          '--json',
        ]);
        expect(r.code, r.stderr).toBe(0);
        return (JSON.parse(r.stdout) as { contexts: Array<{ nll: number }> }).contexts[0].nll;
      };
      expect(Math.abs((await nllWith('nbits')) - (await nllWith('fake')))).toBeLessThan(tolerance('same-function-nll', 'float32', 'cpu'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
