// The LFADS lab: training controls, the spike raster, inferred vs true rates, inferred inputs,
// loss curves and held-out metrics; the 3-D trajectories are refreshed on demand.
import { TrainerClient } from '../../engine/trainer-client.js';
import { h, fmt } from '../../lib/dom.js';
import { LossChart } from '../../lib/loss-chart.js';
import { GUI, uPlot } from '../../lib/vendor.js';
import { describeRaster, drawRaster } from './raster.js';
import { labConfig, SCHEMA } from './schema.js';
import { TrajectoryView } from './trajectory-view.js';

export class LfadsPanel extends EventTarget {
  constructor(host, trajectoryHost, store) {
    super();
    this.store = store;
    const state = this.state = store.state;
    this.build(host);
    this.trajectories = new TrajectoryView(trajectoryHost, { renderer: state.renderer });
    this.trainer = new TrainerClient('lfads', labConfig(state));
    this.trainer.addEventListener('ready', (e) => this.onReady(e.detail));
    this.trainer.addEventListener('snapshot', (e) => this.onSnapshot(e.detail));
    this.trainer.addEventListener('state', (e) => this.onState(e.detail));
    this.trainer.addEventListener('error', (e) => this.showError(e.detail.message));
  }

  build(host) {
    this.startButton = h('button', { class: 'primary', disabled: true, onclick: () => this.toggle() }, 'Train');
    this.stepButton = h('button', { disabled: true, onclick: () => this.trainer.step(1) }, 'Step');
    this.scratchButton = h('button', { disabled: true, onclick: () => this.restart('scratch') }, 'Start from scratch');
    this.shippedButton = h('button', { disabled: true, onclick: () => this.restart('shipped') }, 'Load the shipped weights');
    this.refreshButton = h('button', { disabled: true, onclick: () => this.refreshTrajectories() }, 'Redraw the 3-D view');
    this.status = h('p', { class: 'status', role: 'status' }, 'Generating the Lorenz data and loading the model…');
    this.error = h('p', { class: 'error', role: 'alert', hidden: true });
    this.raster = h('canvas', { width: 600, height: 300, class: 'raster', role: 'img', 'aria-label': 'Spike raster of the selected trial' });
    this.rasterSummary = h('p', { class: 'canvas-summary', 'aria-live': 'polite' });
    this.rateHost = h('div', { class: 'chart', 'aria-label': 'True and inferred firing rate of the selected neuron' });
    this.inputHost = h('div', { class: 'chart', 'aria-label': 'Inferred inputs of the selected trial' });
    this.lossHost = h('div', { class: 'chart', 'aria-label': 'Training losses' });
    this.metrics = h('div', { class: 'metrics', 'aria-live': 'polite' });
    this.pathLine = h('p', { class: 'canvas-summary lfads-compute-path', 'aria-live': 'polite' }, 'Compute path: starting…');
    this.compareButton = h('button', { disabled: true, onclick: () => this.comparePaths() }, 'Compare both paths');
    this.compareResult = h('p', { class: 'canvas-summary lfads-compare', 'aria-live': 'polite' });
    this.knobsHost = h('div', { class: 'knobs' });
    host.replaceChildren(
      h('div', { class: 'controls' }, this.startButton, this.stepButton, this.scratchButton, this.shippedButton, this.refreshButton),
      this.status, this.error,
      h('div', { class: 'lfads-grid' },
        h('figure', {}, h('figcaption', {}, 'Spikes of one held-out trial (the highlighted row is the neuron on the right)'), this.raster, this.rasterSummary),
        h('figure', {}, h('figcaption', {}, 'Firing rate of one neuron: true, inferred by LFADS'), this.rateHost),
        h('figure', {}, h('figcaption', {}, 'Inferred inputs u(t) of the same trial'), this.inputHost),
        h('figure', {}, h('figcaption', {}, 'Training: reconstruction (Poisson NLL) and KL, per trial'), this.lossHost, this.metrics,
          this.pathLine, h('div', { class: 'controls' }, this.compareButton), this.compareResult)),
      this.knobsHost);
    this.rateChart = lineChart(this.rateHost, [{ label: 'true rate', color: '#555', dash: [6, 4] }, { label: 'LFADS', color: '#D55E00' }], 'spikes per second');
    this.inputChart = lineChart(this.inputHost, [{ label: 'u₁', color: '#0072B2' }], 'inferred input');
    this.lossChart = new LossChart(this.lossHost, {
      series: [{ label: 'reconstruction', color: '#0072B2' }, { label: 'KL (IC + inputs)', color: '#009E73' }] });
    this.buildKnobs();
  }

