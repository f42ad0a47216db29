// The few host globals lib/ may use. lib/tsconfig.json has no DOM and no Node types,
// so anything not declared here (window, document, fetch, process, Buffer) is a type error.
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean });
  decode(input?: ArrayBufferView | ArrayBuffer): string;
}
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}
declare const console: { log(...a: unknown[]): void; warn(...a: unknown[]): void; error(...a: unknown[]): void };
declare function structuredClone<T>(value: T): T;
declare const performance: { now(): number };
declare function setTimeout(cb: () => void, ms?: number): unknown;
/** The host's AbortSignal as lib sees it: jobs only pass it on to their engine port and read `aborted`. */
interface AbortSignal {
  readonly aborted: boolean;
}
