import { describe, expect, it } from 'vitest';
import { formatPplChange, formatRelativeChange, noiseDefinition, penaltyLine } from './outcomeText';
import { contextPenalty } from './penalty';

describe('outcome text', () => {
  it('writes a change with its standard error and says when it is within noise', () => {
    expect(formatPplChange({ meanNats: Math.log(0.9949), standardErrorNats: 0.001, windows: 64 })).toBe('−0.51 % ± 0.10 %');
    expect(formatPplChange({ meanNats: Math.log(1.001), standardErrorNats: 0.001, windows: 4 })).toBe('+0.10 % ± 0.10 % (within noise)');
    expect(formatPplChange({ meanNats: 0, standardErrorNats: Number.NaN, windows: 1 })).toBe('±0.00 % ± n/a (one window) (within noise)');
    expect(formatRelativeChange(-0.155, 0.04, false)).toBe('−15.5 % ± 4.0 %');
    expect(formatRelativeChange(Number.NaN, Number.NaN, true)).toMatch(/n\/a/);
    expect(noiseDefinition()).toMatch(/max\(2 SE, 0\.00001 nats\)/);
  });

  it('one line per context with the penalty before → after', () => {
    const p = contextPenalty({
      contextTokens: 512,
      ptqBefore: [2.3, 3.2, 1.9],
      fpBefore: [2.0, 3.0, 1.5],
      ptqAfter: [2.2, 3.1, 1.8],
      fpAfter: [1.96, 2.93, 1.49],
    });
    expect(penaltyLine(p)).toBe(
      `at 512 (3 test windows): PTQ −9.52 % ± 0.00 %, FP control ${formatPplChange(p.fpChange)}; penalty 0.30000 → 0.24000 nats (−20.0 % ± ${((100 * Math.sqrt(0.0009 / 3)) / 0.3).toFixed(1)} %); gap closed 33 %, FP gets 40 % of the gain`,
    );
  });
});
