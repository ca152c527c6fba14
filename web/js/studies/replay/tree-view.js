// The variant agent's sampling structure. Proportional: the sum tree's top levels with their sums
// and the paths of the last batch's draws, and the leaf priorities over the memory. Rank-based: the
// heap array (the approximately sorted order, rank = position + 1) with its first 31 positions drawn
// as the binary heap and the whole array as a strip, the last batch's positions and the equal-mass
// segments marked. Both: the sampling histogram against P(i), and the batch's importance weights.
import { h, fmt } from '../../lib/dom.js';
import { uPlot } from '../../lib/vendor.js';

const INK = '#1d2330', MUTED = '#8a909c', PATH = '#d55e00', NODE = '#0072b2';
const HIST_CAPTION = {
  slots: 'Where draws landed: share of all draws per 1/32 of the memory (bars) and the share P(i) predicts (line)',
  ranks: 'Where draws landed: share of all draws per 1/32 of the ranks, rank 1 (largest priority) left (bars), and the share P(rank) predicts (line)',
};

/** The heading for the variant agent's structure. */
export function structureTitle(variant) {
  if (variant === 'rank') return 'Inside the rank heap of the rank-based agent';
  if (variant === 'uniform') return 'The second agent replays uniformly (a control): no structure';
  return 'Inside the sum tree of the prioritized agent';
}

export class TreeView {
  constructor(host) {
    this.canvas = h('canvas', { width: 960, height: 250, class: 'tree', role: 'img',
                                'aria-label': 'Five levels of the sum tree with the paths of the last batch' });
    this.leafCanvas = h('canvas', { width: 960, height: 90, class: 'leaves', role: 'img',
                                    'aria-label': 'Leaf priorities across the replay memory, with the last batch marked' });
    this.summary = h('p', { class: 'canvas-summary', 'aria-live': 'polite' }, 'Waiting for the first training batch…');
    this.histHost = h('div', { class: 'chart small', 'aria-label': 'Share of draws per part of the memory, drawn against expected' });
    this.weightHost = h('div', { class: 'chart small', 'aria-label': 'Importance weights of the last batch' });
    host.replaceChildren(this.canvas, this.leafCanvas, this.summary,
      h('div', { class: 'figures' },
        h('figure', {}, this.histCaption = h('figcaption', {}, HIST_CAPTION.slots), this.histHost),
        h('figure', {}, h('figcaption', {}, 'Importance weights w = (N·P(i))^−β / max w of the last batch, by stratum'), this.weightHost)));
    this.hist = barChart(this.histHost, [
      { label: 'drawn', color: 'rgba(0,114,178,0.75)', bars: true },
      { label: 'expected by P(i)', color: '#d55e00' }]);
    this.weights = barChart(this.weightHost, [{ label: 'weight', color: 'rgba(0,158,115,0.8)', bars: true }], [0, 1]);
  }

  update(snap, levels) {
    const { batch } = snap;
    if (!batch || batch.indices.length === 0) return;
    const variant = snap.variant ?? 'proportional';
    if (variant === 'proportional') {
      if (!(batch.total > 0)) return;
      this.drawTree(snap.tree, levels, batch);
      this.drawLeaves(snap.leaves, batch);
    } else if (variant === 'rank') {
      this.drawHeap(snap.heap, batch);
      this.drawHeapStrip(snap.heapBins, snap.heap.size, batch);
    } else {
      for (const c of [this.canvas, this.leafCanvas]) {
        const ctx = c.getContext('2d');
        ctx.clearRect(0, 0, c.width, c.height);
        ctx.fillStyle = MUTED;
        ctx.font = '13px system-ui, sans-serif';
        ctx.textAlign = 'center';
        ctx.fillText('The second agent replays uniformly: no priorities, nothing to draw here.', c.width / 2, c.height / 2);
      }
    }
    this.canvas.setAttribute('aria-label', variant === 'rank'
      ? 'The first five levels of the rank heap (positions 1 to 31) with the last batch\'s draws'
      : 'Five levels of the sum tree with the paths of the last batch');
    this.histCaption.textContent = variant === 'rank' ? HIST_CAPTION.ranks : HIST_CAPTION.slots;
    const s = snap.agents[1].sampling;
    const total = s.drawn.reduce((a, b) => a + b, 0);
    if (total > 0) {
      const x = Array.from(s.drawn, (_, i) => i + 1);
      this.hist.setData([x, Array.from(s.drawn, (v) => v / total), Array.from(s.expected, (v) => v / total)]);
    }
    this.weights.setData([Array.from(batch.weights, (_, i) => i + 1), Array.from(batch.weights)]);
    const w = Array.from(batch.weights);
    const structure = variant === 'proportional' ? `total priority ${fmt(batch.total, 4)}, `
      : variant === 'rank' ? `heap re-sorted ${snap.heap.resorts} times, ` : '';
    this.summary.textContent = `Last batch: ${batch.indices.length} draws from ${batch.size} stored transitions, ` +
      `${structure}β = ${fmt(batch.beta, 2)}, weights from ${fmt(Math.min(...w), 2)} to ${fmt(Math.max(...w), 2)}.`;
  }

