// The predictive-coding page: navigation, the capability badge, the live PredNet panel and its
// evaluation button.
import { hasWasmSimd } from '../lib/capabilities.js';
import { renderNav } from '../lib/site.js';
import { PredNetPanel } from '../studies/prednet/panel.js';

function main() {
  renderNav('prednet');
  const simd = hasWasmSimd();
  const badge = document.getElementById('cap-wasm');
  badge.textContent = simd ? 'WebAssembly SIMD: available' : 'WebAssembly SIMD: not available';
  badge.classList.add(simd ? 'ok' : 'missing');
  const host = document.getElementById('prednet-panel');
  if (!simd) {
    host.textContent = 'This browser lacks WebAssembly SIMD, which the model needs. Any current Chrome, Edge, Firefox or Safari (16.4 or later) has it.';
    return;
  }
  const panel = new PredNetPanel(host);
  document.getElementById('prednet-measure').addEventListener('click', () => panel.measure());
  window.neuroaiPrednet = panel;  // exposed for the browser tests and the console
}

main();
