// A live training chart (uPlot): loss on a log axis, optionally accuracy on a second axis.
import { uPlot } from './vendor.js';

// Log-axis ticks: plain numbers down to 0.01, then 1e-3 style.
const formatTick = (v) => (v == null ? '' : v >= 0.01 ? String(+v.toPrecision(2)) : v.toExponential(0));

export class LossChart {
  /**
   * @param {HTMLElement} host
   * @param {{series: {label: string, color: string, scale?: 'loss'|'acc'}[], height?: number,
   *          xLabel?: string, yLabel?: string, linear?: boolean}} options  linear: a linear y axis
   *          (for returns, which can be negative) instead of the log axis for losses
   */
  constructor(host, { series, height = 220, xLabel = 'step', yLabel = 'loss', linear = false }) {
    this.host = host;
    this.data = [[], ...series.map(() => [])];
    const hasAcc = series.some((s) => s.scale === 'acc');
    this.plot = new uPlot(
      {
        width: Math.max(240, host.clientWidth || 480),
        height,
        legend: { live: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: false }, loss: linear ? {} : { distr: 3 }, acc: { range: [0, 1] } },
        axes: [
          { label: xLabel, stroke: '#555' },
          { scale: 'loss', label: yLabel, stroke: '#555', ...(linear ? {} : { values: (u, ticks) => ticks.map(formatTick) }) },
          ...(hasAcc ? [{ scale: 'acc', side: 1, label: 'accuracy', stroke: '#555', grid: { show: false } }] : []),
        ],
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, scale: s.scale ?? 'loss', points: { show: false } }))],
      },
      this.data,
      host,
    );
    this.resizeObserver = new ResizeObserver(() => this.plot.setSize({ width: Math.max(240, host.clientWidth), height }));
    this.resizeObserver.observe(host);
  }

  /** Appends one point per series (x, then one y per series; NaN leaves a gap). */
  push(x, ...ys) {
    if (this.data[0].length && x <= this.data[0].at(-1)) return;
    this.data[0].push(x);
    ys.forEach((y, i) => this.data[i + 1].push(Number.isFinite(y) ? y : null));
    if (this.data[0].length > 4000) for (const s of this.data) s.splice(0, s.length - 2000);
    this.plot.setData(this.data);
  }

  /** Replaces all the data: xs and one array per series (NaN or missing entries leave gaps). */
  set(xs, ...ys) {
    this.data = [Array.from(xs), ...ys.map((y) => Array.from(xs, (_, i) => (Number.isFinite(y[i]) ? y[i] : null)))];
    this.plot.setData(this.data);
  }

  /** Renames series i (0-based) in the plot and its legend. */
  setLabel(i, label) {
    this.plot.series[i + 1].label = label;
    const el = this.plot.root.querySelectorAll('.u-legend .u-series')[i + 1]?.querySelector('.u-label');
    if (el) el.textContent = label;
  }

  clear() {
    for (const s of this.data) s.length = 0;
    this.plot.setData(this.data);
  }

  /** The number of points plotted (for tests and summaries). */
  get length() { return this.data[0].length; }
  /** The x of the last point (undefined when empty). */
  get lastX() { return this.data[0].at(-1); }
  last(series) { return this.data[series + 1].at(-1); }
}
