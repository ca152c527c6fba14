// The sequence view: a filmstrip of the frames, the model's predictions and its layer-0 errors
// over time; for the chosen time step, every layer's target A, prediction Ahat, error units E+ and
// E- and representation units R; and a bar chart of the layer-0 error over time. View only: it
// draws the `view` result of the worker job (engine/jobs/prednet.js) and never touches the model.
import { h } from '../../lib/dom.js';
import { COLORMAPS, cssColor } from '../../lib/colormaps.js';

const FILM_CELL = 60;   // px per filmstrip frame
const GRID_CELL = 112;  // px per layer-grid image

// ---------------------------------------------------------------- painting

const scratch = new Map();  // "w x h" -> {canvas, image}: one offscreen buffer per native size

/** Paints an (h, w) image given as RGB per pixel by rgb(i) onto `canvas`, scaled without smoothing. */
function paintRgb(canvas, hgt, wid, rgb) {
  const key = `${wid}x${hgt}`;
  if (!scratch.has(key)) {
    const off = new OffscreenCanvas(wid, hgt);
    scratch.set(key, { off, image: new ImageData(wid, hgt) });
  }
  const { off, image } = scratch.get(key);
  const px = image.data;
  for (let i = 0; i < hgt * wid; i++) {
    const [r, g, b] = rgb(i);
    px[4 * i] = r;
    px[4 * i + 1] = g;
    px[4 * i + 2] = b;
    px[4 * i + 3] = 255;
  }
  off.getContext('2d').putImageData(image, 0, 0);
  const ctx = canvas.getContext('2d');
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
}

const lookup = (map, v) => {
  const i = 3 * Math.round(Math.min(1, Math.max(0, v)) * 255);
  return [map[i], map[i + 1], map[i + 2]];
};

/** One plane values[offset .. offset + h*w) through a colour map over [lo, hi]. */
export function paintPlane(canvas, values, offset, hgt, wid, map, lo = 0, hi = 1) {
  const m = COLORMAPS[map], span = hi - lo || 1;
  paintRgb(canvas, hgt, wid, (i) => lookup(m, (values[offset + i] - lo) / span));
}

/** Layer-0-style error picture: E+ in orange, E- in blue (they never overlap), scaled by `scale`. */
export function paintErrors(canvas, plus, minus, hgt, wid, scale) {
  const p = COLORMAPS.errorPlus, m = COLORMAPS.errorMinus;
  paintRgb(canvas, hgt, wid, (i) => (plus[i] >= minus[i] ? lookup(p, plus[i] / scale) : lookup(m, minus[i] / scale)));
}

/** Mean over `channels` planes starting at `offset` -> Float32Array(plane). */
function channelMean(values, offset, channels, plane) {
  const out = new Float32Array(plane);
  for (let c = 0; c < channels; c++)
    for (let i = 0; i < plane; i++) out[i] += values[offset + c * plane + i] / channels;
  return out;
}

/** All channels of a (C, h, w) block tiled in a grid with 1 px gaps, through a colour map over [lo, hi]. */
function paintMosaic(canvas, values, offset, channels, hgt, wid, cols, map, lo, hi) {
  const rows = Math.ceil(channels / cols);
  const W = cols * (wid + 1) - 1, H = rows * (hgt + 1) - 1;
  const m = COLORMAPS[map], span = hi - lo || 1;
  paintRgb(canvas, H, W, (i) => {
    const y = Math.floor(i / W), x = i % W;
    const ty = Math.floor(y / (hgt + 1)), tx = Math.floor(x / (wid + 1));
    const yy = y % (hgt + 1), xx = x % (wid + 1), c = ty * cols + tx;
    if (yy === hgt || xx === wid || c >= channels) return [255, 255, 255];
    return lookup(m, (values[offset + (c * hgt + yy) * wid + xx] - lo) / span);
  });
}

const mosaicColumns = (channels) => (channels <= 8 ? 4 : channels <= 16 ? 4 : 8);

// ---------------------------------------------------------------- the view

