// Dynamic NTK curves from one T = C_max graph (lib/scenario/perplexityCurve: each context's tables fed to
// the long graph, its prefix read) equal direct C-token runs with that context's own base, through
// the real engine on the built-in model.
import { describe, expect, it } from 'vitest';
import { evaluatePerplexity } from '../../lib/eval/perplexity';
import { graphRopeInputs } from '../../lib/eval/ropeInputs';
import { buildLlamaGraph } from '../../lib/onnx/llamaGraph';
import { applyInterpolation } from '../../lib/rope/interpolation';
import { perplexityCurve } from '../../lib/scenario/perplexityCurve';
import { openScenarioModel } from '../scenario/model';
import { scenarioWeights } from '../scenario/runs';
import { REPO } from '../testing/spawnCli';
import { createNodeEngine } from './nodeRunner';
import { tolerance } from '../../lib/testing/tolerances';

describe('dynamic NTK perplexity curve, one run per base, each as long as its group', () => {
  it(`every context equals a direct run of its own length and base (${tolerance('same-function-nll', 'float32', 'cpu')} nats)`, async () => {
    const model = await openScenarioModel('builtin');
    try {
      const tokens = await model.readTokens('test', 'text', `${REPO}/public/text/brown-test.txt`);
      const rope = applyInterpolation(model.spec.rope, { method: 'dynamic', factor: 4 });
      const weights = await scenarioWeights(model, {});
      const contexts = [64, 256, 512, 1024];
      const opened: number[] = [];
      const curve = await perplexityCurve({
        method: 'dynamic',
        variant: 'fp',
        rope,
        tokens,
        contexts,
        tokenBudget: 1024,
        maxWindows: 1,
        openEngine: async (seqLen) => {
          opened.push(seqLen);
          return createNodeEngine(buildLlamaGraph(model.spec, weights, { seqLen }));
        },
      });
      // 64 and 256 share the trained base; 512 and 1024 each have their own.
      expect(opened).toEqual([256, 512, 1024]);
      for (const [k, c] of contexts.entries()) {
        const [direct] = await evaluatePerplexity({
          tokens: tokens.subarray(0, c),
          contexts: [c],
          prepare: async () => ({ engine: await createNodeEngine(buildLlamaGraph(model.spec, weights, { seqLen: c })), ...graphRopeInputs(rope, c) }),
        });
        expect(Math.abs(curve.perContext[k].nll - direct.nll), `context ${c}`).toBeLessThan(tolerance('same-function-nll', 'float32', 'cpu'));
      }
    } finally {
      await model.close();
    }
  });
});
