// The attention page's controller: one training worker (engine/jobs/vit.js) behind every view.
// Views: the input (gallery / drawing pad), the large attention view, class probabilities, the
// head grid with lesions, the position-similarity and attention-distance figures, the training
// controls with their curves, and the evaluation table. All state that a link should reproduce
// (knobs, seed, view, chosen image, lesions) lives in the panel's state store (the URL hash on the
// page, the element's attribute when embedded). Events: 'ready', 'training' {running},
// 'milestone' {text} (see docs/embedding.md).
import { describeThreads } from '../../engine/replicas.js';
import { fmt, h } from '../../lib/dom.js';
import { rejectedNote } from '../../lib/hash-state.js';
import { LossChart } from '../../lib/loss-chart.js';
import { StudyPanel } from '../../lib/study-panel.js';
import { GUI } from '../../lib/vendor.js';
import { heatFor } from './attention.js';
import { AttentionView } from './attention-view.js';
import { normalizeMax } from './colormap.js';
import { HeadGrid } from './head-grid.js';
import { InputPad } from './input-pad.js';
import { DistanceChart, PositionView } from './learned-views.js';
import { ProbBars } from './prob-bars.js';
import { SCHEMA } from './schema.js';

/** The worker job's config for the state's knobs (the shipped weights bring their own architecture). */
function jobConfig(s) {
  const training = { lr: s.lr, batch: s.batch, seed: s.seed, gpu: s.gpu, ...(s.threads > 0 && { threads: s.threads }) };
  if (s.init === 'shipped') return { init: 'shipped', ...training };
  const dim = Number(s.dim);
  return { init: 'scratch', patch: Number(s.patch), dim, depth: s.depth, heads: Number(s.heads), mlp: 2 * dim, ...training };
}

const LEARNED_REFRESH_MS = 3000;  // position similarity and attention distance while training
const MILESTONE_ACCURACY = 0.8;  // held-out accuracy that a course page hears about

export class VitPanel extends StudyPanel {
  /**
   * Hosts: live (input, attention, prediction, heads) and train (controls and curves) are needed;
   * learned (position similarity, attention distance) and evaluation (the accuracy table) are
   * optional. store: the panel's state (createStore(SCHEMA)).
   */
  constructor({ live, learned = null, train, evaluation = null }, store) {
    super(store, { errorPrefix: 'The model stopped' });
    const { state, rejected } = store;
    this.hosts = { live, learned, train, evaluation };
    this.inflight = false;
    this.dirty = false;
    this.probeVersion = 0;
    this.lastLearned = 0;
    this.measured = {};  // evaluation rows measured so far, by key
    this.buildTraining(train, rejected);
    if (evaluation) this.buildEvaluation(evaluation);
    live.replaceChildren(h('p', { class: 'status' }, 'Loading the model and 6,000 Fashion-MNIST images…'));
    this.startTrainer('vit', jobConfig(state));
  }

  saveHash() { this.store.write(); }

  // ---------------------------------------------------------------- building

