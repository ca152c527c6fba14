// The LFADS lab: training controls, the spike raster, inferred vs true rates, inferred inputs,
// loss curves, and the Neural Latents Benchmark comparison (LFADS against GPFA, spike smoothing and
// the smoothed PSTH on held-out trials and held-out conditions); the 3-D trajectories are refreshed
// on demand. LFADS trains and is evaluated in one worker (../../engine/jobs/lfads.js), which also
// scores the shipped baselines (the native CLI's fit on the training trials) on exactly the trials
// each evaluation covered.
import { h } from '../../lib/dom.js';
import { LossChart } from '../../lib/loss-chart.js';
import { StudyPanel } from '../../lib/study-panel.js';
import { GUI, uPlot } from '../../lib/vendor.js';
import { describeRaster, drawRaster } from './raster.js';
import { describeThreads } from '../../engine/replicas.js';
import { checkTrial, labConfig, SCHEMA, TRIALS, trialMax } from './schema.js';
import { TrajectoryView } from './trajectory-view.js';

/** The table's rows: [key in the scores, label]; LFADS's own scores come from its evaluation. */
export const METHODS = [['lfads', 'LFADS'], ['gpfa', 'GPFA'], ['smoothing', 'spike smoothing'], ['psth', 'smoothed PSTH']];
/** The table's columns: [key, header]. */
export const METRICS = [['coBps', 'co‑bps'], ['fpBps', 'fp‑bps'], ['rateR2', 'rate R²'], ['psthR2', 'PSTH R²'], ['decodeR2', 'decoding R²']];
const SET_LABEL = { trials: 'held-out trial', conditions: 'trial of a held-out condition' };
const TRAJECTORIES_DRAWN = 40;  // trials in the 3-D view's "all" (spread over the set)
let panels = 0;  // for ids unique on a page with several panels

/** A table number: 3 decimals, fewer for large magnitudes (a rate R² of −200 is possible), a true minus sign. */
export function num(x) {
  if (!Number.isFinite(x)) return '–';
  const a = Math.abs(x);
  return (a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(3)).replace('-', '−');
}

export class LfadsPanel extends StudyPanel {
  /** comparisonHost: where the measured comparison goes (the page's evaluation section); inside the panel by default (embeds). */
  constructor(host, trajectoryHost, store, { comparisonHost = null } = {}) {
    super(store);
    this.uid = ++panels;
    const state = this.state;
    const bad = checkTrial(state);  // e.g. #set=conditions&trial=230: there are 200 such trials
    if (bad) store.rejected.push(bad);
    this.build(host, comparisonHost);
    this.trajectories = new TrajectoryView(trajectoryHost, { renderer: state.renderer });
    this.startTrainer('lfads', labConfig(state));
    this.trainer.addEventListener('notice', (e) => {
      if (e.detail.kind === 'baselines-scored' && !this.trainer.running) this.trainer.refresh();
    });
  }

