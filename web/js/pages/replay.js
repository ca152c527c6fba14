// The replay case study page: the live lab, the sum tree, the Blind Cliffwalk chart, results.
import { h, fmt } from '../lib/dom.js';
import { embedCodeButton } from '../lib/embed-code.js';
import { enableGlossaryPopups } from '../lib/glossary-popups.js';
import { createStore, rejectedNote } from '../lib/hash-state.js';
import { startLecture } from '../lib/lecture.js';
import { registerOffline } from '../lib/offline.js';
import { episodesToReach } from '../lib/returns.js';
import { renderNav } from '../lib/site.js';
import { CliffwalkPanel } from '../studies/replay/cliffwalk-panel.js';
import { LECTURE } from '../studies/replay/lecture.js';
import { ReplayPanel, WINDOW } from '../studies/replay/panel.js';
import { SCHEMA } from '../studies/replay/schema.js';
import { TreeView, structureTitle } from '../studies/replay/tree-view.js';

renderNav('replay');
registerOffline();
enableGlossaryPopups();
const store = createStore(SCHEMA);
const { state, rejected } = store;
if (rejected.length) document.getElementById('replay-lab').before(rejectedNote(rejected));

const lab = new ReplayPanel(document.getElementById('replay-lab'), store);
const tree = new TreeView(document.getElementById('replay-tree'));
const cliffwalk = new CliffwalkPanel(document.getElementById('replay-cliffwalk'), store);
const results = document.getElementById('replay-results');
let cliffRows = null;

function renderResults(snap) {
  const target = state.env === 'catch' ? 0.9 : 195;
  const rows = lab.agents.map((a, k) => {
    const n = snap ? episodesToReach(snap.agents[k].returns, target, WINDOW) : null;
    return h('tr', {}, h('td', {}, a.name), h('td', {}, snap ? String(snap.agents[k].returns.length) : '–'),
      h('td', {}, n === null ? 'not yet' : String(n)));
  });
  const table = h('table', { class: 'metric-table' },
    h('caption', {}, `${state.env === 'catch' ? 'Catch' : 'CartPole'} in this page: episodes until the 50-episode mean return reached ${target}`),
    h('thead', {}, h('tr', {}, h('th', {}, 'agent'), h('th', {}, 'episodes played'), h('th', {}, 'episodes to reach'))),
    h('tbody', {}, rows));
  const parts = [table];
  if (cliffRows) {
    const r = cliffRows.find((x) => x.n === 10) ?? cliffRows.at(-1);
    parts.push(h('p', {}, `Blind Cliffwalk in this page, n = ${r.n}: prioritized ${fmt(r.prioritized, 3)} updates, ` +
      `uniform ${fmt(r.uniform, 3)}: a ratio of ${fmt(r.prioritized / r.uniform, 2)}.`));
  }
  results.replaceChildren(...parts);
}

let lastResults = 0;
const treeTitle = document.getElementById('tree-title');
lab.onSnapshotListener((snap) => {
  tree.update(snap, 5);
  treeTitle.textContent = structureTitle(snap.variant);
  if (performance.now() - lastResults > 500) {
    renderResults(snap);
    lastResults = performance.now();
  }
});
cliffwalk.addEventListener('results', (e) => { cliffRows = e.detail; renderResults(lab.snapshot); });
renderResults(null);
window.neuroaiReplay = { lab, tree, cliffwalk };  // for the browser tests and the console

// "Embed this": the iframe and custom-element code for the live panel in its current state.
const tools = h('div', { class: 'embed-tools' });
document.querySelector('#live h2').after(tools);
embedCodeButton(tools, 'replay', store);
startLecture({ title: 'Prioritized replay', steps: LECTURE, panel: lab });
