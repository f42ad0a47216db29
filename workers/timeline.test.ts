import { afterEach, describe, expect, it } from 'vitest';
import { createAnalysisClient, type AnalysisWorkerLike } from './analysis/client';
import type { AnalysisWorkerOutMessage } from './analysis/protocol';
import { markTimeline, setTimelineSink } from './timeline';

afterEach(() => {
  setTimelineSink(null);
  performance.clearMeasures();
});

describe('timeline', () => {
  it('marks a measure of the given length ending now, or hands it to the sink instead', () => {
    markTimeline('engine run local', 5);
    const [local] = performance.getEntriesByName('engine run local', 'measure');
    expect(local.duration).toBeCloseTo(5, 6);
    const sunk: Array<[string, number]> = [];
    setTimelineSink((name, ms) => sunk.push([name, ms]));
    markTimeline('engine run sunk', 7);
    expect(sunk).toEqual([['engine run sunk', 7]]);
    expect(performance.getEntriesByName('engine run sunk', 'measure')).toHaveLength(0);
  });

  it("the analysis client marks the worker's forwarded entries on this timeline", async () => {
    let emit: (m: AnalysisWorkerOutMessage) => void = () => {};
    const worker: AnalysisWorkerLike = {
      postMessage: () => {},
      addEventListener: ((type: string, l: (e: { data: AnalysisWorkerOutMessage }) => void) => {
        if (type === 'message') emit = (data) => l({ data });
      }) as AnalysisWorkerLike['addEventListener'],
      terminate: () => {},
    };
    const client = createAnalysisClient(() => worker);
    emit({ kind: 'timeline', name: 'engine run T=512 taps k', elapsedMs: 12 });
    const [entry] = performance.getEntriesByName('engine run T=512 taps k', 'measure');
    expect(entry.duration).toBeCloseTo(12, 6);
    client.terminate();
  });
});
