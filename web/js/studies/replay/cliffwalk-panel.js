// The Blind Cliffwalk experiment as an interactive chart: median replay updates to learn Q*
// against the chain length n, uniform vs prioritized, computed in a worker on demand.
import { TrainerClient } from '../../engine/trainer-client.js';
import { h, fmt } from '../../lib/dom.js';
import { uPlot } from '../../lib/vendor.js';
import { AGENTS } from './panel.js';

const NS = [4, 5, 6, 7, 8, 9, 10, 11, 12];

export class CliffwalkPanel extends EventTarget {
  constructor(host, store) {
    super();
    const state = this.state = store.state;
    this.worker = new TrainerClient('cliffwalk', {});
    this.runButton = h('button', { class: 'primary', disabled: true, onclick: () => this.run() }, 'Run the experiment');
    this.worker.addEventListener('ready', () => { this.runButton.disabled = false; });
    const seeds = h('select', { 'aria-label': 'Seeds per point' },
      [5, 10, 20].map((n) => h('option', { value: n, selected: n === state.cwseeds || null }, `${n} seeds`)));
    seeds.addEventListener('change', () => { state.cwseeds = Number(seeds.value); store.write(); });
    const alpha = h('input', { type: 'range', min: 0, max: 1, step: 0.05, value: state.cwalpha, 'aria-label': 'α for prioritized replay' });
    const alphaLabel = h('output', {}, `α = ${state.cwalpha}`);
    alpha.addEventListener('input', () => {
      state.cwalpha = Number(alpha.value);
      alphaLabel.textContent = `α = ${state.cwalpha}`;
      store.write();
    });
    this.progress = h('progress', { max: NS.length, value: 0, 'aria-label': 'Experiment progress' });
    this.status = h('p', { class: 'status', role: 'status' }, 'Press the button to run the experiment for n = 4 … 12.');
    this.chartHost = h('div', { class: 'chart', 'aria-label': 'Median replay updates against n, log scale' });
    host.replaceChildren(h('div', { class: 'controls' }, this.runButton, seeds, h('label', { class: 'inline' }, alpha, alphaLabel), this.progress),
      this.status, this.chartHost);
    this.chart = new uPlot({
      width: Math.max(300, this.chartHost.clientWidth || 600), height: 260,
      scales: { x: { time: false }, y: { distr: 3 } },
      axes: [{ label: 'n (states in the chain)', stroke: '#555' }, { label: 'replay updates (median)', stroke: '#555' }],
      series: [{}, ...AGENTS.map((a) => ({ label: a.name, stroke: a.color, width: 2, points: { size: 7 } }))],
    }, [[], [], []], this.chartHost);
    this.rows = [];
  }

  async run() {
    this.runButton.disabled = true;
    this.rows = [];
    this.progress.value = 0;
    const { cwseeds: seeds, cwalpha: alpha } = this.state;
    try {
      for (const n of NS) {
        this.status.textContent = `Running n = ${n} (${seeds} seeds)…`;
        const [row] = await this.worker.call('medians', [n], seeds, alpha);
        this.rows.push(row);
        this.progress.value = this.rows.length;
        this.chart.setData([this.rows.map((r) => r.n), this.rows.map((r) => r.uniform), this.rows.map((r) => r.prioritized)]);
      }
      const last = this.rows.at(-1);
      this.status.textContent = `Done: at n = ${last.n}, prioritized replay needed ${fmt(last.prioritized, 3)} updates ` +
        `against ${fmt(last.uniform, 3)} for uniform (${fmt(last.prioritized / last.uniform, 2)}×).`;
      this.dispatchEvent(new CustomEvent('results', { detail: this.rows }));
    } catch (error) {
      this.status.textContent = `The experiment failed: ${error.message}`;
    } finally {
      this.runButton.disabled = false;
    }
  }
}
