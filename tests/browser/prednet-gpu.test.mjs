// PredNet's batched rollouts on WebGPU (web/js/gpu/prednet-forward.js, run from the core's plan
// PredNet.forwardPlan) on Chromium's SwiftShader adapter, against the wasm core's predict() with the
// shipped blob weights: every predicted pixel within TOLERANCE on 3 held-out sequences (passes of
// 2 and 1: a partial last pass) and on one with extrapolation, and the tiled GEMM on a small fresh
// model; bad arguments refused by name. Then the
// PredNet page: with gpu=on its measurement runs on WebGPU (4 sequences on this CPU software
// adapter, 128 on a GPU) and says so; with
// WebGPU disabled the same page measures on wasm and says why.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, openPage, screenshot } from './browser.mjs';

const SEQUENCES = 3;
const GPU_BATCH = 2;
// max |pixel_gpu - pixel_wasm|: float32 on both sides, convolutions summed in another order
// (im2col + GEMM vs the core's), exp-based tanh, through 10 steps of three ConvLSTM layers.
const TOLERANCE = 1e-4;

let env;
before(async () => { env = await launch({ gpu: true }); });
after(async () => { await env?.close(); });

const measured = (page) => page.waitForSelector('#prednet-metrics', { timeout: 240000 });

test(`GPU rollouts = wasm predict() on ${SEQUENCES} held-out sequences with the shipped weights`, async () => {
  const page = await openPage(env.browser, `${env.url}gpu-check.html`);
  const r = await page.evaluate(async ({ n, batch }) => {
    const { default: createNeuroAI } = await import('./wasm/neuroai.mjs');
    const { acquireDevice } = await import('./js/gpu/device.js');
    const { fetchSource } = await import('./js/gpu/kernels.js');
    const PF = await import('./js/gpu/prednet-forward.js');
    const M = await createNeuroAI();
    const m = new M.PredNetLab({});
    m.loadWeights(new Uint8Array(await (await fetch('./assets/prednet/prednet-blobs.nrai')).arrayBuffer()));
    const got = await acquireDevice();
    if (!got.device) throw new Error(`no WebGPU device: ${got.reason}`);
    const maxDiff = (a, b) => a.reduce((s, v, i) => Math.max(s, Math.abs(v - b[i])), 0);
    const out = { adapter: got.adapterName };
    // The tiled GEMM (the GPUs' default) is ten times slower than the plain one on SwiftShader: it
    // is checked on a small fresh model (16 x 16 frames, 4 steps, the same three layers).
    const small = new M.PredNetLab({ size: 16, frames: 4 });
    const cases = [['naive, all frames', m, -1, 'naive', n], ['naive, extrapolating from step 5', m, 5, 'naive', 1],
      ['tiled, all frames (small fresh model)', small, -1, 'tiled', 1]];
    for (const [label, model, ex, gemm, count] of cases) {
      const plan = ex < 0 ? model.forwardPlan() : model.forwardPlan(ex);
      const gpu = await PF.createPredNetForward(got.device, plan, { loadSource: fetchSource, batch, gemm });
      const x = model.heldOut(count);
      let t = performance.now();
      const want = model.predict(x, ex).predictions;
      const wasmMs = performance.now() - t;
      t = performance.now();
      const p = await gpu.predict(x, count);
      out[label] = { count, maxAbsDiff: maxDiff(p, want), gpuMs: performance.now() - t, wasmMs, finite: p.every(Number.isFinite) };
      gpu.destroy();
    }
    small.delete();
    const messages = [];
    const attempt = async (f) => { try { await f(); messages.push('no error'); } catch (e) { messages.push(e.message); } };
    const plan = m.forwardPlan();
    const gpu = await PF.createPredNetForward(got.device, plan, { loadSource: fetchSource, batch: 2, gemm: 'naive' });
    await attempt(() => gpu.predict(new Float32Array(7), 1));
    await attempt(() => gpu.predict(new Float32Array(10 * 1024).fill(2), 1));
    await attempt(() => PF.createPredNetForward(got.device, { ...plan, ops: [{ ...plan.ops[0], op: 'conv5x5' }, ...plan.ops.slice(1)] }));
    await attempt(() => PF.createPredNetForward(got.device, plan, { batch: 0 }));
    out.messages = messages;
    return out;
  }, { n: SEQUENCES, batch: GPU_BATCH });
  for (const [label, s] of Object.entries(r)) {
    if (!s?.count) continue;
    console.log(`${label}: ${s.count} sequences, max |d pixel| ${s.maxAbsDiff.toExponential(2)}; ${s.gpuMs.toFixed(0)} ms on ${r.adapter} (a CPU software adapter), wasm ${s.wasmMs.toFixed(0)} ms`);
    assert.ok(s.finite && s.maxAbsDiff <= TOLERANCE, `${label}: ${JSON.stringify(s)}`);
  }
  assert.match(r.messages[0], /predict: frames: expected a Float32Array of count \* 10 frames \* 1024 pixels = 10240, got length 7/);
  assert.match(r.messages[1], /predict: frames\[0\]: expected a pixel in \[0, 1\], got 2/);
  assert.match(r.messages[2], /createPredNetForward: plan\.ops\[0\]\.op: expected one of linear/);
  assert.match(r.messages[3], /createPredNetForward: batch: expected an integer in \[1, 1024\], got 0/);
  assert.match(r.adapter, /swiftshader/i);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the PredNet page with gpu=on: the measurement\'s rollouts on WebGPU, the path line, both paths compared', async () => {
  const page = await openPage(env.browser, `${env.url}prednet.html#gpu=on`);
  await measured(page);
  const line = await page.textContent('.prednet-compute-path');
  console.log(`gpu=on: ${line}`);
  assert.match(line, /Compute path for the rollouts: WebGPU, 4 held-out sequences \(.*swiftshader.*4 held-out sequences run on WGSL kernels \(fewer on a CPU software adapter\); checked against wasm on 1 held-out sequence: largest difference \d\.\de-(\d{2}|[5-9])\)/i);
  assert.match(await page.textContent('#prednet-metrics caption'), /on 4 held-out bouncing-blob sequences/);
  const mse = await page.$$eval('#prednet-metrics tbody tr', (rows) => rows.map((r) => Number(r.children[1].textContent)));
  assert.ok(mse[0] < mse[1] / 2, `PredNet ${mse[0]} vs copy-last ${mse[1]}`);
  await page.click('button:has-text("Compare both paths")');
  await page.waitForFunction(() => /WebGPU \(/.test(document.querySelector('.prednet-compare')?.textContent ?? ''), null, { timeout: 180000 });
  const text = await page.textContent('.prednet-compare');
  const diff = Number(await page.getAttribute('.prednet-compare', 'data-max-abs-diff'));
  console.log(`page comparison: ${text}`);
  assert.ok(diff <= TOLERANCE, `page: largest pixel difference ${diff}`);
  await screenshot(page, 'prednet-webgpu');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('with WebGPU disabled the PredNet page measures on wasm and says why', async () => {
  const off = await launch({ gpu: false });
  try {
    const page = await openPage(off.browser, `${off.url}prednet.html#gpu=on`);
    await measured(page);
    const line = await page.textContent('.prednet-compute-path');
    console.log(`WebGPU disabled: ${line}`);
    assert.match(line, /Compute path for the rollouts: WebAssembly, 32 held-out sequences \(no WebGPU here: (no navigator\.gpu|no adapter)\)/);
    await page.click('button:has-text("Compare both paths")');
    await page.waitForFunction(() => /WebGPU: not available here/.test(document.querySelector('.prednet-compare')?.textContent ?? ''), null, { timeout: 60000 });
    await screenshot(page, 'prednet-wasm');
    assert.deepEqual(page.problems, []);
    await page.close();
  } finally {
    await off.close();
  }
});
