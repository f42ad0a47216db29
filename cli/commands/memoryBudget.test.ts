// --memory-budget on eval, diagnose and search: the refusal is one line on stderr with exit 2,
// before any tensor is read. The 1B-shape folder is a safetensors header over a sparse file (no
// tensor data exists), so a command that read a tensor would get zeros or take minutes, not refuse.
import { closeSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RESEARCH_CONFIGS } from '../../lib/model/testing/researchConfigs';
import { memoryBudgetFlag } from '../args';
import { REPO, runCli } from '../testing/spawnCli';

const text = join(REPO, 'public/text/brown-test.txt');
const made: string[] = [];
afterAll(() => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A Llama-3.2-1B-shaped HF folder: config.json + a BF16 safetensors whose data is a hole. */
function hollowLlama1b(): string {
  const dir = mkdtempSync(join(tmpdir(), 'bandscope-hollow-'));
  made.push(dir);
  const config = RESEARCH_CONFIGS['Llama-3.2-1B'];
  writeFileSync(join(dir, 'config.json'), JSON.stringify(config));
  const [h, i, v, q, kv] = [2048, 8192, 128256, 32 * 64, 8 * 64];
  const shapes: Array<[string, number[]]> = [
    ['model.embed_tokens.weight', [v, h]],
    ['model.norm.weight', [h]],
  ];
  for (let l = 0; l < 16; l++) {
    const p = `model.layers.${l}.`;
    shapes.push(
      [`${p}self_attn.q_proj.weight`, [q, h]],
      [`${p}self_attn.k_proj.weight`, [kv, h]],
      [`${p}self_attn.v_proj.weight`, [kv, h]],
      [`${p}self_attn.o_proj.weight`, [h, q]],
    );
    shapes.push([`${p}mlp.gate_proj.weight`, [i, h]], [`${p}mlp.up_proj.weight`, [i, h]], [`${p}mlp.down_proj.weight`, [h, i]]);
    shapes.push([`${p}input_layernorm.weight`, [h]], [`${p}post_attention_layernorm.weight`, [h]]);
  }
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const [name, shape] of shapes) {
    const bytes = 2 * shape.reduce((a, b) => a * b, 1);
    header[name] = { dtype: 'BF16', shape, data_offsets: [offset, offset + bytes] };
    offset += bytes;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - ((8 + json.length) % 8)) % 8);
  const prefix = new Uint8Array(8 + json.length);
  new DataView(prefix.buffer).setBigUint64(0, BigInt(json.length), true);
  prefix.set(new TextEncoder().encode(json), 8);
  const fd = openSync(join(dir, 'model.safetensors'), 'w');
  writeSync(fd, prefix);
  ftruncateSync(fd, prefix.length + offset);
  closeSync(fd);
  return dir;
}

describe('--memory-budget', () => {
  it('eval refuses the built-in model in 100M with needed bytes, available bytes and the reason; a bad size is a usage error', async () => {
    const r = await runCli(['eval', '--model', 'builtin', '--text', text, '--contexts', '1024', '--memory-budget', '100M']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    // --engine auto: the whole graph does not fit, so one layer at a time is tried and does not fit either.
    expect(r.stderr).toMatch(
      /eval at 1024 tokens does not fit even layer-streamed \(1 layer\(s\) per group\): needs [\d.]+ MiB at peak \(\d+ bytes; largest item: .*\), available 100\.00 MiB \(104857600 bytes\): --memory-budget 100M/,
    );
    const whole = await runCli(['eval', '--model', 'builtin', '--text', text, '--contexts', '1024', '--memory-budget', '100M', '--engine', 'whole']);
    expect(whole.code).toBe(2);
    expect(whole.stderr).toMatch(/eval at 1024 tokens needs [\d.]+ MiB at peak \(\d+ bytes; whole-graph engine, largest item: .*\), available 100\.00 MiB/);
    const bad = await runCli(['eval', '--model', 'builtin', '--text', text, '--contexts', '1024', '--memory-budget', 'lots']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--memory-budget must be a size such as 6G/);
  });

  it('a 1B-shape model: the whole graph is refused for the 2 GiB protobuf limit and the budget; layer-streamed below one layer’s peak; diagnose and search', async () => {
    const dir = hollowLlama1b();
    const fp = await runCli(['eval', '--model', dir, '--text', text, '--contexts', '4096', '--memory-budget', '1T', '--engine', 'whole']);
    expect(fp.code).toBe(2);
    expect(fp.stderr).toMatch(/eval at 4096 tokens cannot run: one ONNX protobuf cannot exceed 2 GiB, .* 4\.60 GiB of weights/);
    const w4 = await runCli([
      'eval',
      '--model',
      dir,
      '--text',
      text,
      '--contexts',
      '4096',
      '--quant',
      'rtn:w4g32a',
      '--quant-format',
      'nbits',
      '--memory-budget',
      '4G',
      '--engine',
      'whole',
    ]);
    expect(w4.code).toBe(2);
    expect(w4.stderr).toMatch(/eval at 4096 tokens needs 6\.\d\d GiB .* available 4\.00 GiB \(4294967296 bytes\): --memory-budget 4G/);
    const layered = await runCli(['eval', '--model', dir, '--text', text, '--contexts', '4096', '--memory-budget', '1G']);
    expect(layered.code).toBe(2);
    expect(layered.stderr.trim().split('\n')).toHaveLength(1);
    expect(layered.stderr).toMatch(
      /eval at 4096 tokens does not fit even layer-streamed \(1 layer\(s\) per group\): needs \d\.\d\d GiB at peak .*available 1\.00 GiB \(1073741824 bytes\): --memory-budget 1G/,
    );
    for (const [command, ...args] of [
      ['diagnose', '--text', text, '--context', '2048', '--quant', 'rtn:w4g32a'],
      ['search', '--dev', text, '--test', text, '--context', '2048'],
    ]) {
      const r = await runCli([command, '--model', dir, ...args, '--memory-budget', '2G']);
      expect(r.code, command).toBe(2);
      expect(r.stderr.trim().split('\n'), command).toHaveLength(1);
      expect(r.stderr, command).toMatch(new RegExp(`${command} at 2048 tokens (needs .* available 2\\.00 GiB|cannot run)`));
    }
  }, 120_000);

  it('defaults to 75% of the machine’s RAM and says so', () => {
    const m = memoryBudgetFlag('eval', { values: {}, positionals: [] }, 16 * 1024 ** 3);
    expect(m.budgetBytes).toBe(12 * 1024 ** 3);
    expect(m.reason).toMatch(/75% of this machine's 16\.00 GiB RAM \(os\.totalmem\(\)/);
  });
});
