/**
 * The page's model identity: the one scheme lib/model/open defines (MODEL_IDENTITY_SCHEME, a hash
 * of the files' names, sizes and headers), computed over HTTP range reads of a served folder — the
 * same hash `bandscope` prints for the same files, so a report, a scales JSON or a download names
 * the model alike whoever wrote it. Reads headers only (a few KiB), never tensor data.
 */
import { openModel } from '../lib/model/open';
import { httpByteSource, type FetchLike } from '../workers/engine/hfFolder';

/** The files of the built-in model that lib/model reads (README and pictures are not part of the model). */
export const BUILTIN_MODEL_FILES: readonly string[] = ['config.json', 'model.safetensors', 'bandscope_tokenizer.json'];

export async function servedModelIdentity(fetchFn: FetchLike, baseUrl: string, files: readonly string[] = BUILTIN_MODEL_FILES): Promise<string> {
  const base = baseUrl.endsWith('/') ? baseUrl : `${baseUrl}/`;
  const sources = await Promise.all(files.map((file) => httpByteSource(fetchFn, `${base}${file}`, file)));
  return (await openModel(sources)).identity;
}
