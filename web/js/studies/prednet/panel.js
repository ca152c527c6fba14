// The PredNet panel: a sequence played through the model (scrub, surprises, closed-loop rollout), live
// training in the worker with the loss and the held-out MSE against both baselines, and the
// evaluation table measured in the page. View and controller only: the model lives in the worker
// (engine/jobs/prednet.js); every knob and the view are in the panel's state store (the URL hash on
// the page, the element's attribute when embedded). Events: 'ready', 'training' {running},
// 'milestone' {text} (see docs/embedding.md).
import { describeThreads } from '../../engine/replicas.js';
import { h, fmt } from '../../lib/dom.js';
import { rejectedNote } from '../../lib/hash-state.js';
import { LossChart } from '../../lib/loss-chart.js';
import { StudyPanel } from '../../lib/study-panel.js';
import { GUI } from '../../lib/vendor.js';
import { FRAMES, SCHEMA, SIZE } from './schema.js';
import { SequenceView } from './sequence-view.js';

const SHIPPED_LAYERS = 3;  // the shipped weights are for the default 3-layer model

const SURPRISES = [
  ['none', 'No surprise'],
  ['reverse', 'Reverse a blob'],
  ['appear', 'Drop in an object'],
  ['occluder', 'Pass an occluder'],
];

const VIEW_EVERY_MS = 1200;  // while training, redraw the sequence this often

export class PredNetPanel extends StudyPanel {
  /**
   * host: where the panel goes; store: its state (createStore(SCHEMA)); evaluation: optional
   * {host, button} for the table of measurements against the baselines (the page has it).
   */
  constructor(host, store, { evaluation = null } = {}) {
    super(store, { errorPrefix: 'Stopped' });
    const { rejected } = store;
    this.host = host;
    this.evaluation = evaluation;
    this.viewPending = false;
    this.viewDirty = false;
    this.lastView = 0;
    this.playing = null;
    this.build(host, rejected);
    // The first job always uses blobs; sprite images are fetched by the worker on demand, after
    // which onReady starts over with them (see reset()).
    this.startTrainer('prednet', this.jobConfig('blobs'));
  }

  // ---------------------------------------------------------------- configuration

  /** The worker job's config for the current knobs (dataset overridable). */
  jobConfig(dataset = this.state.data) {
    const s = this.state;
    const shipped = s.init === 'shipped' && s.layers === SHIPPED_LAYERS;
    return {
      model: { size: SIZE, frames: FRAMES, layers: s.layers, loss: s.loss, lr: s.lr, batch: s.batch, seed: s.seed, dataset },
      init: shipped ? 'shipped' : 'scratch',
      gpu: s.gpu,
      ...(s.threads > 0 && { threads: s.threads }),
    };
  }

  // ---------------------------------------------------------------- DOM

