// Landing page: capability badges and the live spiral demo.
import { hasWasmSimd, probeWebGPU } from './lib/capabilities.js';
import { embedCodeButton } from './lib/embed-code.js';
import { h } from './lib/dom.js';
import { startLecture } from './lib/lecture.js';
import { registerOffline } from './lib/offline.js';
import { linkStudyCards, renderNav } from './lib/site.js';
import { LECTURE } from './studies/spiral/lecture.js';
import { SpiralPanel } from './studies/spiral/panel.js';

function badge(id, ok, text) {
  const el = document.getElementById(id);
  el.textContent = text;
  el.classList.toggle('ok', ok);
  el.classList.toggle('missing', !ok);
}

async function main() {
  renderNav('home');
  registerOffline();
  linkStudyCards();
  const simd = hasWasmSimd();
  badge('cap-wasm', simd, simd ? 'WebAssembly SIMD: available' : 'WebAssembly SIMD: not available');
  probeWebGPU().then(({ available, reason }) =>
    badge('cap-gpu', available, available ? `WebGPU: adapter found (${reason})` : `WebGPU: not available (${reason}); the WebAssembly path runs`));
  const host = document.getElementById('spiral-panel');
  if (!simd) {
    host.textContent = 'This browser lacks WebAssembly SIMD, which the models need. Any current Chrome, Edge, Firefox or Safari (16.4 or later) has it.';
    return;
  }
  window.neuroaiDemo = new SpiralPanel(host);  // exposed for the browser tests and the console
  const tools = h('div', { class: 'embed-tools' });
  document.querySelector('#demo h2').after(tools);
  embedCodeButton(tools, 'spiral', window.neuroaiDemo.store, { height: 760 });
  startLecture({ title: 'Spirals', steps: LECTURE, panel: window.neuroaiDemo });
}

main();