  buildLive(info) {
    const host = this.hosts.live;
    const inputHost = h('div', { class: 'vit-input' });
    const viewHost = h('div', { class: 'vit-view' });
    const barsHost = h('div', { class: 'vit-probs' });
    const headsHost = h('div', { class: 'vit-heads scroll-x' });
    this.modelLine = h('p', { class: 'vit-muted vit-small', 'aria-live': 'polite' });
    this.lesionButton = h('button', { onclick: () => this.measureLesions() }, 'Measure accuracy with these heads silenced');
    this.lesionResult = h('p', { class: 'vit-lesion-result', 'aria-live': 'polite' });
    host.replaceChildren(
      h('div', { class: 'vit-live' },
        h('div', {}, h('h3', {}, 'Input'), inputHost),
        h('div', {}, h('h3', {}, 'Attention'), viewHost),
        h('div', {}, h('h3', {}, 'Prediction'), barsHost, this.modelLine)),
      h('h3', {}, 'Every head, and lesions'),
      h('p', { class: 'vit-muted vit-small' }, 'Each map shows where one head looks (for the class token, or for the chosen patch in the "chosen patch" view). Press "silence" to lesion a head: its output is set to zero.'),
      headsHost,
      h('div', { class: 'vit-row' }, this.lesionButton),
      this.lesionResult);
    const save = () => this.saveHash();
    this.input = new InputPad(inputHost, info, this.state, save);
    this.input.addEventListener('change', () => this.refresh());
    this.input.addEventListener('page', () => this.refreshGallery());
    this.input.addEventListener('thumbs', () => this.refreshGallery());
    this.view = new AttentionView(viewHost, this.state, () => { save(); this.heads.syncButtons(); this.redraw(); this.paintGallery(); });
    this.bars = new ProbBars(barsHost, info.classNames);
    this.heads = new HeadGrid(headsHost, this.state, {
      onLesion: () => { save(); this.lesionResult.textContent = ''; this.refresh(); this.refreshGallery(); },
      onSelect: (layer, head) => this.view.set({ layer, head, view: this.state.view === 'rollout' ? 'cls' : this.state.view }),
    });
    const learnedHost = this.hosts.learned;
    if (!learnedHost) return;
    const posHost = h('div'), distHost = h('div');
    learnedHost.replaceChildren(posHost, distHost);
    this.position = new PositionView(posHost);
    this.distance = new DistanceChart(distHost);
  }

  buildTraining(host, rejected) {
    this.runButtons();
    this.resetButton = h('button', { disabled: true, onclick: () => this.restart('scratch') }, 'Reset to a fresh network');
    this.shippedButton = h('button', { disabled: true, onclick: () => this.restart('shipped') }, 'Load the shipped weights');
    this.status = h('p', { class: 'status', role: 'status' }, 'Loading…');
    this.error = h('p', { class: 'error', role: 'alert', hidden: true });
    this.chartHost = h('div', { class: 'chart', 'aria-label': 'Minibatch loss and held-out accuracy over training steps' });
    this.chartSummary = h('p', { class: 'canvas-summary', 'aria-live': 'polite' });
    this.knobsHost = h('div', { class: 'knobs' });
    const note = rejectedNote(rejected);
    host.replaceChildren(h('div', { class: 'panel-body vit-training' },
      h('div', { class: 'side' },
        h('div', { class: 'controls' }, this.startButton, this.stepButton),
        h('div', { class: 'controls' }, this.resetButton, this.shippedButton),
        this.status, this.error, note, this.knobsHost),
      h('div', {}, this.chartHost, this.chartSummary)));
    this.chart = new LossChart(this.chartHost, {
      series: [
        { label: 'minibatch loss', color: '#0072B2' },
        { label: 'held-out accuracy', color: '#D55E00', scale: 'acc' },
      ],
    });
    this.buildKnobs();
  }

  buildKnobs() {
    const gui = new GUI({ container: this.knobsHost, title: 'Knobs', injectStyles: false, width: 300 });
    const s = this.state;
    const architecture = () => { s.init = 'scratch'; this.saveHash(); this.restart('scratch'); };
    const training = () => { this.saveHash(); this.restart(s.init); };
    gui.add(s, 'patch', SCHEMA.patch.options).name('patch size (pixels)').onChange(architecture);
    gui.add(s, 'dim', SCHEMA.dim.options).name('width (token size)').onChange(architecture);
    gui.add(s, 'depth', 1, 6, 1).name('depth (blocks)').onFinishChange(architecture);
    gui.add(s, 'heads', SCHEMA.heads.options).name('heads per block').onChange(architecture);
    gui.add(s, 'lr', 0.0001, 0.01).name('learning rate').onFinishChange(training);
    gui.add(s, 'batch', 8, 256, 1).name('batch size').onFinishChange(training);
    gui.add(s, 'seed', 0, 999999, 1).onFinishChange(training);
    gui.add(s, 'threads', 0, 4, 1).name('training threads (0: all cores)').onFinishChange(training);
    this.gui = gui;
  }

