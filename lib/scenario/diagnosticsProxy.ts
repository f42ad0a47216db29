/**
 * The live-slider proxy over every tapped layer (SPEC §5, lib/qroar createLogitProxy): post-RoPE
 * q/k of the full-precision and quantized runs at L′ (same PI), one proxy per layer and variant,
 * built lazily and kept. Evaluation is O(samples · heads · bands) per layer, no forward pass.
 */
import { pairSampler, type PositionPairs } from '../diagnostics/pairSampler';
import { createLogitProxy, type LogitProxy } from '../qroar/proxy';
import type { QroarVariant } from '../qroar/transform';
import type { Band, PairLayout } from '../rope/types';
import { tapOfSet, type DiagnosticsGeometry, type TapSet } from './diagnosticsCompute';

export interface ProxyLayerTaps {
  layer: number;
  /** Post-RoPE FP queries [tokens, heads, headDim] and keys [tokens, kvHeads, headDim]. */
  refQ: Float32Array;
  refK: Float32Array;
  /** Post-RoPE quantized-model queries and keys at g = 1, same shapes. */
  quantQ: Float32Array;
  quantK: Float32Array;
}

export interface ProxySetupInput {
  layers: ProxyLayerTaps[];
  tokens: number;
  heads: number;
  kvHeads: number;
  headDim: number;
  rotaryDim: number;
  layout: PairLayout;
  bands: Band[];
  pairCount: number;
  seed: number;
}

export interface ProxyEvaluation {
  /** Pooled RMS logit error over all layers' samples × heads, logit units. */
  rms: number;
  /** RMS per tapped layer, in `layers` order. */
  perLayer: number[];
  layers: number[];
}

export interface LayeredProxy {
  readonly bandCount: number;
  evaluate(bandScales: ArrayLike<number>, variant: QroarVariant): ProxyEvaluation;
}

/** The FP and quantized runs at L′ a proxy is set up from (a DiagnosticsInput is one). */
export interface ProxyRuns {
  geometry: Pick<DiagnosticsGeometry, 'layers' | 'heads' | 'kvHeads' | 'headDim' | 'rotaryDim' | 'layout' | 'bands'>;
  longTokens: number;
  longFp: TapSet;
  longQuant: TapSet | null;
  pairCount: number;
  seed: number;
}

/**
 * The proxy input of the FP and quantized long runs (post-RoPE taps), or null without a quantized
 * run. Keys are k_post of the quantized run: a KV-cache key quantizer is not modelled by the proxy.
 */
export function proxySetupInputOf(runs: ProxyRuns): ProxySetupInput | null {
  const q = runs.longQuant;
  if (!q) return null;
  const g = runs.geometry;
  return {
    layers: g.layers.map((layer) => ({
      layer,
      refQ: tapOfSet(runs.longFp, `q_post_${layer}`),
      refK: tapOfSet(runs.longFp, `k_post_${layer}`),
      quantQ: tapOfSet(q, `q_post_${layer}`),
      quantK: tapOfSet(q, `k_post_${layer}`),
    })),
    tokens: runs.longTokens,
    heads: g.heads,
    kvHeads: g.kvHeads,
    headDim: g.headDim,
    rotaryDim: g.rotaryDim,
    layout: g.layout,
    bands: g.bands,
    pairCount: runs.pairCount,
    seed: runs.seed,
  };
}

/** See module doc. Throws on empty layers or mismatched shapes (createLogitProxy checks dims). */
export function createLayeredProxy(input: ProxySetupInput): LayeredProxy {
  if (input.layers.length === 0) throw new Error('createLayeredProxy: no layers');
  if (input.bands.length === 0) throw new Error('createLayeredProxy: no bands');
  const pairs: PositionPairs = pairSampler(input.tokens, input.pairCount, input.seed);
  const byVariant = new Map<QroarVariant, LogitProxy[]>();
  const proxiesFor = (variant: QroarVariant): LogitProxy[] => {
    let proxies = byVariant.get(variant);
    if (!proxies) {
      proxies = input.layers.map((l) =>
        createLogitProxy({
          refQ: l.refQ,
          refK: l.refK,
          quantQ: l.quantQ,
          quantK: l.quantK,
          tokens: input.tokens,
          heads: input.heads,
          kvHeads: input.kvHeads,
          headDim: input.headDim,
          rotaryDim: input.rotaryDim,
          layout: input.layout,
          bands: input.bands,
          pairs,
          variant,
        }),
      );
      byVariant.set(variant, proxies);
    }
    return proxies;
  };
  return {
    bandCount: input.bands.length,
    evaluate(bandScales, variant) {
      let sq = 0;
      let n = 0;
      const perLayer = proxiesFor(variant).map((p) => {
        const v = p.evaluate(bandScales);
        sq += v.sumSquares;
        n += v.count;
        return v.rms;
      });
      return { rms: n === 0 ? 0 : Math.sqrt(sq / n), perLayer, layers: input.layers.map((l) => l.layer) };
    },
  };
}
