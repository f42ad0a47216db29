/**
 * A file we write or read back (safetensors export, Q-ROAR scales JSON) that is malformed, or a
 * request to write one that cannot be expressed. `userFacing = true`: the CLI prints the message as
 * one line (exit 2) and the UI may show it as is.
 */
export class ExportFormatError extends Error {
  readonly userFacing = true;
  constructor(message: string) {
    super(message);
    this.name = 'ExportFormatError';
  }
}
