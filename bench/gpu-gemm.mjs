// GEMM GFLOP/s on a GPU through WebGPU in Node (Dawn, npm `webgpu`): the tiled WGSL kernel
// (64x64 tiles, 4x4 per thread) against the plain one-thread-per-output kernel, side by side in
// one run, with a correctness spot check of both against a float64 dot product. The kernels are
// the browser's: web/js/gpu/kernels.js with the WGSL files read from web/js/gpu/kernels/.
//
// Usage: node bench/gpu-gemm.mjs [--json] [--sizes 512,1024,2048,4096] [--validate]
// --validate first runs every kernel against the wasm core (web/js/gpu/validate.js, the same check
// as gpu-check.html; needs build/wasm) and prints the table; the exit status is 1 if any fails.
// On a GPU machine with Dawn packed by /work/shared/gpu/pack.sh (folders .gpu/ and .gl/ beside the
// tree): bash .gpu/run.sh bench/gpu-gemm.mjs. The webgpu package is looked up in
// $NEUROAI_WEBGPU (a path to its index.js), then .gpu/pkg/index.js, then node_modules.
import { gemm, initKernels, readBack, upload, createBuffer } from '../web/js/gpu/kernels.js';
import { seededRandom, validateKernels } from '../web/js/gpu/validate.js';
import { openNodeDevice } from './gpu-device.mjs';

const args = process.argv.slice(2);
const json = args.includes('--json');
const sizesArg = args.indexOf('--sizes');
const sizes = sizesArg >= 0 ? args[sizesArg + 1].split(',').map(Number) : [512, 1024, 2048, 4096];

const { device, adapterName, loadSource } = await openNodeDevice('gpu-gemm', { requiredLimits: ['maxStorageBufferBindingSize', 'maxBufferSize'] });
await initKernels(device, loadSource);

let validationOk = true;
if (args.includes('--validate')) {
  const { loadModule } = await import('../tests/wasm/load.mjs');
  const results = await validateKernels(device, await loadModule(), { loadSource });
  for (const r of results) {
    console.log(`${r.kernel.padEnd(28)} ${r.shape.padEnd(34)} abs ${r.maxAbsError.toExponential(2)} rel ${r.maxRelError.toExponential(2)} ` +
      `(tol ${r.tolerance}) ${r.ok ? 'ok' : 'FAIL'}`);
  }
  validationOk = results.every((r) => r.ok);
}

/** Seconds for `reps` back-to-back GEMMs in one compute pass (submitted, then waited for). */
async function timeGemm(opts, reps) {
  const t0 = performance.now();
  gemm(device, { ...opts, repeat: reps });
  await device.queue.onSubmittedWorkDone();
  return (performance.now() - t0) / 1000;
}

/** GFLOP/s: reps chosen so one timing takes about 0.3 s; median of 5. */
async function gflops(opts, n) {
  await timeGemm(opts, 1); // warm-up (pipeline, caches)
  const once = await timeGemm(opts, 1);
  const reps = Math.max(1, Math.min(200, Math.round(0.3 / Math.max(once, 1e-5))));
  const times = [];
  for (let i = 0; i < 5; ++i) times.push(await timeGemm(opts, reps));
  times.sort((x, y) => x - y);
  return (2 * n ** 3 * reps) / times[2] / 1e9;
}

/** Max over 64 sampled entries of |C_ij - sum_k a_ik b_kj| / sum_k |a_ik b_kj| (float64 reference). */
function spotCheck(c, a, b, n, rand) {
  let worst = 0;
  const picks = rand(128, 0, n);
  for (let t = 0; t < 64; ++t) {
    const i = Math.floor(picks[2 * t]), j = Math.floor(picks[2 * t + 1]);
    let sum = 0, mag = 0;
    for (let k = 0; k < n; ++k) { const p = a[i * n + k] * b[k * n + j]; sum += p; mag += Math.abs(p); }
    worst = Math.max(worst, Math.abs(c[i * n + j] - sum) / mag);
  }
  return worst;
}

const TOLERANCE = 1e-4; // as for gemm in web/js/gpu/validate.js
const rows = [];
for (const n of sizes) {
  const rand = seededRandom(n);
  const a = rand(n * n), b = rand(n * n);
  const A = upload(device, a), B = upload(device, b), C = createBuffer(device, n * n);
  const row = { n };
  for (const [name, naive] of [['tiled', false], ['naive', true]]) {
    const opts = { a: A, b: B, m: n, k: n, n, naive, out: C };
    gemm(device, opts);
    const err = spotCheck(await readBack(device, C, n * n), a, b, n, rand);
    row[`${name}_gflops`] = +(await gflops(opts, n)).toFixed(1);
    row[`${name}_rel_err`] = +err.toExponential(2);
    if (!(err <= TOLERANCE)) row.ok = false;
  }
  row.speedup = +(row.tiled_gflops / row.naive_gflops).toFixed(2);
  row.ok ??= true;
  rows.push(row);
  for (const buffer of [A, B, C]) buffer.destroy();
}

if (json) {
  console.log(JSON.stringify({ adapter: adapterName, kernel: 'gemm.wgsl 64x64 tiles, 4x4 per thread', results: rows }));
} else {
  console.log(`WebGPU GEMM (Dawn, ${adapterName}): tiled (gemm.wgsl) vs naive (gemm_naive.wgsl), fp32, median of 5`);
  const cols = ['n', 'tiled_gflops', 'naive_gflops', 'speedup', 'tiled_rel_err', 'naive_rel_err', 'ok'];
  console.log(cols.map((c) => c.padStart(14)).join(''));
  for (const r of rows) console.log(cols.map((c) => String(r[c]).padStart(14)).join(''));
}
device.destroy();
process.exit(validationOk && rows.every((r) => r.ok) ? 0 : 1);
