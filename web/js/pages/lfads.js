// The LFADS case study page: the lab (with the measured comparison), the 3-D trajectories and the
// decoding chart.
import { fmt, h } from '../lib/dom.js';
import { embedCodeButton } from '../lib/embed-code.js';
import { enableGlossaryPopups } from '../lib/glossary-popups.js';
import { createStore, rejectedNote } from '../lib/hash-state.js';
import { startLecture } from '../lib/lecture.js';
import { registerOffline } from '../lib/offline.js';
import { renderNav } from '../lib/site.js';
import { uPlot } from '../lib/vendor.js';
import { LECTURE } from '../studies/lfads/lecture.js';
import { LfadsPanel } from '../studies/lfads/panel.js';
import { RecordingPanel } from '../studies/lfads/recording-panel.js';
import { SCHEMA } from '../studies/lfads/schema.js';

renderNav('lfads');
registerOffline();
enableGlossaryPopups();
const store = createStore(SCHEMA);
const panel = new LfadsPanel(document.getElementById('lfads-lab'), document.getElementById('lfads-trajectories'), store,
  { comparisonHost: document.getElementById('lfads-comparison') });
window.neuroaiLfadsRecording = new RecordingPanel(document.getElementById('lfads-recording'));  // exposed for the browser tests
const { rejected } = store;  // after the panel, which adds a trial beyond its set
if (rejected.length) document.getElementById('lfads-lab').before(rejectedNote(rejected));

// Decoding: R² of the Lorenz state on held-out trials, by a ridge regression from each method's
// predicted rates (fitted on training trials), one bar per method; LFADS's first, the baselines' once fitted.
const METHODS = [['lfads', 'LFADS'], ['gpfa', 'GPFA'], ['smoothing', 'smoothing'], ['psth', 'smoothed PSTH']];
const host = document.getElementById('lfads-decoding');
const summary = document.getElementById('lfads-decoding-summary');
let shown = METHODS.map(() => NaN);
const labelBars = (u) => {
  const { ctx } = u;
  ctx.save();
  ctx.fillStyle = '#222';
  ctx.font = `${Math.round(12 * devicePixelRatio)}px sans-serif`;
  ctx.textAlign = 'center';
  shown.forEach((v, i) => {
    const x = u.valToPos(i + 1, 'x', true), y = u.valToPos(Math.max(0, Number.isFinite(v) ? v : 0), 'y', true);
    ctx.fillText(Number.isFinite(v) ? v.toFixed(3) : '…', x, y - 6 * devicePixelRatio);
  });
  ctx.restore();
};
const decoding = new uPlot({
  width: Math.max(280, host.clientWidth || 500), height: 240, legend: { show: false }, cursor: { show: false },
  scales: { x: { time: false, range: [0.4, METHODS.length + 0.6] }, y: { range: [0, 1.1] } },
  axes: [{ stroke: '#555', values: (u, ticks) => ticks.map((t) => METHODS[t - 1]?.[1] ?? ''), splits: () => METHODS.map((_, i) => i + 1), size: 36 },
    { label: 'decoding R² (held-out trials)', stroke: '#555', splits: () => [0, 0.25, 0.5, 0.75, 1] }],
  series: [{}, { stroke: '#0072B2', fill: 'rgba(0,114,178,0.7)', paths: uPlot.paths.bars({ size: [0.55, 110] }), points: { show: false } }],
  hooks: { draw: [labelBars] },
}, [METHODS.map((_, i) => i + 1), METHODS.map(() => 0)], host);
new ResizeObserver(() => decoding.setSize({ width: Math.max(280, host.clientWidth), height: 240 })).observe(host);
panel.addEventListener('metrics', ({ detail: { lfads, baselines } }) => {
  shown = METHODS.map(([id]) => (id === 'lfads' ? lfads.heldOutTrials.decodeR2 : baselines?.heldOutTrials?.[id]?.decodeR2 ?? NaN));
  decoding.setData([METHODS.map((_, i) => i + 1), shown.map((v) => (Number.isFinite(v) ? Math.max(0, v) : 0))]);
  const parts = METHODS.map(([, label], i) => `${label} ${Number.isFinite(shown[i]) ? fmt(shown[i], 3) : '(fitting…)'}`);
  summary.textContent = `Decoding the Lorenz state on ${lfads.counts.heldOut} held-out trials, from each method's rates ` +
    `(ridge fitted on ${lfads.counts.train} training trials): ${parts.join(', ')}.`;
});
window.neuroaiLfads = { panel };  // for the browser tests and the console

// "Embed this": the iframe and custom-element code for the live panel in its current state.
const tools = h('div', { class: 'embed-tools' });
document.querySelector('#live h2').after(tools);
embedCodeButton(tools, 'lfads', store);
startLecture({ title: 'LFADS', steps: LECTURE, panel });
