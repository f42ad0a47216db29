// One scenario, three drivers: `bandscope eval --json` (a child process), the dashboard's curve job
// (lib/scenario/curveRun runCurve) on the Node engine port, and the same job on the browser port
// (workers/engine/scenarioPort → engine client → in-process worker → onnxruntime-node, the built-in
// folder read by HTTP ranges) give identical NLL, perplexity and KV clip counts: the same plan,
// computed the same way.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCurve } from '../../lib/scenario/curveRun';
import { planScenario } from '../../lib/scenario/plan';
import { parseKvSpec } from '../../lib/quant/kvSpec';
import { parseRtnSpec } from '../../lib/quant/rtnSpec';
import { configureNodeEngines } from '../engine/nodeRunner';
import { createNodeEnginePort } from '../engine/nodePort';
import { openScenarioModel, scenarioPlanModel } from '../scenario/model';
import { cliSettings } from '../scenario/report';
import { builtinBrowserPort, inProcessEngineClient } from '../testing/builtinPorts';
import { REPO, runCli } from '../testing/spawnCli';

const THREADS = 2;
const text = join(REPO, 'public/text/brown-test.txt');

interface EvalJson {
  contexts: Array<{ context: number; windows: number; tokens: number; predictions: number; nll: number; ppl: number; kvClipped?: number }>;
}

describe('eval --json, runCurve on the Node port and on the browser port', () => {
  it('YaRN ×4, w4g32a, int8 per-channel KV (calibrated on 128 tokens), contexts 256 and 1024, 2 windows: identical numbers', async () => {
    const cli = await runCli([
      'eval',
      '--model',
      'builtin',
      '--text',
      text,
      '--rope',
      'yarn:4',
      '--quant',
      'rtn:w4g32a',
      '--kv',
      'int8:channel:post',
      '--kv-calibration',
      '128',
      '--contexts',
      '256,1024',
      '--windows',
      '2',
      '--threads',
      String(THREADS),
      '--json',
    ]);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    const viaCli = (JSON.parse(cli.stdout) as EvalJson).contexts;
    expect(viaCli.map((c) => [c.context, c.windows, c.tokens, c.predictions])).toEqual([
      [256, 2, 512, 510],
      [1024, 2, 2048, 2046],
    ]);

    await configureNodeEngines({ device: 'cpu', threads: THREADS });
    const model = await openScenarioModel('builtin');
    const client = inProcessEngineClient(THREADS);
    try {
      const tokens = await model.readTokens('test', 'text', text);
      // The flags above as the CLI's settings edge spells them, and the same pinned values.
      const settings = cliSettings({
        modelArg: 'builtin',
        rope: { method: 'yarn', factor: 4 },
        contextTokens: 1024,
        rtn: parseRtnSpec('rtn:w4g32a'),
        kvQuant: parseKvSpec('int8:channel:post'),
        textPaths: [text],
      });
      const plan = planScenario(settings, scenarioPlanModel(model), { contexts: [256, 1024], windows: 2, quantFormat: 'fake', kvCalibrationTokens: 128 });
      const job = { key: 'yarn/ptq', method: 'yarn', variant: 'ptq' } as const;
      const options = { kvClipCounts: true, diagnosticsOutputs: false };
      const browserPort = builtinBrowserPort(client, model, { device: 'wasm' });
      const none = () => {};
      const viaNode = await runCurve(plan, job, createNodeEnginePort(model), tokens, none, undefined, options);
      const viaBrowser = await runCurve(plan, job, browserPort, tokens, none, undefined, options);
      for (const [name, r] of [
        ['node port', viaNode],
        ['browser port', viaBrowser],
      ] as const) {
        expect(
          r.perContext.map((c) => c.nll),
          name,
        ).toEqual(viaCli.map((c) => c.nll));
        expect(r.curve.perplexity, name).toEqual(viaCli.map((c) => c.ppl));
        expect(r.kvClipped, name).toEqual(viaCli.map((c) => c.kvClipped));
      }
      // Past the 128-token calibration the longer context saturates more often.
      expect(viaCli[1].kvClipped! / viaCli[1].tokens).toBeGreaterThan(viaCli[0].kvClipped! / viaCli[0].tokens);
    } finally {
      client.terminate();
      await model.close();
    }
  }, 180_000);
});
