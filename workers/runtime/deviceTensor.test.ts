// DeviceTensor handles: opaque, downloaded at most once, freed exactly once, refused after dispose;
// the device-feed fallback retries once with the feeds downloaded and reports why.
import { describe, expect, it } from 'vitest';
import { cpuDeviceTensor, feedOf, gpuDeviceTensor, keptNames, nativeOf, runWithDeviceFeeds } from './deviceTensor';

function counted(values: number[]) {
  const calls = { reads: 0, releases: 0 };
  const owner = {};
  const native = { gpu: true };
  const handle = gpuDeviceTensor(
    [1, values.length],
    owner,
    native,
    async () => {
      calls.reads++;
      return Float32Array.from(values);
    },
    () => calls.releases++,
  );
  return { handle, owner, native, calls };
}

describe('DeviceTensor', () => {
  it('gives its native tensor only to its owner, while it is on the device', async () => {
    const { handle, owner, native, calls } = counted([1, 2]);
    expect(nativeOf(handle, owner)).toBe(native);
    expect(nativeOf(handle, {})).toBeNull();
    const [a, b] = await Promise.all([feedOf(handle), feedOf(handle)]);
    expect(Array.from(a.data)).toEqual([1, 2]);
    expect(b.data).toBe(a.data);
    expect(a.dims).toEqual([1, 2]);
    expect(calls).toEqual({ reads: 1, releases: 1 }); // downloaded once, the GPU buffer freed then
    expect(handle).toMatchObject({ location: 'cpu', downloaded: true, disposed: false });
    expect(nativeOf(handle, owner)).toBeNull();
    handle.dispose();
    handle.dispose();
    expect(calls.releases).toBe(1);
    await expect(feedOf(handle)).rejects.toThrow('feedOf: the DeviceTensor [1, 2] was disposed before this run');
  });

  it('releases a handle never read once, however often it is disposed', () => {
    const { handle, calls } = counted([3]);
    handle.dispose();
    handle.dispose();
    expect(calls).toEqual({ reads: 0, releases: 1 });
    expect(handle.disposed).toBe(true);
  });

  it('CPU handles carry their values and say whether they came off a GPU', async () => {
    const h = cpuDeviceTensor(Float32Array.of(5, 6), [2], true);
    expect(h).toMatchObject({ kind: 'device-tensor', location: 'cpu', downloaded: true, dims: [2] });
    expect(Array.from((await feedOf(h)).data)).toEqual([5, 6]);
  });

  it('keepOnDevice must name outputs of the run', () => {
    expect([...keptNames(['a', 'b'], ['b'])]).toEqual(['b']);
    expect(() => keptNames(['a'], ['hidden_out'])).toThrow("keepOnDevice names 'hidden_out', which is not among the run's outputs [a]");
  });
});

describe('runWithDeviceFeeds', () => {
  it('feeds a handle as it is; when the run refuses it, downloads it, reports why, and runs again', async () => {
    const { handle, owner, native, calls } = counted([7, 8]);
    const made: unknown[] = [];
    const disposed: unknown[] = [];
    const seen: Array<Record<string, unknown>> = [];
    const refusals: string[] = [];
    const out = await runWithDeviceFeeds<unknown>({
      feeds: { hidden: handle, ids: { type: 'int64', data: BigInt64Array.of(1n), dims: [1] } },
      refused: false,
      nativeFeed: (h) => nativeOf(h, owner),
      toNative: (feed) => {
        const t = { cpu: feed };
        made.push(t);
        return t;
      },
      disposeNative: (t) => disposed.push(t),
      run: async (feeds) => {
        seen.push(feeds);
        if (feeds.hidden === native) throw new Error('gpu-buffer input not supported\nstack…');
        return { y: 1 };
      },
      onRefused: (reason, names) => refusals.push(`${names.join(',')}: ${reason}`),
    });
    expect(out).toEqual({ y: 1 });
    expect(seen).toHaveLength(2);
    expect(seen[1].hidden).toEqual({ cpu: { type: 'float32', data: Float32Array.of(7, 8), dims: [1, 2] } });
    expect(refusals).toEqual(['hidden: gpu-buffer input not supported']);
    expect(calls.reads).toBe(1);
    expect(disposed).toEqual(made); // ids and the downloaded hidden: every tensor it made, freed
    expect(handle.disposed).toBe(false); // the caller's to dispose
  });

  it('with `refused` it downloads at once and never tries the device feed', async () => {
    const { handle, owner, native } = counted([1]);
    const seen: unknown[] = [];
    await runWithDeviceFeeds<unknown>({
      feeds: { hidden: handle },
      refused: true,
      nativeFeed: (h) => nativeOf(h, owner),
      toNative: (feed) => feed,
      disposeNative: () => {},
      run: async (feeds) => {
        seen.push(feeds.hidden);
        return {};
      },
      onRefused: () => {
        throw new Error('not expected');
      },
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).not.toBe(native);
  });
});
