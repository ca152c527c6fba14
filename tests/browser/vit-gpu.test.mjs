// The ViT's batched forward pass on WebGPU (web/js/gpu/vit-forward.js, run from the core's forward
// plan) on Chromium's SwiftShader adapter (a CPU software adapter), against the wasm predict() with
// the shipped weights: the same probabilities within 1e-4 and the same argmax on every image, with
// and without lesioned heads; every head's attention map and the mean attention distances as
// attentionMaps() and meanAttentionDistance() give them; bad arguments refused by name; a
// destroyed device rejects; and with WebGPU disabled the page runs every batched call on wasm. The
// tests on the GPU forward share one page (its device and pipelines).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, openPage } from './browser.mjs';

const IMAGES = 12;  // 8 + 4 in passes of 8: the smaller last pass is covered too
const BATCH = 8;
const TOLERANCE = 1e-4; // max |p_gpu - p_wasm|: float32 GEMMs summed in another order, exp/erf approximations

let env;
let shared;  // one gpu-check page with the set-up below, for the tests on the GPU forward
before(async () => { env = await launch({ gpu: true }); });
after(async () => { await env?.close(); });

/** The shared page: the wasm module with the shipped weights, a WebGPU device and the GPU forwards. */
async function gpuPage() {
  if (shared) return shared;
  shared = await openPage(env.browser, `${env.url}gpu-check.html`);
  await shared.evaluate(async (batch) => {
    const { default: createNeuroAI } = await import('./wasm/neuroai.mjs');
    const { acquireDevice } = await import('./js/gpu/device.js');
    const { fetchSource } = await import('./js/gpu/kernels.js');
    const VF = await import('./js/gpu/vit-forward.js');
    const { maxAbsDiff } = await import('./js/gpu/plan-runner.js');
    const M = await createNeuroAI();
    const bytes = async (url) => new Uint8Array(await (await fetch(url)).arrayBuffer());
    const weights = await bytes('./assets/vit/vit-fashion.nrai');
    const subset = M.decodeFashionSubset(await bytes('./assets/vit/fashion-test.bin'));  // the held-out split
    const c = M.vitWeightsConfig(weights);
    const vit = new M.VitLab({ patch: c.patch, dim: c.dim, depth: c.depth, heads: c.heads, mlp: c.mlp });
    vit.loadWeights(weights);
    const got = await acquireDevice();
    if (!got.device) throw new Error(`no WebGPU device: ${got.reason}`);
    // The plain GEMM kernel is several times faster than the tiled one on SwiftShader (a CPU
    // adapter); the tiled one (the default, for GPUs) is checked on fewer images below.
    const plan = vit.forwardPlan();
    const gpu = await VF.createVitForward(got.device, plan, { loadSource: fetchSource, batch, gemm: 'naive' });
    const tiled = await VF.createVitForward(got.device, plan, { loadSource: fetchSource, batch });
    window.vitGpu = { M, VF, maxAbsDiff, vit, gpu, tiled, device: got.device, adapter: got.adapterName, subset, config: c };
  }, BATCH);
  return shared;
}

test(`GPU forward = wasm predict on ${IMAGES} test images with the shipped weights, intact and lesioned`, async () => {
  const page = await gpuPage();
  const r = await page.evaluate(async (n) => {
    const { VF, vit, gpu, subset, config, adapter } = window.vitGpu;
    const x = Float32Array.from(subset.test.pixels.subarray(0, n * 784), (v) => v / 255);
    const mask = new Float32Array(config.depth * config.heads).fill(1);
    mask[0] = 0; mask[config.heads + 1] = 0; mask[mask.length - 1] = 0.5;
    const out = { adapter };
    for (const [label, m] of [['intact', null], ['lesioned', mask]]) {
      let t = performance.now();
      const want = vit.predict(x, m);
      const wasmMs = performance.now() - t;
      await gpu.classify(x.subarray(0, 784), m); // warm-up (pipelines, first dispatch)
      t = performance.now();
      const got = await gpu.classify(x, m);
      const gpuMs = performance.now() - t;
      out[label] = { ...VF.compareProbs(got, want, 10), wasmImagesPerSec: n / wasmMs * 1000, gpuImagesPerSec: n / gpuMs * 1000 };
    }
    // The default (tiled GEMM) kernels on 8 images, lesioned (SwiftShader runs them several times slower).
    out.tiled = VF.compareProbs(await window.vitGpu.tiled.classify(x.subarray(0, 8 * 784), mask), vit.predict(x.subarray(0, 8 * 784), mask), 10);
    // The lesion changes the output (so the masked comparison means something).
    out.lesionChanges = VF.compareProbs(vit.predict(x, null), vit.predict(x, mask), 10).maxAbsDiff;
    return out;
  }, IMAGES);
  for (const label of ['intact', 'lesioned']) {
    const s = r[label];
    console.log(`${label}: ${s.images} images, max |p_gpu - p_wasm| ${s.maxAbsDiff.toExponential(2)}, argmax agree ${s.argmaxAgree}/${s.images}; ` +
      `images/s on ${r.adapter} (a CPU software adapter): GPU path ${s.gpuImagesPerSec.toFixed(0)}, wasm ${s.wasmImagesPerSec.toFixed(0)}`);
    assert.equal(s.images, IMAGES);
    assert.ok(s.maxAbsDiff <= TOLERANCE, `${label}: max abs diff ${s.maxAbsDiff} > ${TOLERANCE}`);
    assert.equal(s.argmaxAgree, IMAGES, `${label}: argmax differs on ${s.argmaxDiffer} images`);
  }
  console.log(`tiled GEMM, lesioned: ${r.tiled.images} images, max |p_gpu - p_wasm| ${r.tiled.maxAbsDiff.toExponential(2)}, argmax agree ${r.tiled.argmaxAgree}/${r.tiled.images}`);
  assert.ok(r.tiled.maxAbsDiff <= TOLERANCE && r.tiled.argmaxAgree === r.tiled.images, JSON.stringify(r.tiled));
  assert.ok(r.lesionChanges > 1e-3, `the lesion changes the probabilities (${r.lesionChanges})`);
  assert.match(r.adapter, /swiftshader/i);
  assert.deepEqual(page.problems, []);
});