  build(host, rejected) {
    const s = this.state;
    // Sequence controls.
    this.playButton = h('button', { onclick: () => this.togglePlay(), 'aria-pressed': 'false' }, 'Play');
    this.prevButton = h('button', { 'aria-label': 'Previous frame', onclick: () => this.setTime(this.state.t - 1) }, '◀');
    this.nextButton = h('button', { 'aria-label': 'Next frame', onclick: () => this.setTime(this.state.t + 1) }, '▶');
    this.scrubber = h('input', { type: 'range', min: 0, max: FRAMES - 1, step: 1, value: s.t, class: 'scrubber',
                                 'aria-label': 'Time step', oninput: (e) => this.setTime(Number(e.target.value)) });
    this.timeLabel = h('output', { class: 'time-label' }, `t = ${s.t}`);
    this.sequenceLabel = h('span', { class: 'sequence-label' }, '');
    this.nextSequenceButton = h('button', { onclick: () => this.setView({ seq: (this.state.seq + 1) % 1000000 }) }, 'Another sequence');
    this.surpriseButtons = SURPRISES.map(([kind, label]) =>
      h('button', { class: 'surprise-button', 'aria-pressed': String(s.surprise === kind), dataset: { kind },
                    onclick: () => this.setView({ surprise: kind, t: kind === 'none' ? this.state.t : this.state.at }) }, label));
    this.atSelect = h('select', { 'aria-label': 'Surprise frame', onchange: (e) => this.setView({ at: Number(e.target.value) }) },
      Array.from({ length: FRAMES - 2 }, (_, i) => h('option', { value: i + 2, selected: s.at === i + 2 }, `frame ${i + 2}`)));
    this.extrapSelect = h('select', { 'aria-label': 'Feed predictions back from frame', onchange: (e) => this.setView({ extrap: e.target.value }) },
      SCHEMA.extrap.options.map((v) => h('option', { value: v, selected: s.extrap === v }, v === 'off' ? 'off (always the real frame)' : `frame ${v}`)));
    this.surpriseNote = h('p', { class: 'note', hidden: true }, 'Surprises are injected into bouncing-blob sequences: switch the data back to blobs to try them.');
    this.viewCaption = h('p', { class: 'canvas-summary', 'aria-live': 'polite' }, 'Loading the WebAssembly module and the shipped weights…');
    this.viewHost = h('div', { class: 'sequence-view' });
    this.sequence = new SequenceView(this.viewHost, { onSelectTime: (t) => this.setTime(t) });

    // Training controls.
    this.runButtons();
    this.resetButton = h('button', { disabled: true, onclick: () => this.reset() }, 'Reset');
    this.status = h('p', { class: 'status', role: 'status' }, 'step 0');
    this.initNote = h('p', { class: 'init-note' }, '');
    this.error = h('p', { class: 'error', role: 'alert', hidden: true });
    const note = rejectedNote(rejected);
    this.lossHost = h('div', { class: 'chart', 'aria-label': 'Training loss (weighted mean error units) over steps' });
    this.mseHost = h('div', { class: 'chart', 'aria-label': 'Held-out MSE of PredNet, copy-last and linear extrapolation over steps' });
    this.mseCaption = h('p', { class: 'canvas-summary', 'aria-live': 'polite' }, '');
    this.knobsHost = h('div', { class: 'knobs' });

    host.replaceChildren(
      h('div', { class: 'prednet-view' },
        h('div', { class: 'view-controls' },
          h('div', { class: 'control-row' }, this.playButton, this.prevButton, this.scrubber, this.nextButton, this.timeLabel,
            this.nextSequenceButton, this.sequenceLabel),
          h('div', { class: 'control-row', role: 'group', 'aria-label': 'Inject a surprise' },
            h('span', { class: 'control-label' }, 'Surprise:'), ...this.surpriseButtons, h('label', {}, ' at ', this.atSelect)),
          h('div', { class: 'control-row' },
            h('label', {}, 'Closed-loop rollout: from frame ', this.extrapSelect,
              ' on, the model\u2019s own prediction of each frame replaces that frame (the model trained for ' +
              'one-step prediction, not fine-tuned for this)')),
          this.surpriseNote),
        this.viewHost, this.viewCaption),
      h('div', { class: 'panel-body prednet-training' },
        h('div', { class: 'side' },
          h('h3', {}, 'Train it yourself'),
          h('div', { class: 'controls' }, this.startButton, this.stepButton, this.resetButton),
          this.status, this.initNote, this.error, note, this.knobsHost),
        h('div', { class: 'side' },
          h('h4', {}, 'Training loss'), this.lossHost,
          h('h4', {}, 'Held-out MSE: PredNet vs the baselines'), this.mseHost, this.mseCaption)));
    this.lossChart = new LossChart(this.lossHost, { height: 180, series: [{ label: 'training loss', color: '#0072B2' }] });
    this.mseChart = new LossChart(this.mseHost, {
      height: 200,
      series: [
        { label: 'PredNet', color: '#0072B2' },
        { label: 'copy last frame', color: '#D55E00' },
        { label: 'linear extrapolation', color: '#CC79A7' },
      ],
    });
    this.buildKnobs();
    this.updateViewControls();
  }

  buildKnobs() {
    const gui = new GUI({ container: this.knobsHost, title: 'Knobs (changing one starts over)', injectStyles: false, width: 300 });
    const s = this.state;
    const restart = () => { this.store.write(); this.reset(); };
    gui.add(s, 'init', { 'the shipped weights': 'shipped', 'random weights (scratch)': 'scratch' }).name('start from').onChange(restart);
    gui.add(s, 'loss', { 'L0: layer 0 only': 'L0', 'Lall: all layers (0.1 above)': 'Lall' }).name('loss weights λ_l').onChange(restart);
    gui.add(s, 'layers', 2, 4, 1).onFinishChange(restart);
    gui.add(s, 'lr', 0.00001, 0.01).name('learning rate').onFinishChange(restart);
    gui.add(s, 'batch', 1, 16, 1).name('sequences per step').onFinishChange(restart);
    gui.add(s, 'seed', 0, 999999, 1).onFinishChange(restart);
    gui.add(s, 'data', { 'bouncing blobs': 'blobs', 'moving Fashion-MNIST': 'sprites', 'your camera (live)': 'camera' })
      .onChange((data) => (data === 'camera' ? this.toCamera() : restart()));
    gui.add(s, 'threads', 0, 4, 1).name('training threads (0: all cores)').onFinishChange(restart);
    this.gui = gui;
  }

