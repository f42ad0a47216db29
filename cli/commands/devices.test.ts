// --threads and --device on the real CLI. This machine has no GPU adapter (onnxruntime-node's WebGPU
// EP answers "No supported adapters"); on one that has, webgpu runs and auto reports no fallback.
import { describe, expect, it } from 'vitest';
import { REPO, runCli } from '../testing/spawnCli';

const base = ['eval', '--model', 'builtin', '--text', `${REPO}public/text/brown-test.txt`, '--contexts', '64', '--windows', '1', '--json'];

describe('--device and --threads', () => {
  it('--device webgpu: runs on WebGPU where an adapter exists, else one refusal line and exit 2 before the model is read', async () => {
    const r = await runCli([...base, '--device', 'webgpu']);
    if (r.code === 0) {
      expect(JSON.parse(r.stdout).device).toBe('ort-node:webgpu');
      return;
    }
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^bandscope: --device webgpu: onnxruntime-node's WebGPU execution provider cannot run here: .*; use --device cpu/);
  });

  it('--device auto falls back to the CPU and the report says why; --threads is reported', async () => {
    const r = await runCli([...base, '--device', 'auto', '--threads', '1']);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { device: string; deviceRequested: string; threads: number; deviceNote?: string };
    expect(report.deviceRequested).toBe('auto');
    expect(report.threads).toBe(1);
    if (report.device === 'ort-node:cpu') expect(report.deviceNote).toMatch(/^--device auto: WebGPU unavailable \(.+\), ran on the CPU$/);
    else expect(report.device).toBe('ort-node:webgpu');
  });

  it('default: cpu on all cores; bad values are usage errors', async () => {
    const r = await runCli(base);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { device: string; threads: number; deviceNote?: string };
    expect(report).toMatchObject({ device: 'ort-node:cpu', deviceRequested: 'cpu' });
    expect(report.threads).toBeGreaterThanOrEqual(1);
    expect(report.deviceNote).toBeUndefined();
    for (const [flag, value, message] of [
      ['--device', 'cuda', /--device must be cpu, webgpu or auto, got 'cuda'/],
      ['--threads', '0', /--threads must be a positive integer, got '0'/],
    ] as const) {
      const bad = await runCli([...base, flag, value]);
      expect(bad.code).toBe(2);
      expect(bad.stderr).toMatch(message);
    }
  });
});
