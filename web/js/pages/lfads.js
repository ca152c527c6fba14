// The LFADS case study page: the lab, the 3-D trajectories and the decoding comparison.
import { enableGlossaryPopups } from '../lib/glossary-popups.js';
import { fmt, h } from '../lib/dom.js';
import { embedCodeButton } from '../lib/embed-code.js';
import { createStore, rejectedNote } from '../lib/hash-state.js';
import { registerOffline } from '../lib/offline.js';
import { renderNav } from '../lib/site.js';
import { uPlot } from '../lib/vendor.js';
import { LfadsPanel } from '../studies/lfads/panel.js';
import { SCHEMA } from '../studies/lfads/schema.js';

renderNav('lfads');
registerOffline();
enableGlossaryPopups();
const store = createStore(SCHEMA);
const { rejected } = store;
if (rejected.length) document.getElementById('lfads-lab').before(rejectedNote(rejected));
const panel = new LfadsPanel(document.getElementById('lfads-lab'), document.getElementById('lfads-trajectories'), store);

// Decoding: R² of the Lorenz state from smoothed spikes vs from the factors, as two bars.
const host = document.getElementById('lfads-decoding');
const summary = document.getElementById('lfads-decoding-summary');
const decoding = new uPlot({
  width: Math.max(280, host.clientWidth || 500), height: 220, legend: { show: false }, cursor: { show: false },
  scales: { x: { time: false, range: [0.4, 2.6] }, y: { range: [0, 1] } },
  axes: [{ stroke: '#555', values: (u, ticks) => ticks.map((t) => (t === 1 ? 'smoothed spikes' : t === 2 ? 'LFADS factors' : '')), splits: () => [1, 2] },
    { label: 'decoding R² (held out)', stroke: '#555' }],
  series: [{}, { stroke: '#0072B2', fill: 'rgba(0,114,178,0.7)', paths: uPlot.paths.bars({ size: [0.5, 120] }), points: { show: false } }],
}, [[1, 2], [0, 0]], host);
panel.addEventListener('metrics', ({ detail: m }) => {
  decoding.setData([[1, 2], [Math.max(0, m.decodeR2Smoothed), Math.max(0, m.decodeR2Factors)]]);
  const change = (m.decodeR2Factors / m.decodeR2Smoothed - 1) * 100;
  summary.textContent = `Decoding the Lorenz state on ${m.heldOut} held-out trials: R² ${fmt(m.decodeR2Smoothed, 3)} from smoothed spikes, ` +
    `${fmt(m.decodeR2Factors, 3)} from the LFADS factors: the factors decode ${fmt(Math.abs(change), 2)}% ${change >= 0 ? 'better' : 'worse'}.`;
});
window.neuroaiLfads = { panel };  // for the browser tests and the console

// "Embed this": the iframe and custom-element code for the live panel in its current state.
const tools = h('div', { class: 'embed-tools' });
document.querySelector('#live h2').after(tools);
embedCodeButton(tools, 'lfads', store);
