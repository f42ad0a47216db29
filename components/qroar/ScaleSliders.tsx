'use client';
/**
 * Per-band Q-ROAR scale sliders over the safe window (log scale) with the variant selector and
 * the proxy's RMS logit error. Presentational: values in, changes out.
 */
import type { ChartBand } from '@/lib/charts/types';
import type { QroarVariant } from '@/lib/settings/settings';

export interface ScaleSlidersProps {
  bands: ChartBand[];
  scales: number[];
  lo: number;
  hi: number;
  onScales: (scales: number[]) => void;
  variant: QroarVariant;
  onVariant: (v: QroarVariant) => void;
  /** Proxy RMS logit error at the slider scales and at g = 1; null while not available. */
  proxy: { rms: number | null; baselineRms: number | null; status: string };
  disabled?: boolean;
}

const STEPS = 240;

export function ScaleSliders({ bands, scales, lo, hi, onScales, variant, onVariant, proxy, disabled }: ScaleSlidersProps) {
  const lnLo = Math.log(lo);
  const lnHi = Math.log(hi);
  return (
    <div className="flex flex-col gap-1.5 text-xs">
      <label className="flex items-center gap-2">
        <span className="w-16 text-zinc-600 dark:text-zinc-400">Variant</span>
        <select
          aria-label="Q-ROAR variant"
          className="rounded border border-zinc-300 bg-transparent px-1 py-0.5 dark:border-zinc-700"
          value={variant}
          disabled={disabled}
          onChange={(e) => onVariant(e.target.value as QroarVariant)}
        >
          <option value="shared">shared (W_Q·g, W_K·g)</option>
          <option value="symmetric">symmetric (W_Q·g, W_K/g)</option>
          <option value="query-only">query-only (W_Q·g)</option>
        </select>
      </label>
      {variant === 'symmetric' ? (
        <p role="note" className="text-[11px] text-amber-700 dark:text-amber-400">
          Symmetric is a no-op under row-local weight RTN without KV-cache quantization: RTN quantizes each row group on its own, so Q(g·w) = g·Q(w) and every
          logit keeps g·(1/g) = 1 — neither the proxy nor the search can move (
          <a href="/science#transform" target="_blank" rel="noopener" className="underline">
            science page
          </a>
          ). It matters only with KV quantization.
        </p>
      ) : null}
      {bands.map((band, b) => {
        const g = scales[b] ?? 1;
        return (
          <label key={band.bandIndex} className="flex items-center gap-2">
            <span className="w-16 shrink-0 tabular-nums text-zinc-600 dark:text-zinc-400" title={`rotary pairs ${band.firstPair}–${band.lastPair}`}>
              band {band.bandIndex}
            </span>
            <input
              type="range"
              className="flex-1"
              aria-label={`Scale g of band ${band.bandIndex} (pairs ${band.firstPair}–${band.lastPair})`}
              min={0}
              max={STEPS}
              step={1}
              disabled={disabled}
              value={Math.round(((Math.log(g) - lnLo) / (lnHi - lnLo)) * STEPS)}
              onChange={(e) => {
                const next = [...scales];
                next[b] = Math.exp(lnLo + (Number(e.target.value) / STEPS) * (lnHi - lnLo));
                // Snap to exactly 1 near the centre so the unmodified model is reachable.
                if (Math.abs(Math.log(next[b])) < (lnHi - lnLo) / STEPS / 2) next[b] = 1;
                onScales(next);
              }}
            />
            <output className="w-12 text-right tabular-nums">{g.toFixed(3)}</output>
          </label>
        );
      })}
      <div className="flex flex-wrap items-center gap-2" aria-live="polite">
        <span className="text-zinc-600 dark:text-zinc-400">Proxy RMS logit error:</span>
        <span data-proxy-rms={proxy.rms ?? ''} className="font-medium tabular-nums">
          {proxy.rms === null ? '—' : proxy.rms.toPrecision(4)}
        </span>
        {proxy.baselineRms !== null ? <span className="text-zinc-500 tabular-nums">(g = 1: {proxy.baselineRms.toPrecision(4)})</span> : null}
        <button
          type="button"
          className="ml-auto rounded border border-zinc-300 px-1.5 py-0.5 text-[11px] dark:border-zinc-700"
          disabled={disabled}
          onClick={() => onScales(bands.map(() => 1))}
          aria-label="Reset all band scales to 1"
        >
          Reset
        </button>
      </div>
      <p className="text-[11px] text-zinc-500">
        {proxy.status} Proxy: RMS over sampled (query, key) pairs and heads of (1/√d)·(q̂·D·k̂ − q·k), post-RoPE taps of the FP and quantized runs at L′; per
        layer, first order, no forward pass — the search confirms with real NLL.
      </p>
    </div>
  );
}
