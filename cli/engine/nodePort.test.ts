// The two engine ports, one job: lib/scenario's perplexity-curve and diagnostics jobs on the Node
// port (cli/engine/nodePort over onnxruntime-node in this process) and on the browser port
// (workers/engine/scenarioPort → engine client → in-process worker → handler → onnxruntime-node, the
// built-in folder read by HTTP ranges) give identical numbers on the built-in model.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCurve } from '../../lib/scenario/curveRun';
import { runDiagnostics } from '../../lib/scenario/diagnosticsJob';
import { planScenario } from '../../lib/scenario/plan';
import { defaultSettings, type Settings } from '../../lib/settings/settings';
import { openScenarioModel } from '../scenario/model';
import { builtinBrowserPort, inProcessEngineClient } from '../testing/builtinPorts';
import { REPO } from '../testing/spawnCli';
import { configureNodeEngines } from './nodeRunner';
import { createNodeEnginePort } from './nodePort';

const THREADS = 2;

describe('one job, two engine ports', () => {
  it('perplexity curves (per-channel KV included) and the diagnostics’ runs are identical on the Node and the browser port', async () => {
    await configureNodeEngines({ device: 'cpu', threads: THREADS });
    const model = await openScenarioModel('builtin');
    const client = inProcessEngineClient(THREADS);
    try {
      const tokens = await model.readTokens('test', 'text', join(REPO, 'public/text/brown-dev.txt'));
      const planModel = {
        id: 'builtin:bandscope-byte-4m',
        identity: model.identity,
        rope: model.spec.rope,
        trainedWindow: model.trainedWindow,
        spec: model.spec,
      };
      const d = defaultSettings();
      // Dynamic NTK ×2 to 512 (frequencies per context), 4-bit RTN, a per-channel int8 KV cache (calibrated on each side).
      const settings: Settings = {
        ...d,
        pi: { ...d.pi, method: 'dynamic', factor: 2 },
        targetContextTokens: 512,
        weightQuant: { bits: 4, group: 32, symmetric: false, layers: 'all' },
        kvQuant: { bits: 8, keys: true, values: true, grouping: 'channel', keyStage: 'post', hadamard: false },
        compareMethods: [],
      };
      const plan = planScenario(settings, planModel);
      const nodePort = createNodeEnginePort(model);
      const browserPort = builtinBrowserPort(client, model, { device: 'wasm' });
      const none = () => {};
      for (const job of plan.curves) {
        const viaNode = await runCurve(plan, job, nodePort, tokens, none);
        const viaWorker = await runCurve(plan, job, browserPort, tokens, none);
        expect(viaNode.curve.contextTokens, job.key).toEqual([64, 128, 256, 512]);
        expect(viaNode.curve.perplexity, job.key).toEqual(viaWorker.curve.perplexity);
        expect(viaNode.perContext.map((c) => c.nll)).toEqual(viaWorker.perContext.map((c) => c.nll));
      }

      // The diagnostics' runs (int8 per-token KV here: the diagnostics' own short run is the calibration-free case).
      const diagPlan = planScenario({ ...settings, kvQuant: { ...settings.kvQuant!, grouping: 'token' } }, planModel);
      const a = await runDiagnostics(diagPlan, nodePort, tokens, none);
      const b = await runDiagnostics(diagPlan, browserPort, tokens, none);
      expect(a.quantized).toBe(true);
      expect(a.input.floorSource).toBe('precision');
      for (const field of ['longFp', 'shortFp', 'longQuant', 'longFloor'] as const) {
        const x = a.input[field]!;
        const y = b.input[field]!;
        expect(Object.keys(x).sort(), field).toEqual(Object.keys(y).sort());
        for (const name of Object.keys(x)) expect(Array.from(x[name]), `${field}.${name}`).toEqual(Array.from(y[name]));
      }
      expect(Array.from(a.input.quantLogits!)).toEqual(Array.from(b.input.quantLogits!));
    } finally {
      client.terminate();
      await model.close();
    }
  }, 180_000);
});
