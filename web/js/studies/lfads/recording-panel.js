// "Your data" on the LFADS page: a recording of your own (NWB, .npy, .npz or CSV), picked or
// dropped, binned as the knobs say, and LFADS trained on it in a worker (engine/jobs/lfads-
// recording.js): the raster of a held-out trial, its inferred rates, the factors of held-out trials
// in 3-D, its inferred inputs, and co-bps on held-out neurons beside spike smoothing. There is no
// ground truth in real data, so co-bps is the score. The file is read in this browser and goes to
// this page's worker only: nothing is sent anywhere.
import { fmt, h } from '../../lib/dom.js';
import { COLORMAPS } from '../../lib/colormaps.js';
import { StudyPanel } from '../../lib/study-panel.js';
import { fileKind } from './recording-files.js';
import { drawRaster } from './raster.js';
import { TrajectoryView } from './trajectory-view.js';

const MODEL = { factors: 8, generator: 64, encoder: 64, ic: 32, controller: false, lr: 0.005, batch: 16, seed: 1 };

/** A (T x N) array drawn as a heat map: neurons top to bottom, bins left to right, viridis over [0, max]. */
function drawHeat(canvas, values, T, N) {
  const ctx = canvas.getContext('2d'), image = ctx.createImageData(T, N), map = COLORMAPS.viridis;
  let max = 0;
  for (const v of values) max = Math.max(max, v);
  for (let n = 0; n < N; n++)
    for (let t = 0; t < T; t++) {
      const i = 3 * Math.round((values[t * N + n] / (max || 1)) * 255), p = 4 * (n * T + t);
      image.data.set([map[i], map[i + 1], map[i + 2], 255], p);
    }
  const off = new OffscreenCanvas(T, N);
  off.getContext('2d').putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(off, 0, 0, canvas.width, canvas.height);
  return max;
}

/** Lines of a (T x U) array (the inferred inputs), each its own colour, on a shared symmetric scale. */
function drawLines(canvas, values, T, U) {
  const ctx = canvas.getContext('2d'), { width: W, height: H } = canvas;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  let max = 1e-6;
  for (const v of values) max = Math.max(max, Math.abs(v));
  ctx.strokeStyle = '#ccc';
  ctx.beginPath();
  ctx.moveTo(0, H / 2);
  ctx.lineTo(W, H / 2);
  ctx.stroke();
  const colours = ['#0072b2', '#d55e00', '#009e73', '#cc79a7'];
  for (let u = 0; u < U; u++) {
    ctx.strokeStyle = colours[u % colours.length];
    ctx.lineWidth = 2;
    ctx.beginPath();
    for (let t = 0; t < T; t++) ctx[t ? 'lineTo' : 'moveTo']((t + 0.5) * (W / T), H / 2 - (values[t * U + u] / max) * (H / 2 - 4));
    ctx.stroke();
  }
}

export class RecordingPanel extends StudyPanel {
  constructor(host) {
    // The knobs belong to the file, not to a link: a store of its own that writes nowhere.
    super({ state: { binMs: 20, align: 'start_time', startMs: 0, bins: 0, ...MODEL }, rejected: [], write() {} }, { errorPrefix: 'Stopped' });
    this.file = null;
    this.build(host);
  }

