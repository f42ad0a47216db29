/**
 * The definition shown beside each chart (Bandscope's own definitions, written out in
 * docs/science.md). Kept in one place so the UI, the exported files and the report all state the
 * same formula; each caption links the section of the science page that defines it.
 */
import type { ChartId } from './types';

export interface ChartDefinition {
  title: string;
  /** One or two sentences with the formula; shown as the chart caption. */
  definition: string;
  /** Heading anchor in docs/science.md (served at SCIENCE_PAGE_PATH) that defines this chart. */
  scienceAnchor: string;
}

/** Route of the page that renders docs/science.md (app/science/page.tsx). */
export const SCIENCE_PAGE_PATH = '/science';

/** Link to a chart's section of the science page, e.g. '/science#tail-inflation-ratio'. */
export function scienceHref(def: ChartDefinition): string {
  return `${SCIENCE_PAGE_PATH}#${def.scienceAnchor}`;
}

export const CHART_DEFINITIONS: Record<ChartId, ChartDefinition> = {
  compounding: {
    title: 'Quantization gap against context',
    definition:
      'What quantization costs at each context, per PI method: relative gap PPL_PTQ/PPL_FP − 1, absolute gap PPL_PTQ − PPL_FP, or per position NLL_PTQ(m) − NLL_FP(m) in log-spaced bins of m across the longest window (same held-out windows, same PI on both sides). Solid: before Q-ROAR; dashed: after (PTQ + Q-ROAR vs FP + Q-ROAR, the same scales on both). Red vertical line: trained window L.',
    scienceAnchor: 'quantization-gap-against-context',
  },
  'pressure-pair': {
    title: 'Interpolation pressure per pair',
    definition:
      'IP_i = (L′/2π)·θ′_i·|∂ln θ′_i/∂ln s| — turns of phase at the window edge per unit of log-scale (numerical derivative); D_i = L′·|θ_i − θ′_i|/2π turns of phase displacement. Shaded: bands. Dashed: the pair whose wavelength equals the trained window L. Right axis: fraction of the scaling each pair receives, ln(θ_i/θ′_i)/ln s (the PI ramp).',
    scienceAnchor: 'interpolation-pressure-analytic',
  },
  'pressure-band': {
    title: 'Interpolation pressure per band',
    definition: 'Per band: the mean of IP_i and of D_i over the band’s pairs (analytic). Bands are sets of whole pairs.',
    scienceAnchor: 'interpolation-pressure-analytic',
  },
  'tir-heatmap': {
    title: 'Tail inflation ratio, layer × band',
    definition:
      'TIR_B = Q_p(|X_B| over a long run at L′) / Q_p(|X_B| over a short run at ≤ L), X ∈ {q, k} pre- or post-RoPE, pooled over heads. 1 = no inflation.',
    scienceAnchor: 'tail-inflation-ratio',
  },
  'tir-pair': {
    title: 'Tail inflation ratio per pair',
    definition: 'TIR of each pair’s two rows (same quantile p, long run at L′ over short run at ≤ L), one line per layer.',
    scienceAnchor: 'tail-inflation-ratio',
  },
  'logit-error-distance': {
    title: 'Logit error against distance',
    definition:
      'ε(m, n) = ℓ_quant(m, n) − ℓ_ref(m, n) of the pre-softmax logit q_m·k_n·a²/√d, same PI on both sides; RMS per log-spaced bin of Δ = m − n, per band (ε = Σ_B ε_B). Sampled (m, n) pairs. Shaded: the noise floor, the same RMS between two full-precision runs that should agree — on WebGPU and on WASM when the run is on WebGPU, else with float16-rounded and float32 weights.',
    scienceAnchor: 'position-dependent-logit-error',
  },
  'logit-error-query': {
    title: 'Logit error against query position',
    definition:
      'RMS of ε(m, n) over sampled keys n < m, binned by query position m, per band; dashed: the trained window L. Shaded: the noise floor (FP on WebGPU vs WASM, or float16 vs float32 weights).',
    scienceAnchor: 'position-dependent-logit-error',
  },
  'ppl-context': {
    title: 'Perplexity against context',
    definition:
      'exp(mean token NLL) on held-out text at each context, for full precision, quantized and quantized + Q-ROAR (with its control, FP + Q-ROAR: the same scales on the full-precision model), per PI method. Dashed: trained window L. y-axis: log when the curves span more than 3× (or as chosen), so a curve that blows up does not flatten the others.',
    scienceAnchor: 'perplexity-against-context',
  },
  'kl-position': {
    title: 'KL per position',
    definition:
      'KL(p_FP ‖ p_PTQ) of the next-token distributions at each position (nats), same PI on both, streamed from logits. Shaded: the noise floor KL(p_FP ‖ p_FP′), the FP model against itself on the other backend (WebGPU vs WASM) or, with one backend, with float16-rounded weights.',
    scienceAnchor: 'kl-per-position',
  },
  'ip-activation': {
    title: 'Interpolation pressure from activations, layer × band',
    definition:
      'IP_B = E|ℓ_B(m, n; θ′) − ℓ_B(m, n; θ)| / E|ℓ_B(m, n; θ)| on the full-precision model’s real pre-RoPE q/k at L′, over sampled pairs m > n and heads; ℓ_B = band B’s share of the logit q_m·k_n (attention factor included).',
    scienceAnchor: 'interpolation-pressure-from-activations',
  },
  'search-candidates': {
    title: 'Q-ROAR search candidates',
    definition:
      'Objective (mean NLL on the long dev set at L′) against the band’s scale g; colour = band (one legend entry each), shape = the guard’s verdict: circle accepted, cross rejected (short-context NLL up more than the guard tolerance, 0.5 % by default). Dashed and diamond: g = 1 everywhere. A candidate is taken only when the paired per-window difference to the incumbent is below −max(2 SE, 1e-5 nats).',
    scienceAnchor: 'search',
  },
  'search-penalty': {
    title: 'Quantization penalty against context',
    definition:
      'Penalty = NLL(PTQ) − NLL(FP) on the same held-out test windows, same PI; before: g = 1, after: the chosen scales applied to both PTQ and FP. Whiskers: ±2 standard errors of the per-window penalty.',
    scienceAnchor: 'quantization-penalty',
  },
};
