// What the model learned about space: position-embedding similarity (one small map per patch
// position, ViT paper Fig. 7 centre) and each head's mean attention distance by block.
import { h } from '../../lib/dom.js';
import { CLASS_RGB } from '../../lib/palette.js';
import { COLORMAPS } from '../../lib/colormaps.js';

const VIRIDIS = COLORMAPS.viridis;

export class PositionView {
  constructor(host) {
    this.canvas = h('canvas', { width: 336, height: 336, class: 'vit-square', role: 'img',
      'aria-label': 'Cosine similarity of the position embeddings: one small map per patch position' });
    this.summary = h('p', { class: 'canvas-summary', 'aria-live': 'polite' }, 'Waiting for the model…');
    host.replaceChildren(h('figure', { class: 'viz' }, this.canvas,
      h('figcaption', {}, 'Each small square is one patch position; its cells show the cosine similarity of that position\'s embedding with every other position (−1 dark, +1 bright).'),
      h('div', { class: 'vit-legend' }, h('span', {}, '−1'), h('span', { class: 'vit-swatch', 'aria-hidden': 'true' }), h('span', {}, '+1')),
      this.summary));
  }

  /** similarity: (N, N) cosine similarities; grid: patches per side. */
  update(similarity, grid) {
    const N = grid * grid;
    const W = this.canvas.width, tile = W / grid, gap = Math.max(1, Math.round(tile * 0.08)), cell = (tile - gap) / grid;
    const ctx = this.canvas.getContext('2d');
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, W, W);
    for (let i = 0; i < N; i++) {
      const ox = (i % grid) * tile, oy = Math.floor(i / grid) * tile;
      for (let j = 0; j < N; j++) {
        const t = (similarity[i * N + j] + 1) / 2;
        const k = 3 * Math.round(255 * Math.min(1, Math.max(0, t)));
        ctx.fillStyle = `rgb(${VIRIDIS[k]},${VIRIDIS[k + 1]},${VIRIDIS[k + 2]})`;
        ctx.fillRect(ox + (j % grid) * cell, oy + Math.floor(j / grid) * cell, Math.ceil(cell), Math.ceil(cell));
      }
    }
    // Summary: how much more similar neighbours are than far-apart positions.
    let near = 0, nNear = 0, far = 0, nFar = 0;
    for (let i = 0; i < N; i++)
      for (let j = 0; j < N; j++) {
        const d = Math.hypot(Math.floor(i / grid) - Math.floor(j / grid), (i % grid) - (j % grid));
        if (d === 1) { near += similarity[i * N + j]; nNear++; }
        if (d >= grid / 2) { far += similarity[i * N + j]; nFar++; }
      }
    this.summary.textContent = `Neighbouring positions have a mean similarity of ${(near / nNear).toFixed(2)}; positions ` +
      `at least ${grid / 2} patches apart ${(far / Math.max(1, nFar)).toFixed(2)}.`;
  }
}

export class DistanceChart {
  constructor(host) {
    this.canvas = h('canvas', { width: 420, height: 336, class: 'vit-chart-canvas', role: 'img',
      'aria-label': 'Mean attention distance of each head, by block' });
    this.summary = h('p', { class: 'canvas-summary', 'aria-live': 'polite' }, 'Waiting for the model…');
    host.replaceChildren(h('figure', { class: 'viz' }, this.canvas,
      h('figcaption', {}, 'Mean attention distance in pixels: each dot is one head (colour = head number), dashed: uniform attention.'),
      this.summary));
  }

  /**
   * distance: (depth * heads) pixels; config: {depth, heads, grid, patch}; source: {images, path}
   * (how many test images the means are over, and the engine that ran them), or null.
   */
  update(distance, config, source = null) {
    const { depth, heads, grid } = config;
    const patch = 28 / grid;
    // Uniform attention over the patches: the mean distance between two patch centres.
    let uniform = 0;
    for (let i = 0; i < grid * grid; i++)
      for (let j = 0; j < grid * grid; j++)
        uniform += patch * Math.hypot(Math.floor(i / grid) - Math.floor(j / grid), (i % grid) - (j % grid));
    uniform /= grid ** 4;
    const maxY = Math.max(uniform * 1.6, ...distance) * 1.05;
    const ctx = this.canvas.getContext('2d');
    const W = this.canvas.width, H = this.canvas.height, left = 52, right = 12, top = 12, bottom = 40;
    const x = (l) => left + ((l + 0.5) / depth) * (W - left - right);
    const y = (d) => H - bottom - (d / maxY) * (H - top - bottom);
    ctx.fillStyle = '#fff';
    ctx.fillRect(0, 0, W, H);
    ctx.strokeStyle = '#888';
    ctx.fillStyle = '#333';
    ctx.font = '12px system-ui, sans-serif';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(left, top);
    ctx.lineTo(left, H - bottom);
    ctx.lineTo(W - right, H - bottom);
    ctx.stroke();
    ctx.textAlign = 'right';
    for (let d = 0; d <= maxY; d += maxY > 12 ? 4 : 2) {
      ctx.fillText(String(d), left - 6, y(d) + 4);
      ctx.strokeStyle = '#eee';
      ctx.beginPath();
      ctx.moveTo(left + 1, y(d));
      ctx.lineTo(W - right, y(d));
      ctx.stroke();
    }
    ctx.textAlign = 'center';
    for (let l = 0; l < depth; l++) ctx.fillText(`block ${l + 1}`, x(l), H - bottom + 16);
    ctx.save();
    ctx.translate(14, (top + H - bottom) / 2);
    ctx.rotate(-Math.PI / 2);
    ctx.fillText('distance (pixels)', 0, 0);
    ctx.restore();
    ctx.setLineDash([5, 4]);
    ctx.strokeStyle = '#555';
    ctx.beginPath();
    ctx.moveTo(left, y(uniform));
    ctx.lineTo(W - right, y(uniform));
    ctx.stroke();
    ctx.setLineDash([]);
    for (let l = 0; l < depth; l++)
      for (let k = 0; k < heads; k++) {
        const dx = heads > 1 ? ((k / (heads - 1)) - 0.5) * 0.5 * ((W - left - right) / depth) : 0;
        ctx.beginPath();
        ctx.arc(x(l) + dx, y(distance[l * heads + k]), 5, 0, 2 * Math.PI);
        ctx.fillStyle = `rgb(${CLASS_RGB[k % CLASS_RGB.length].join(',')})`;
        ctx.fill();
        ctx.strokeStyle = '#222';
        ctx.stroke();
      }
    const perBlock = Array.from({ length: depth }, (_, l) => {
      const d = distance.slice(l * heads, (l + 1) * heads);
      return `block ${l + 1}: ${Math.min(...d).toFixed(1)} to ${Math.max(...d).toFixed(1)}`;
    });
    const over = source ? ` Over ${source.images.toLocaleString('en')} test images, on ${source.path === 'webgpu' ? 'WebGPU' : 'WebAssembly'}.` : '';
    this.summary.textContent = `Mean attention distance per head, in pixels (${perBlock.join('; ')}); uniform attention would give ${uniform.toFixed(1)}.${over}`;
  }
}