  build(host) {
    const s = this.state;
    this.fileInput = h('input', { type: 'file', accept: '.nwb,.h5,.hdf5,.npy,.npz,.csv', hidden: true, 'aria-label': 'Your recording',
      onchange: (e) => { if (e.target.files[0]) this.open(e.target.files[0]); e.target.value = ''; } });
    this.drop = h('div', { class: 'recording-drop', id: 'lfads-recording-drop' },
      h('button', { onclick: () => this.fileInput.click() }, 'Pick a recording…'), this.fileInput,
      h('span', {}, ' or drop one here: an NWB file (units and trials tables), a NumPy .npy / .npz array of counts (trials × bins × neurons), or a CSV of counts (trial, bin, a count per neuron).'));
    this.drop.addEventListener('dragover', (e) => { e.preventDefault(); this.drop.classList.add('dragging'); });
    this.drop.addEventListener('dragleave', () => this.drop.classList.remove('dragging'));
    this.drop.addEventListener('drop', (e) => {
      e.preventDefault();
      this.drop.classList.remove('dragging');
      const file = [...(e.dataTransfer?.files ?? [])][0];
      if (file) this.open(file);
    });
    const number = (key, label, attrs) => h('label', {}, `${label} `, h('input', { type: 'number', value: s[key], ...attrs,
      onchange: (e) => { s[key] = Number(e.target.value); } }));
    this.alignSelect = h('select', { 'aria-label': 'Align each trial on', onchange: (e) => { s.align = e.target.value; } },
      h('option', { value: 'start_time' }, 'start_time'));
    this.binning = h('fieldset', { class: 'recording-knobs', hidden: true },
      h('legend', {}, 'Binning (spike times)'),
      number('binMs', 'bin width (ms)', { min: 1, max: 1000, step: 1 }),
      h('label', {}, 'align on ', this.alignSelect),
      number('startMs', 'from (ms after it)', { min: -10000, max: 10000, step: 1 }),
      number('bins', 'bins (0: as many as every trial holds)', { min: 0, max: 2000, step: 1 }));
    this.controllerBox = h('input', { type: 'checkbox', onchange: (e) => { s.controller = e.target.checked; } });
    const select = (key, label, options) => h('label', {}, `${label} `, h('select', { onchange: (e) => { s[key] = Number(e.target.value); } },
      options.map((o) => h('option', { value: o, selected: o === s[key] }, String(o)))));
    this.modelKnobs = h('fieldset', { class: 'recording-knobs' },
      h('legend', {}, 'LFADS'),
      select('factors', 'factors', [3, 4, 8, 16]),
      select('generator', 'generator units', [32, 64, 128]),
      h('label', {}, this.controllerBox, ' controller (inferred inputs)'));
    this.applyButton = h('button', { disabled: true, onclick: () => this.restart() }, 'Apply and start over');
    this.runButtons('Train');
    this.status = h('p', { class: 'status', role: 'status' }, 'No recording yet.');
    this.error = h('p', { class: 'error', role: 'alert', hidden: true });
    this.fileLine = h('p', { class: 'recording-file' }, '');
    this.scoreLine = h('p', { class: 'recording-scores', 'aria-live': 'polite' }, '');
    this.trialLabel = h('output', { class: 'time-label' }, '');
    this.prevButton = h('button', { disabled: true, 'aria-label': 'Previous held-out trial', onclick: () => this.showTrial(this.shown - 1) }, '◀');
    this.nextButton = h('button', { disabled: true, 'aria-label': 'Next held-out trial', onclick: () => this.showTrial(this.shown + 1) }, '▶');
    this.raster = h('canvas', { width: 600, height: 300, class: 'recording-raster', role: 'img', 'aria-label': 'Spikes of the held-out trial shown' });
    this.rates = h('canvas', { width: 600, height: 300, class: 'recording-rates', role: 'img', 'aria-label': 'LFADS\u2019s inferred rates for the same trial' });
    this.inputs = h('canvas', { width: 600, height: 120, class: 'recording-inputs', role: 'img', 'aria-label': 'Inferred inputs of the trial' });
    this.inputsFigure = h('figure', { class: 'recording-figure', hidden: true }, this.inputs, h('figcaption', {}, 'Inferred inputs (the controller\u2019s)'));
    this.views = h('div', { class: 'recording-views', hidden: true },
      h('div', { class: 'control-row' }, this.prevButton, this.trialLabel, this.nextButton),
      h('div', { class: 'recording-pair' },
        h('figure', { class: 'recording-figure' }, this.raster, h('figcaption', {}, 'Spikes (held-out neurons below the line: LFADS never reads them here)')),
        h('figure', { class: 'recording-figure' }, this.rates, h('figcaption', {}, 'LFADS\u2019s inferred rates, every neuron'))),
      this.inputsFigure,
      this.trajectoryHost = h('div', { class: 'recording-trajectories' }));
    host.replaceChildren(this.drop,
      h('p', { class: 'recording-privacy' }, 'Your recording is read in this browser and stays in this page\u2019s worker: nothing is uploaded.'),
      this.fileLine, this.binning, this.modelKnobs,
      h('div', { class: 'controls' }, this.applyButton, this.startButton, this.stepButton),
      this.status, this.error, this.scoreLine, this.views);
  }

  /** Reads a file's bytes and starts a job on them (the knobs as they are). */
  async open(file) {
    this.error.hidden = true;
    if (!fileKind(file.name)) {
      this.showError(`${file.name}: expected an NWB (.nwb), NumPy (.npy, .npz) or CSV (.csv) file`);
      return;
    }
    this.status.textContent = `Reading ${file.name}…`;
    this.file = { name: file.name, bytes: await file.arrayBuffer() };
    this.state.align = 'start_time';
    this.restart();
  }

  jobConfig() {
    const s = this.state;
    return { file: { name: this.file.name, bytes: this.file.bytes.slice(0) },  // a copy: the page keeps its own for the next start
             binning: { binMs: s.binMs, align: s.align, startMs: s.startMs, bins: s.bins },
             model: { factors: s.factors, generator: s.generator, encoder: s.generator, ic: Math.min(32, 2 * s.factors + 8),
                      controller: s.controller, lr: s.lr, batch: s.batch, seed: s.seed } };
  }

