// PredNet on the camera (prednet.html#data=camera): the camera's picture, downsampled to the
// model's 32 x 32 grayscale ten times a second, goes to the worker (engine/jobs/prednet-camera.js),
// which predicts each frame from the nine before it and keeps learning online while training runs.
// The page shows the frame, the prediction, the layer-0 error units E+ / E- and a surprise meter
// (the layer-0 error of each frame against its median over the last seconds), which jumps when
// something moves unexpectedly. Freeze keeps the last seconds still to scrub through. The frames
// stay in the page and its worker: nothing is sent or stored.
import { h, fmt } from '../../lib/dom.js';
import { StudyPanel } from '../../lib/study-panel.js';
import { GUI } from '../../lib/vendor.js';
import { SIZE } from './schema.js';
import { paintErrors, paintPlane } from './sequence-view.js';

const FRAME_MS = 100;          // the camera sampled at 10 frames a second
const HISTORY = 150;           // frames kept for the meter and for scrubbing: 15 s
const BASELINE_FRAMES = 100;   // the meter's "usual": the median error over the last 10 s

/** The median of an array of numbers (NaN for none). */
function median(values) {
  if (!values.length) return NaN;
  const s = [...values].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** What went wrong with the camera, in words a user can act on. */
function cameraProblem(error) {
  switch (error?.name) {
    case 'NotAllowedError':
    case 'SecurityError':
      return 'The camera was not allowed. Allow it for this site (the camera icon by the address) and press "Turn the camera on" again.';
    case 'NotFoundError':
    case 'OverconstrainedError':
      return 'No camera was found on this device.';
    case 'NotReadableError':
    case 'AbortError':
      return 'The camera is busy or failed to start (another application may be using it).';
    default:
      return `The camera did not start: ${error?.message ?? error}.`;
  }
}

export class PredNetCameraPanel extends StudyPanel {
  constructor(host, store) {
    super(store, { errorPrefix: 'Stopped' });
    this.history = [];       // {frame, prediction, ePlus, eMinus, error}: the latest HISTORY readouts, oldest first
    this.pending = [];       // frames captured and not yet sent (Float32Array each)
    this.sending = false;
    this.frozen = false;
    this.stream = null;
    this.build(host);
    const s = this.state;
    this.startTrainer('prednet-camera', { init: s.init, lr: s.lr, batch: Math.min(s.batch, 4), seed: s.seed });
    this.startCamera();
  }

  build(host) {
    this.video = h('video', { muted: true, playsinline: true, hidden: true });
    this.cameraButton = h('button', { onclick: () => this.startCamera() }, 'Turn the camera on');
    this.freezeButton = h('button', { disabled: true, 'aria-pressed': 'false', onclick: () => this.setFrozen(!this.frozen) }, 'Freeze');
    this.scrubber = h('input', { type: 'range', min: 0, max: 0, step: 1, value: 0, class: 'scrubber', disabled: true,
                                 'aria-label': 'Frame of the last seconds', oninput: () => this.drawAt(Number(this.scrubber.value)) });
    this.timeLabel = h('output', { class: 'time-label' }, '');
    this.cameraNote = h('p', { class: 'camera-note', role: 'status' }, 'Asking for the camera…');
    const view = (label, desc) => {
      const canvas = h('canvas', { width: SIZE, height: SIZE, class: 'camera-cell', role: 'img', 'aria-label': desc });
      return { canvas, figure: h('figure', { class: 'camera-figure' }, canvas, h('figcaption', {}, label)) };
    };
    this.views = {
      frame: view('The camera (32 × 32, as the model sees it)', 'The camera frame the model sees'),
      prediction: view('PredNet\u2019s prediction of it', 'The model\u2019s prediction of the frame, from the frames before it'),
      errors: view('Errors: E+ orange, E− blue', 'Layer-0 error units: where the frame is brighter (E+) or darker (E−) than predicted'),
    };
    this.meter = h('canvas', { width: 640, height: 120, class: 'surprise-meter', role: 'img',
                               'aria-label': 'Surprise meter: the layer-0 error of each frame over the last 15 seconds' });
    this.meterValue = h('p', { class: 'meter-value', 'aria-live': 'off' }, '');
    this.runButtons('Train online');
    this.status = h('p', { class: 'status', role: 'status' }, 'step 0');
    this.initNote = h('p', { class: 'init-note' }, '');
    this.error = h('p', { class: 'error', role: 'alert', hidden: true });
    this.knobsHost = h('div', { class: 'knobs' });
    host.replaceChildren(
      h('div', { class: 'prednet-camera' },
        h('div', { class: 'control-row' }, this.cameraButton, this.freezeButton, this.scrubber, this.timeLabel,
          h('button', { onclick: () => this.leave() }, 'Back to the bouncing blobs')),
        this.cameraNote,
        h('div', { class: 'camera-views' }, ...Object.values(this.views).map((v) => v.figure)),
        h('h4', {}, 'Surprise meter'), this.meter, this.meterValue,
        h('p', { class: 'camera-about' }, 'Each frame is predicted from the nine before it (the model\u2019s 10-frame sequences). ' +
          'Move slowly, then wave a hand in suddenly: the error jumps where the model did not see it coming. ' +
          'The camera\u2019s frames stay in this page and its worker (the last 15 seconds, in memory): nothing is sent anywhere.'),
        this.video),
      h('div', { class: 'panel-body prednet-training' },
        h('div', { class: 'side' },
          h('h3', {}, 'Keep learning on the stream'),
          h('div', { class: 'controls' }, this.startButton, this.stepButton),
          this.status, this.initNote, this.error, this.knobsHost)));
    for (const v of Object.values(this.views)) paintPlane(v.canvas, new Float32Array(SIZE * SIZE), 0, SIZE, SIZE, 'gray');
    const gui = new GUI({ container: this.knobsHost, title: 'Knobs (changing one starts over)', injectStyles: false, width: 300 });
    const restart = () => {
      this.store.write();
      this.trainer.reset({ init: this.state.init, lr: this.state.lr, batch: Math.min(this.state.batch, 4), seed: this.state.seed });
    };
    gui.add(this.state, 'init', { 'the shipped weights': 'shipped', 'random weights (scratch)': 'scratch' }).name('start from').onChange(restart);
    gui.add(this.state, 'lr', 0.00001, 0.01).name('learning rate').onFinishChange(restart);
    this.gui = gui;
    this.drawMeter();
  }

  // ---------------------------------------------------------------- the camera

  async startCamera() {
    this.error.hidden = true;
    if (this.stream) return;
    if (!navigator.mediaDevices?.getUserMedia) {
      this.cameraNote.textContent = 'This browser gives this page no camera (it needs a secure page: HTTPS or localhost). The rest of the site works without it.';
      return;
    }
    this.cameraButton.disabled = true;
    this.cameraNote.textContent = 'Asking for the camera…';
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({ video: { width: { ideal: 320 }, height: { ideal: 240 } }, audio: false });
    } catch (error) {
      this.cameraButton.disabled = false;
      this.cameraNote.textContent = `${cameraProblem(error)} The rest of the page works without it.`;
      return;
    }
    this.video.srcObject = this.stream;
    await this.video.play();
    this.cameraButton.hidden = true;
    this.freezeButton.disabled = false;
    this.cameraNote.textContent = 'The camera is on: ten frames a second, 32 × 32 gray, into the model.';
    this.capture = new OffscreenCanvas(SIZE, SIZE);
    this.captureCtx = this.capture.getContext('2d', { willReadFrequently: true });
    this.timer = setInterval(() => this.grab(), FRAME_MS);
  }

  /** The camera's picture now: its centred square, downsampled to 32 x 32, grayscale in [0, 1]. */
  grab() {
    if (this.frozen || !this.video.videoWidth) return;
    const { videoWidth: w, videoHeight: hgt } = this.video, side = Math.min(w, hgt);
    this.captureCtx.imageSmoothingQuality = 'high';
    this.captureCtx.drawImage(this.video, (w - side) / 2, (hgt - side) / 2, side, side, 0, 0, SIZE, SIZE);
    const px = this.captureCtx.getImageData(0, 0, SIZE, SIZE).data;
    const frame = new Float32Array(SIZE * SIZE);
    for (let i = 0; i < frame.length; i++) frame[i] = (0.299 * px[4 * i] + 0.587 * px[4 * i + 1] + 0.114 * px[4 * i + 2]) / 255;
    this.pending.push(frame);
    this.send();
  }

  /** Sends the frames captured so far in one call (the worker may be in a training step), then shows the newest readout. */
  async send() {
    if (this.sending || !this.pending.length || !this.trainer.ready) return;
    this.sending = true;
    const frames = this.pending.splice(0);
    const batch = new Float32Array(frames.length * SIZE * SIZE);
    frames.forEach((f, k) => batch.set(f, k * SIZE * SIZE));
    try {
      const readouts = await this.trainer.call('frames', batch);
      // Frozen meanwhile: the kept seconds stay as they were at the freeze (the model has seen these frames all the same).
      if (!this.frozen) readouts.forEach((r, k) => { if (r) this.history.push({ ...r, frame: frames[k] }); });
      if (this.history.length > HISTORY) this.history.splice(0, this.history.length - HISTORY);
      if (!this.frozen && this.history.length) this.drawAt(this.history.length - 1);
    } catch (error) {
      this.showError(error.message);
    } finally {
      this.sending = false;
    }
    if (this.pending.length) this.send();
  }

  setFrozen(on) {
    this.frozen = on;
    this.freezeButton.textContent = on ? 'Live' : 'Freeze';
    this.freezeButton.setAttribute('aria-pressed', String(on));
    this.scrubber.disabled = !on;
    this.scrubber.max = String(Math.max(0, this.history.length - 1));
    this.scrubber.value = this.scrubber.max;
    if (on) this.pending.length = 0;
    if (this.history.length) this.drawAt(this.history.length - 1);
  }

  leave() {
    this.state.data = 'blobs';
    this.store.write();
    location.reload();
  }

  // ---------------------------------------------------------------- views

  /** The surprise of readout i: its error over the median of the BASELINE_FRAMES before it. */
  surpriseAt(i) {
    const usual = median(this.history.slice(Math.max(0, i - BASELINE_FRAMES), i).map((r) => r.error));
    return { error: this.history[i].error, usual, ratio: this.history[i].error / usual };
  }

  drawAt(i) {
    const r = this.history[i];
    if (!r) return;
    paintPlane(this.views.frame.canvas, r.frame, 0, SIZE, SIZE, 'gray');
    paintPlane(this.views.prediction.canvas, r.prediction, 0, SIZE, SIZE, 'gray');
    paintErrors(this.views.errors.canvas, r.ePlus, r.eMinus, SIZE, SIZE, 0.5);
    const s = this.surpriseAt(i);
    const ago = ((this.history.length - 1 - i) * FRAME_MS) / 1000;
    this.timeLabel.textContent = this.frozen ? (ago ? `${ago.toFixed(1)} s ago` : 'the latest frame') : '';
    this.meterValue.textContent = Number.isFinite(s.ratio)
      ? `Layer-0 error ${fmt(s.error, 3)}: ${fmt(s.ratio, 2)}× the usual (the median of the last ${BASELINE_FRAMES / 10} s, ${fmt(s.usual, 3)})`
      : `Layer-0 error ${fmt(s.error, 3)}`;
    this.drawMeter(i);
  }

  /** The error of every kept frame as bars, the usual level as a dashed line, the frame shown marked. */
  drawMeter(marked = -1) {
    const ctx = this.meter.getContext('2d'), { width: W, height: H } = this.meter;
    ctx.clearRect(0, 0, W, H);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, W, H);
    const errors = this.history.map((r) => r.error);
    if (!errors.length) return;
    const top = Math.max(...errors) * 1.1 || 1, bar = W / HISTORY;
    errors.forEach((e, k) => {
      const x = W - (errors.length - k) * bar;
      ctx.fillStyle = k === marked ? '#d55e00' : '#e69f00';
      ctx.fillRect(x, H - (e / top) * H, Math.max(1, bar - 1), (e / top) * H);
    });
    const usual = median(errors.slice(-BASELINE_FRAMES));
    ctx.strokeStyle = '#0072b2';
    ctx.setLineDash([6, 4]);
    ctx.beginPath();
    ctx.moveTo(0, H - (usual / top) * H);
    ctx.lineTo(W, H - (usual / top) * H);
    ctx.stroke();
    ctx.setLineDash([]);
  }

  // ---------------------------------------------------------------- training

  onReady({ static: info }) {
    this.info = info;
    this.ready = true;
    for (const b of [this.startButton, this.stepButton]) b.disabled = false;
    this.initNote.textContent = `${info.layers} layers at ${info.size} × ${info.size}, windows of ${info.frames} frames, ${info.batch} a step; starts from ${info.initNote}.`;
    this.send();
    this.dispatchEvent(new CustomEvent('ready'));
  }

  onSnapshot(snap) {
    this.snapshot = snap;
    this.status.textContent = `step ${snap.step}` + (Number.isFinite(snap.loss) ? ` · loss ${fmt(snap.loss, 4)}` : '') +
      (snap.step ? ` · windows from the last ${fmt(Math.min(snap.received, this.info.streamFrames) / 10, 2)} s of the stream` : ' · not trained on the stream yet') +
      (this.trainer.running ? ` · ${fmt(snap.windowsPerSecond, 2)} windows/s` : '');
  }

  dispose() {
    clearInterval(this.timer);
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    super.dispose();
  }
}
