// The episodic-memory case study page: the live lab and a regret table measured in the page.
import { h, fmt } from '../lib/dom.js';
import { embedCodeButton } from '../lib/embed-code.js';
import { enableGlossaryPopups } from '../lib/glossary-popups.js';
import { createStore, rejectedNote } from '../lib/hash-state.js';
import { startLecture } from '../lib/lecture.js';
import { registerOffline } from '../lib/offline.js';
import { renderNav } from '../lib/site.js';
import { LECTURE } from '../studies/episodic/lecture.js';
import { EpisodicPanel } from '../studies/episodic/panel.js';
import { AGENTS, SCHEMA } from '../studies/episodic/schema.js';

renderNav('episodic');
registerOffline();
enableGlossaryPopups();
const store = createStore(SCHEMA);
const { state, rejected } = store;
if (rejected.length) document.getElementById('episodic-lab').before(rejectedNote(rejected));
const lab = new EpisodicPanel(document.getElementById('episodic-lab'), store);
const results = document.getElementById('episodic-results');

// Regret per episode: the best return (1 on the maze and on Catch) minus the return obtained.
function render(snap) {
  const n = snap ? Math.min(...snap.agents.map((a) => a.returns.length)) : 0;
  const rows = AGENTS.map((a, k) => {
    const r = snap ? snap.agents[k].returns.subarray(0, n) : [];
    const regret = n ? r.reduce((acc, x) => acc + (1 - x), 0) / n : NaN;
    return h('tr', {}, h('td', {}, a.name), h('td', {}, n ? fmt(regret, 3) : '–'));
  });
  results.replaceChildren(h('table', { class: 'metric-table' },
    h('caption', {}, `Mean regret per episode over the first ${n} episodes in this page (${state.env})`),
    h('thead', {}, h('tr', {}, h('th', {}, 'agent'), h('th', {}, 'mean regret'))),
    h('tbody', {}, rows)));
}

let last = 0;
const original = lab.onSnapshot.bind(lab);
lab.onSnapshot = (snap) => {
  original(snap);
  if (performance.now() - last > 500) { render(snap); last = performance.now(); }
};
render(null);
window.neuroaiEpisodic = { lab };  // for the browser tests and the console

// "Embed this": the iframe and custom-element code for the live panel in its current state.
const tools = h('div', { class: 'embed-tools' });
document.querySelector('#live h2').after(tools);
embedCodeButton(tools, 'episodic', store);
startLecture({ title: 'Episodic control', steps: LECTURE, panel: lab });