  // heap: {size, priorities, slots}: the first heap positions (position p holds rank p + 1), drawn
  // as a binary heap (children of p at 2p + 1 and 2p + 2); nodes a draw of the batch landed on light up.
  drawHeap(heap, batch) {
    const ctx = this.canvas.getContext('2d');
    const W = this.canvas.width, H = this.canvas.height;
    ctx.clearRect(0, 0, W, H);
    const shown = heap.priorities.length;
    const levels = Math.max(1, Math.ceil(Math.log2(shown + 1)));
    const rowH = H / levels;
    const pos = (p) => {
      const level = Math.floor(Math.log2(p + 1)), k = p + 1 - (1 << level), n = 1 << level;
      return [((k + 0.5) / n) * W, (level + 0.5) * rowH, W / n];
    };
    const hits = new Map();
    for (const p of batch.positions) if (p < shown) hits.set(p, (hits.get(p) ?? 0) + 1);
    ctx.strokeStyle = '#d7d9de';
    ctx.lineWidth = 1;
    for (let p = 1; p < shown; p++) {
      const [x, y] = pos(p), [px, py] = pos((p - 1) >> 1);
      ctx.beginPath();
      ctx.moveTo(px, py + 9);
      ctx.lineTo(x, y - 9);
      ctx.stroke();
    }
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (let p = 0; p < shown; p++) {
      const [x, y, span] = pos(p);
      const w = Math.min(span - 4, 70), v = hits.get(p) ?? 0;
      ctx.fillStyle = v ? PATH : '#eef3f8';
      ctx.strokeStyle = v ? PATH : NODE;
      ctx.fillRect(x - w / 2, y - 9, w, 18);
      ctx.strokeRect(x - w / 2, y - 9, w, 18);
      if (w > 30) {
        ctx.fillStyle = v ? '#fff' : INK;
        ctx.fillText(fmt(heap.priorities[p], 3), x, y);
      }
    }
    ctx.fillStyle = MUTED;
    ctx.textAlign = 'left';
    ctx.fillText('rank 1', 4, rowH / 2);
  }

  // The whole heap array as a strip: mean priority per range of positions (rank 1 left), the
  // batch's draws as ticks under the positions they hit, the equal-mass segments' starts as lines.
  drawHeapStrip(bins, size, batch) {
    const ctx = this.leafCanvas.getContext('2d');
    const W = this.leafCanvas.width, H = this.leafCanvas.height;
    ctx.clearRect(0, 0, W, H);
    const max = Math.max(...bins, 1e-12), n = bins.length, bw = W / n;
    ctx.fillStyle = NODE;
    for (let k = 0; k < n; k++) {
      const bh = (bins[k] / max) * (H - 26);
      ctx.fillRect(k * bw + 0.5, H - 14 - bh, Math.max(bw - 1, 0.5), bh);
    }
    ctx.strokeStyle = 'rgba(29,35,48,0.35)';
    for (const p of batch.segments.subarray(1, -1)) {
      const x = (p / size) * W;
      ctx.beginPath();
      ctx.moveTo(x, 14);
      ctx.lineTo(x, H - 14);
      ctx.stroke();
    }
    markBatch(ctx, Array.from(batch.positions, (p) => ((p + 0.5) / size) * W), H,
      'the heap array, rank 1 … N: priorities |δ| (bars), segments of equal probability (lines); ▲ the last batch');
  }