export class SequenceView {
  /** @param {HTMLElement} host @param {{onSelectTime: (t: number) => void}} handlers */
  constructor(host, { onSelectTime }) {
    this.host = host;
    this.onSelectTime = onSelectTime;
    this.info = null;
  }

  /** Builds the canvases for a model geometry ({size, frames, layers, aChannels, rChannels}). */
  setGeometry(info) {
    const same = this.info && ['size', 'frames', 'layers'].every((k) => this.info[k] === info[k]) &&
      info.rChannels.every((r, l) => r === this.info.rChannels[l]);
    this.info = info;
    if (same) return;
    const T = info.frames;
    const film = (label, kind) => {
      const cells = Array.from({ length: T }, (_, t) => h('canvas', {
        width: FILM_CELL, height: FILM_CELL, class: `film-cell ${kind}`, role: 'img', 'aria-label': `${label}, frame ${t}`,
      }));
      return { row: h('div', { class: 'film-row' }, h('span', { class: 'film-label' }, label), ...cells), cells };
    };
    this.filmFrames = film('frame x_t', 'frames');
    this.filmPredictions = film('prediction', 'predictions');
    this.filmErrors = film('layer-0 error', 'errors');
    this.timeButtons = Array.from({ length: T }, (_, t) =>
      h('button', { class: 'film-time', 'aria-label': `Show frame ${t}`, onclick: () => this.onSelectTime(t) }, String(t)));
    const filmstrip = h('div', { class: 'filmstrip scroll-x', role: 'group', 'aria-label': 'The sequence over time' },
      h('div', { class: 'film-row film-times' }, h('span', { class: 'film-label' }, 't'), ...this.timeButtons),
      this.filmFrames.row, this.filmPredictions.row, this.filmErrors.row);

    this.layerRows = [];
    const heading = h('div', { class: 'layer-row layer-head' }, h('span', {}, ''),
      ...['target A', 'prediction Â', 'E+ = ReLU(A − Â)', 'E− = ReLU(Â − A)', 'representation R'].map((t) => h('span', {}, t)));
    const rows = [];
    for (let l = 0; l < info.layers; l++) {
      const side = info.size >> l, r = info.rChannels[l], cols = mosaicColumns(r);
      const mw = cols * (side + 1) - 1, mh = Math.ceil(r / cols) * (side + 1) - 1;
      const scale = Math.max(1, Math.floor((2 * GRID_CELL) / mw));
      const canvas = (label, w = GRID_CELL, hh = GRID_CELL) =>
        h('canvas', { width: w, height: hh, role: 'img', 'aria-label': `Layer ${l}: ${label}` });
      const cells = {
        target: canvas(l === 0 ? 'the frame' : `target A (mean of ${info.aChannels[l]} channels)`),
        prediction: canvas(l === 0 ? 'the prediction' : `prediction Â (mean of ${info.aChannels[l]} channels)`),
        plus: canvas('E+ error units (mean over channels)'),
        minus: canvas('E− error units (mean over channels)'),
        r: canvas(`representation R, ${r} channels`, mw * scale, mh * scale),
      };
      this.layerRows.push(cells);
      rows.push(h('div', { class: 'layer-row' },
        h('span', { class: 'layer-label' }, `Layer ${l}`, h('small', {}, `${side}×${side}, ${info.aChannels[l]} A / ${r} R channels`)),
        cells.target, cells.prediction, cells.plus, cells.minus, cells.r));
    }
    const legend = h('p', { class: 'legend' },
      legendSwatch('errorPlus', 'E+: brighter than predicted'), legendSwatch('errorMinus', 'E−: dimmer than predicted'),
      legendSwatch('diverging', 'R: −max (purple) … +max (orange), per layer'), legendSwatch('viridis', 'upper-layer A, Â: 0 … max'));
    this.timeline = h('canvas', { class: 'error-timeline', width: 640, height: 150, role: 'img',
                                  'aria-label': 'Mean layer-0 error at each time step' });
    this.host.replaceChildren(filmstrip,
      h('div', { class: 'layer-grid scroll-x', tabindex: '0', role: 'group', 'aria-label': 'Every layer at the chosen time step' }, heading, ...rows),
      legend, this.timeline);
  }

