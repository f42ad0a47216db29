// One Q-ROAR search through both drivers (issue #10 item 3): the CLI's path (the Node engine port,
// cli/engine/nodePort over onnxruntime-node, in this process) and the dashboard's (lib/scenario/searchRun over the browser
// engine port, workers/engine/scenarioPort → engine client → in-process worker → workers/engine/handler → onnxruntime-node, the built-in folder read by
// HTTP ranges) on the built-in model, same settings → identical candidates, scales and figures.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseKvSpec } from '../../lib/quant/kvSpec';
import { parseRtnSpec } from '../../lib/quant/rtnSpec';
import type { CandidateRecord } from '../../lib/qroar/search';
import { runSearch, type SearchJob, type SearchRunResult } from '../../lib/scenario/search';
import { createUrlGraphBuilder } from '../../workers/engine/buildGraph';
import { createEngineClient } from '../../workers/engine/client';
import { createInProcessWorker } from '../../workers/engine/testing/inProcessWorker';
import { diskFetch } from '../../workers/engine/testing/diskFetch';
import { createOrtNodeRuntime } from '../../workers/runtime/ort-node';
import { planScenario } from '../../lib/scenario/plan';
import { searchJobOf, searchOpener } from '../../lib/scenario/searchRun';
import { SEARCH_DEFAULTS } from '../../lib/scenario/searchPlan';
import { parseBandsChoice, resolveRunLengths } from './flags';
import { configureNodeEngines } from '../engine/nodeRunner';
import { builtinBrowserPort } from '../testing/builtinPorts';
import { REPO } from '../testing/spawnCli';
import { openScenarioModel } from './model';
import { cliReportSettings } from './report';
import { createNodeEnginePort } from '../engine/nodePort';
import { kvBuildOfSpec, rtnBuildOfOptions } from '../../lib/scenario/builds';

const THREADS = 2;

/** A candidate without its timings (the only fields that differ between two runs). */
const comparable = (c: CandidateRecord) => {
  const { elapsedMs: _e, sinceStartMs: _s, ...rest } = c;
  return rest;
};
const figures = (r: SearchRunResult) => ({
  ipPerBand: r.ipPerBand,
  tirPerBand: r.tirPerBand,
  bandOrder: r.bandOrder,
  grid: r.grid,
  candidates: r.candidates.map(comparable),
  chosenScales: r.chosenScales,
  baseline: r.baseline,
  best: r.best,
  guardWindows: r.guardWindows,
  dev: r.dev,
  test: r.test,
  control: r.control,
  shortContext: r.shortContext,
  penalty: r.penalty,
  devChange: r.devChange,
  testWindows: r.testWindows,
});

