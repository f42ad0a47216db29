/**
 * Node ByteSource over a file handle: every read is a positioned FileHandle.read of
 * exactly the requested range; the file is never read whole.
 */
import { open, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { checkRange, type ByteSource } from '../../lib/model/byteSource';
import { ModelFormatError } from '../../lib/model/errors';
import { openModel, type OpenModelOptions, type OpenedModel } from '../../lib/model/open';
import { UsageError } from '../errors';

export type ClosableByteSource = ByteSource & { close(): Promise<void> };

export async function openNodeByteSource(path: string): Promise<ClosableByteSource> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch (e) {
    throw new UsageError(`cannot open ${path}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  const { size } = await handle.stat();
  const h = handle;
  const readInto = async (offsetBytes: number, target: Uint8Array): Promise<void> => {
    const lengthBytes = target.length;
    checkRange(path, size, offsetBytes, lengthBytes);
    let done = 0;
    while (done < lengthBytes) {
      const { bytesRead } = await h.read(target, done, lengthBytes - done, offsetBytes + done);
      if (bytesRead === 0) throw new ModelFormatError(`${path}: file ended early at byte ${offsetBytes + done} (changed while reading?)`);
      done += bytesRead;
    }
  };
  return {
    name: path,
    sizeBytes: size,
    async read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
      const out = new Uint8Array(lengthBytes);
      await readInto(offsetBytes, out);
      return out;
    },
    readInto,
    close: () => h.close(),
  };
}

/** Files of a model folder that openModel looks at. */
const MODEL_FILE = /(\.safetensors|\.gguf|^config\.json|^model\.safetensors\.index\.json|^tokenizer\.json|^tokenizer_config\.json|^bandscope_tokenizer\.json)$/;

/**
 * openModel over a path: a folder (its model files), a .gguf file (with tokenizer.json and
 * tokenizer_config.json from the same folder when present: they override the embedded
 * tokenizer), or a .safetensors file (with config.json and tokenizer files from the same folder). Returns the model and a
 * close() for the file handles.
 */
export async function openModelAtPath(path: string, options: OpenModelOptions = {}): Promise<{ model: OpenedModel; close(): Promise<void> }> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new UsageError(`no such file or folder: ${path}`);
  }
  let paths: string[];
  if (info.isDirectory()) {
    paths = (await readdir(path)).filter((n) => MODEL_FILE.test(n)).map((n) => join(path, n));
  } else if (path.endsWith('.safetensors')) {
    const dir = join(path, '..');
    const side = (await readdir(dir)).filter((n) => /^(config|tokenizer|tokenizer_config|bandscope_tokenizer)\.json$/.test(n));
    paths = [path, ...side.map((n) => join(dir, n))];
  } else if (path.toLowerCase().endsWith('.gguf')) {
    // A tokenizer.json beside the file overrides the embedded tokenizer (openModel prefers it).
    const dir = join(path, '..');
    const side = (await readdir(dir)).filter((n) => /^(tokenizer|tokenizer_config)\.json$/.test(n));
    paths = [path, ...side.map((n) => join(dir, n))];
  } else {
    paths = [path];
  }
  const sources: ClosableByteSource[] = [];
  const close = async (): Promise<void> => {
    await Promise.all(sources.map((s) => s.close()));
  };
  try {
    for (const p of paths) sources.push(await openNodeByteSource(p));
    return { model: await openModel(sources, options), close };
  } catch (e) {
    await close();
    throw e;
  }
}
