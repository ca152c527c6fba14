// The WebGPU kernel check page: acquires a device (or says why there is none), runs every WGSL
// kernel against the wasm core (web/js/gpu/validate.js) and shows the table. Not in the site nav.
// window.neuroaiGpuCheck = {done, active, reason, results, error} for the browser tests.
import { h } from '../lib/dom.js';
import { renderNav } from '../lib/site.js';
import { acquireDevice } from '../gpu/device.js';
import { fetchSource } from '../gpu/kernels.js';
import { validateKernels } from '../gpu/validate.js';
import createNeuroAI from '../../wasm/neuroai.mjs';

renderNav('gpu-check');
const pathEl = document.getElementById('gpu-path');
const reasonEl = document.getElementById('gpu-reason');
const summary = document.getElementById('gpu-summary');
const table = document.getElementById('gpu-results');
const body = table.querySelector('tbody');
const state = (window.neuroaiGpuCheck = { done: false, active: null, reason: '', results: [], error: null });

const sci = (x) => (Number.isFinite(x) ? (x === 0 ? '0' : x.toExponential(2)) : '–');

function showInactive(reason) {
  state.active = 'wasm';
  state.reason = reason;
  pathEl.textContent = 'Active path: WebAssembly (the WebGPU path is inactive).';
  reasonEl.textContent = `Why: ${reason}. The case studies run on the WebAssembly core in this browser.`;
}

async function main() {
  const got = await acquireDevice({
    onLost: (reason) => {
      showInactive(reason);
      summary.textContent = `The GPU device was lost: ${reason}.`;
    },
    onError: (message) => {
      state.error = message;
      summary.textContent = message;
    },
  });
  if (!got.device) {
    showInactive(got.reason);
    summary.textContent = 'No kernels were run: there is no WebGPU device.';
    return;
  }
  state.active = 'webgpu';
  state.reason = got.reason;
  pathEl.textContent = 'Active path: WebGPU.';
  reasonEl.textContent = `${got.reason}.`;
  summary.textContent = 'Loading the WebAssembly core and compiling the kernels…';
  const neuroai = await createNeuroAI();
  table.hidden = false;
  const results = await validateKernels(got.device, neuroai, {
    loadSource: fetchSource,
    onResult: (r) => {
      state.results.push(r);
      body.append(h('tr', { class: r.ok ? 'pass' : 'fail' },
        h('td', {}, r.kernel), h('td', {}, r.shape), h('td', {}, sci(r.maxAbsError)), h('td', {}, sci(r.maxRelError)),
        h('td', {}, sci(r.tolerance)), h('td', {}, r.ok ? 'pass' : 'FAIL')));
      summary.textContent = `Checked ${state.results.length} kernel runs…`;
    },
  });
  const failed = results.filter((r) => !r.ok).length;
  summary.textContent = failed
    ? `${failed} of ${results.length} kernel runs are outside their tolerance.`
    : `All ${results.length} kernel runs match the WebAssembly core within tolerance.`;
  if (state.error) summary.textContent += ` ${state.error}`;
  got.release();
}

main()
  .catch((error) => {
    state.error = error.message;
    summary.textContent = `The check stopped with an error: ${error.message}`;
    console.error(error);
  })
  .finally(() => { state.done = true; });