  /**
   * Draws a view: {frames, predictions, layerError, ahat[], error[], r[]} for one sequence.
   * options: {t, surpriseFrame (or -1), extrapolateFrom (or -1)}.
   */
  render(view, options) {
    this.view = view;
    this.options = options;
    const { frames: T, size: S, layers: L, aChannels: A } = this.info;
    const plane = S * S;
    // Error scales per layer: the largest E over t >= 1 (t = 0 has no prediction to speak of).
    this.errorScale = Array.from({ length: L }, (_, l) => {
      const per = 2 * A[l] * (plane >> (2 * l));
      let m = 1e-6;
      for (let i = per; i < T * per; i++) m = Math.max(m, view.error[l][i]);
      return m;
    });
    // R is signed; each layer's mosaic spans [-m, m] with m its largest |R| over the sequence.
    this.rScale = view.r.map((r) => r.reduce((m, v) => Math.max(m, Math.abs(v)), 1e-6));
    for (let t = 0; t < T; t++) {
      paintPlane(this.filmFrames.cells[t], view.frames, t * plane, S, S, 'gray');
      paintPlane(this.filmPredictions.cells[t], view.predictions, t * plane, S, S, 'gray');
      const e = view.error[0].subarray(t * 2 * A[0] * plane, (t + 1) * 2 * A[0] * plane);
      paintErrors(this.filmErrors.cells[t], channelMean(e, 0, A[0], plane), channelMean(e, A[0] * plane, A[0], plane), S, S,
        this.errorScale[0]);
    }
    this.setTime(options.t);
  }

  /** Moves the grid and the highlights to time step t. */
  setTime(t) {
    if (!this.view) return;
    this.options.t = t;
    const { view } = this;
    const { frames: T, size: S, layers: L, aChannels: A, rChannels: R } = this.info;
    for (let k = 0; k < T; k++) {
      const on = k === t;
      for (const row of [this.filmFrames, this.filmPredictions, this.filmErrors]) row.cells[k].classList.toggle('current', on);
      this.timeButtons[k].setAttribute('aria-pressed', String(on));
      this.timeButtons[k].classList.toggle('extrapolated', this.options.extrapolateFrom >= 0 && k >= this.options.extrapolateFrom);
      this.timeButtons[k].classList.toggle('surprise', k === this.options.surpriseFrame);
    }
    for (let l = 0; l < L; l++) {
      const side = S >> l, plane = side * side, a = A[l];
      const cells = this.layerRows[l];
      const ahat = channelMean(view.ahat[l], t * a * plane, a, plane);
      const eBase = t * 2 * a * plane;
      const plus = channelMean(view.error[l], eBase, a, plane);
      const minus = channelMean(view.error[l], eBase + a * plane, a, plane);
      // The target is what the error units compare against: A = Â + E+ − E−.
      const target = ahat.map((v, i) => v + plus[i] - minus[i]);
      if (l === 0) {
        paintPlane(cells.target, target, 0, side, side, 'gray');
        paintPlane(cells.prediction, ahat, 0, side, side, 'gray');
      } else {
        let hi = 1e-6;
        for (let i = 0; i < plane; i++) hi = Math.max(hi, target[i], ahat[i]);
        paintPlane(cells.target, target, 0, side, side, 'viridis', 0, hi);
        paintPlane(cells.prediction, ahat, 0, side, side, 'viridis', 0, hi);
      }
      paintPlane(cells.plus, plus, 0, side, side, 'errorPlus', 0, this.errorScale[l]);
      paintPlane(cells.minus, minus, 0, side, side, 'errorMinus', 0, this.errorScale[l]);
      paintMosaic(cells.r, view.r[l], t * R[l] * plane, R[l], side, side, mosaicColumns(R[l]), 'diverging',
        -this.rScale[l], this.rScale[l]);
    }
    this.drawTimeline();
  }