  buildEvaluation(host) {
    this.evalBody = h('tbody');
    this.measureButton = h('button', { disabled: true, onclick: () => this.measure() }, 'Measure now');
    this.benchButton = h('button', { disabled: true, onclick: () => this.benchmarkPaths() }, 'Benchmark both paths');
    this.evalStatus = h('p', { class: 'status', 'aria-live': 'polite' });
    this.pathLine = h('p', { class: 'vit-muted vit-small vit-compute-path', 'aria-live': 'polite' }, 'Compute path: starting…');
    this.benchResult = h('p', { class: 'vit-small vit-bench-result', 'aria-live': 'polite' });
    host.replaceChildren(
      h('table', { class: 'metric-table vit-eval-table' },
        h('caption', { class: 'vit-muted' }, 'Test accuracy on the page\'s 1,000 test images'),
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Classifier'), h('th', { scope: 'col' }, 'Accuracy'), h('th', { scope: 'col' }, 'Trained on'))),
        this.evalBody),
      h('div', { class: 'controls' }, this.measureButton, this.benchButton), this.evalStatus, this.pathLine, this.benchResult);
    this.renderEvaluation();
    // Measure once when the section first comes into view (it costs the worker a few seconds).
    new IntersectionObserver((entries, observer) => {
      if (entries.some((e) => e.isIntersecting) && this.info) {
        observer.disconnect();
        this.measure();
      }
    }).observe(host);
  }

  // ---------------------------------------------------------------- worker events

  onReady({ static: info }) {
    const first = !this.info;
    this.info = info;
    if (first) this.buildLive(info);
    const c = info.config;
    if (info.init === 'shipped') {  // the knobs show the shipped architecture
      Object.assign(this.state, { patch: String(c.patch), dim: String(c.dim), depth: c.depth, heads: String(c.heads) });
      this.gui.controllersRecursive().forEach((ctrl) => ctrl.updateDisplay());
    }
    this.view.setModel(c);
    this.heads.setModel(c);
    this.saveHash();
    this.chart.clear();
    this.error.hidden = true;
    for (const b of [this.startButton, this.stepButton, this.resetButton, this.shippedButton, this.measureButton, this.benchButton]) if (b) b.disabled = false;
    this.showComputePath(info.compute);
    this.galleryMaps = null;  // the previous model's: another architecture has other shapes
    this.milestoneReached = false;
    this.modelLine.textContent = info.init === 'shipped'
      ? `Model: the shipped weights (trained natively on 55,000 of the 60,000 training images), ${info.paramCount.toLocaleString('en')} parameters.`
      : `Model: a fresh network (${info.paramCount.toLocaleString('en')} parameters: patches of ${info.config.patch} px, width ${info.config.dim}, ` +
        `${info.config.depth} block${info.config.depth === 1 ? '' : 's'} of ${info.config.heads} head${info.config.heads === 1 ? '' : 's'}), trained here on ` +
        `${info.trainCount.toLocaleString('en')} images without augmentation. By default it is small, so that it learns the lesson ` +
        '(80% of held-out images) within seconds in one thread; the shipped model (patches of 4 px, width 64, 4 blocks of 4 heads) took an hour natively.';
    this.refresh();
    this.refreshLearned();
    this.refreshGallery();
    this.dispatchEvent(new CustomEvent('ready'));
  }

  onState({ running }) {
    if (running && (this.snapshot?.trainImages ?? this.info?.trainImages) !== 'ready') this.showFetching();
    else if (this.snapshot) this.showStatus(this.snapshot);
    super.onState({ running });
  }

  /** The first step waits for the training images, which the page fetches only when it trains. */
  showFetching() {
    this.status.textContent = `Fetching the ${this.info.trainCount.toLocaleString('en')} training images ` +
      `(${(this.info.trainBytes / 1e6).toFixed(1)} MB before compression) for the first step…`;
  }

