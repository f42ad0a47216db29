/** Node test helper: a FetchLike over files under a root folder, honouring Range like a static server. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FetchLike } from '../hfFolder';

export function diskFetch(rootDir: string, counter?: { bytes: number }): FetchLike {
  return async (url, init) => {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(join(rootDir, url));
    } catch {
      return { ok: false, status: 404, headers: { get: () => null }, arrayBuffer: async () => new ArrayBuffer(0), json: async () => null };
    }
    const range = init?.headers?.Range;
    const m = range ? /^bytes=(\d+)-(\d+)$/.exec(range) : null;
    const body = m ? bytes.subarray(Number(m[1]), Number(m[2]) + 1) : bytes;
    if (counter) counter.bytes += body.length;
    const copy = new Uint8Array(body); // Buffer.slice would share, not copy
    return {
      ok: true,
      status: m ? 206 : 200,
      headers: {
        get: (name: string) => (m && name.toLowerCase() === 'content-range' ? `bytes ${m[1]}-${Number(m[1]) + body.length - 1}/${bytes.length}` : null),
      },
      arrayBuffer: async () => copy.buffer,
      json: async () => JSON.parse(new TextDecoder().decode(copy)) as unknown,
    };
  };
}
