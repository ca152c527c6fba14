// The live comparison: MFEC, the simple episodic agent and DQN learn in the worker. MFEC's map
// shows its memory and how it decides; the other two are drawn small; the curves compare all three.
import { describeBoard, drawBoard } from '../../lib/boards.js';
import { h, fmt } from '../../lib/dom.js';
import { LossChart } from '../../lib/loss-chart.js';
import { StudyPanel, stepsPerSecond } from '../../lib/study-panel.js';
import { movingAverage } from '../../lib/returns.js';
import { GUI } from '../../lib/vendor.js';
import { describeMaze, drawMaze } from './maze-view.js';
import { AGENTS, labConfig, SCHEMA } from './schema.js';

const WINDOW = 20;

export class EpisodicPanel extends StudyPanel {
  constructor(host, store) {
    super(store);
    this.build(host);
    this.startTrainer('episodic', labConfig(this.state), { speed: stepsPerSecond(this.state.speed) });
  }

  build(host) {
    this.runButtons();
    this.resetButton = h('button', { disabled: true, onclick: () => this.reset() }, 'Reset');
    this.clearButton = h('button', { disabled: true, onclick: () => this.clearMemory() }, 'Clear the memories');
    this.status = h('p', { class: 'status', role: 'status' }, 'Loading the WebAssembly module…');
    this.error = h('p', { class: 'error', role: 'alert', hidden: true });
    this.views = AGENTS.map((a, k) => {
      const big = k === 0;
      const canvas = h('canvas', { width: big ? 420 : 200, height: big ? 420 : 200, class: 'board', role: 'img',
                                   'aria-label': `${a.name}: the environment${big ? ' and its memory' : ''}` });
      const stats = h('p', { class: 'agent-stats' });
      const summary = h('p', { class: 'canvas-summary', 'aria-live': big ? 'polite' : 'off' });
      return { canvas, stats, summary, el: h('figure', { class: big ? 'agent main' : 'agent' },
        h('figcaption', {}, h('span', { class: `swatch a${k}` }), a.name), canvas, stats, summary) };
    });
    this.legend = h('p', { class: 'legend' });
    this.chartHost = h('div', { class: 'chart', 'aria-label': `Return per episode (mean of the last ${WINDOW}), all three agents` });
    this.knobsHost = h('div', { class: 'knobs' });
    host.replaceChildren(
      h('div', { class: 'controls' }, this.startButton, this.stepButton, this.resetButton, this.clearButton),
      this.status, this.error,
      h('div', { class: 'episodic-agents' }, this.views[0].el, h('div', { class: 'others' }, this.views[1].el, this.views[2].el)),
      this.legend,
      h('div', { class: 'lab-side' }, this.chartHost, this.knobsHost));
    this.chart = new LossChart(this.chartHost, {
      xLabel: 'episode', yLabel: `return (mean of last ${WINDOW})`, linear: true,
      series: AGENTS.map((a) => ({ label: a.short, color: a.color })),
    });
    const gui = new GUI({ container: this.knobsHost, title: 'Knobs', injectStyles: false, width: 320 });
    const s = this.state;
    const restart = () => { this.store.write(); this.reset(); };
    gui.add(s, 'env', SCHEMA.env.options).name('environment').onChange(restart);
    gui.add(s, 'k', SCHEMA.k.min, SCHEMA.k.max, 1).name('k (neighbours)').onFinishChange(restart);
    gui.add(s, 'projection', SCHEMA.projection.min, SCHEMA.projection.max, 1).name('projection size F').onFinishChange(restart);
    gui.add(s, 'capacity', SCHEMA.capacity.min, SCHEMA.capacity.max, 1).name('memory capacity').onFinishChange(restart);
    gui.add(s, 'epsilon', 0, 1, 0.005).name('ε (MFEC)').onFinishChange(restart);
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
    this.trainer.reset(labConfig(this.state));
  }

  async clearMemory() {
    await this.trainer.call('clearMemory');
    this.legend.textContent = 'Memories cleared: MFEC and the simple agent start from nothing; DQN keeps its network.';
    if (!this.trainer.running) this.trainer.step(1);
  }

  onReady({ static: info }) {
    this.info = info;
    this.milestone = false;
    for (const b of [this.startButton, this.stepButton, this.resetButton, this.clearButton]) b.disabled = false;
    this.dispatchEvent(new CustomEvent('ready'));
  }

  onSnapshot(snap) {
    this.snapshot = snap;
    const maze = this.info?.maze;
    snap.agents.forEach((a, k) => {
      const v = this.views[k];
      if (maze) drawMaze(v.canvas, maze, a.observation, k === 0 ? snap.memory : null, k === 0 ? snap.decision : null);
      else drawBoard(v.canvas, 'catch', a.observation);
      const avg = movingAverage(a.returns, WINDOW);
      const last = a.returns.length >= WINDOW ? avg[a.returns.length - 1] : NaN;
      v.stats.textContent = `${a.stats.episodes} episodes · mean return ${fmt(last, 3)} · memory ${a.stats.memory}`;
      if (k === 0) v.summary.textContent = maze ? describeMaze(maze, a.observation, snap.decision) :
        `${describeBoard('catch', a.observation)}; MFEC would ${['move left', 'stay', 'move right'][snap.decision.greedy]}` +
        ` (values ${Array.from(snap.decision.q, (q) => q.toFixed(2)).join(', ')}).`;
    });
    // Each agent's curve over its own episodes (they play episodes of different lengths).
    const n = Math.max(...snap.agents.map((a) => a.returns.length));
    if (n >= WINDOW && n !== this.chart.lastX)
      this.chart.set(Array.from({ length: n }, (_, i) => i + 1), ...snap.agents.map((a) => movingAverage(a.returns, WINDOW)));
    if (maze && !this.legend.textContent.startsWith('Memories'))
      this.legend.textContent = 'Cell colour: the best return MFEC has stored from that cell (viridis, dark low to yellow high; blank: nothing stored). ' +
        'Rings: the stored states MFEC consulted for the action it would take, with their returns; the double ring decided.';
    const mfec = snap.agents[0].returns;
    if (!this.milestone && mfec.length >= WINDOW && movingAverage(mfec, WINDOW).at(-1) >= 0.9) {
      this.milestone = true;
      this.dispatchEvent(new CustomEvent('milestone', { detail: {
        text: `MFEC: the ${WINDOW}-episode mean return reached 0.9 after ${mfec.length} episodes`, episodes: mfec.length } }));
    }
    this.status.textContent = `${snap.agents[0].returns.length} episodes (MFEC)` + (this.trainer.running ? ' · running' : ' · paused');
  }
}