  build(host, comparisonHost) {
    this.runButtons('Train');
    this.scratchButton = h('button', { disabled: true, onclick: () => this.restart('scratch') }, 'Start from scratch');
    this.shippedButton = h('button', { disabled: true, onclick: () => this.restart('shipped') }, 'Load the shipped weights');
    this.refreshButton = h('button', { disabled: true, onclick: () => this.refreshTrajectories() }, 'Redraw the 3-D view');
    this.status = h('p', { class: 'status', role: 'status' }, 'Generating the Lorenz data and loading the model…');
    this.error = h('p', { class: 'error', role: 'alert', hidden: true });
    this.raster = h('canvas', { width: 720, height: 400, class: 'raster', role: 'img', 'aria-label': 'Spike raster of the selected trial' });
    this.rasterCaption = h('figcaption', {}, 'Spikes of one held-out trial');
    this.rasterSummary = h('p', { class: 'canvas-summary', 'aria-live': 'polite' });
    this.rateCaption = h('figcaption', {}, 'Firing rate of one neuron: true, inferred by LFADS');
    this.rateHost = h('div', { class: 'chart', 'aria-label': 'True and inferred firing rate of the selected neuron' });
    this.inputHost = h('div', { class: 'chart', 'aria-label': 'Inferred inputs of the selected trial' });
    this.lossHost = h('div', { class: 'chart', 'aria-label': 'Training losses' });
    this.pathLine = h('p', { class: 'canvas-summary lfads-compute-path', 'aria-live': 'polite' }, 'Compute path: starting…');
    this.compareButton = h('button', { disabled: true, onclick: () => this.comparePaths() }, 'Compare both paths');
    this.compareResult = h('p', { class: 'canvas-summary lfads-compare', 'aria-live': 'polite' });
    this.comparison = h('div', { class: 'lfads-comparison' });
    this.comparison.append(h('p', { class: 'canvas-summary' }, 'The comparison appears after the first evaluation.'));
    this.knobsHost = h('div', { class: 'knobs' });
    host.replaceChildren(...[
      h('div', { class: 'controls' }, this.startButton, this.stepButton, this.scratchButton, this.shippedButton, this.refreshButton),
      this.status, this.error,
      h('div', { class: 'lfads-grid' },
        h('figure', {}, this.rasterCaption, this.raster, this.rasterSummary),
        h('figure', {}, this.rateCaption, this.rateHost),
        h('figure', {}, h('figcaption', {}, 'Inferred inputs u(t) of the same trial'), this.inputHost),
        h('figure', {}, h('figcaption', {}, 'Training: reconstruction (Poisson NLL) and KL, per trial'), this.lossHost,
          this.pathLine, h('div', { class: 'controls' }, this.compareButton), this.compareResult)),
      ...(comparisonHost ? [] : [h('h3', { class: 'lfads-comparison-title' }, 'Measured comparison'), this.comparison]),
      this.knobsHost]);
    comparisonHost?.replaceChildren(this.comparison);
    // Bins after the observed window are shaded in both time charts: LFADS predicts them unread.
    this.rateChart = lineChart(this.rateHost, [{ label: 'true rate', color: '#555', dash: [6, 4] }, { label: 'LFADS', color: '#D55E00' }],
      'spikes per second', () => this.forwardFromMs);
    this.inputChart = lineChart(this.inputHost, [{ label: 'u₁', color: '#0072B2' }], 'inferred input', () => this.forwardFromMs);
    this.lossChart = new LossChart(this.lossHost, {
      series: [{ label: 'reconstruction', color: '#0072B2' }, { label: 'KL (IC + inputs)', color: '#009E73' }] });
    this.buildKnobs();
    new ResizeObserver(() => this.drawTrial()).observe(this.raster);  // its labels keep their size
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
    // The same weights, on another number of training threads: the model restarts as it is now (shipped or fresh).
    gui.add(s, 'threads', 0, 4, 1).name('training threads (0: all cores)').onFinishChange(() => this.restart(this.state.init));
    const view = gui.addFolder('View');
    view.add(s, 'set', { 'held-out trials': 'trials', 'held-out conditions': 'conditions' }).name('trials shown').onChange(() => this.changeSet());
    this.trialKnob = view.add(s, 'trial', 0, trialMax(s.set), 1).name('trial').onFinishChange(() => this.select());
    view.add(s, 'neuron', 0, SCHEMA.neuron.max, 1).name('neuron (40+: held out)').onFinishChange(() => { this.store.write(); this.drawTrial(); });
    view.add(s, 'view', SCHEMA.view.options).name('3-D: trials').onChange(() => { this.store.write(); this.drawTrajectories(); });
    this.gui = gui;
  }

  /** A lecture step's start: the shipped weights or a fresh network (the other keys have knobs). */
  applyView({ init, ...view }) {
    super.applyView(view);
    if (init !== undefined) this.restart(init);
  }

  restart(init) {
    this.state.init = init;
    this.store.write();
    this.lossChart.clear();
    this.error.hidden = true;
    for (const b of [this.startButton, this.stepButton, this.scratchButton, this.shippedButton, this.refreshButton, this.compareButton]) b.disabled = true;
    this.compareResult.textContent = '';
    this.status.textContent = init === 'shipped' ? 'Loading the shipped weights…' : 'Starting from scratch…';
    this.trainer.reset(labConfig(this.state));
  }

  /** The other set of trials (held-out trials / held-out conditions): the trial knob's range, the views. */
  async changeSet() {
    this.trialKnob.max(trialMax(this.state.set));
    if (this.state.trial > trialMax(this.state.set)) this.state.trial = trialMax(this.state.set);
    this.trialKnob.updateDisplay();
    await this.select();
    await this.refreshTrajectories();
  }

  async select() {
    this.store.write();
    await this.trainer.call('select', this.state.trial, this.state.set);
    if (!this.trainer.running) this.trainer.refresh();
    this.drawTrajectories();
  }