  // ---------------------------------------------------------------- training

  async reset() {
    this.error.hidden = true;
    const table = this.evaluation?.host;
    if (this.measurement && table)
      table.replaceChildren(h('p', {}, 'The model was reset: press “Measure now” to evaluate the new one.'));
    this.lossChart.clear();
    this.mseChart.clear();
    this.lastRunningStep = undefined;
    this.mseCaption.textContent = '';
    this.ready = false;
    for (const b of [this.startButton, this.stepButton, this.resetButton]) b.disabled = true;
    if (this.state.data === 'sprites') {
      this.status.textContent = 'Loading the Fashion-MNIST images…';
      try {
        await this.loadSprites();
      } catch (e) {
        this.showError(`${e.message}; using bouncing blobs instead`);
        this.state.data = 'blobs';
        this.store.write();
        this.gui?.controllersRecursive().forEach((c) => c.updateDisplay());
      }
    }
    this.trainer.reset(this.jobConfig());
  }

  /** The camera is another panel (./camera-panel.js): the page opens again with it. */
  toCamera() {
    this.state.data = 'camera';
    this.store.write();
    location.reload();
  }

  /** Asks the worker to fetch the sprite images; resolves once they are decoded. */
  async loadSprites() {
    for (;;) {
      const { state, error } = await this.trainer.call('loadSprites');
      if (state === 'ready') return;
      if (state === 'failed') throw new Error(`could not load the Fashion-MNIST images (${error})`);
      await new Promise((r) => setTimeout(r, 150));
    }
  }

  onReady({ static: info }) {
    this.info = info;
    if (info.dataset !== this.state.data && !this.switchedData) {
      this.switchedData = true;  // the link asks for sprites: load them and start over once
      this.reset();
      return;
    }
    this.ready = true;
    this.milestoneReached = false;
    for (const b of [this.startButton, this.stepButton, this.resetButton]) b.disabled = false;
    const asked = this.state.init === 'shipped' && this.state.layers !== SHIPPED_LAYERS
      ? ` (the shipped weights are for the ${SHIPPED_LAYERS}-layer model, so this ${this.state.layers}-layer model starts from random weights)` : '';
    this.initNote.textContent = `${info.layers} layers, ${info.parameters.toLocaleString('en')} parameters, ` +
      `${info.dataset === 'blobs' ? 'bouncing blobs' : 'moving Fashion-MNIST sprites'}; starts from ${info.initNote}${asked}.`;
    this.sequence.setGeometry(info);
    this.updateViewControls();
    this.requestView();
    if (!this.measurement) this.measure();  // once at load; afterwards on request (it takes seconds)
    this.dispatchEvent(new CustomEvent('ready'));
  }

  onState({ running }) {
    super.onState({ running });
    this.host.classList.toggle('running', running);
  }

  onSnapshot(snap) {
    if (!this.ready) return;  // the last words of a job being replaced (see reset())
    this.snapshot = snap;
    if (Number.isFinite(snap.loss)) this.lossChart.push(snap.step, snap.loss);
    const r = snap.running;
    if (r && r.step !== this.lastRunningStep) {
      this.lastRunningStep = r.step;
      this.mseChart.push(r.step, r.prednetMse, r.copyLastMse, r.linearMse);
      this.mseCaption.textContent = `After ${r.step} steps, on ${this.info?.runningEvalSequences ?? ''} held-out sequences: ` +
        `PredNet MSE ${fmt(r.prednetMse)}, copy last frame ${fmt(r.copyLastMse)}, linear extrapolation ${fmt(r.linearMse)} ` +
        `(PredNet/copy-last = ${fmt(r.prednetMse / r.copyLastMse, 2)}).`;
      // The case study's target, reached by training in this page (not by loading the shipped weights).
      if (!this.milestoneReached && r.step > 0 && r.prednetMse <= 0.5 * r.copyLastMse && r.prednetMse < r.linearMse) {
        this.milestoneReached = true;
        this.dispatchEvent(new CustomEvent('milestone', { detail: {
          text: `held-out MSE ${fmt(r.prednetMse)} is at most half of copy-last's (${fmt(r.copyLastMse)}) and below linear extrapolation's`,
          step: r.step, prednetMse: r.prednetMse } }));
      }
    }
    this.status.textContent = `step ${snap.step}` + (Number.isFinite(snap.loss) ? ` · loss ${fmt(snap.loss)}` : '') +
      (this.trainer.running ? ` · ${fmt(snap.sequencesPerSecond, 2)} sequences/s${describeThreads(snap.threads)}` : '');
    if (!this.trainer.running || performance.now() - this.lastView > VIEW_EVERY_MS) this.requestView();
  }

