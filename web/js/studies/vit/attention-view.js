// The large attention view: the input image with its patch grid and one attention map on top
// (the class token's, a chosen patch's, or the rollout). Click a patch or use the arrow keys to
// pick the query patch. View state (view, layer, head, query) lives in the URL hash.
import { h } from '../../lib/dom.js';
import { describeHeat, heatFor } from './attention.js';
import { blitScaled, normalizeMax, paintImage } from './colormap.js';

const SIDE = 28;
const SCALE = 12;  // 336 x 336 canvas pixels

export class AttentionView {
  constructor(host, state, onStateChange) {
    this.state = state;
    this.onStateChange = onStateChange;
    this.canvas = h('canvas', { width: SIDE * SCALE, height: SIDE * SCALE, class: 'vit-attention', tabindex: 0, role: 'img',
      'aria-label': 'The input image with an attention map on top. Arrow keys pick the query patch.' });
    this.viewSelect = h('select', { 'aria-label': 'What to show', onchange: (e) => this.set({ view: e.target.value }) },
      h('option', { value: 'cls' }, 'class token attends to…'),
      h('option', { value: 'query' }, 'a chosen patch attends to…'),
      h('option', { value: 'rollout' }, 'rollout through all blocks'));
    this.layerSelect = h('select', { 'aria-label': 'Block', onchange: (e) => this.set({ layer: Number(e.target.value) }) });
    this.headSelect = h('select', { 'aria-label': 'Head', onchange: (e) => this.set({ head: Number(e.target.value) }) });
    this.legendMax = h('span', {}, '');
    this.summary = h('p', { class: 'canvas-summary', 'aria-live': 'polite' }, 'Waiting for the model…');
    host.replaceChildren(
      h('div', { class: 'vit-row' }, this.viewSelect, this.layerSelect, this.headSelect),
      this.canvas,
      h('div', { class: 'vit-legend' }, h('span', {}, '0'), h('span', { class: 'vit-swatch', 'aria-hidden': 'true' }), this.legendMax),
      this.summary);
    this.canvas.addEventListener('click', (e) => {
      const r = this.canvas.getBoundingClientRect();
      const g = this.config?.grid;
      if (!g) return;
      const col = Math.min(g - 1, Math.floor(((e.clientX - r.left) / r.width) * g));
      const row = Math.min(g - 1, Math.floor(((e.clientY - r.top) / r.height) * g));
      this.set({ view: 'query', query: row * g + col });
    });
    this.canvas.addEventListener('keydown', (e) => {
      const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
      if (!moves[e.key] || !this.config) return;
      e.preventDefault();
      const g = this.config.grid;
      const row = Math.min(g - 1, Math.max(0, Math.floor(this.state.query / g) + moves[e.key][0]));
      const col = Math.min(g - 1, Math.max(0, (this.state.query % g) + moves[e.key][1]));
      this.set({ view: 'query', query: row * g + col });
    });
  }

  /** New architecture: {grid, depth, heads, tokens, patches}. Clamps the view state to it. */
  setModel(config) {
    this.config = config;
    const s = this.state;
    s.layer = Math.min(Math.max(1, s.layer), config.depth);
    s.head = Math.min(Math.max(0, s.head), config.heads);
    s.query = Math.min(Math.max(0, s.query), config.patches - 1);
    this.layerSelect.replaceChildren(...Array.from({ length: config.depth }, (_, l) => h('option', { value: l + 1 }, `block ${l + 1}`)));
    this.headSelect.replaceChildren(h('option', { value: 0 }, 'mean of heads'),
      ...Array.from({ length: config.heads }, (_, k) => h('option', { value: k + 1 }, `head ${k + 1}`)));
    this.syncControls();
  }

  set(changes) {
    Object.assign(this.state, changes);
    this.syncControls();
    this.onStateChange?.();
    this.render();
  }

  syncControls() {
    this.viewSelect.value = this.state.view;
    this.layerSelect.value = String(this.state.layer);
    this.headSelect.value = String(this.state.head);
    const rollout = this.state.view === 'rollout';
    this.layerSelect.disabled = rollout;
    this.headSelect.disabled = rollout;
  }

  /** New input or read-outs. */
  update(image, inspection) {
    this.image = image;
    this.inspection = inspection;
    this.render();
  }

  render() {
    if (!this.config || !this.image) return;
    const g = this.config.grid, cell = (SIDE * SCALE) / g;
    let heatMap = null;
    if (this.inspection) {
      const heat = heatFor(this.inspection, this.config, this.state);
      heatMap = normalizeMax(heat.patches);
      const max = Math.max(...heat.patches);
      this.legendMax.textContent = `${(100 * max).toFixed(1)}% (the largest weight on a patch)`;
      this.summary.textContent = describeHeat(heat, this.config, this.state);
    }
    const ctx = blitScaled(this.canvas, paintImage(new ImageData(SIDE, SIDE), this.image, SIDE, heatMap, g));
    ctx.strokeStyle = 'rgba(255,255,255,0.28)';
    ctx.lineWidth = 1;
    for (let k = 1; k < g; k++) {
      ctx.beginPath();
      ctx.moveTo(k * cell + 0.5, 0);
      ctx.lineTo(k * cell + 0.5, SIDE * SCALE);
      ctx.moveTo(0, k * cell + 0.5);
      ctx.lineTo(SIDE * SCALE, k * cell + 0.5);
      ctx.stroke();
    }
    if (this.state.view === 'query') {
      const q = this.state.query;
      const x = (q % g) * cell, y = Math.floor(q / g) * cell;
      ctx.lineWidth = 3;
      ctx.strokeStyle = '#000';
      ctx.strokeRect(x + 1.5, y + 1.5, cell - 3, cell - 3);
      ctx.strokeStyle = '#e69f00';
      ctx.lineWidth = 2;
      ctx.strokeRect(x + 2, y + 2, cell - 4, cell - 4);
    }
  }
}