  onReady({ static: info }) {
    this.info = info;
    const c = info.config;
    this.forwardFromMs = c.binsIn * 10;
    this.milestone = false;
    this.metrics = null;
    this.shownKey = null;
    this.dispatchEvent(new CustomEvent('ready'));
    for (const b of [this.startButton, this.stepButton, this.scratchButton, this.shippedButton, this.refreshButton, this.compareButton]) b.disabled = false;
    this.showComputePath(info.compute);
    this.status.textContent = info.shippedLoaded ? 'Showing the shipped weights; press Train to keep training in your browser.'
      : info.shippedError ? `The shipped weights could not be used (${info.shippedError}): an untrained model; press Train (a fresh network reaches a held-out rate R² of 0.75 in about half a minute on one core, and keeps improving for minutes).`
        : 'An untrained model: press Train (a fresh network reaches a held-out rate R² of 0.75 in about half a minute on one core, and keeps improving for minutes).';
    this.refreshTrajectories();
  }

  onSnapshot(snap) {
    // While training the worker sends the trial's read-outs a few times a second, not with every snapshot.
    const newTrial = Boolean(snap.trial);
    this.snapshot = { ...snap, trial: snap.trial ?? this.snapshot?.trial };
    for (const [step, recon, kl] of snap.losses) this.lossChart.push(step, recon, kl);
    if (newTrial) this.drawTrial();
    const m = snap.metrics;
    const changed = !this.metrics || m.step !== this.metrics.step || JSON.stringify(m.counts) !== JSON.stringify(this.metrics.counts) ||
      Boolean(m.baselines) !== Boolean(this.metrics.baselines);
    if (m && changed) {
      this.metrics = m;
      this.showComparison();
      const r2 = m.heldOutTrials.rateR2;
      if (!this.milestone && r2 >= 0.75) {
        this.milestone = true;
        this.dispatchEvent(new CustomEvent('milestone', { detail: { text: `held-out rate R² reached ${r2.toFixed(3)} (≥ 0.75) after ${m.step} steps`, rateR2: r2, step: m.step } }));
      }
    }
    this.showComputePath(snap.compute);
    if (snap.evalError) this.showError(snap.evalError);
    if (this.trainer.running) this.status.textContent = `Training in the worker${describeThreads(snap.threads)} · step ${snap.step}`;
  }

  // ------------------------------------------------------------------ the comparison tables