test('GPU attention maps of every head = wasm attentionMaps; mean distances = meanAttentionDistance', async () => {
  const page = await gpuPage();
  const r = await page.evaluate(async (images) => {
    const { maxAbsDiff, vit, gpu, subset, config } = window.vitGpu;
    const n = images;  // two passes, the last one smaller
    const x = Float32Array.from(subset.test.pixels.subarray(0, n * 784), (v) => v / 255);
    const mask = new Float32Array(config.depth * config.heads).fill(1);
    mask[1] = 0;  // a lesion in block 1 changes the maps of the blocks after it
    const out = {};
    for (const [label, m] of [['intact', null], ['lesioned', mask]]) {
      const want = vit.attentionMaps(x, m), got = await gpu.attentionMaps(x, m);
      out[label] = {
        length: got.attention.length, wantLength: want.attention.length,
        maps: maxAbsDiff(got.attention, want.attention), probs: maxAbsDiff(got.probs, want.probs),
      };
    }
    const intact = vit.attentionMaps(x, null).attention, lesioned = vit.attentionMaps(x, mask).attention;
    out.lesionChangesMaps = maxAbsDiff(intact, lesioned);
    const wantD = vit.meanAttentionDistance(x), gotD = await gpu.meanAttentionDistance(x);
    out.distance = { got: [...gotD], want: [...wantD], maxRel: Math.max(...gotD.map((v, i) => Math.abs(v - wantD[i]) / wantD[i])) };
    // classify runs none of the read-outs: the profile of its pass has no attention_weights op.
    out.classifyKinds = Object.keys((await gpu.profile(x.subarray(0, 8 * 784))).ms);
    return out;
  }, IMAGES);
  for (const label of ['intact', 'lesioned']) {
    const s = r[label];
    console.log(`attention maps, ${label}: ${IMAGES} images x every head, max |a_gpu - a_wasm| ${s.maps.toExponential(2)}, max |p_gpu - p_wasm| ${s.probs.toExponential(2)}`);
    assert.equal(s.length, s.wantLength);
    assert.ok(s.maps <= 1e-5, `${label}: maps differ by ${s.maps}`);
    assert.ok(s.probs <= TOLERANCE, `${label}: probabilities differ by ${s.probs}`);
  }
  assert.ok(r.lesionChangesMaps > 1e-3, `the lesion changes later blocks' maps (${r.lesionChangesMaps})`);
  console.log(`mean attention distance over ${IMAGES} images: GPU ${r.distance.got.map((v) => v.toFixed(3)).join(' ')}; largest relative difference ${r.distance.maxRel.toExponential(2)}`);
  assert.ok(r.distance.maxRel <= 1e-4, JSON.stringify(r.distance));
  assert.ok(!r.classifyKinds.includes('attention_weights') && !r.classifyKinds.includes('attention_distance') && r.classifyKinds.includes('attention'),
    `classify's pass: ${r.classifyKinds.join(', ')}`);
  assert.deepEqual(page.problems, []);
});

