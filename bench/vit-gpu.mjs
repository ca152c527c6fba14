// Batched ViT evaluation through WebGPU in Node (Dawn, npm `webgpu`) against the wasm core, side by
// side in one run: images/s of web/js/gpu/vit-forward.js (the core's forward plan on WGSL kernels)
// and of VitLab.predict (wasm, SIMD, one thread), with the shipped weights on the page's
// test images, and their agreement (max |p_gpu - p_wasm|, argmax agreement), intact and with heads
// lesioned; then every head's attention maps (attentionMaps, up to 500 images) on both paths. The
// kernels are the browser's: the WGSL files are read from web/js/gpu/kernels/.
//
// Usage: node bench/vit-gpu.mjs [--json] [--images 1000] [--batch 256] [--gemm tiled|naive]
// Needs build/wasm (or $NEUROAI_BUILD_WASM). On a GPU machine: tools/gpu-pack here, then
// bash bench/on-gpu.sh there (it runs this with .gpu/run.sh). The webgpu package is looked up in
// $NEUROAI_WEBGPU (a path to its index.js), then .gpu/pkg/index.js, then node_modules.
// Exit status: 0 when the two paths agree (probabilities within 1e-4 with every argmax the same,
// attention maps within 1e-5), 1 if not, 2 without a WebGPU device.
import fs from 'node:fs';
import path from 'node:path';

import { maxAbsDiff } from '../web/js/gpu/plan-runner.js';
import { compareProbs, createVitForward } from '../web/js/gpu/vit-forward.js';
import { loadModule } from '../tests/wasm/load.mjs';
import { openNodeDevice, root } from './gpu-device.mjs';

const args = process.argv.slice(2);
const json = args.includes('--json');
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const count = Number(option('--images', 1000));
const batch = Number(option('--batch', 256));
const gemmKind = option('--gemm', 'tiled');
const TOLERANCE = 1e-4;       // max |p_gpu - p_wasm|
const MAPS_TOLERANCE = 1e-5;  // max |a_gpu - a_wasm| over every attention weight

const { device, adapterName, software, loadSource } = await openNodeDevice('vit-gpu');

// The shipped model and the page's test images (repeated when more are asked for than the file has).
const M = await loadModule();
const weights = new Uint8Array(fs.readFileSync(path.join(root, 'assets/vit/vit-fashion.nrai')));
const subset = M.decodeFashionSubset(new Uint8Array(fs.readFileSync(path.join(root, 'assets/vit/fashion-subset.bin'))));
const c = M.vitWeightsConfig(weights);
const vit = new M.VitLab({ patch: c.patch, dim: c.dim, depth: c.depth, heads: c.heads, mlp: c.mlp });
vit.loadWeights(weights);
const pixels = c.image * c.image * c.channels;
const have = subset.test.count;
const x = new Float32Array(count * pixels);
for (let i = 0; i < count; ++i) {
  const src = subset.test.pixels.subarray((i % have) * pixels, (i % have + 1) * pixels);
  for (let j = 0; j < pixels; ++j) x[i * pixels + j] = src[j] / 255;
}
const mask = new Float32Array(c.depth * c.heads).fill(1);
mask[0] = 0; mask[c.heads + 1] = 0; // two heads lesioned

const gpu = await createVitForward(device, vit.forwardPlan(), { loadSource, batch, gemm: gemmKind });

/** Median seconds of `reps` runs of f (after one warm-up run), and its last result. */
async function timed(f, reps = 3) {
  let result = await f();
  const times = [];
  for (let i = 0; i < reps; ++i) {
    const t0 = performance.now();
    result = await f();
    times.push((performance.now() - t0) / 1000);
  }
  times.sort((a, b) => a - b);
  return { seconds: times[Math.floor(reps / 2)], result };
}

const rows = [];
for (const [label, m] of [['intact', null], ['lesioned', mask]]) {
  const w = await timed(() => vit.predict(x, m));
  const g = await timed(() => gpu.classify(x, m));
  const agree = compareProbs(g.result, w.result, c.classes);
  rows.push({
    heads: label,
    images: count,
    gpu_images_per_s: Math.round(count / g.seconds),
    wasm_images_per_s: Math.round(count / w.seconds),
    speedup: +(w.seconds / g.seconds).toFixed(2),
    max_abs_diff: +agree.maxAbsDiff.toExponential(2),
    argmax_agree: `${agree.argmaxAgree}/${agree.images}`,
    ok: agree.maxAbsDiff <= TOLERANCE && agree.argmaxDiffer === 0,
  });
}
// Every head's attention maps (the gallery's read-out): at most 500 images, 40,000 floats each.
{
  const n = Math.min(count, 500), xs = x.subarray(0, n * pixels);
  const w = await timed(() => vit.attentionMaps(xs, null));
  const g = await timed(() => gpu.attentionMaps(xs, null));
  const d = maxAbsDiff(g.result.attention, w.result.attention);
  rows.push({
    heads: 'maps, intact',
    images: n,
    gpu_images_per_s: Math.round(n / g.seconds),
    wasm_images_per_s: Math.round(n / w.seconds),
    speedup: +(w.seconds / g.seconds).toFixed(2),
    max_abs_diff: +d.toExponential(2),
    argmax_agree: '-',
    ok: d <= MAPS_TOLERANCE,
  });
}
const profile = await gpu.profile(x);

if (json) {
  console.log(JSON.stringify({ adapter: adapterName, software, batch, gemm: gemmKind, gpuBytes: gpu.bytes, results: rows, profileMs: profile.ms }));
} else {
  console.log(`ViT evaluation, shipped weights (${c.depth} blocks, dim ${c.dim}, ${c.heads} heads, ${c.tokens} tokens): ` +
    `WebGPU (Dawn, ${adapterName}; batch ${batch}, ${gemmKind} GEMM) vs wasm predict, median of 3` +
    (software ? '. This adapter is a CPU software fallback: its speed says nothing about GPUs.' : ''));
  const cols = ['heads', 'images', 'gpu_images_per_s', 'wasm_images_per_s', 'speedup', 'max_abs_diff', 'argmax_agree', 'ok'];
  console.log(cols.map((k) => k.padStart(18)).join(''));
  for (const r of rows) console.log(cols.map((k) => String(r[k]).padStart(18)).join(''));
  console.log(`per-op ms for one pass of ${profile.images} images (each dispatch awaited alone): ` +
    Object.entries(profile.ms).map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', '));
}
gpu.destroy();
vit.delete();
device.destroy();
process.exit(rows.every((r) => r.ok) ? 0 : 1);
