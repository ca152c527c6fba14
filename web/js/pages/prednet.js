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
import { PredNetCameraPanel } from '../studies/prednet/camera-panel.js';
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
  if (store.state.data === 'camera') {  // PredNet on the camera: the live panel only
    window.neuroaiPrednet = new PredNetCameraPanel(host, store);
    document.querySelector('#live-title').textContent = 'The live model, on your camera';
    document.querySelector('#live .lede').textContent = 'The camera\'s picture, 32×32 and gray like the blobs, streams into the model ' +
      'ten times a second. Before each frame arrives PredNet predicts it; the error units show what it did not see coming. ' +
      'Train online and it adapts to your room.';
    button.closest('section').hidden = true;  // the evaluation is of the blobs' held-out sequences
    return;
  }
  const panel = new PredNetPanel(host, store, { evaluation: { host: document.getElementById('prednet-evaluation'), button } });
  button.addEventListener('click', () => panel.measure());
  window.neuroaiPrednet = panel;  // exposed for the browser tests and the console

  const tools = h('div', { class: 'embed-tools' });
  document.querySelector('#live h2').after(tools);
  embedCodeButton(tools, 'prednet', store);
  startLecture({ title: 'PredNet', steps: LECTURE, panel });
}

main();