test('bad arguments are refused by name; a destroyed device makes classify reject', async () => {
  const page = await gpuPage();
  const errors = await page.evaluate(async () => {
    const { VF, vit, gpu, device } = window.vitGpu;
    const messages = [];
    const attempt = async (f) => { try { await f(); messages.push('no error'); } catch (e) { messages.push(e.message); } };
    await attempt(() => gpu.classify(new Float32Array(100)));
    await attempt(() => gpu.classify(new Float32Array(784).fill(2)));
    await attempt(() => gpu.classify(new Float32Array(784), new Float32Array(3)));
    await attempt(() => gpu.classify(new Float32Array(784), new Float32Array(vit.config().depth * vit.config().heads).fill(-1)));
    const plan = vit.forwardPlan();
    await attempt(() => VF.createVitForward(device, { ...plan, ops: [{ ...plan.ops[0], op: 'conv9' }, ...plan.ops.slice(1)] }));
    await attempt(() => VF.createVitForward(device, { ...plan, weights: {} }));
    await attempt(() => VF.createVitForward(device, plan, { batch: 0 }));
    await attempt(() => VF.createVitForward(null, plan));
    await attempt(() => VF.createVitForward(device, { ...plan, outputs: plan.outputs.slice(0, 1) }));
    await attempt(() => gpu.attentionMaps(new Float32Array(784), new Float32Array(2)));
    const tooMany = Math.ceil(device.limits.maxBufferSize / 4 / (vit.config().depth * vit.config().heads * vit.config().tokens ** 2)) + 1;
    await attempt(() => gpu.attentionMaps(new Float32Array(tooMany * 784)));
    await attempt(() => gpu.meanAttentionDistance(new Float32Array(10)));
    device.destroy();
    await attempt(() => gpu.classify(new Float32Array(784)));
    return messages;
  });
  assert.match(errors[0], /classify: images: expected a non-empty Float32Array of n \* 784 pixels, got length 100/);
  assert.match(errors[1], /classify: images\[0\]: expected a pixel in \[0, 1\], got 2/);
  assert.match(errors[2], /classify: mask: expected null or a Float32Array of \d+ factors/);
  assert.match(errors[3], /classify: mask\[0\]: expected a number in \[0, 1\], got -1/);
  assert.match(errors[4], /plan\.ops\[0\]\.op: expected one of patchify/);
  assert.match(errors[5], /plan\.ops\[1\]\.weights: 'patch\.weight' is not a Float32Array/);
  assert.match(errors[6], /createVitForward: batch: expected an integer in \[1, 4096\], got 0/);
  assert.match(errors[7], /createVitForward: device: expected a GPUDevice/);
  assert.match(errors[8], /createVitForward: plan\.outputs: expected probs, attention, attention_distance, got probs/);
  assert.match(errors[9], /attentionMaps: mask: expected null or a Float32Array of \d+ factors/);
  assert.match(errors[10], /attentionMaps: images: expected at most \d+ images per call on this device/);
  assert.match(errors[11], /meanAttentionDistance: images: expected a non-empty Float32Array of n \* 784 pixels, got length 10/);
  assert.notEqual(errors[12], 'no error', 'classify on a destroyed device rejects');
  console.log(`after device.destroy(): ${errors[12]}`);
  await page.close();  // the last test on the shared page (its device is destroyed)
});

test('with WebGPU disabled the attention page runs every batched call on wasm and says why', async () => {
  const off = await launch({ gpu: false });
  try {
    const page = await openPage(off.browser, `${off.url}vit.html#gpu=on&thumbs=attention`);
    await page.waitForSelector('#vit-train button.primary:not([disabled])', { timeout: 60000 });
    await page.waitForFunction(() => window.neuroaiVit.galleryMaps, null, { timeout: 60000 });
    const line = await page.textContent('#evaluation .vit-compute-path');
    console.log(`WebGPU disabled: ${line}`);
    assert.match(line, /^Compute path for classification and evaluation: WebAssembly \(no WebGPU here: (no navigator\.gpu|no adapter)\)\.$/);
    const r = await page.evaluate(async () => {
      const v = window.neuroaiVit;
      const evaluation = await v.trainer.call('evaluate', 48, null);
      const distance = await v.trainer.call('meanAttentionDistance');
      return { evaluation: [evaluation.compute.path, evaluation.images, evaluation.accuracy], distance: [distance.path, distance.images] };
    });
    assert.deepEqual(r.evaluation.slice(0, 2), ['wasm', 48]);
    assert.ok(r.evaluation[2] > 0.85, `accuracy ${r.evaluation[2]}`);
    assert.deepEqual(r.distance, ['wasm', 48]);
    await page.evaluate(() => window.neuroaiVit.benchmarkPaths());
    assert.match(await page.textContent('#evaluation .vit-bench-result'), /^WebAssembly: [\d,]+ images\/s \([\d,]+ images\)\. WebGPU: not available here\.$/);
    assert.deepEqual(page.problems, []);
    await page.close();
  } finally {
    await off.close();
  }
});