  showStatus(snap) {
    const held = snap.heldOut;
    const parts = [`step ${snap.step}`, `epoch ${fmt(snap.epochs, 3)}`];
    if (Number.isFinite(snap.loss)) parts.push(`loss ${fmt(snap.loss)}`);
    if (held) parts.push(`held-out accuracy ${(100 * held.accuracy).toFixed(1)}% (step ${held.step})`);
    if (this.trainer.running) parts.push(`${Math.round(snap.imagesPerSecond)} images/s${describeThreads(snap.threads)}`);
    this.status.textContent = parts.join(' · ');
  }

  onSnapshot(snap) {
    this.snapshot = snap;
    const held = snap.heldOut;
    this.chart.push(snap.step, snap.loss, held ? held.accuracy : NaN);
    this.showStatus(snap);
    if (held && held.step > 0 && held.accuracy >= MILESTONE_ACCURACY && !this.milestoneReached) {
      this.milestoneReached = true;
      this.dispatchEvent(new CustomEvent('milestone', { detail: {
        text: `held-out accuracy reached ${(100 * held.accuracy).toFixed(1)}% (≥ ${100 * MILESTONE_ACCURACY}%)`, step: held.step, accuracy: held.accuracy } }));
    }
    if (held) this.chartSummary.textContent = `After ${snap.step} steps (${Math.round(snap.epochs * 10) / 10} passes over the training images), ` +
      `the model classifies ${(100 * held.accuracy).toFixed(1)}% of 300 held-out test images correctly.`;
    if (snap.probe && snap.probe.version === this.probeVersion) this.show(snap.probe);
    if (this.trainer.running && performance.now() - this.lastLearned > LEARNED_REFRESH_MS) this.refreshLearned();
    if (held && held.step !== this.galleryStep) this.refreshGallery(held.step);
  }

  // ---------------------------------------------------------------- read-outs

  /** Inspects the current input with the current lesions; one call in flight at a time. */
  async refresh() {
    if (!this.info) return;
    const { image } = this.input.current();
    const mask = this.heads.mask();
    this.probeVersion++;
    this.trainer.call('setProbe', image, mask, this.probeVersion).catch(() => {});
    if (this.inflight) {
      this.dirty = true;
      return;
    }
    this.inflight = true;
    try {
      const result = await this.trainer.call('inspect', image, mask);
      this.show(result);
    } catch (error) {
      this.showError(error.message);
    } finally {
      this.inflight = false;
      if (this.dirty) {
        this.dirty = false;
        this.refresh();
      }
    }
  }

  show(result) {
    this.inspection = result;
    this.redraw();
  }

  redraw() {
    if (!this.inspection) return;
    const { image, label } = this.input.current();
    this.view.update(image, this.inspection);
    this.heads.update(image, this.inspection);
    this.bars.update(this.inspection.probs, this.inspection.intactProbs ?? null, label);
  }

  async refreshLearned() {
    this.lastLearned = performance.now();
    if (!this.position) return;
    try {
      const [similarity, distance] = await Promise.all([this.trainer.call('positionSimilarity'), this.trainer.call('meanAttentionDistance')]);
      this.position.update(similarity, this.info.config.grid);
      this.distance.update(distance.distance, this.info.config, distance);
    } catch (error) {
      this.showError(error.message);
    }
  }

