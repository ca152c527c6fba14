// Image helpers for the attention views. Every heat map is viridis (perceptually uniform, readable
// with the common colour-vision deficiencies and in greyscale), from the shared colour maps.
import { COLORMAPS } from '../../lib/colormaps.js';

const VIRIDIS = COLORMAPS.viridis;

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
