import { ModelFormatError } from './errors';

/**
 * Random access to the bytes of one file (browser File, Node file handle, or memory).
 * Reads are by byte range so multi-GB checkpoints never have to be held whole.
 */
export interface ByteSource {
  readonly name: string;
  readonly sizeBytes: number;
  /** Exactly `lengthBytes` bytes starting at `offsetBytes`; throws ModelFormatError past the end. */
  read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array>;
  /**
   * Optional: fills `target` with the `target.length` bytes at `offsetBytes` (same checks as
   * `read`), so a reader can place file bytes inside an array it already holds (a float32 tensor
   * expanded from F16/BF16 in place) instead of allocating and copying a second buffer.
   */
  readInto?(offsetBytes: number, target: Uint8Array): Promise<void>;
}

/** Structural stand-in for the DOM Blob/File (lib/ has no DOM types). */
export interface BlobLike {
  size: number;
  name?: string;
  slice(start: number, end: number): { arrayBuffer(): Promise<ArrayBuffer> };
}

/** Throws unless [offsetBytes, offsetBytes + lengthBytes) lies inside a file of sizeBytes. */
export function checkRange(name: string, sizeBytes: number, offsetBytes: number, lengthBytes: number): void {
  if (!Number.isSafeInteger(offsetBytes) || !Number.isSafeInteger(lengthBytes) || offsetBytes < 0 || lengthBytes < 0 || offsetBytes + lengthBytes > sizeBytes) {
    throw new ModelFormatError(
      `${name}: read of ${lengthBytes} bytes at offset ${offsetBytes} is outside the file (${sizeBytes} bytes); the file is truncated or its offsets are wrong`,
    );
  }
}

/**
 * A ByteSource over bytes already in memory (tests, small files). Each read returns a copy,
 * so callers may edit what they get (e.g. scaleRowBlocksInPlace) without touching the source.
 */
export function byteSourceFromBytes(bytes: Uint8Array, name: string): ByteSource {
  return {
    name,
    sizeBytes: bytes.length,
    async read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
      checkRange(name, bytes.length, offsetBytes, lengthBytes);
      return bytes.slice(offsetBytes, offsetBytes + lengthBytes);
    },
  };
}

/** A ByteSource over a browser File/Blob; each read slices only the requested range. */
export function byteSourceFromBlob(blob: BlobLike, name?: string): ByteSource {
  const sourceName = name ?? blob.name ?? 'blob';
  return {
    name: sourceName,
    sizeBytes: blob.size,
    async read(offsetBytes: number, lengthBytes: number): Promise<Uint8Array> {
      checkRange(sourceName, blob.size, offsetBytes, lengthBytes);
      const buffer = await blob.slice(offsetBytes, offsetBytes + lengthBytes).arrayBuffer();
      if (buffer.byteLength !== lengthBytes) {
        throw new ModelFormatError(`${sourceName}: asked for ${lengthBytes} bytes at ${offsetBytes}, got ${buffer.byteLength}`);
      }
      return new Uint8Array(buffer);
    },
  };
}

/** Last path component of a name ('a/b/config.json' → 'config.json'). */
export function baseName(name: string): string {
  const cut = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
  return cut >= 0 ? name.slice(cut + 1) : name;
}