  /**
   * The gallery's marks (the model's class for each visible test image, with the current lesions)
   * and, with the attention on the thumbnails, every head's maps of those images in one batched call
   * (WebGPU where it runs); only the latest call's answer is shown.
   */
  async refreshGallery(step = this.galleryStep ?? 0) {
    if (!this.info) return;
    this.galleryStep = step;
    const version = this.galleryVersion = (this.galleryVersion ?? 0) + 1;
    const indices = this.input.visibleIndices();
    const images = new Float32Array(indices.length * 784);
    indices.forEach((i, k) => images.set(this.input.imageOf(i), k * 784));
    const mask = this.heads.mask();
    try {
      let probs;
      if (this.state.thumbs === 'attention') {
        const r = await this.trainer.call('galleryAttention', images, mask);
        if (version !== this.galleryVersion) return;
        this.galleryMaps = { indices, attention: r.attention, rollout: r.rollout };
        probs = r.probs;
      } else {
        probs = await this.trainer.call('classify', images, mask);
        if (version !== this.galleryVersion) return;
        this.galleryMaps = null;
      }
      const predicted = indices.map((_, k) => {
        let best = 0;
        for (let c = 1; c < 10; c++) if (probs[k * 10 + c] > probs[k * 10 + best]) best = c;
        return best;
      });
      this.input.setPredictions(indices, predicted);
      this.paintGallery();
    } catch (error) {
      this.showError(error.message);
    }
  }

  /** The attention view's heat (block, head, query or rollout) on every thumbnail, from the maps already fetched. */
  paintGallery() {
    const maps = this.galleryMaps;
    if (!maps || this.state.thumbs !== 'attention') {
      this.input?.setThumbHeat(null);
      return;
    }
    const c = this.info.config, TT = c.tokens * c.tokens, per = c.depth * c.heads * TT;
    const heats = new Map(maps.indices.map((i, b) => {
      const one = { attention: maps.attention.subarray(b * per, (b + 1) * per), rollout: maps.rollout.subarray(b * TT, (b + 1) * TT) };
      return [i, normalizeMax(heatFor(one, c, this.state).patches)];
    }));
    this.input.setThumbHeat(heats, c.grid);
  }

  /**
   * View state from a lecture step: the test image (the input pad), the attention view's keys,
   * the start (shipped or fresh weights). Before the live view is built, the state alone (it reads it).
   */
  applyView({ init, img, ...view }) {
    const attention = Object.fromEntries(Object.entries(view).filter(([k]) => ['view', 'layer', 'head', 'query'].includes(k)));
    Object.assign(this.state, view);
    if (img !== undefined) {
      if (this.input) this.input.select(img);
      else this.state.img = img;
    }
    if (this.view && Object.keys(attention).length) this.view.set(attention);
    this.saveHash();
    if (init !== undefined) this.restart(init);
  }

  // ---------------------------------------------------------------- training controls

  restart(init) {
    this.state.init = init;
    this.saveHash();
    this.error.hidden = true;
    for (const b of [this.startButton, this.stepButton, this.resetButton, this.shippedButton]) b.disabled = true;
    this.status.textContent = init === 'shipped' ? 'Loading the shipped weights…' : 'Initializing a fresh network…';
    this.inspection = null;
    this.trainer.reset(jobConfig(this.state));
  }

  // ---------------------------------------------------------------- evaluation

  modelDescription() {
    if (this.info.init === 'shipped' && !(this.snapshot?.step > 0)) return ['Vision Transformer, shipped weights', '60,000 images (natively)'];
    const steps = this.snapshot?.step ?? 0;
    const from = this.info.init === 'shipped' ? 'shipped weights' : 'a fresh network';
    return [`Vision Transformer, ${from} + ${steps} steps here`, `${this.info.trainCount.toLocaleString('en')} images, ${fmt(this.snapshot?.epochs ?? 0, 2)} passes`];
  }

