/**
 * Heat-map cells [bandIndex, layerIndex, value] from a layer-major matrix
 * values[layers × bands] (band contiguous). `chart` names the caller in the shape error.
 */
export function layerBandCells(chart: string, values: ArrayLike<number>, layerCount: number, bandCount: number): Array<[number, number, number]> {
  if (values.length !== layerCount * bandCount) {
    throw new Error(`${chart}: expected ${layerCount}×${bandCount} = ${layerCount * bandCount} values, got ${values.length}`);
  }
  const cells: Array<[number, number, number]> = [];
  for (let layerIndex = 0; layerIndex < layerCount; layerIndex++) {
    for (let bandIndex = 0; bandIndex < bandCount; bandIndex++) cells.push([bandIndex, layerIndex, values[layerIndex * bandCount + bandIndex]]);
  }
  return cells;
}