  // tree: {root, rootLevel, sums}: the subtree holding every stored transition, heap order
  // relative to its root. Paths are absolute heap nodes; level rootLevel + l of a path is
  // relative node ((node - (root << l)) + (1 << l)).
  drawTree(tree, levels, batch) {
    const ctx = this.canvas.getContext('2d');
    const W = this.canvas.width, H = this.canvas.height;
    ctx.clearRect(0, 0, W, H);
    const sums = tree.sums;
    const shown = Math.min(levels, Math.log2(sums.length));
    const rowH = H / shown;
    const pos = (i) => {
      const level = Math.floor(Math.log2(i)), k = i - (1 << level), n = 1 << level;
      return [((k + 0.5) / n) * W, (level + 0.5) * rowH, W / n];
    };
    // How many of the batch's draws passed through each drawn node.
    const visits = new Map();
    const stride = batch.depth + 1;
    for (let d = 0; d < batch.indices.length; d++)
      for (let l = 0; l < shown; l++) {
        const node = batch.paths[d * stride + tree.rootLevel + l] - (tree.root << l) + (1 << l);
        visits.set(node, (visits.get(node) ?? 0) + 1);
      }
    const draws = batch.indices.length;
    const nodes = (1 << shown) - 1;
    for (let i = 2; i <= nodes; i++) {  // edges first
      const [x, y] = pos(i), [px, py] = pos(i >> 1);
      const v = visits.get(i) ?? 0;
      ctx.strokeStyle = v ? PATH : '#d7d9de';
      ctx.lineWidth = v ? 1 + 5 * Math.sqrt(v / draws) : 1;
      ctx.beginPath();
      ctx.moveTo(px, py + 9);
      ctx.lineTo(x, y - 9);
      ctx.stroke();
    }
    ctx.lineWidth = 1;
    ctx.font = '11px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.textBaseline = 'middle';
    for (let i = 1; i <= nodes; i++) {
      const [x, y, span] = pos(i);
      const w = Math.min(span - 4, 70), v = visits.get(i) ?? 0;
      ctx.fillStyle = v ? `rgba(213,94,0,${0.25 + 0.75 * v / draws})` : '#eef3f8';
      ctx.strokeStyle = v ? PATH : NODE;
      ctx.fillRect(x - w / 2, y - 9, w, 18);
      ctx.strokeRect(x - w / 2, y - 9, w, 18);
      if (w > 30) {
        ctx.fillStyle = v / draws > 0.5 ? '#fff' : INK;
        ctx.fillText(fmt(sums[i], 3), x, y);
      }
    }
  }

  drawLeaves(leaves, batch) {
    const ctx = this.leafCanvas.getContext('2d');
    const W = this.leafCanvas.width, H = this.leafCanvas.height;
    ctx.clearRect(0, 0, W, H);
    const max = Math.max(...leaves, 1e-12), n = leaves.length, bw = W / n;
    ctx.fillStyle = NODE;
    for (let k = 0; k < n; k++) {
      const bh = (leaves[k] / max) * (H - 26);
      ctx.fillRect(k * bw + 1, H - 14 - bh, bw - 2, bh);
    }
    markBatch(ctx, Array.from(batch.indices, (i) => (i / batch.size) * W), H,  // ticks under the slots drawn from
      'leaf priorities p^α over the memory (slot 0 … N−1); ▲ the last batch');
  }
}

/** A small uPlot chart that follows its host's width; series with bars: true are drawn as bars. */
function barChart(host, series, yRange) {
  const bars = uPlot.paths.bars({ size: [0.8, 40] });
  const plot = new uPlot({
    width: Math.max(260, host.clientWidth || 420),
    height: 170,
    legend: { live: false },
    cursor: { show: false },
    scales: { x: { time: false }, y: yRange ? { range: yRange } : { range: (u, lo, hi) => [0, Math.max(hi, 1e-9) * 1.1] } },
    axes: [{ stroke: '#555' }, { stroke: '#555' }],
    series: [{}, ...series.map((s) => ({
      label: s.label, stroke: s.color, fill: s.bars ? s.color : undefined, width: s.bars ? 0 : 2,
      paths: s.bars ? bars : undefined, points: { show: false },
    }))],
  }, [[], ...series.map(() => [])], host);
  new ResizeObserver(() => plot.setSize({ width: Math.max(260, host.clientWidth), height: 170 })).observe(host);
  return plot;
}

/** The last batch's draws as ticks at x positions along the bottom, and the strip's caption on top. */
function markBatch(ctx, xs, H, caption) {
  ctx.fillStyle = PATH;
  for (const x of xs) {
    ctx.beginPath();
    ctx.moveTo(x, H - 12);
    ctx.lineTo(x - 4, H - 2);
    ctx.lineTo(x + 4, H - 2);
    ctx.fill();
  }
  ctx.fillStyle = MUTED;
  ctx.font = '11px system-ui, sans-serif';
  ctx.textAlign = 'left';
  ctx.fillText(caption, 4, 11);
}
