/** Thread counts for the WASM EP (pure; ort.ts applies it to onnxruntime-web's env). */

/** Most WASM threads we ask for: beyond ~8, ORT's WASM kernels stop scaling and each thread costs a worker. */
export const MAX_WASM_THREADS = 8;

/**
 * WASM threads: min(navigator.hardwareConcurrency, 8) under cross-origin isolation (threads need
 * SharedArrayBuffer), else 1; 2 when the browser does not report its cores.
 */
export function wasmThreadsFor(hardwareConcurrency: number | undefined, crossOriginIsolated: boolean): number {
  if (!crossOriginIsolated) return 1;
  const cores = hardwareConcurrency !== undefined && Number.isInteger(hardwareConcurrency) && hardwareConcurrency > 0 ? hardwareConcurrency : 2;
  return Math.min(cores, MAX_WASM_THREADS);
}