  restart() {
    if (!this.file) return;
    for (const b of [this.startButton, this.stepButton, this.applyButton, this.prevButton, this.nextButton]) b.disabled = true;
    this.ready = false;
    this.status.textContent = `Reading and binning ${this.file.name}…`;
    this.error.hidden = true;
    if (!this.trainer) {
      this.startTrainer('lfads-recording', this.jobConfig());
      this.trainer.addEventListener('notice', (e) => { if (e.detail.kind === 'status') this.status.textContent = e.detail.text; });
    } else {
      this.trainer.reset(this.jobConfig());
    }
  }

  showError(message) {
    super.showError(message);
    this.status.textContent = this.file ? 'Change the file or the knobs and start over.' : 'No recording yet.';
    this.applyButton.disabled = !this.file;
  }

  onReady({ static: info }) {
    this.info = info;
    this.ready = true;
    this.shown = 0;
    for (const b of [this.startButton, this.stepButton, this.applyButton, this.prevButton, this.nextButton]) b.disabled = false;
    const c = info.config;
    const source = info.kind === 'nwb'
      ? `${info.units} units, ${info.trials} trials, aligned on ${info.align}, ${+(info.binSeconds * 1000).toPrecision(4)} ms bins`
      : `${info.kind === 'csv' ? 'CSV' : `.${info.kind}`}${info.array ? ` array "${info.array}"` : ''}`;
    this.fileLine.textContent = `${info.name}: ${source} → ${info.trials} trials × ${info.bins} bins × ${info.neurons} neurons, ` +
      `${info.spikes.toLocaleString('en')} spikes. LFADS reads ${c.neuronsIn} neurons; ${c.neurons - c.neuronsIn} are held out, ` +
      `and ${c.heldOut} of the trials (every 5th).`;
    this.binning.hidden = info.kind !== 'nwb';
    if (info.kind === 'nwb') {
      this.alignSelect.replaceChildren(...info.columns.map((col) => h('option', { value: col, selected: col === info.align }, col)));
      this.state.align = info.align;
    }
    this.views.hidden = false;
    this.inputsFigure.hidden = !c.controller;
    this.trajectories ??= new TrajectoryView(this.trajectoryHost, { single: true });
    this.status.textContent = 'step 0: untrained.';
    this.dispatchEvent(new CustomEvent('ready'));
  }

  async showTrial(i) {
    const n = this.info.config.heldOut;
    const r = await this.trainer.call('show', ((i % n) + n) % n);
    this.drawTrial(r);
  }

  onSnapshot(snap) {
    this.snapshot = snap;
    this.status.textContent = `step ${snap.step}` + (Number.isFinite(snap.loss) ? ` · loss ${fmt(snap.loss, 4)}` : '');
    const sc = snap.scores;
    this.scoreLine.textContent = `co-bps on the held-out neurons of ${sc.trials} held-out trials (step ${sc.step}): ` +
      `LFADS ${fmt(sc.coBps, 3)} · spike smoothing ${fmt(sc.coBpsSmoothing, 3)} (fitted on the training trials). ` +
      'Bits per spike above each neuron\u2019s mean rate: higher is better.';
    if (snap.trial) this.drawTrial(snap);
  }

  drawTrial({ trial, trajectories, shown }) {
    this.shown = shown;
    const T = trial.bins, N = trial.neurons;
    this.trialLabel.textContent = `held-out trial ${shown + 1} of ${this.info.config.heldOut} (trial ${trial.trial} of the recording)`;
    drawRaster(this.raster, { spikes: trial.spikes, bins: T, neurons: N, heldin: trial.neuronsIn }, -1);
    drawHeat(this.rates, trial.rates, T, N);
    if (this.info.config.controller) drawLines(this.inputs, trial.inputs, T, trial.inputs.length / T);
    const K = trajectories.xyz.length / (T * 3);
    // Each component scaled to the view's frame (its largest coordinate 1.6): the first often holds
    // nearly all the variance, and at a common scale the others would be flat.
    const max = [1e-9, 1e-9, 1e-9];
    trajectories.xyz.forEach((v, i) => { max[i % 3] = Math.max(max[i % 3], Math.abs(v)); });
    const fitted = trajectories.xyz.map((v, i) => (1.6 * v) / max[i % 3]);
    this.trajectories.update({ bins: T, fitted, condition: Array.from({ length: K }, (_, k) => k) },
      { summary: `${K} held-out trials\u2019 factors on their first three principal components (${fmt(100 * trajectories.explained, 3)}% of the factors\u2019 variance), each scaled to the frame; drag or use the arrow keys to turn them.` });
  }
}
