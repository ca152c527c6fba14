// The landing page's live demo: an MLP learns 2-D spirals in wasm inside a Web Worker.
// View only: the model and its training loop live in the worker (engine/jobs/spiral.js).
import { h, fmt } from '../../lib/dom.js';
import { createStore, rejectedNote } from '../../lib/hash-state.js';
import { LossChart } from '../../lib/loss-chart.js';
import { CLASS_RGB, classColor } from '../../lib/palette.js';
import { StudyPanel, stepsPerSecond } from '../../lib/study-panel.js';
import { GUI } from '../../lib/vendor.js';
import { SCHEMA } from './schema.js';

const modelConfig = (s) => ({
  hidden: s.hidden, layers: s.layers, activation: s.activation, lr: s.lr, batch: s.batch,
  classes: s.classes, noise: s.noise, seed: s.seed,
});

export class SpiralPanel extends StudyPanel {
  /** store: where the knobs live (the page's URL hash unless an embed passes its own). */
  constructor(host, store = createStore(SCHEMA)) {
    super(store);
    this.host = host;
    this.build(host, store.rejected);
    this.startTrainer('spiral', modelConfig(this.state), { speed: stepsPerSecond(this.state.speed) });
  }

  build(host, rejected) {
    this.canvas = h('canvas', { width: 360, height: 360, class: 'surface', role: 'img',
                                'aria-label': 'Decision regions of the network and the training points' });
    this.caption = h('p', { class: 'canvas-summary', 'aria-live': 'polite' }, 'Loading the WebAssembly module…');
    this.runButtons();
    this.resetButton = h('button', { disabled: true, onclick: () => this.reset() }, 'Reset');
    this.status = h('p', { class: 'status', role: 'status' }, 'step 0');
    this.error = h('p', { class: 'error', role: 'alert', hidden: true });
    this.chartHost = h('div', { class: 'chart', 'aria-label': 'Training loss and accuracy over steps' });
    this.knobsHost = h('div', { class: 'knobs' });
    const note = rejectedNote(rejected);
    host.replaceChildren(
      h('div', { class: 'panel-body' },
        h('figure', { class: 'viz' }, this.canvas,
          h('figcaption', {}, 'Colour shows the class the network predicts at each point; dots are the training data.'),
          this.caption),
        h('div', { class: 'side' },
          h('div', { class: 'controls' }, this.startButton, this.stepButton, this.resetButton),
          this.status, this.error, note, this.chartHost, this.knobsHost)));
    this.chart = new LossChart(this.chartHost, {
      series: [
        { label: 'minibatch loss', color: '#0072B2' },
        { label: 'accuracy', color: '#D55E00', scale: 'acc' },
      ],
    });
    this.buildKnobs();
  }

  buildKnobs() {
    const gui = new GUI({ container: this.knobsHost, title: 'Knobs', injectStyles: false, width: 300 });
    const s = this.state;
    const restart = () => { this.store.write(); this.reset(); };
    gui.add(s, 'hidden', 2, 128, 1).name('hidden units').onFinishChange(restart);
    gui.add(s, 'layers', 1, 4, 1).name('hidden layers').onFinishChange(restart);
    gui.add(s, 'activation', SCHEMA.activation.options).onChange(restart);
    gui.add(s, 'lr', 0.0001, 0.3).name('learning rate').onFinishChange(restart);
    gui.add(s, 'batch', 1, 512, 1).name('batch size').onFinishChange(restart);
    gui.add(s, 'classes', 2, 5, 1).name('spiral arms').onFinishChange(restart);
    gui.add(s, 'noise', 0, 1, 0.01).onFinishChange(restart);
    gui.add(s, 'seed', 0, 999999, 1).onFinishChange(restart);
    gui.add(s, 'speed', SCHEMA.speed.options).name('steps per second').onChange(() => {
      this.store.write();
      this.trainer.setSpeed(stepsPerSecond(s.speed));
    });
    this.gui = gui;
  }

  reset() {
    this.chart.clear();
    this.error.hidden = true;
    this.trainer.reset(modelConfig(this.state));
  }

  onReady({ static: info }) {
    this.info = info;
    this.milestone = false;
    for (const b of [this.startButton, this.stepButton, this.resetButton]) b.disabled = false;
    this.dispatchEvent(new CustomEvent('ready'));
  }

  onState({ running }) {
    super.onState({ running });
    this.host.classList.toggle('running', running);
  }

  onSnapshot(snap) {
    this.snapshot = snap;
    this.draw(snap);
    this.chart.push(snap.step, snap.loss, snap.accuracy);
    this.status.textContent = `step ${snap.step} · loss ${fmt(snap.fullLoss)} · accuracy ${fmt(100 * snap.accuracy, 3)}%` +
      (this.trainer.running ? ` · ${Math.round(snap.stepsPerSecond)} steps/s` : '');
    if (!this.milestone && snap.accuracy >= 0.95) {
      this.milestone = true;
      this.dispatchEvent(new CustomEvent('milestone', { detail: { text: `accuracy reached 95% after ${snap.step} steps`, step: snap.step } }));
    }
    this.caption.textContent = `After ${snap.step} steps the network labels ${fmt(100 * snap.accuracy, 3)}% of the ` +
      `${this.info.labels.length} training points correctly.`;
  }

  draw({ grid }) {
    const { grid: res, extent, classes, points, labels } = this.info;
    // Decision surface: each cell blends the class colours by probability, lightened toward white.
    if (!this.surface || this.surface.width !== res) {
      this.surface = new OffscreenCanvas(res, res);
      this.surfaceImage = new ImageData(res, res);
    }
    const px = this.surfaceImage.data;
    for (let i = 0; i < res * res; i++) {
      let r = 0, g = 0, b = 0;
      for (let c = 0; c < classes; c++) {
        const p = grid[i * classes + c];
        r += p * CLASS_RGB[c][0]; g += p * CLASS_RGB[c][1]; b += p * CLASS_RGB[c][2];
      }
      px[4 * i] = 0.45 * r + 0.55 * 255;
      px[4 * i + 1] = 0.45 * g + 0.55 * 255;
      px[4 * i + 2] = 0.45 * b + 0.55 * 255;
      px[4 * i + 3] = 255;
    }
    this.surface.getContext('2d').putImageData(this.surfaceImage, 0, 0);
    const ctx = this.canvas.getContext('2d');
    const W = this.canvas.width, H = this.canvas.height;
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(this.surface, 0, 0, W, H);
    const toX = (x) => ((x + extent) / (2 * extent)) * W, toY = (y) => ((extent - y) / (2 * extent)) * H;
    ctx.lineWidth = 1;
    ctx.strokeStyle = 'rgba(20,20,20,0.8)';
    for (let i = 0; i < labels.length; i++) {
      ctx.beginPath();
      ctx.arc(toX(points[2 * i]), toY(points[2 * i + 1]), 3.2, 0, 2 * Math.PI);
      ctx.fillStyle = classColor(labels[i]);
      ctx.fill();
      ctx.stroke();
    }
  }
}
