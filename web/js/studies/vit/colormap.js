// Colour maps and small image helpers for the attention views. Viridis (perceptually uniform,
// readable with the common colour-vision deficiencies and in greyscale) for every heat map.

// Viridis as a degree-6 polynomial per channel (fit by Matt Zucker, CC0); t in [0, 1].
const C = [
  [0.2777273272234177, 0.005407344544966578, 0.3340998053353061],
  [0.1050930431085774, 1.404613529898575, 1.384590162594685],
  [-0.3308618287255563, 0.214847559468213, 0.09509516302823659],
  [-4.634230498983486, -5.799100973351585, -19.33244095627987],
  [6.228269936347081, 14.17993336680509, 56.69055260068105],
  [4.776384997670288, -13.74514537774601, -65.35303263337234],
  [-5.435455855934631, 4.645852612178535, 26.3124352495832],
];

/** 256 RGB triples of viridis, as one Uint8ClampedArray (r, g, b, r, g, b, ...). */
export const VIRIDIS = (() => {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const t = i / 255;
    for (let ch = 0; ch < 3; ch++) {
      let v = C[6][ch];
      for (let k = 5; k >= 0; k--) v = C[k][ch] + t * v;
      lut[3 * i + ch] = Math.round(255 * Math.min(1, Math.max(0, v)));
    }
  }
  return lut;
})();

/** CSS colour of viridis at t in [0, 1]. */
export function viridisCss(t) {
  const i = 3 * Math.round(255 * Math.min(1, Math.max(0, t)));
  return `rgb(${VIRIDIS[i]},${VIRIDIS[i + 1]},${VIRIDIS[i + 2]})`;
}

/**
 * Paints a side x side grayscale image (values in [0, 1], ink bright on dark as in Fashion-MNIST)
 * into an ImageData of the same size, optionally with a heat map of grid x grid cells blended on top:
 * heat in [0, 1] is drawn in viridis with opacity growing with the value, so the image stays visible
 * where the heat is low.
 */
export function paintImage(imageData, pixels, side, heat = null, grid = 0) {
  const px = imageData.data;
  const cell = heat ? side / grid : 1;
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) {
      const i = y * side + x;
      const g = 255 * pixels[i];
      let r = g, gr = g, b = g;
      if (heat) {
        const t = heat[Math.floor(y / cell) * grid + Math.floor(x / cell)];
        const k = 3 * Math.round(255 * Math.min(1, Math.max(0, t)));
        const a = 0.1 + 0.75 * Math.min(1, Math.max(0, t));
        const base = 0.6 * g;  // the image, dimmed under the heat
        r = (1 - a) * base + a * VIRIDIS[k];
        gr = (1 - a) * base + a * VIRIDIS[k + 1];
        b = (1 - a) * base + a * VIRIDIS[k + 2];
      }
      px[4 * i] = r;
      px[4 * i + 1] = gr;
      px[4 * i + 2] = b;
      px[4 * i + 3] = 255;
    }
  return imageData;
}

/** Draws an ImageData scaled up without smoothing onto a canvas (crisp pixels). */
export function blitScaled(canvas, imageData) {
  const scratch = new OffscreenCanvas(imageData.width, imageData.height);
  scratch.getContext('2d').putImageData(imageData, 0, 0);
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(scratch, 0, 0, canvas.width, canvas.height);
  return ctx;
}

/** Scales values to [0, 1] by their maximum (all zeros stay zero). */
export function normalizeMax(values) {
  let max = 0;
  for (const v of values) max = Math.max(max, v);
  return max > 0 ? Float32Array.from(values, (v) => v / max) : Float32Array.from(values);
}