  /** Ends the training worker and the playback (the panel is gone: see <neuroai-study>). */
  dispose() {
    super.dispose();
    clearInterval(this.playing);
  }

  // ---------------------------------------------------------------- the sequence view

  viewSpec() {
    const s = this.state;
    const blobs = !this.info || this.info.dataset === 'blobs';
    const extrapolateFrom = s.extrap === 'off' ? -1 : Number(s.extrap);
    return { seed: s.seq, kind: blobs ? s.surprise : 'none', frame: s.at, extrapolateFrom };
  }

  /** Asks the worker for the current sequence through the model (one request in flight at a time). */
  async requestView() {
    if (this.viewPending) {
      this.viewDirty = true;
      return;
    }
    this.viewPending = true;
    this.lastView = performance.now();
    try {
      const spec = this.viewSpec();
      const view = await this.trainer.call('view', spec);
      this.view = view;
      this.sequence.render(view, { t: this.state.t, surpriseFrame: spec.kind === 'none' ? -1 : spec.frame,
                                   extrapolateFrom: spec.extrapolateFrom });
      this.viewCaption.textContent = this.sequence.describe();
    } catch (e) {
      if (e.message !== 'worker terminated') this.showError(e.message);
    } finally {
      this.viewPending = false;
      if (this.viewDirty) {
        this.viewDirty = false;
        this.requestView();
      }
    }
  }

  /** Changes view state (seq, surprise, at, extrap, t), writes the hash and redraws. */
  setView(changes) {
    Object.assign(this.state, changes);
    this.store.write();
    this.updateViewControls();
    if (this.ready) this.requestView();
  }

  /** View state from a lecture step: the sequence and its surprise (setView), then the time step. */
  applyView({ t, ...view }) {
    if (Object.keys(view).length) this.setView(view);
    if (t !== undefined) this.setTime(t);
  }

  setTime(t) {
    const k = Math.max(0, Math.min(FRAMES - 1, t));
    this.state.t = k;
    this.store.write();
    this.scrubber.value = String(k);
    this.timeLabel.textContent = `t = ${k}`;
    this.sequence.setTime(k);
    this.viewCaption.textContent = this.sequence.describe();
  }

  togglePlay() {
    if (this.playing) {
      clearInterval(this.playing);
      this.playing = null;
    } else {
      this.playing = setInterval(() => this.setTime((this.state.t + 1) % FRAMES), 700);
    }
    this.playButton.textContent = this.playing ? 'Pause playback' : 'Play';
    this.playButton.setAttribute('aria-pressed', String(Boolean(this.playing)));
  }

  updateViewControls() {
    const s = this.state;
    const blobs = (this.info?.dataset ?? s.data) === 'blobs';
    for (const b of this.surpriseButtons) {
      b.setAttribute('aria-pressed', String(s.surprise === b.dataset.kind));
      b.disabled = !blobs;
    }
    this.atSelect.disabled = !blobs;
    this.surpriseNote.hidden = blobs;
    this.atSelect.value = String(s.at);
    this.extrapSelect.value = s.extrap;
    this.scrubber.value = String(s.t);
    this.timeLabel.textContent = `t = ${s.t}`;
    this.sequenceLabel.textContent = `sequence #${s.seq}`;
  }

  // ---------------------------------------------------------------- evaluation

  /** Measures PredNet against the baselines in the worker and fills the evaluation table. */
  async measure() {
    if (!this.evaluation) return;
    const { host, button } = this.evaluation;
    button.disabled = true;
    host.setAttribute('aria-busy', 'true');
    try {
      const m = await this.trainer.call('measure', { sequences: 32, surpriseSequences: 16, frame: 6 });
      this.measurement = m;
      renderEvaluation(host, m, this.info);
      this.compareButton = h('button', { onclick: () => this.comparePaths() }, 'Compare both paths');
      this.compareResult = h('p', { class: 'canvas-summary prednet-compare', 'aria-live': 'polite' });
      host.append(h('div', { class: 'controls' }, this.compareButton), this.compareResult);
    } catch (e) {
      if (e.message !== 'worker terminated') host.replaceChildren(h('p', { class: 'error' }, `The measurement failed: ${e.message}`));
    } finally {
      host.removeAttribute('aria-busy');
      button.disabled = false;
    }
  }