  /** Re-renders the two tables (held-out trials, held-out conditions), the baselines' line and the notes. */
  showComparison() {
    const m = this.metrics, c = this.info?.config;
    if (!m || !c) return;
    const b = m.baselines;
    const table = (key, caption, methods) => {
      const rows = methods.map(([id, label]) => {
        const scores = id === 'lfads' ? m[key] : b?.[key]?.[id];
        return scores ? [id, label, scores] : null;
      }).filter(Boolean);
      const best = Object.fromEntries(METRICS.map(([k]) => [k, Math.max(...rows.map((r) => r[2][k]).filter(Number.isFinite))]));
      // The caption above the scrolling box (a <caption> would scroll away with a table wider than a
      // phone); the box takes keyboard focus so that a table wider than the screen scrolls by keys too.
      const id = `lfads-${this.uid}-${key}`;
      return h('figure', { class: 'nlb-figure' }, h('figcaption', { id }, caption),
        h('div', { class: 'table-scroll', tabindex: 0, role: 'region', 'aria-labelledby': id }, h('table', { class: 'metric-table nlb-table', dataset: { set: key }, 'aria-labelledby': id },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'method'), METRICS.map(([, label]) => h('th', { scope: 'col' }, label)))),
        h('tbody', {}, rows.map(([id, label, scores]) => h('tr', { dataset: { method: id } }, h('th', { scope: 'row' }, label),
          METRICS.map(([k]) => h('td', { class: scores[k] === best[k] && rows.length > 1 ? 'best' : null }, num(scores[k])))))))));
    };
    const heldOutNeurons = c.neurons - c.neuronsIn, forward = c.bins - c.binsIn;
    const trainConditions = c.conditions - c.heldOutConditions;
    const of = (n, all, what) => (n === all ? `all ${all} ${what}` : `${n} of the ${all} ${what}`);
    const model = m.step === 0 && this.info.shippedLoaded ? 'LFADS: the shipped weights' : `LFADS at training step ${m.step}`;
    const children = [
      this.baselineLine(b),
      table('heldOutTrials', `Held-out trials: ${of(m.counts.heldOut, c.heldOut, 'held-out trials')} (every fifth trial of the ${trainConditions} training conditions)` +
        ` · ${model}`, METHODS),
      table('heldOutConditions', `Held-out conditions: ${of(m.counts.conditions, c.conditionsTrials, 'trials')} of ${c.heldOutConditions} Lorenz starts no method saw in training`,
        METHODS.filter(([id]) => id !== 'psth')),
      h('p', { class: 'canvas-summary lfads-no-psth' }, 'No smoothed-PSTH row for held-out conditions: the PSTH is the average of a condition\'s training trials, and these conditions have none.'),
      h('p', { class: 'canvas-summary' }, `LFADS's factors mapped into the Lorenz state by an affine fit on training trials: R² ${num(m.factorR2Trials)} on held-out trials, ` +
        `${num(m.factorR2Conditions)} on held-out conditions. Decoders and maps fitted on ${m.counts.train} training trials.`),
      h('dl', { class: 'metric-notes' },
        note('co-bps', `bits per spike by which a method's rates for the ${heldOutNeurons} held-out neurons beat each neuron's mean rate, over the ${c.binsIn} observed bins, from the ${c.neuronsIn} held-in neurons alone (0: no better than the mean; higher is better).`),
        note('fp-bps', `the same for all ${c.neurons} neurons over the ${forward} forward bins after the observed window, which no method reads.`),
        note('rate R²', `how much of the variance of the true single-trial rates (all ${c.neurons} neurons, observed bins) the predicted rates explain, per neuron, averaged (below 0: worse than each neuron's mean).`),
        note('PSTH R²', 'the same for the predicted rates averaged over each condition\'s trials, against the condition\'s true rates.'),
        note('decoding R²', 'how well a ridge regression from the predicted rates (all neurons, observed bins), fitted on training trials, recovers the Lorenz state of these trials.')),
    ];
    this.comparison.replaceChildren(...children);
    const key = `${m.step} ${JSON.stringify(m.counts)} ${b ? 'with baselines' : ''}`;
    if (key !== this.shownKey) {
      this.shownKey = key;
      this.dispatchEvent(new CustomEvent('metrics', { detail: { lfads: m, baselines: b ?? null } }));
    }
  }

  /** What the baselines are and which settings they have; whether they are scored on these trials yet. */
  baselineLine(scored) {
    const s = this.snapshot?.baselines ?? this.info.baselines, train = this.info.config.train;
    if (s.state === 'failed') return h('p', { class: 'error lfads-baseline-error' }, `The baselines could not be loaded: ${s.error}`);
    const set = s.settings;
    return h('p', { class: 'canvas-summary lfads-baseline-settings' },
      `Baselines fitted on the ${train} training trials by the native CLI (shipped with the page), settings by cross-validation there: ` +
      `spike smoothing σ = ${bins(set.smoothingSigma)} (${set.smoothingSigma * 10} ms), then a Poisson GLM to every neuron; ` +
      `smoothed PSTH σ = ${bins(set.psthSigma)} (${set.psthSigma * 10} ms); GPFA with ${set.gpfaLatents} latents on ${set.gpfaBinMs} ms bins.` +
      (scored ? '' : ' Scoring them on these trials…'));
  }

  /** The line under the loss chart: which path runs the evaluation over the trials (on how many threads), and why. */
  showComputePath(compute) {
    if (!compute) return;
    this.pathLine.dataset.path = compute.path;
    const engine = compute.path === 'webgpu' ? 'WebGPU' : `WebAssembly${compute.threads > 1 ? ` on ${compute.threads} threads` : ''}`;
    this.pathLine.textContent = `Compute path for the evaluation: ${engine}, ` +
      `${compute.heldOut} held-out + ${compute.conditions} held-out-condition + ${compute.train} training trials (${compute.reason}).`;
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

  // ------------------------------------------------------------------ the trial's views

  drawTrial() {
    const trial = this.snapshot?.trial;
    if (!trial) return;
    const n = Math.min(this.state.neuron, trial.neurons - 1);
    drawRaster(this.raster, trial, n);
    this.rasterSummary.textContent = describeRaster(trial);
    this.rasterCaption.textContent = `Spikes of one ${SET_LABEL[trial.set]}: ${trial.heldin} held-in neurons, ${trial.neurons - trial.heldin} held-out below the line, ` +
      `${trial.bins - trial.observedBins} forward bins shaded (no method reads those; the highlighted row is the neuron on the right)`;
    const heldOut = n >= trial.heldin;
    this.rateCaption.textContent = `Firing rate of neuron ${n} (${heldOut ? 'held out: LFADS never reads its spikes' : 'held in'}): true, inferred by LFADS; ` +
      `after ${trial.observedBins * 10} ms (shaded) predicted without reading any spikes`;
    const T = trial.bins, N = trial.neurons, x = Array.from({ length: T }, (_, t) => t * 10);
    const per = (a) => Array.from({ length: T }, (_, t) => a[t * N + n] * 100);  // spikes/bin -> Hz (10 ms bins)
    this.rateChart.setData([x, per(trial.rates), per(trial.inferred)]);
    const U = trial.inputs.length / T;
    this.inputChart.setData([x, Array.from({ length: T }, (_, t) => trial.inputs[t * U])]);
  }

  /** Every trial of the selected set mapped into Lorenz space (about a second in the worker). */
  async refreshTrajectories() {
    this.refreshButton.disabled = true;
    try {
      const set = this.state.set;
      this.traj = await this.trainer.call('trajectories', TRIALS[set], set);
      this.drawTrajectories();
    } finally {
      this.refreshButton.disabled = false;
    }
  }

  drawTrajectories() {
    if (!this.traj) return;
    const K = this.traj.condition.length, set = this.traj.set;
    // "one": the selected trial beside its truth; "all": trials spread over the set (every condition).
    const indices = this.state.view === 'one' && set === this.state.set ? [Math.min(this.state.trial, K - 1)]
      : Array.from({ length: Math.min(K, TRAJECTORIES_DRAWN) }, (_, i) => Math.floor((i * K) / Math.min(K, TRAJECTORIES_DRAWN)));
    const setName = set === 'trials' ? 'held-out trials' : 'trials of held-out conditions';
    const label = indices.length === 1 ? `${set === 'trials' ? 'Held-out trial' : 'Trial'} ${indices[0] + 1}` +
      `${set === 'trials' ? '' : ' of the held-out conditions'} (condition ${this.traj.condition[indices[0]] + 1})`
      : `${indices.length} of the ${K} ${setName}`;
    this.trajectories.update(this.traj, { indices, label, setName });
  }

  showError(message) {
    if (message.startsWith('evaluation failed')) {
      this.error.hidden = false;
      this.error.textContent = message;
    } else {
      super.showError(message);
    }
  }

}

