/** Side-by-side comparison of two reports: settings that differ and perplexity deltas at shared contexts. */
import type { RunReport } from './report';

export interface ReportDiff {
  /** Query keys whose values differ: [key, left, right] ('' = default). */
  settings: Array<[string, string, string]>;
  sameModel: boolean;
  /** For each (method, variant, context) present in both: left and right perplexity. */
  perplexity: Array<{ method: string; variant: string; contextTokens: number; left: number; right: number }>;
}

export function compareReports(left: RunReport, right: RunReport): ReportDiff {
  const kv = (q: string): Map<string, string> =>
    new Map(
      q
        .split('&')
        .filter(Boolean)
        .map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]),
    );
  const a = kv(left.settingsQuery);
  const b = kv(right.settingsQuery);
  const keys = [...new Set([...a.keys(), ...b.keys()])].sort();
  const settings = keys.filter((k) => a.get(k) !== b.get(k)).map((k): [string, string, string] => [k, a.get(k) ?? '', b.get(k) ?? '']);
  const perplexity: ReportDiff['perplexity'] = [];
  for (const lc of left.perplexity?.curves ?? []) {
    const rc = right.perplexity?.curves.find((c) => c.method === lc.method && c.variant === lc.variant);
    if (!rc) continue;
    lc.contextTokens.forEach((ctx, i) => {
      const j = rc.contextTokens.indexOf(ctx);
      if (j >= 0) perplexity.push({ method: lc.method, variant: lc.variant, contextTokens: ctx, left: lc.perplexity[i], right: rc.perplexity[j] });
    });
  }
  return { settings, sameModel: left.model.identity === right.model.identity, perplexity };
}