  /** Both paths on held-out sequences in this browser: time, and how far the GPU's frames are from the wasm core's. */
  async comparePaths() {
    this.compareButton.disabled = true;
    this.compareResult.textContent = 'Predicting held-out sequences on both paths…';
    try {
      const r = await this.trainer.call('comparePaths');
      let text = `WebAssembly: ${r.wasm.sequences} sequences in ${Math.round(r.wasm.ms)} ms. `;
      text += r.gpu
        ? `WebGPU (${r.gpu.adapter}): ${r.gpu.sequences} sequences in ${Math.round(r.gpu.ms)} ms; largest pixel difference ${r.gpu.maxAbsDiff.toExponential(1)}.`
        : 'WebGPU: not available here.';
      this.compareResult.textContent = text;
      this.compareResult.dataset.maxAbsDiff = r.gpu ? String(r.gpu.maxAbsDiff) : '';
    } catch (e) {
      this.compareResult.textContent = `Comparison failed: ${e.message}`;
    } finally {
      this.compareButton.disabled = false;
    }
  }
}

/**
 * The evaluation table: MSE and SSIM against the baselines, and the layer-0 error at the surprise
 * frame against the same sequences without the event and against the other frames t in [3, T).
 */
function renderEvaluation(host, m, info) {
  const row = (name, mse, ssim, cls) => h('tr', { class: cls }, h('td', {}, name), h('td', {}, fmt(mse, 3)), h('td', {}, fmt(ssim, 3)));
  const table = h('table', { class: 'metric-table', id: 'prednet-metrics' },
    h('caption', {}, `Next-frame prediction on ${m.sequences} held-out ${info.dataset === 'blobs' ? 'bouncing-blob' : 'sprite'} sequences (frames 1–9), after ${m.step} training steps in this page`),
    h('thead', {}, h('tr', {}, h('th', {}, 'prediction'), h('th', {}, 'MSE'), h('th', {}, 'SSIM'))),
    h('tbody', {},
      row('PredNet', m.prednetMse, m.prednetSsim, 'prednet'),
      row('copy the last frame', m.copyLastMse, m.copyLastSsim, 'copy-last'),
      row('linear extrapolation 2x_{t−1} − x_{t−2}', m.linearMse, m.linearSsim, 'linear'),
      row('blank frame', m.blankMse, NaN, 'blank')));
  const verdict = h('p', { class: 'verdict' },
    `PredNet's MSE is ${fmt(m.prednetMse / m.copyLastMse, 2)} of copy-last's and ${fmt(m.prednetMse / m.linearMse, 2)} of linear extrapolation's.`);
  const c = m.compute;
  const path = c ? h('p', { class: 'canvas-summary prednet-compute-path', dataset: { path: c.path } },
    `Compute path for the rollouts: ${c.path === 'webgpu' ? 'WebGPU' : 'WebAssembly'}, ${c.sequences} held-out sequences (${c.reason}).`) : null;
  const parts = [table, verdict, ...(path ? [path] : [])];
  if (m.surprise.some(Boolean)) {
    const names = { reverse: 'a blob reverses', appear: 'an object appears', occluder: 'an occluder passes' };
    const last = m.surprise.find(Boolean).errorPerStep.length - 1;
    parts.push(h('table', { class: 'metric-table', id: 'prednet-surprise' },
      h('caption', {}, `Layer-0 error at the surprise frame 6 (${m.surpriseSequences} sequences each), divided by the error ` +
        `at frame 6 of the same sequences without the event, and by its mean over frames 3–${last} except 6`),
      h('thead', {}, h('tr', {}, h('th', {}, 'sequence'), h('th', {}, '÷ same sequences without it'), h('th', {}, '÷ other frames'))),
      h('tbody', {}, m.surprise.map((s) => h('tr', { dataset: { kind: s.kind } }, h('td', {}, names[s.kind]),
        h('td', { class: 'vs-control' }, fmt(s.surpriseVsControl, 3)), h('td', { class: 'vs-other-frames' }, fmt(s.surpriseVsOtherFrames, 3)))))));
  }
  host.replaceChildren(...parts);
}