describe('one search, two drivers', () => {
  it('the CLI and the dashboard paths give identical candidates, scales and figures on the built-in model', async () => {
    // No PI, L′ = 384 past the trained 256, S = L = 256 (both sides' default): every band's analytic IP is 0, so the TIR
    // tie-break runs (FP key taps through both engines) before 5 candidates (2 bands, 3 grid points),
    // each an L′ graph and a guard graph; 2-bit RTN and an int8 KV cache.
    await configureNodeEngines({ device: 'cpu', threads: THREADS });
    const model = await openScenarioModel('builtin');
    try {
      const rtn = parseRtnSpec('rtn:w2g32a');
      const kvQuant = parseKvSpec('int8:token:post');
      const contextTokens = 384;
      const settings = cliReportSettings('test', {
        modelArg: 'builtin',
        rope: { method: 'none', factor: 1 },
        contextTokens,
        rtn,
        kvQuant,
        bands: 'equal-log:2',
        textPaths: ['brown-dev.txt'],
        variant: 'shared',
      });
      const devTokens = await model.readTokens('test', 'dev', join(REPO, 'public/text/brown-dev.txt'));
      const testTokens = await model.readTokens('test', 'test', join(REPO, 'public/text/brown-test.txt'));
      // The CLI's job, as cli/commands/search.ts builds it from its flags.
      const lengths = resolveRunLengths('search', { context: String(contextTokens) }, model.spec.rope, { method: 'none', factor: 1 }, 'the guard runs at ≤ L');
      const job: Omit<SearchJob, 'openEngine'> = {
        rope: lengths.rope,
        bands: parseBandsChoice('search', 'equal-log:2', lengths.rope),
        geometry: model.spec,
        devTokens,
        testTokens,
        contextTokens: lengths.context,
        shortContextTokens: lengths.shortContext,
        reportContexts: [lengths.shortContext, lengths.context],
        windows: 2,
        testWindows: 1,
        grid: { pointCount: 3, lo: 0.9, hi: 1.1 },
        guardTolerance: 0.05,
        noise: SEARCH_DEFAULTS.noise,
        sweeps: SEARCH_DEFAULTS.sweeps,
        widen: false,
        variant: 'shared',
        keysQuantized: true,
      };
      // The dashboard's job, as hooks/useQroarSearch builds it from the same Settings: equal but for the page's report contexts.
      const plan = planScenario(settings, {
        id: 'builtin:bandscope-byte-4m',
        identity: model.identity,
        rope: model.spec.rope,
        trainedWindow: model.trainedWindow,
        spec: model.spec,
      });
      const pageJob = searchJobOf(plan, {
        devTokens,
        testTokens,
        gridPoints: 3,
        guardTolerance: 0.05,
        window: { lo: 0.9, hi: 1.1 },
        windows: 2,
        testWindows: 1,
      });
      const { reportContexts: pageContexts, ...pageRest } = pageJob;
      const { reportContexts: cliContexts, noise: _n, sweeps: _s, widen: _w, ...cliRest } = job;
      expect(pageRest).toEqual({ ...cliRest, geometry: { numLayers: model.spec.numLayers, numKvHeads: model.spec.numKvHeads, headDim: model.spec.headDim } });
      expect(pageContexts).toEqual([64, 128, 256, 384]);
      expect(cliContexts).toEqual([256, 384]);
      // The settings round trip names the same quantization the CLI runs.
      expect(plan.quant).toEqual({ quant: rtnBuildOfOptions(rtn), kv: kvBuildOfSpec(kvQuant) });

      const cli = await runSearch({ ...job, openEngine: searchOpener(plan, createNodeEnginePort(model), devTokens) });

      const worker = createInProcessWorker(createOrtNodeRuntime({ intraOpNumThreads: THREADS }), createUrlGraphBuilder(diskFetch(join(REPO, 'public'))));
      const client = createEngineClient(() => worker);
      let device = '';
      const page = await runSearch({
        ...pageJob,
        openEngine: searchOpener(plan, builtinBrowserPort(client, model, { device: settings.device, onDevice: (d) => (device = d.used) }), devTokens),
      });
      client.terminate();

      expect(device).toBe('cpu');
      expect(cli.cancelled).toBe(false);
      expect(cli.ipPerBand).toEqual([0, 0]);
      expect(cli.tirPerBand).toHaveLength(2);
      expect(cli.tirPerBand!.every((t) => t > 0)).toBe(true);
      expect(cli.candidates).toHaveLength(1 + 2 * 2);
      expect(cli.guardWindows).toBe(2 * 1);
      // Every figure at the contexts both report (the page's list is longer; shorter contexts are prefixes of the same L′ windows).
      const atShared = (r: SearchRunResult, contexts: number[]) => {
        const pick = <T>(values: T[]) => cliContexts.map((c) => values[contexts.indexOf(c)]);
        const ba = (x: SearchRunResult['test']) => x && { contextTokens: pick(x.contextTokens), before: pick(x.before), after: pick(x.after) };
        return { ...figures(r), dev: ba(r.dev), test: ba(r.test), control: ba(r.control), penalty: r.penalty && pick(r.penalty) };
      };
      expect(atShared(page, pageContexts)).toEqual(atShared(cli, cliContexts));
    } finally {
      await model.close();
    }
  }, 120_000);
});