  buildKnobs() {
    const gui = new GUI({ container: this.knobsHost, title: 'Knobs', injectStyles: false, width: 320 });
    const s = this.state;
    const model = gui.addFolder('Model (restarts from scratch)');
    const restart = () => { this.store.write(); this.restart('scratch'); };
    model.add(s, 'factors', 2, 32, 1).onFinishChange(restart);
    model.add(s, 'generator', 8, 128, 1).name('generator units').onFinishChange(restart);
    model.add(s, 'controller').name('controller (inferred inputs)').onChange(restart);
    model.add(s, 'kl', 0, 10).name('KL weight').onFinishChange(restart);
    model.add(s, 'l2', 0, 0.1).name('L2 weight').onFinishChange(restart);
    model.add(s, 'dropout', 0, 0.8, 0.05).name('coordinated dropout').onFinishChange(restart);
    model.add(s, 'lr', 0.0001, 0.05).name('learning rate').onFinishChange(restart);
    model.add(s, 'seed', 0, 999999, 1).onFinishChange(restart);
    const view = gui.addFolder('View');
    view.add(s, 'trial', 0, 259, 1).name('held-out trial').onFinishChange(() => this.select());
    view.add(s, 'neuron', 0, 29, 1).onFinishChange(() => { this.store.write(); this.drawTrial(); });
    view.add(s, 'view', SCHEMA.view.options).name('3-D: trials').onChange(() => { this.store.write(); this.drawTrajectories(); });
  }

  toggle() { this.trainer.running ? this.trainer.pause() : this.trainer.start(); }

  restart(start) {
    this.state.start = start;
    this.store.write();
    this.lossChart.clear();
    this.error.hidden = true;
    for (const b of [this.startButton, this.stepButton, this.scratchButton, this.shippedButton, this.refreshButton, this.compareButton]) b.disabled = true;
    this.compareResult.textContent = '';
    this.status.textContent = start === 'shipped' ? 'Loading the shipped weights…' : 'Starting from scratch…';
    this.trainer.reset(labConfig(this.state));
  }

  async select() {
    this.store.write();
    await this.trainer.call('select', this.state.trial);
    if (!this.trainer.running) this.trainer.refresh();
    this.drawTrajectories();
  }

  onReady({ static: info }) {
    this.info = info;
    this.milestone = false;
    this.dispatchEvent(new CustomEvent('ready'));
    for (const b of [this.startButton, this.stepButton, this.scratchButton, this.shippedButton, this.refreshButton, this.compareButton]) b.disabled = false;
    this.showComputePath(info.compute);
    this.status.textContent = info.shippedLoaded ? 'Showing the shipped weights; press Train to keep training in your browser.' :
      'An untrained model: press Train (training from scratch takes minutes in a browser).';
    this.refreshTrajectories();
  }

  onState({ running }) {
    this.startButton.textContent = running ? 'Pause' : 'Train';
    this.startButton.setAttribute('aria-pressed', String(running));
    this.dispatchEvent(new CustomEvent('training', { detail: { running } }));
  }

  onSnapshot(snap) {
    this.snapshot = snap;
    for (const [step, recon, kl] of snap.losses) this.lossChart.push(step, recon, kl);
    this.drawTrial();
    const m = snap.metrics;
    if (m) {
      this.metrics.replaceChildren(h('table', { class: 'metric-table' },
        h('caption', {}, `Held-out trials (${m.heldOut}; affine maps fit on ${m.train} training trials), step ${snap.step}`),
        h('tbody', {},
          row('rate R², LFADS', m.rateR2), row('rate R², smoothed spikes', m.rateR2SmoothedBaseline),
          row('rate R², average of the other trials', m.rateR2TrialAverageBaseline),
          row('factors → Lorenz state R²', m.factorR2), row('bits per spike', m.bitsPerSpike))));
      this.dispatchEvent(new CustomEvent('metrics', { detail: m }));
      if (!this.milestone && m.rateR2 >= 0.75) {
        this.milestone = true;
        this.dispatchEvent(new CustomEvent('milestone', { detail: { text: `held-out rate R² reached ${m.rateR2.toFixed(3)} (≥ 0.75)`, rateR2: m.rateR2 } }));
      }
    }
    this.showComputePath(snap.compute);
    if (snap.evalError) this.showError(snap.evalError);
    if (this.trainer.running) this.status.textContent = `Training in the worker · step ${snap.step}`;
  }

