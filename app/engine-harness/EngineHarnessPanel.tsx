'use client';
// Reads ?device=wasm|webgpu|auto&tokens=T&quant=rtn:w4g32a&engine=layered&group=G, runs tokens [0, T)
// of /text/brown-test.txt (byte tokens) through the engine worker, and shows the numbers in
// data-testid elements. engine=layered forces the layer-streamed engine (G layers per group); its
// device report then says how the hidden state went between the sessions (handOff).
import { useEffect, useState } from 'react';
import { ropeCosSinTable } from '@/lib/rope/cosSin';
import { ropeFrequencies } from '@/lib/rope/frequencies';
import type { DeviceReport, DeviceRequest } from '@/workers/runtime/types';
import { createEngineClient } from '@/workers/engine/client';
import { createEngineWorker } from '@/workers/engine/engineWorker';
import { specFromHfConfig } from '@/lib/model/hfConfig';
import { parseRtnSpec } from '@/lib/quant/rtnSpec';
import { rtnBuildOfOptions } from '@/lib/scenario/builds';
import { engineSessionKey } from '@/lib/scenario/key';

const MODEL_URL = '/models/bandscope-byte-4m/';
const TEXT_URL = '/text/brown-test.txt';

interface HarnessResult {
  meanNll: number;
  nll: number[];
  device: DeviceReport;
  loadMs: number;
  runMs: number;
}

export function EngineHarnessPanel() {
  const [stage, setStage] = useState('starting');
  const [result, setResult] = useState<HarnessResult | null>(null);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    const params = new URLSearchParams(window.location.search);
    const device = (params.get('device') ?? 'wasm') as DeviceRequest;
    const tokenCount = Number(params.get('tokens') ?? 256);
    const quant = params.get('quant');
    const repeat = Math.max(1, Number(params.get('repeat') ?? 1));
    const layered = params.get('engine') === 'layered';
    const group = Number(params.get('group') ?? 1);
    const client = createEngineClient(createEngineWorker);
    let live = true;
    (async () => {
      const config = (await (await fetch(`${MODEL_URL}config.json`)).json()) as Record<string, unknown>;
      const spec = specFromHfConfig(config);
      const textBytes = new Uint8Array(await (await fetch(TEXT_URL)).arrayBuffer());
      if (textBytes.length < tokenCount) throw new Error(`text has ${textBytes.length} bytes, need ${tokenCount}`);
      const { invFreqRadPerToken, attentionFactor } = ropeFrequencies(spec.rope, { sequenceLengthTokens: tokenCount });
      // The URL's `quant` is the CLI spelling (rtn:w4g32a), read at this edge into the typed build.
      const build = {
        seqLen: tokenCount,
        quant: quant === null ? null : rtnBuildOfOptions(parseRtnSpec(quant)),
        // A forced engine is planned against a budget; 2 GiB holds the built-in model either way.
        ...(layered ? { engine: 'layered' as const, layerGroupSize: group, memoryBudgetBytes: 2 ** 31, memoryBudgetReason: 'the engine harness budget' } : {}),
      };
      const sessionKey = `${engineSessionKey('builtin:bandscope-byte-4m', device, build)}${layered ? `|layered:g${group}` : ''}`;
      const loadStart = performance.now();
      await client.loadModel(sessionKey, { kind: 'hf-url', baseUrl: MODEL_URL, build }, device, {
        onProgress: (e) => live && setStage(`${e.stage}${e.fraction === undefined ? '' : ` ${Math.round(e.fraction * 100)}%`}`),
      });
      const loadMs = performance.now() - loadStart;
      let last = null as Awaited<ReturnType<typeof client.run>> | null;
      let runMs = Infinity;
      // Each run transfers its inputs, so every repeat gets fresh tables; the fastest run is reported.
      for (let r = 0; r < repeat; r++) {
        const { cos, sin } = ropeCosSinTable(invFreqRadPerToken, attentionFactor, 0, tokenCount, spec.pairLayout);
        const ids = Int32Array.from(textBytes.subarray(0, tokenCount));
        const runStart = performance.now();
        // fresh: every repeat runs (the worker's run memo would answer the same window from memory).
        last = await client.run({ sessionKey, ids, cos, sin, headDim: spec.headDim, fresh: true });
        runMs = Math.min(runMs, performance.now() - runStart);
      }
      if (!last) throw new Error('no run happened');
      const nll = Array.from(last.nll);
      const meanNll = nll.reduce((s, x) => s + x, 0) / nll.length;
      if (live) {
        // The run's report: a layered session's carries that run's hand-offs.
        setResult({ meanNll, nll, device: last.device, loadMs, runMs });
        setStage('done');
      }
    })().catch((err: unknown) => {
      if (live) {
        setError(err instanceof Error ? `${err.name}: ${err.message}` : String(err));
        setStage('failed');
      }
    });
    return () => {
      live = false;
      client.terminate();
    };
  }, []);

  return (
    <dl className="grid grid-cols-[12rem_1fr] gap-1">
      <dt>stage</dt>
      <dd data-testid="engine-stage">{stage}</dd>
      <dt>cross-origin isolated</dt>
      <dd data-testid="engine-isolated">{typeof window === 'undefined' ? '' : String(window.crossOriginIsolated)}</dd>
      {error && (
        <>
          <dt>error</dt>
          <dd data-testid="engine-error">{error}</dd>
        </>
      )}
      {result && (
        <>
          <dt>mean NLL (nats)</dt>
          <dd data-testid="engine-mean-nll">{result.meanNll.toFixed(7)}</dd>
          <dt>device used</dt>
          <dd data-testid="engine-device">{result.device.used}</dd>
          <dt>device report</dt>
          <dd data-testid="engine-device-report">{JSON.stringify(result.device)}</dd>
          <dt>hand-offs (layered)</dt>
          <dd data-testid="engine-handoff">{result.device.handOff ? JSON.stringify(result.device.handOff) : ''}</dd>
          <dt>load / run (ms)</dt>
          <dd data-testid="engine-timing">{JSON.stringify({ loadMs: result.loadMs, runMs: result.runMs })}</dd>
          <dt>per-token NLL</dt>
          <dd data-testid="engine-nll" className="break-all">
            {JSON.stringify(result.nll)}
          </dd>
        </>
      )}
    </dl>
  );
}
