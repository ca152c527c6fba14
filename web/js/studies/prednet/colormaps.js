// Colour maps for PredNet's units, all readable with colour-vision deficiencies (no red/green pair):
// grey for frames, viridis for non-negative activity, black->orange for E+ (the input was brighter
// than predicted), black->blue for E- (dimmer than predicted), and a purple-white-orange diverging
// map (ColorBrewer PuOr) for the signed representation units R.

/** A 256-entry RGB lookup table interpolated between evenly spaced anchor colours. */
function lut(anchors) {
  const table = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const x = (i / 255) * (anchors.length - 1);
    const k = Math.min(anchors.length - 2, Math.floor(x)), f = x - k;
    for (let c = 0; c < 3; c++) table[3 * i + c] = anchors[k][c] + f * (anchors[k + 1][c] - anchors[k][c]);
  }
  return table;
}

export const COLORMAPS = {
  gray: lut([[0, 0, 0], [255, 255, 255]]),
  // matplotlib's viridis at nine points.
  viridis: lut([[68, 1, 84], [71, 44, 122], [59, 81, 139], [44, 113, 142], [33, 144, 141], [39, 173, 129],
    [92, 200, 99], [170, 220, 50], [253, 231, 37]]),
  // Okabe & Ito orange and blue, from black, lightening at the top.
  errorPlus: lut([[0, 0, 0], [120, 70, 0], [230, 159, 0], [255, 236, 170]]),
  errorMinus: lut([[0, 0, 0], [0, 55, 100], [0, 114, 178], [170, 225, 255]]),
  // ColorBrewer PuOr (7 classes), purple for -1, white for 0, orange for +1.
  diverging: lut([[84, 39, 136], [153, 142, 195], [216, 218, 235], [247, 247, 247], [254, 224, 182],
    [241, 163, 64], [179, 88, 6]]),
};

/** The CSS colour of a map at t in [0, 1] (for legends). */
export function cssColor(map, t) {
  const i = 3 * Math.round(Math.min(1, Math.max(0, t)) * 255);
  const m = COLORMAPS[map];
  return `rgb(${m[i]},${m[i + 1]},${m[i + 2]})`;
}
