// The built-in model (safetensors) builds byte-for-byte the graphs it built before a GGUF's own
// blocks were wired into the worker (workers/engine/hfFolder.ts storedBlocksOf): SHA-256 of the
// ONNX bytes of its full-precision, fake-quant and MatMulNBits builds, recorded from the code at
// commit 7e1257c (before that change). The graph builder is pure JS arithmetic, so the bytes do not
// depend on the machine.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rtnBuild } from '../../lib/testing/specBuilds';
import { createUrlGraphBuilder } from './buildGraph';
import type { GraphBuildRequest } from './protocol';
import { diskFetch } from './testing/diskFetch';

const ROOT = join(import.meta.dirname, '..', '..');
const ctx = { onProgress: () => {}, throwIfCancelled: () => {} };

const BUILDS: Array<[string, GraphBuildRequest, string]> = [
  ['full precision', { seqLen: 64 }, 'ec4d7e72f2d233d610ff7a122ef7452024f2a88e70c13ccf6a026b2232675dcf'],
  ['w4g32a fake quant', { seqLen: 64, quant: rtnBuild('rtn:w4g32a') }, '2d2adc7d5495a7c65e8726642ace40cee68ae1d40fd172cd0a7c2bd50fa89a37'],
  [
    'w4g32a MatMulNBits',
    { seqLen: 64, quant: rtnBuild('rtn:w4g32a'), quantFormat: 'nbits' },
    'e905649e3400e7074746a6620dc732d38151bc5f08ec43192e74b8dbcf90596a',
  ],
  ['float16 noise floor', { seqLen: 64, weightPrecision: 'f16' }, '694eadc054387cc7300821030dd4ef467605272b36f9be7120d8773562b361a6'],
];

describe('built-in model graphs are unchanged', () => {
  for (const [name, build, sha256] of BUILDS) {
    it(`${name}: the ONNX bytes' SHA-256`, async () => {
      const graph = await createUrlGraphBuilder(diskFetch(join(ROOT, 'public'), { bytes: 0 }))('/models/bandscope-byte-4m/', build, ctx);
      if (!(graph instanceof Uint8Array)) throw new Error('expected the whole graph');
      const got = createHash('sha256').update(graph).digest('hex');
      expect(got).toBe(sha256);
    });
  }
});