  /**
   * Bars of mean(E_0(t)); the surprise frame in orange, extrapolated steps hatched, t outlined. With
   * a surprise, a grey bar beside each: the same sequence without the event (the control).
   */
  drawTimeline() {
    const { layerError, controlLayerError } = this.view;
    const { frames: T, layers: L } = this.info;
    const { t, surpriseFrame, extrapolateFrom } = this.options;
    const c = this.timeline, ctx = c.getContext('2d');
    const W = c.width, H = c.height, left = 48, bottom = 22, top = 18;
    ctx.clearRect(0, 0, W, H);
    const values = Array.from({ length: T }, (_, k) => layerError[k * L]);
    const control = controlLayerError ? Array.from({ length: T }, (_, k) => controlLayerError[k * L]) : null;
    const hi = Math.max(1e-9, ...values.slice(1), ...(control ? control.slice(1) : []));
    const bw = (W - left - 8) / T;
    ctx.font = '12px system-ui, sans-serif';
    ctx.fillStyle = '#5a6270';
    ctx.fillText(control ? 'mean layer-0 error per frame: with the surprise (colour) and the same sequence without it (grey)'
      : 'mean layer-0 error per frame', left, 12);
    ctx.fillText(hi.toPrecision(2), 2, top + 10);
    ctx.fillText('0', 2, H - bottom);
    for (let k = 0; k < T; k++) {
      const x = left + k * bw + 4, bh = (Math.min(values[k], hi) / hi) * (H - top - bottom);
      ctx.fillStyle = k === 0 ? '#c9ccd3' : k === surpriseFrame ? cssColor('errorPlus', 0.66) : '#56b4e9';
      if (control) {
        const half = (bw - 8) / 2, ch = (Math.min(control[k], hi) / hi) * (H - top - bottom);
        ctx.fillRect(x, H - bottom - bh, half, bh);
        ctx.fillStyle = '#8a909c';
        ctx.fillRect(x + half, H - bottom - ch, half, ch);
      } else {
        ctx.fillRect(x, H - bottom - bh, bw - 8, bh);
      }
      if (extrapolateFrom >= 0 && k >= extrapolateFrom) {
        ctx.strokeStyle = '#5a6270';
        ctx.setLineDash([3, 3]);
        ctx.strokeRect(x, top, bw - 8, H - top - bottom);
        ctx.setLineDash([]);
      }
      if (k === t) {
        ctx.strokeStyle = '#1d2330';
        ctx.lineWidth = 2;
        ctx.strokeRect(x - 2, top - 2, bw - 4, H - top - bottom + 4);
        ctx.lineWidth = 1;
      }
      ctx.fillStyle = '#1d2330';
      ctx.fillText(String(k), x + (bw - 8) / 2 - 3, H - 6);
    }
  }

  /** A sentence for screen readers about time step t. */
  describe() {
    if (!this.view) return '';
    const { frames: T, layers: L } = this.info;
    const { t, surpriseFrame, extrapolateFrom } = this.options;
    const e = (k) => this.view.layerError[k * L];
    const others = [];
    for (let k = 1; k < T; k++) if (k !== t) others.push(e(k));
    const mean = others.reduce((a, b) => a + b, 0) / Math.max(1, others.length);
    let s = `Frame ${t} of ${T - 1}. `;
    if (t === 0) s += 'At frame 0 the model has seen nothing yet, so its error is the whole frame. ';
    else s += `Mean layer-0 error ${e(t).toPrecision(3)}, ${(e(t) / mean).toFixed(1)} times the mean of the other frames. `;
    if (surpriseFrame >= 0) s += t === surpriseFrame ? 'This is the surprise frame. ' : `The surprise happens at frame ${surpriseFrame}. `;
    if (this.view.controlLayerError && t > 0) {
      const c = this.view.controlLayerError[t * L];
      s += `The same sequence without the surprise: ${c.toPrecision(3)} here; with it, ${(e(t) / Math.max(c, 1e-12)).toFixed(1)} times that. `;
    }
    if (extrapolateFrom >= 0) {
      s += `From frame ${extrapolateFrom} on the model sees only its own predictions (a closed-loop rollout of the ` +
        'model trained for one-step prediction).';
    }
    return s;
  }
}

function legendSwatch(map, text) {
  const swatch = h('span', { class: `swatch swatch-${map}`, 'aria-hidden': 'true' });
  return h('span', { class: 'legend-item' }, swatch, text);
}
