/**
 * The diagnostics part of the run report (SPEC §4, §7): TIR (every tapped tensor, per layer ×
 * band and per pair), logit error by distance and query position, KL per position — the chart
 * data of lib/scenario/diagnosticsCompute as plain JSON, with the activation-based IP per layer × band
 * and (optional, issue #12) the noise floor beside logit error and KL. JSON has no NaN/Infinity: an undefined ratio
 * is written as null and read back as NaN (a gap in the chart).
 */
import type { LogitErrorData, NoiseFloorSource } from '../charts/types';
import type { DiagnosticsResult } from '../scenario/diagnosticsCompute';
import { TAP_TENSORS } from '../scenario/diagnosticsCompute';

type Rec = Record<string, unknown>;

class Problem extends Error {}

const isObj = (v: unknown): v is Rec => v !== null && typeof v === 'object' && !Array.isArray(v);
function obj(v: unknown, where: string): Rec {
  if (!isObj(v)) throw new Problem(`${where} must be an object`);
  return v;
}
function finite(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Problem(`${where} must be a finite number, got ${JSON.stringify(v)}`);
  return v;
}
/** Numbers with null for NaN/∞ → number[] with NaN. */
function numbers(v: unknown, where: string, length?: number): number[] {
  if (!Array.isArray(v)) throw new Problem(`${where} must be an array`);
  if (length !== undefined && v.length !== length) throw new Problem(`${where} has ${v.length} values, expected ${length}`);
  return v.map((x, i) => {
    if (x === null) return Number.NaN;
    if (typeof x !== 'number' || !Number.isFinite(x)) throw new Problem(`${where}[${i}] must be a number or null, got ${JSON.stringify(x)}`);
    return x;
  });
}
function bandsOf(v: unknown, where: string) {
  if (!Array.isArray(v) || v.length === 0) throw new Problem(`${where} must be a non-empty array`);
  return v.map((b, i) => {
    const o = obj(b, `${where}[${i}]`);
    if (typeof o.label !== 'string') throw new Problem(`${where}[${i}].label must be a string`);
    return {
      bandIndex: finite(o.bandIndex, `${where}[${i}].bandIndex`),
      firstPair: finite(o.firstPair, `${where}[${i}].firstPair`),
      lastPair: finite(o.lastPair, `${where}[${i}].lastPair`),
      label: o.label,
    };
  });
}

function logitErrorOf(v: unknown, where: string): LogitErrorData | null {
  if (v === null) return null;
  const o = obj(v, where);
  if (o.axis !== 'distance' && o.axis !== 'query') throw new Problem(`${where}.axis must be "distance" or "query"`);
  const binCentres = numbers(o.binCentres, `${where}.binCentres`);
  const bins = binCentres.length;
  const bands = bandsOf(o.bands, `${where}.bands`);
  if (!Array.isArray(o.rmsPerBand) || o.rmsPerBand.length !== bands.length)
    throw new Problem(`${where}.rmsPerBand must hold one array per band (${bands.length})`);
  return {
    axis: o.axis,
    binCentres,
    bands,
    rmsPerBand: o.rmsPerBand.map((r, k) => numbers(r, `${where}.rmsPerBand[${k}]`, bins)),
    rmsTotal: numbers(o.rmsTotal, `${where}.rmsTotal`, bins),
    p99Total: numbers(o.p99Total, `${where}.p99Total`, bins),
    trainedWindowTokens: finite(o.trainedWindowTokens, `${where}.trainedWindowTokens`),
    ...(o.noiseFloorRmsTotal !== undefined ? { noiseFloorRmsTotal: numbers(o.noiseFloorRmsTotal, `${where}.noiseFloorRmsTotal`, bins) } : {}),
    ...(o.noiseFloorSource !== undefined ? { noiseFloorSource: floorSourceOf(o.noiseFloorSource, `${where}.noiseFloorSource`) } : {}),
  };
}

function floorSourceOf(v: unknown, where: string): NoiseFloorSource {
  if (v === 'backend' || v === 'precision') return v;
  throw new Problem(`${where} must be "backend" or "precision", got ${JSON.stringify(v)}`);
}