const bins = (n) => `${n} bin${n === 1 ? '' : 's'}`;

function note(term, text) {
  return [h('dt', {}, term), h('dd', {}, text)];
}

/** A uPlot line chart over time (ms); bins from forwardFrom() ms on are shaded and labelled "forward". */
function lineChart(host, series, yLabel, forwardFrom) {
  const shade = (u) => {
    const from = forwardFrom();
    if (!Number.isFinite(from) || !u.data[0]?.length) return;
    const { ctx, bbox } = u;
    const x0 = Math.max(bbox.left, u.valToPos(from, 'x', true)), x1 = bbox.left + bbox.width;
    if (x1 <= x0) return;
    ctx.save();
    ctx.fillStyle = 'rgba(120,120,140,0.12)';
    ctx.fillRect(x0, bbox.top, x1 - x0, bbox.height);
    ctx.fillStyle = '#555';
    ctx.font = `${Math.round(11 * devicePixelRatio)}px sans-serif`;
    ctx.textAlign = 'right';
    ctx.fillText('forward', x1 - 4 * devicePixelRatio, bbox.top + 13 * devicePixelRatio);
    ctx.restore();
  };
  const plot = new uPlot({
    width: Math.max(280, host.clientWidth || 420), height: 200, legend: { live: false }, cursor: { drag: { x: false, y: false } },
    scales: { x: { time: false } },
    axes: [{ label: 'time (ms)', stroke: '#555' }, { label: yLabel, stroke: '#555' }],
    series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, dash: s.dash, points: { show: false } }))],
    hooks: { drawClear: [shade] },
  }, [[], ...series.map(() => [])], host);
  new ResizeObserver(() => plot.setSize({ width: Math.max(280, host.clientWidth), height: 200 })).observe(host);
  return plot;
}
