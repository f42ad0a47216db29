/**
 * Test-only: typed builds (lib/scenario/builds) from the CLI spelling, so a test names a build the
 * way a person types it ('rtn:w4g32a', 'int8:token:post'); the grammar stays at this edge.
 */
import { parseKvSpec } from '../quant/kvSpec';
import { parseRtnSpec } from '../quant/rtnSpec';
import { kvBuildOfSpec, rtnBuildOfOptions, type KvBuild, type RtnBuild } from '../scenario/builds';
import type { QuantLayers } from '../scenario/weights';

/** The RTN build of e.g. 'rtn:w4g32a' on `layers` (default all). */
export function rtnBuild(spec: string, layers: QuantLayers = 'all'): RtnBuild {
  return rtnBuildOfOptions(parseRtnSpec(spec), layers);
}

/** The KV build of e.g. 'int8:token:post' or 'int4:channel:pre:k:hadamard'. */
export function kvBuild(spec: string): KvBuild {
  return kvBuildOfSpec(parseKvSpec(spec));
}
