/**
 * A KV-cache setting that cannot apply to this model or text (a head dim the rotation cannot
 * handle, a calibration context longer than the text): `userFacing = true`, so the CLI prints
 * one line and exits 2, and the dashboard shows the message instead of a failed run.
 */
export class KvSettingError extends Error {
  readonly userFacing = true;
  constructor(message: string) {
    super(message);
    this.name = 'KvSettingError';
  }
}