  async measure() {
    this.measureButton.disabled = true;
    this.evalStatus.textContent = 'Measuring (the worker runs 1,000 test images and the baseline on the training images)…';
    try {
      const [name, data] = this.modelDescription();
      const vit = await this.trainer.call('evaluate', 1000, null);
      this.showComputePath(vit.compute);
      this.measured[this.info.init === 'shipped' && !(this.snapshot?.step > 0) ? 'shipped' : 'live'] = { name, data, accuracy: vit.accuracy };
      if (!this.measured.knn) {
        const knn = await this.trainer.call('knnBaseline', 5);
        this.measured.knn = { name: '5 nearest neighbours in pixel space', data: `${this.info.trainCount.toLocaleString('en')} images (no training)`, accuracy: knn.accuracy };
      }
      this.renderEvaluation();
      this.evalStatus.textContent = 'Measured in this browser.';
    } catch (error) {
      this.evalStatus.textContent = `Measurement failed: ${error.message}`;
    } finally {
      this.measureButton.disabled = false;
    }
  }

  async measureLesions() {
    const mask = this.heads.mask();
    this.lesionButton.disabled = true;
    this.lesionResult.textContent = 'Measuring on 1,000 test images…';
    try {
      const intact = await this.trainer.call('evaluate', 1000, null);
      if (!mask) {
        this.lesionResult.textContent = `No head is silenced: the model classifies ${(100 * intact.accuracy).toFixed(1)}% of the 1,000 test images correctly.`;
        return;
      }
      const lesioned = await this.trainer.call('evaluate', 1000, mask);
      const n = this.heads.lesionedCount();
      this.lesionResult.textContent = `With ${n} head${n === 1 ? '' : 's'} silenced: ${(100 * lesioned.accuracy).toFixed(1)}% of the 1,000 ` +
        `test images correct (intact: ${(100 * intact.accuracy).toFixed(1)}%).`;
      this.measured.lesioned = { name: `…the same with ${n} head${n === 1 ? '' : 's'} silenced`, data: '', accuracy: lesioned.accuracy };
      this.renderEvaluation();
    } catch (error) {
      this.lesionResult.textContent = `Measurement failed: ${error.message}`;
    } finally {
      this.lesionButton.disabled = false;
    }
  }

  /** The line under the evaluation table: which path runs the batched passes, and why. */
  showComputePath(compute) {
    if (!this.pathLine || !compute) return;
    this.pathLine.dataset.path = compute.path;
    this.pathLine.textContent = `Compute path for classification and evaluation: ${compute.path === 'webgpu' ? 'WebGPU' : 'WebAssembly'}` +
      ` (${compute.reason}).`;
  }

  /** images/s of the wasm and the WebGPU forward passes, measured in this browser. */
  async benchmarkPaths() {
    this.benchButton.disabled = true;
    this.benchResult.textContent = 'Benchmarking both paths on the 1,000 test images…';
    try {
      const r = await this.trainer.call('benchmarkPaths');
      const rate = (x) => `${Math.round(x.perSecond).toLocaleString('en')} images/s (${x.images.toLocaleString('en')} images)`;
      let text = `WebAssembly: ${rate(r.wasm)}. `;
      if (r.gpu) {
        const a = r.gpu.agreement;
        text += `WebGPU (${r.gpu.adapter}): ${rate(r.gpu)}; same top class on ${a.argmaxAgree}/${a.images}, ` +
          `largest probability difference ${a.maxAbsDiff.toExponential(1)}.`;
      } else {
        text += 'WebGPU: not available here.';
      }
      this.benchResult.textContent = text;
      this.showComputePath(r.compute);
    } catch (error) {
      this.benchResult.textContent = `Benchmark failed: ${error.message}`;
    } finally {
      this.benchButton.disabled = false;
    }
  }

  renderEvaluation() {
    if (!this.evalBody) return;  // embedded without the evaluation table
    const rows = ['shipped', 'live', 'lesioned', 'knn'].filter((k) => this.measured[k]).map((k) => this.measured[k]);
    rows.push({ name: 'Chance (10 balanced classes)', data: '', accuracy: 0.1 });
    this.evalBody.replaceChildren(...rows.map((r) => h('tr', { dataset: { row: r.name } },
      h('td', {}, r.name), h('td', {}, `${(100 * r.accuracy).toFixed(1)}%`), h('td', {}, r.data))));
  }
}
