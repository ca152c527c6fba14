// The live comparison: two DQN agents (uniform replay and the chosen variant: proportional or
// rank-based prioritized, or uniform again as a control) learn in the worker; this view draws both
// boards, their reward curves and the knobs. Snapshots are also handed to `onSnapshot` listeners
// (the tree / heap view, the results table).
import { h, fmt } from '../../lib/dom.js';
import { LossChart } from '../../lib/loss-chart.js';
import { StudyPanel, stepsPerSecond } from '../../lib/study-panel.js';
import { movingAverage } from '../../lib/returns.js';
import { GUI } from '../../lib/vendor.js';
import { describeBoard, drawBoard } from '../../lib/boards.js';
import { PAPER_EXPONENTS, SCHEMA, labConfig } from './schema.js';

export const AGENTS = [
  { name: 'Uniform replay', color: '#0072B2' },
  { name: 'Prioritized replay', color: '#D55E00' },
];
export const VARIANT_NAMES = {
  uniform: 'Uniform replay (control)',
  proportional: 'Proportional prioritized replay',
  rank: 'Rank-based prioritized replay',
};
/** The two agents for a variant: uniform, then the variant. */
export const agentsFor = (variant) => [AGENTS[0], { name: VARIANT_NAMES[variant], color: AGENTS[1].color }];
export const WINDOW = 50;  // episodes in the moving average

export class ReplayPanel extends StudyPanel {
  constructor(host, store) {
    super(store);
    this.listeners = [];
    this.build(host);
    this.startTrainer('replay', labConfig(this.state), { speed: stepsPerSecond(this.state.speed) });
  }

  onSnapshotListener(f) { this.listeners.push(f); }

  build(host) {
    this.runButtons();
    this.resetButton = h('button', { disabled: true, onclick: () => this.reset() }, 'Reset');
    this.status = h('p', { class: 'status', role: 'status' }, 'Loading the WebAssembly module…');
    this.error = h('p', { class: 'error', role: 'alert', hidden: true });
    this.agents = agentsFor(this.state.variant);
    this.agentViews = this.agents.map((a) => {
      const canvas = h('canvas', { width: 200, height: 300, class: 'board', role: 'img', 'aria-label': `${a.name}: the game` });
      const summary = h('p', { class: 'canvas-summary', 'aria-live': 'polite' });
      const stats = h('p', { class: 'agent-stats' });
      const name = h('span', { class: 'agent-name' }, a.name);
      return { canvas, summary, stats, name, el: h('figure', { class: 'agent' },
        h('figcaption', {}, h('span', { class: 'swatch', dataset: { agent: a.name } }), name), canvas, stats, summary) };
    });
    this.agentViews[0].el.querySelector('.swatch').classList.add('uniform');
    this.agentViews[1].el.querySelector('.swatch').classList.add('prioritized');
    this.chartHost = h('div', { class: 'chart', 'aria-label': 'Moving average of the return per episode, both agents' });
    this.knobsHost = h('div', { class: 'knobs' });
    host.replaceChildren(
      h('div', { class: 'controls' }, this.startButton, this.stepButton, this.resetButton),
      this.status, this.error,
      h('div', { class: 'agents' }, this.agentViews.map((v) => v.el)),
      h('div', { class: 'lab-side' }, this.chartHost, this.knobsHost));
    this.chart = new LossChart(this.chartHost, {
      xLabel: 'episode',
      yLabel: `return (mean of last ${WINDOW})`,
      linear: true,
      series: this.agents.map((a) => ({ label: a.name, color: a.color })),
    });
    this.buildKnobs();
  }

