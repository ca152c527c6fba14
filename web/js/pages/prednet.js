// The predictive-coding page: navigation, the capability badge, the live PredNet panel with its
// state in the URL hash, the evaluation table and the "Embed this" code.
import { requireWasmSimd } from '../lib/capabilities.js';
import { h } from '../lib/dom.js';
import { embedCodeButton } from '../lib/embed-code.js';
import { enableGlossaryPopups } from '../lib/glossary-popups.js';
import { createStore } from '../lib/hash-state.js';
import { startLecture } from '../lib/lecture.js';
import { registerOffline } from '../lib/offline.js';
import { renderNav } from '../lib/site.js';
import { LECTURE } from '../studies/prednet/lecture.js';
import { PredNetPanel } from '../studies/prednet/panel.js';
import { SCHEMA } from '../studies/prednet/schema.js';

function main() {
  renderNav('prednet');
  registerOffline();
  enableGlossaryPopups();
  const host = document.getElementById('prednet-panel');
  if (!requireWasmSimd(document.getElementById('cap-wasm'), host)) return;
  const store = createStore(SCHEMA);
  const button = document.getElementById('prednet-measure');
  const panel = new PredNetPanel(host, store, { evaluation: { host: document.getElementById('prednet-evaluation'), button } });
  button.addEventListener('click', () => panel.measure());
  window.neuroaiPrednet = panel;  // exposed for the browser tests and the console

  const tools = h('div', { class: 'embed-tools' });
  document.querySelector('#live h2').after(tools);
  embedCodeButton(tools, 'prednet', store);
  startLecture({ title: 'PredNet', steps: LECTURE, panel });
}

main();
