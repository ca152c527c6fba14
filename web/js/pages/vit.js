// The attention page: navigation, the capability badge, the live ViT panel with its state in the
// URL hash, the natively measured evidence (assets/vit/vit-eval.json, written by
// `neuroai eval vit --json`) and the "Embed this" code.
import { requireWasmSimd } from '../lib/capabilities.js';
import { h } from '../lib/dom.js';
import { embedCodeButton } from '../lib/embed-code.js';
import { enableGlossaryPopups } from '../lib/glossary-popups.js';
import { createStore } from '../lib/hash-state.js';
import { startLecture } from '../lib/lecture.js';
import { registerOffline } from '../lib/offline.js';
import { renderNav } from '../lib/site.js';
import { LECTURE } from '../studies/vit/lecture.js';
import { VitPanel } from '../studies/vit/panel.js';
import { SCHEMA } from '../studies/vit/schema.js';

const EVIDENCE_URL = new URL('../../assets/vit/vit-eval.json', import.meta.url);

/** Fills the spans marked data-evidence with the native evaluation's numbers. */
async function showEvidence() {
  try {
    const response = await fetch(EVIDENCE_URL);
    if (!response.ok) return;
    const e = await response.json();
    const values = {
      test_accuracy: Number.isFinite(e.test_accuracy) ? `${(100 * e.test_accuracy).toFixed(2)}%` : null,
      params: Number.isFinite(e.params) ? e.params.toLocaleString('en') : null,
      knn: Number.isFinite(e.knn_pixels_accuracy) ? `${(100 * e.knn_pixels_accuracy).toFixed(2)}%` : null,
      knnK: Number.isFinite(e.knn_k) ? String(e.knn_k) : null,
      val_accuracy: Number.isFinite(e.val_accuracy) ? `${(100 * e.val_accuracy).toFixed(2)}%` : null,
    };
    for (const span of document.querySelectorAll('[data-evidence]'))
      if (values[span.dataset.evidence]) span.textContent = values[span.dataset.evidence];
  } catch {
    // The sentence keeps its fallback text ("see docs/vit.md").
  }
}

function main() {
  renderNav('vit');
  registerOffline();
  enableGlossaryPopups();
  showEvidence();
  const live = document.getElementById('vit-panel');
  if (!requireWasmSimd(document.getElementById('cap-wasm'), live)) return;
  const store = createStore(SCHEMA);
  window.neuroaiVit = new VitPanel({  // exposed for the browser tests and the console
    live,
    learned: document.getElementById('vit-learned'),
    train: document.getElementById('vit-train'),
    evaluation: document.getElementById('vit-evaluation'),
  }, store);

  const tools = h('div', { class: 'embed-tools' });
  document.querySelector('#live h2').after(tools);
  embedCodeButton(tools, 'vit', store);
  startLecture({ title: 'Vision Transformer', steps: LECTURE, panel: window.neuroaiVit });
}

main();
