/**
 * Which perplexity curves a scenario runs (one job per PI method × variant) and the engine build
 * fields of each, pure so the page's hook and its tests agree. Variants: FP, PTQ, and after the
 * Q-ROAR panel's Apply, PTQ + Q-ROAR with its control FP + Q-ROAR (the same scales on the
 * full-precision model, SPEC §5: a gain FP gets too is not a repair of quantization).
 */
import type { PplCurve } from '../charts/types';
import type { RopeType } from '../rope/types';
import type { Settings } from '../settings/settings';
import type { KvBuild, QroarBuild, QuantBuild, RtnBuild } from './builds';
import { quantBuildOf } from './weightsBuild';

export interface CurveJob {
  key: string;
  method: RopeType;
  variant: PplCurve['variant'];
}

/** The build fields a curve job sets (a slice of lib/scenario/engineBuild EngineBuild). */
export interface CurveBuild {
  quant: RtnBuild | null;
  kv?: KvBuild | null;
  qroar?: QroarBuild;
}

/** Main method first, then the overlays; per method FP (and PTQ when something is quantized); the Q-ROAR pair after the main method's. */
export function curveJobs(settings: Settings): CurveJob[] {
  const methods = [settings.pi.method, ...settings.compareMethods.filter((m) => m !== settings.pi.method)];
  const variants: Array<PplCurve['variant']> = quantBuildOf(settings.weightQuant, settings.kvQuant) ? ['fp', 'ptq'] : ['fp'];
  const jobs: CurveJob[] = methods.flatMap((method) => variants.map((variant) => ({ key: `${method}/${variant}`, method, variant })));
  // Applied Q-ROAR scales belong to the main method's band partition.
  if (variants.length > 1 && settings.appliedScales) {
    jobs.splice(
      variants.length,
      0,
      { key: `${settings.pi.method}/ptq+qroar`, method: settings.pi.method, variant: 'ptq+qroar' },
      { key: `${settings.pi.method}/fp+qroar`, method: settings.pi.method, variant: 'fp+qroar' },
    );
  }
  return jobs;
}

/** The full-precision variants (no weight or KV quantization): FP and its Q-ROAR control. */
export function isFp(job: Pick<CurveJob, 'variant'>): boolean {
  return job.variant === 'fp' || job.variant === 'fp+qroar';
}

/** The engine build of a curve job: FP → no quant; the Q-ROAR variants add the applied scales. */
export function curveBuild(job: Pick<CurveJob, 'variant'>, quant: QuantBuild | null, qroar: () => QroarBuild): CurveBuild {
  if (job.variant === 'fp+qroar') return { quant: null, qroar: qroar() };
  if (job.variant === 'fp' || !quant) return { quant: null };
  return job.variant === 'ptq+qroar' ? { ...quant, qroar: qroar() } : quant;
}
