'use client';
/**
 * Slider feedback: the proxy RMS logit error (lib/qroar createLogitProxy, in the analysis worker)
 * at the slider scales. The worker holds the proxy under `setupId` (set up from dev-text taps by
 * hooks/useProxySetup); while one evaluation is in flight only the latest slider position is queued, so dragging
 * never piles up requests.
 */
import { useEffect, useRef, useState } from 'react';
import type { QroarVariant } from '@/lib/settings/settings';
import { getAnalysisClient } from '@/workers/analysis/client';

export interface ProxyFeedback {
  rms: number | null;
  baselineRms: number | null;
  status: string;
}

export function useQroarProxy(setupId: string | null, scales: number[], variant: QroarVariant): ProxyFeedback {
  const [rms, setRms] = useState<number | null>(null);
  const [baselineRms, setBaselineRms] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const busy = useRef(false);
  const queued = useRef<{ scales: number[]; variant: QroarVariant } | null>(null);
  const setupRef = useRef(setupId);
  useEffect(() => {
    setupRef.current = setupId;
  }, [setupId]);

  // The baseline depends on the setup, band count and variant only; a new one clears the figures
  // while rendering (React's "adjusting state when a prop changes"), not in an effect.
  const bandCount = scales.length;
  const baselineKey = `${setupId}|${bandCount}|${variant}`;
  const [figuresKey, setFiguresKey] = useState(baselineKey);
  if (figuresKey !== baselineKey) {
    setFiguresKey(baselineKey);
    setRms(null);
    setBaselineRms(null);
    setError(null);
  }

  useEffect(() => {
    if (!setupId || bandCount === 0) return;
    let live = true;
    getAnalysisClient()
      .proxyEval(
        setupId,
        Array.from({ length: bandCount }, () => 1),
        variant,
      )
      .then(
        (v) => live && setBaselineRms(v.rms),
        (err: unknown) => live && setError(err instanceof Error ? err.message : String(err)),
      );
    return () => {
      live = false;
    };
  }, [setupId, bandCount, variant]);

  useEffect(() => {
    if (!setupId || scales.length === 0) return;
    queued.current = { scales, variant };
    if (busy.current) return;
    const pump = async (): Promise<void> => {
      busy.current = true;
      while (queued.current) {
        const next = queued.current;
        queued.current = null;
        const id = setupRef.current;
        if (!id) break;
        try {
          const v = await getAnalysisClient().proxyEval(id, next.scales, next.variant);
          if (setupRef.current === id) setRms(v.rms);
        } catch (err) {
          if (setupRef.current === id) setError(err instanceof Error ? err.message : String(err));
        }
      }
      busy.current = false;
    };
    void pump();
  }, [setupId, scales, variant]);

  const status = !setupId
    ? 'Proxy waits for its taps: the FP and quantized runs at L′ on the dev text, after the diagnostics.'
    : error
      ? `Proxy error: ${error}.`
      : '';
  return { rms: setupId ? rms : null, baselineRms: setupId ? baselineRms : null, status };
}
