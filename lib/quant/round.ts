/**
 * Rounding shared by the quantizers.
 *
 * The PyTorch reference (training/model.py `rtn_fake_quant`) uses `torch.round`, which rounds
 * halves to even, whereas JS `Math.round` rounds halves towards +inf. On a float32 grid ties are
 * common (w/s lands on k + 0.5 whenever w sits exactly between two grid points), so the two rules
 * give different codes; using half-to-even keeps our codes identical to the reference's.
 */

/** Round to the nearest integer, halves to the even neighbour (IEEE roundTiesToEven). */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  // Math.round sent an exact half up; step back down when that landed on an odd integer.
  if (r - x === 0.5 && r % 2 !== 0) return r - 1;
  return r;
}