  /** The line under the metrics: which path runs the evaluation over the trials, and why. */
  showComputePath(compute) {
    if (!compute) return;
    this.pathLine.dataset.path = compute.path;
    this.pathLine.textContent = `Compute path for the evaluation: ${compute.path === 'webgpu' ? 'WebGPU' : 'WebAssembly'}, ` +
      `${compute.heldOut} held-out + ${compute.train} training trials (${compute.reason}).`;
  }

  /** Both paths on the held-out trials in this browser: time, and how far the GPU's log-rates are from the wasm core's. */
  async comparePaths() {
    this.compareButton.disabled = true;
    this.compareResult.textContent = 'Running LFADS over the held-out trials on both paths…';
    try {
      const r = await this.trainer.call('comparePaths');
      let text = `WebAssembly: ${r.wasm.trials} trials in ${Math.round(r.wasm.ms)} ms. `;
      text += r.gpu
        ? `WebGPU (${r.gpu.adapter}): ${r.gpu.trials} trials in ${Math.round(r.gpu.ms)} ms; largest log-rate difference ${r.gpu.maxAbsDiffLogRate.toExponential(1)}.`
        : 'WebGPU: not available here.';
      this.compareResult.textContent = text;
      this.compareResult.dataset.maxAbsDiff = r.gpu ? String(r.gpu.maxAbsDiffLogRate) : '';
      this.showComputePath(r.compute);
    } catch (error) {
      this.compareResult.textContent = `Comparison failed: ${error.message}`;
    } finally {
      this.compareButton.disabled = false;
    }
  }

  drawTrial() {
    const trial = this.snapshot?.trial;
    if (!trial) return;
    drawRaster(this.raster, trial, this.state.neuron);
    this.rasterSummary.textContent = describeRaster(trial);
    const T = trial.bins, N = trial.neurons, n = this.state.neuron, x = Array.from({ length: T }, (_, t) => t * 10);
    const per = (a) => Array.from({ length: T }, (_, t) => a[t * N + n] * 100);  // spikes/bin -> Hz (10 ms bins)
    this.rateChart.setData([x, per(trial.rates), per(trial.inferred)]);
    const U = trial.inputs.length / T;
    this.inputChart.setData([x, Array.from({ length: T }, (_, t) => trial.inputs[t * U])]);
  }

  async refreshTrajectories() {
    this.refreshButton.disabled = true;
    try {
      this.traj = await this.trainer.call('trajectories', 32);
      this.drawTrajectories();
    } finally {
      this.refreshButton.disabled = false;
    }
  }

  drawTrajectories() {
    if (!this.traj) return;
    // "one": the selected trial if it is among the drawn ones, else the first.
    const one = this.state.view === 'one' ? Math.min(this.state.trial, this.traj.condition.length - 1) : -1;
    this.trajectories.update(this.traj, one);
  }

  showError(message) {
    this.error.hidden = false;
    this.error.textContent = message.startsWith('evaluation failed') ? message : `Training stopped: ${message}`;
  }
}

function row(label, value) {
  return h('tr', {}, h('td', {}, label), h('td', {}, fmt(value, 3)));
}

function lineChart(host, series, yLabel) {
  const plot = new uPlot({
    width: Math.max(280, host.clientWidth || 420), height: 200, legend: { live: false }, cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false } },
    axes: [{ label: 'time (ms)', stroke: '#555' }, { label: yLabel, stroke: '#555' }],
    series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, dash: s.dash, points: { show: false } }))],
  }, [[], ...series.map(() => [])], host);
  new ResizeObserver(() => plot.setSize({ width: Math.max(280, host.clientWidth), height: 200 })).observe(host);
  return plot;
}