  buildKnobs() {
    const gui = new GUI({ container: this.knobsHost, title: 'Knobs', injectStyles: false, width: 320 });
    const s = this.state;
    const restart = () => { this.store.write(); this.reset(); };
    gui.add(s, 'env', SCHEMA.env.options).name('environment').onChange(restart);
    // The variant takes the paper's exponents (proportional α 0.6, β₀ 0.4; rank α 0.7, β₀ 0.5).
    gui.add(s, 'variant', SCHEMA.variant.options).name('second agent’s replay').onChange(() => {
      Object.assign(s, PAPER_EXPONENTS[s.variant] ?? {});
      for (const c of gui.controllersRecursive()) c.updateDisplay();
      this.relabel();
      restart();
    });
    gui.add(s, 'alpha', 0, 1, 0.05).name('α (priority exponent)').onFinishChange(restart);
    gui.add(s, 'beta0', 0, 1, 0.05).name('β₀ (IS exponent at start)').onFinishChange(restart);
    gui.add(s, 'plan', 0, 200000, 100).name('planned steps: β → 1 (0: preset)').onFinishChange(restart);
    gui.add(s, 'capacity', 64, 100000, 1).name('replay capacity').onFinishChange(restart);
    gui.add(s, 'batch', 1, 256, 1).name('batch size').onFinishChange(restart);
    gui.add(s, 'lr', 0.00001, 0.01).name('learning rate').onFinishChange(restart);
    gui.add(s, 'target', 1, 2000, 1).name('target period').onFinishChange(restart);
    gui.add(s, 'seed', 0, 999999, 1).onFinishChange(restart);
    gui.add(s, 'speed', SCHEMA.speed.options).name('steps per second').onChange(() => {
      this.store.write();
      this.trainer.setSpeed(stepsPerSecond(s.speed));
    });
    this.gui = gui;
  }

  /** Names the second agent after the current variant (caption, chart legend). */
  relabel() {
    this.agents = agentsFor(this.state.variant);
    this.agentViews[1].name.textContent = this.agents[1].name;
    this.agentViews[1].el.querySelector('.swatch').dataset.agent = this.agents[1].name;
    this.chart.setLabel(1, this.agents[1].name);
  }

  reset() {
    this.chart.clear();
    this.error.hidden = true;
    this.trainer.reset(labConfig(this.state));
  }

  onReady() {
    this.milestones = new Set();
    for (const b of [this.startButton, this.stepButton, this.resetButton]) b.disabled = false;
    this.dispatchEvent(new CustomEvent('ready'));
  }

  onSnapshot(snap) {
    this.snapshot = snap;
    const env = this.state.env;
    snap.agents.forEach((a, k) => {
      const view = this.agentViews[k];
      drawBoard(view.canvas, env, a.observation);
      const avg = movingAverage(a.returns, WINDOW);
      const last = a.returns.length ? avg[a.returns.length - 1] : NaN;
      // β: the importance-sampling exponent of the next batch, annealed to 1 at the planned run's end.
      view.stats.textContent = `${a.stats.episodes} episodes · mean return ${fmt(last, 3)} · ε ${fmt(a.stats.epsilon, 2)}` +
        (a.stats.variant !== 'uniform' ? ` · β ${fmt(a.stats.beta, 2)} (1 at step ${a.stats.planSteps})` : '');
      view.summary.textContent = `${this.agents[k].name}: ${describeBoard(env, a.observation)}.`;
    });
    // One chart point per new episode count of the slower agent.
    const n = Math.min(snap.agents[0].returns.length, snap.agents[1].returns.length);
    if (n > 0 && n !== this.chart.lastX) {
      const y = snap.agents.map((a) => movingAverage(a.returns.subarray(0, n), WINDOW)[n - 1]);
      this.chart.push(n, ...y);
    }
    this.status.textContent = `${snap.step} steps per agent` +
      (this.trainer.running ? ' · training' : ' · paused');
    const target = this.state.env === 'catch' ? 0.9 : 195;
    snap.agents.forEach((a, k) => {
      const avg = movingAverage(a.returns, WINDOW).at(-1);
      if (!this.milestones.has(k) && avg >= target) {
        this.milestones.add(k);
        this.dispatchEvent(new CustomEvent('milestone', { detail: {
          text: `${this.agents[k].name}: the ${WINDOW}-episode mean return reached ${target} after ${a.returns.length} episodes`,
          agent: this.agents[k].name, episodes: a.returns.length } }));
      }
    });
    for (const f of this.listeners) f(snap);
  }
}