/** Validates report JSON `diagnostics` and returns it revived (null → NaN); throws with the bad field. */
export function reviveDiagnostics(v: unknown): DiagnosticsResult {
  const where = 'diagnostics';
  const o = obj(v, where);
  const tirIn = obj(o.tir, `${where}.tir`);
  const tir = {} as DiagnosticsResult['tir'];
  for (const tensor of TAP_TENSORS) {
    const w = `${where}.tir.${tensor}`;
    const t = obj(tirIn[tensor], w);
    if (t.tensor !== tensor) throw new Problem(`${w}.tensor must be "${tensor}"`);
    const layers = numbers(t.layers, `${w}.layers`);
    const bands = bandsOf(t.bands, `${w}.bands`);
    const pairCount = finite(t.pairCount, `${w}.pairCount`);
    tir[tensor] = {
      tensor,
      quantile: finite(t.quantile, `${w}.quantile`),
      layers,
      bands,
      pairCount,
      tirLayerBand: numbers(t.tirLayerBand, `${w}.tirLayerBand`, layers.length * bands.length),
      tirLayerPair: numbers(t.tirLayerPair, `${w}.tirLayerPair`, layers.length * pairCount),
    };
  }
  let kl: DiagnosticsResult['kl'] = null;
  if (o.kl !== null) {
    const k = obj(o.kl, `${where}.kl`);
    const positions = numbers(k.positions, `${where}.kl.positions`);
    kl = {
      contextTokens: finite(k.contextTokens, `${where}.kl.contextTokens`),
      positions,
      klNats: numbers(k.klNats, `${where}.kl.klNats`, positions.length),
      trainedWindowTokens: finite(k.trainedWindowTokens, `${where}.kl.trainedWindowTokens`),
    };
    if (k.noiseFloorKlNats !== undefined) kl.noiseFloorKlNats = numbers(k.noiseFloorKlNats, `${where}.kl.noiseFloorKlNats`, positions.length);
    if (k.noiseFloorSource !== undefined) kl.noiseFloorSource = floorSourceOf(k.noiseFloorSource, `${where}.kl.noiseFloorSource`);
  }
  let activationIp: DiagnosticsResult['activationIp'] = null;
  if (o.activationIp !== undefined && o.activationIp !== null) {
    const a = obj(o.activationIp, `${where}.activationIp`);
    const layers = numbers(a.layers, `${where}.activationIp.layers`);
    const bands = bandsOf(a.bands, `${where}.activationIp.bands`);
    activationIp = {
      layers,
      bands,
      ipLayerBand: numbers(a.ipLayerBand, `${where}.activationIp.ipLayerBand`, layers.length * bands.length),
      contextTokens: finite(a.contextTokens, `${where}.activationIp.contextTokens`),
    };
  }
  if (o.quantVariant !== undefined && o.quantVariant !== 'ptq' && o.quantVariant !== 'ptq+qroar')
    throw new Problem(`${where}.quantVariant must be "ptq" or "ptq+qroar"`);
  return {
    tir,
    activationIp,
    quantVariant: o.quantVariant === 'ptq+qroar' ? 'ptq+qroar' : 'ptq',
    logitErrorDistance: logitErrorOf(o.logitErrorDistance, `${where}.logitErrorDistance`),
    logitErrorQuery: logitErrorOf(o.logitErrorQuery, `${where}.logitErrorQuery`),
    kl,
    longTokens: finite(o.longTokens, `${where}.longTokens`),
    shortTokens: finite(o.shortTokens, `${where}.shortTokens`),
    pairCount: finite(o.pairCount, `${where}.pairCount`),
    seed: finite(o.seed, `${where}.seed`),
  };
}

/** reviveDiagnostics as a problem string (null when valid), for the report parser. */
export function diagnosticsProblem(v: unknown): { problem: string } | { value: DiagnosticsResult } {
  try {
    return { value: reviveDiagnostics(v) };
  } catch (err) {
    if (err instanceof Problem) return { problem: err.message };
    throw err;
  }
}
