// What every study's panel shares (docs/adding-a-case-study.md): its state store, the worker job
// behind it (a TrainerClient whose events reach onReady, onSnapshot, onState and showError), the
// Start/Pause and Step buttons, and the 'training' {running} event that embeds pass on. A panel
// extends StudyPanel, builds its own views and knobs, and implements onReady and onSnapshot.
import { TrainerClient } from '../engine/trainer-client.js';
import { h } from './dom.js';

/** The knob 'speed' of a schema ('10', ..., 'max') as the worker's steps per second (0: unlimited). */
export const stepsPerSecond = (speed) => (speed === 'max' ? 0 : Number(speed));

export class StudyPanel extends EventTarget {
  /**
   * store: the panel's state (createStore(SCHEMA): the URL hash on a page, the element's attribute
   * when embedded). errorPrefix: how showError introduces a message.
   */
  constructor(store, { errorPrefix = 'Training stopped' } = {}) {
    super();
    this.store = store;
    this.state = store.state;
    this.errorPrefix = errorPrefix;
  }

  /**
   * The Start/Pause and Step buttons, disabled until the worker is ready (enable them in onReady);
   * startLabel is the first button's label while paused.
   */
  runButtons(startLabel = 'Start') {
    this.startLabel = startLabel;
    this.startButton = h('button', { class: 'primary', disabled: true, onclick: () => this.toggle() }, startLabel);
    this.stepButton = h('button', { disabled: true, onclick: () => this.trainer.step(1) }, 'Step');
    return [this.startButton, this.stepButton];
  }

  /** Starts the worker job `job` with `config`; speed: steps per second (0 unlimited) where the job is paced. */
  startTrainer(job, config, { speed } = {}) {
    this.trainer = new TrainerClient(job, config);
    if (speed !== undefined) this.trainer.setSpeed(speed);
    this.trainer.addEventListener('ready', (e) => this.onReady(e.detail));
    this.trainer.addEventListener('snapshot', (e) => this.onSnapshot(e.detail));
    this.trainer.addEventListener('state', (e) => this.onState(e.detail));
    this.trainer.addEventListener('error', (e) => this.showError(e.detail.message));
    return this.trainer;
  }

  toggle() {
    if (this.trainer.running) this.trainer.pause();
    else this.trainer.start();
  }

  /** The worker started or stopped training: the button follows, and embeds hear of it. */
  onState({ running }) {
    this.startButton.textContent = running ? 'Pause' : this.startLabel;
    this.startButton.setAttribute('aria-pressed', String(running));
    this.dispatchEvent(new CustomEvent('training', { detail: { running } }));
  }

  /** Shows a worker's error in the panel's alert line (this.error). */
  showError(message) {
    this.error.hidden = false;
    this.error.textContent = `${this.errorPrefix}: ${message}`;
  }

  /**
   * Sets knobs and view state as a user would (a lecture step, ../lib/lecture.js): a key with a
   * knob (this.gui's) is turned through it, so its handlers run (a training knob restarts the
   * job); the others go to applyView.
   */
  applyState(patch) {
    const knobs = this.gui?.controllersRecursive() ?? [];
    const view = {};
    for (const [key, value] of Object.entries(patch)) {
      if (this.state[key] === value) continue;
      const knob = knobs.find((c) => c.property === key && c.object === this.state);
      if (knob) knob.load(value);
      else view[key] = value;
    }
    if (Object.keys(view).length) this.applyView(view);
  }

  /** View state without a knob: a panel with views redraws them (override); here it is only stored. */
  applyView(view) {
    Object.assign(this.state, view);
    this.store.write();
  }

  /** Starts (true) or pauses (false) training; a job still starting is told once it is ready (the last wish wins). */
  setRunning(on) {
    this.runWanted = on;
    const t = this.trainer;
    if (t.ready) {
      if (on) t.start();
      else t.pause();
    } else if (!this.runPending) {
      this.runPending = true;
      t.addEventListener('ready', () => { this.runPending = false; this.setRunning(this.runWanted); }, { once: true });
    }
  }

  /** Ends the training worker (the panel is gone: see <neuroai-study>). */
  dispose() {
    this.trainer.dispose();
  }
}
