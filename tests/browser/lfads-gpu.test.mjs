// LFADS's batched inference on WebGPU (web/js/gpu/lfads-forward.js, run from the core's plan
// LfadsLab.forwardPlan) on Chromium's SwiftShader adapter, against the wasm core: with the shipped
// weights (40 held-in neurons read over 100 observed bins, 50 neurons read out over 120 bins) and the
// plain GEMM, log-rates within TOLERANCE on 5 held-out trials over the observed bins (infer(), passes
// of 2, 2 and 1 trials: a partial last pass) and, with factors and inferred inputs, over every bin
// (forward bins included) of the first and last (trial()); the tiled GEMM the same way on a small
// fresh model; bad arguments refused by name. Then the LFADS page: with gpu=on its evaluation runs
// on WebGPU (every trial on a GPU; on this CPU software adapter a subset of 130 held-out + 20
// held-out-condition + 16 training trials, which takes SwiftShader tens of seconds) and says so, and
// its scores match the wasm core's on the same trials; with WebGPU disabled the same page runs on
// wasm and says why; a lost device falls back to wasm without a reload.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, openPage, screenshot } from './browser.mjs';

const TRIALS = 5;
const GPU_BATCH = 2;
const TILED = { trials: 2, batch: 2 };
// max |log-rate_gpu - log-rate_wasm| (and factors, inputs): float32 on both sides, GEMMs summed in
// another order and exp-based sigmoid/tanh, carried through 120 recurrent steps of four GRUs.
const TOLERANCE = 1e-4;

let env;
before(async () => { env = await launch({ gpu: true }); });
after(async () => { await env?.close(); });

const ready = (page) => page.waitForSelector('#lfads-lab button.primary:not([disabled])', { timeout: 120000 });

test(`GPU inference = wasm infer() on ${TRIALS} held-out trials with the shipped weights`, async () => {
  const page = await openPage(env.browser, `${env.url}gpu-check.html`);
  const r = await page.evaluate(async ({ K, batch, tiled }) => {
    const { default: createNeuroAI } = await import('./wasm/neuroai.mjs');
    const { acquireDevice } = await import('./js/gpu/device.js');
    const { builtPipelines, fetchSource } = await import('./js/gpu/kernels.js');
    const LF = await import('./js/gpu/lfads-forward.js');
    const M = await createNeuroAI();
    const got = await acquireDevice();
    if (!got.device) throw new Error(`no WebGPU device: ${got.reason}`);
    // GPU against wasm for the first `count` held-out trials of `lab`: log-rates over the observed
    // bins (infer()) and, with factors and inputs, every bin of the first and last trial (trial()).
    const compare = async (lab, gemm, count, passBatch) => {
      const c = lab.config(), T = c.bins, Tin = c.binsIn, N = c.neurons, F = c.factors;
      const plan = lab.forwardPlan();
      const heldOut = lab.evalSpikes({ train: 2, heldOut: c.heldOut, conditions: 2 }).heldOut.slice(0, count * Tin * c.neuronsIn);
      let t = performance.now();
      const rates = lab.infer(heldOut, count, Tin);  // (count, Tin, N): the observed bins
      const wasmMs = performance.now() - t;
      const gpu = await LF.createLfadsForward(got.device, plan, { loadSource: fetchSource, batch: passBatch, gemm });
      t = performance.now();
      const o = await gpu.infer(heldOut, count);
      const ms = performance.now() - t;
      gpu.destroy();
      let dLog = 0, dFac = 0, dIn = 0;
      for (let k = 0; k < count; ++k) for (let s = 0; s < Tin; ++s) for (let n = 0; n < N; ++n) {
        dLog = Math.max(dLog, Math.abs(o.logRates[(s * count + k) * N + n] - Math.log(rates[(k * Tin + s) * N + n])));
      }
      for (const k of [0, count - 1]) {
        const w = lab.trial(k, 'trials');
        for (let s = 0; s < T; ++s) {
          for (let n = 0; n < N; ++n) dLog = Math.max(dLog, Math.abs(o.logRates[(s * count + k) * N + n] - Math.log(w.inferred[s * N + n])));
          for (let f = 0; f < F; ++f) dFac = Math.max(dFac, Math.abs(o.factors[(s * count + k) * F + f] - w.factors[s * F + f]));
          dIn = Math.max(dIn, Math.abs(o.inputs[s * count + k] - w.inputs[s]));
        }
      }
      return { dLog, dFac, dIn, ms, wasmMs, trials: count, ops: plan.ops.length, finite: o.logRates.every(Number.isFinite),
               length: o.logRates.length, expected: T * count * N };
    };
    const lab = new M.LfadsLab({});
    lab.loadWeights(new Uint8Array(await (await fetch('./assets/lfads/lfads-lorenz.nrai')).arrayBuffer()));
    const out = { adapter: got.adapterName };
    out.naive = await compare(lab, 'naive', K, batch);
    out.builtForNaive = builtPipelines(got.device);  // pipelines are made on first use: no tiled GEMM yet
    // The tiled GEMM (the GPUs' default) is ten times slower than the plain one on SwiftShader: it
    // is checked on a small fresh model (narrow layers: few tiles), 2 trials in one pass.
    const small = new M.LfadsLab({ generator: 16, factors: 4, encoder: 8, ic: 4 });
    out.tiled = await compare(small, 'tiled', tiled.trials, tiled.batch);
    small.delete();
    const c = lab.config(), Tin = c.binsIn;
    const heldOut = lab.evalSpikes({ train: 2, heldOut: c.heldOut, conditions: 2 }).heldOut.slice(0, K * Tin * c.neuronsIn);
    const plan = lab.forwardPlan();
  // Bad arguments, refused by name.
    const messages = [];
    const attempt = async (f) => { try { await f(); messages.push('no error'); } catch (e) { messages.push(e.message); } };
    const gpu = await LF.createLfadsForward(got.device, plan, { loadSource: fetchSource, batch: 4 });
    await attempt(() => gpu.infer(new Float32Array(10), 1));
    await attempt(() => gpu.infer(new Float32Array(Tin * c.neuronsIn).fill(-1), 1));
    await attempt(() => gpu.infer(heldOut.subarray(0, Tin * c.neuronsIn), 0));
    await attempt(() => LF.createLfadsForward(got.device, { ...plan, ops: [{ ...plan.ops[0], op: 'conv9' }, ...plan.ops.slice(1)] }));
    await attempt(() => LF.createLfadsForward(got.device, { ...plan, outputs: [{ name: 'log_rates', steps: ['nowhere'] }] }));
    await attempt(() => LF.createLfadsForward(got.device, plan, { batch: 0 }));
    await attempt(() => LF.createLfadsForward(null, plan));
    await attempt(() => LF.createLfadsForward(got.device, { ...plan, config: { ...plan.config, binsIn: 121 } }));
    out.messages = messages;
    return out;
  }, { K: TRIALS, batch: GPU_BATCH, tiled: TILED });
  for (const gemm of ['naive', 'tiled']) {
    const s = r[gemm];
    console.log(`${gemm} GEMM, ${s.trials} trials, ${s.ops} ops: max |d log-rate| ${s.dLog.toExponential(2)}, max |d factor| ${s.dFac.toExponential(2)}, ` +
      `max |d input| ${s.dIn.toExponential(2)}; ${s.ms.toFixed(0)} ms on ${r.adapter} (a CPU software adapter), wasm ${s.wasmMs.toFixed(0)} ms`);
    assert.ok(s.finite);
    assert.equal(s.length, s.expected, 'log-rates of every neuron over all 120 bins');
    assert.ok(s.dLog <= TOLERANCE && s.dFac <= TOLERANCE && s.dIn <= TOLERANCE, `${gemm}: ${JSON.stringify(s)}`);
  }
  assert.ok(r.builtForNaive.includes('gemmNaive') && r.builtForNaive.includes('gru'), r.builtForNaive.join());
  for (const unused of ['gemm', 'attention', 'convlstmCell']) assert.ok(!r.builtForNaive.includes(unused), `${unused} built for LFADS: ${r.builtForNaive.join()}`);
  const m = r.messages;
  assert.match(m[0], /infer: spikes: expected a Float32Array of trials \* 100 observed bins \* 40 held-in neurons = 4000 counts, got length 10/);
  assert.match(m[1], /infer: spikes\[0\]: expected a finite count >= 0, got -1/);
  assert.match(m[2], /infer: trials: expected a positive integer, got 0/);
  assert.match(m[3], /createLfadsForward: plan\.ops\[0\]\.op: expected one of linear/);
  assert.match(m[4], /createLfadsForward: plan\.outputs\[0\]\.steps: expected 120 activation names, got 1/);
  assert.match(m[5], /createLfadsForward: batch: expected an integer in \[1, 4096\], got 0/);
  assert.match(m[6], /createLfadsForward: device: expected a GPUDevice/);
  assert.match(m[7], /createLfadsForward: plan\.config\.binsIn: expected at most the 120 read-out bins, got 121/);
  assert.match(r.adapter, /swiftshader/i);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the LFADS page with gpu=on: evaluation on WebGPU, the path line, both paths compared', async () => {
  const page = await openPage(env.browser, `${env.url}lfads.html#gpu=on`);
  await ready(page);
  const line = await page.textContent('#lfads-lab .lfads-compute-path');
  assert.match(line, /Compute path for the evaluation: WebGPU, 130 held-out \+ 20 held-out-condition \+ 16 training trials \(.*swiftshader.*on WGSL kernels, over a subset on this CPU software adapter; checked against wasm on 2 held-out trials: largest difference \d\.\de-(\d{2}|[5-9])\)/i);
  await page.waitForFunction(() => window.neuroaiLfads.panel.snapshot?.metrics, null, { timeout: 120000 });
  const m = await page.evaluate(() => window.neuroaiLfads.panel.snapshot.metrics);
  console.log(`page, WebGPU: held-out trials ${JSON.stringify(m.heldOutTrials)}, held-out conditions ${JSON.stringify(m.heldOutConditions)}, ` +
    `factors -> Lorenz R² ${m.factorR2Trials.toFixed(3)} (counts ${JSON.stringify(m.counts)})`);
  assert.deepEqual(m.counts, { train: 16, heldOut: 130, conditions: 20 });
  assert.notEqual(m.heldOutTrials.psthR2, m.heldOutTrials.rateR2, 'two trials of each condition: a PSTH R² of its own');
  assert.equal(m.compute.path, 'webgpu');
  assert.ok(m.heldOutTrials.rateR2 > 0.7 && m.factorR2Trials > 0.7 && m.heldOutConditions.coBps > 0.1, JSON.stringify(m));
  // The table's LFADS row is the GPU's; the wasm core's scores of the same trials agree.
  await page.waitForSelector('#lfads-comparison table[data-set="heldOutTrials"] tr[data-method="lfads"]');
  const wasm = await page.evaluate(async (sets) => {
    const { default: createNeuroAI } = await import('./wasm/neuroai.mjs');
    const M = await createNeuroAI();
    const lab = new M.LfadsLab({});
    lab.loadWeights(new Uint8Array(await (await fetch('./assets/lfads/lfads-lorenz.nrai')).arrayBuffer()));
    const e = lab.evaluate(sets);
    lab.delete();
    return e;
  }, m.counts);
  for (const set of ['heldOutTrials', 'heldOutConditions']) {
    for (const k of ['coBps', 'fpBps', 'rateR2', 'psthR2', 'decodeR2']) assert.ok(Math.abs(m[set][k] - wasm[set][k]) < 1e-3, `${set}.${k}: GPU ${m[set][k]}, wasm ${wasm[set][k]}`);
  }
  await page.click('#lfads-lab button:has-text("Compare both paths")');
  await page.waitForFunction(() => /WebGPU \(/.test(document.querySelector('#lfads-lab .lfads-compare')?.textContent ?? ''), null, { timeout: 180000 });
  const text = await page.textContent('#lfads-lab .lfads-compare');
  const diff = Number(await page.getAttribute('#lfads-lab .lfads-compare', 'data-max-abs-diff'));
  console.log(`page comparison: ${text}`);
  assert.ok(diff <= TOLERANCE, `page: largest log-rate difference ${diff}`);
  await screenshot(page, 'lfads-webgpu');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the path policy: auto skips SwiftShader, a check against wasm gates WebGPU, a lost device falls back to wasm in place, a new path gets a new device', async () => {
  const page = await openPage(env.browser, `${env.url}gpu-check.html`);
  const r = await page.evaluate(async () => {
    const { default: createNeuroAI } = await import('./wasm/neuroai.mjs');
    const { fetchSource } = await import('./js/gpu/kernels.js');
    const LF = await import('./js/gpu/lfads-forward.js');
    const { createGpuPath } = await import('./js/engine/gpu-path.js');
    const M = await createNeuroAI();
    const lab = new M.LfadsLab({ generator: 16, factors: 4, encoder: 8, ic: 4 });
    const c = lab.config();
    const { heldOut } = lab.evalSpikes({ train: 2, heldOut: 2, conditions: 2 });
    // The check compares log-rates of 2 trials (observed bins) with the wasm core's; `skew` adds an error to the GPU side.
    const check = (skew) => async (f) => {
      const logRates = (await f.infer(heldOut, 2)).logRates, rates = lab.infer(heldOut, 2, c.binsIn);
      let d = 0;
      for (let k = 0; k < 2; ++k) for (let t = 0; t < c.binsIn; ++t) for (let n = 0; n < c.neurons; ++n) {
        d = Math.max(d, Math.abs(logRates[(t * 2 + k) * c.neurons + n] + skew - Math.log(rates[(k * c.binsIn + t) * c.neurons + n])));
      }
      return { items: '2 held-out trials', maxAbsDiff: d, tolerance: 1e-4 };
    };
    const options = (mode, skew = null) => ({
      mode, build: (got) => LF.createLfadsForward(got.device, lab.forwardPlan(), { loadSource: fetchSource, batch: 2, gemm: 'naive' }),
      active: (adapter) => `LFADS on ${adapter}`,
      check: skew === null ? null : check(skew),
    });
    const call = (path) => path.run(async (f) => (await f.infer(heldOut, 2), 'webgpu'), () => 'wasm');
    const out = {};
    const auto = await createGpuPath(options('auto'));
    out.auto = { path: auto.path, reason: auto.reason };
    auto.dispose();
    const on = await createGpuPath(options('on'));
    out.before = { path: on.path, reason: on.reason, answered: await call(on) };
    on.got.device.destroy();  // as a lost device: every later GPU call fails
    out.after = { answered: await call(on), path: on.path, reason: on.reason };
    out.again = await call(on);
    on.dispose();
    const fresh = await createGpuPath(options('on'));
    out.fresh = { path: fresh.path, answered: await call(fresh) };
    fresh.dispose();
    for (const [label, skew] of [['checked', 0], ['wrong', 0.01], ['nan', NaN]]) {
      const p = await createGpuPath(options('on', skew));
      out[label] = { path: p.path, reason: p.reason, answered: await call(p) };
      p.dispose();
    }
    try { await createGpuPath(options('fast')); out.badMode = 'no error'; } catch (e) { out.badMode = e.message; }
    out.bins = c.bins;
    return out;
  });
  assert.equal(r.auto.path, 'wasm');
  assert.match(r.auto.reason, /CPU software fallback, slower than wasm; gpu=on in the link uses it anyway/);
  assert.deepEqual([r.before.path, r.before.answered], ['webgpu', 'webgpu']);
  assert.match(r.before.reason, /LFADS on .*swiftshader/i);
  assert.deepEqual([r.after.answered, r.after.path, r.again], ['wasm', 'wasm', 'wasm']);
  assert.match(r.after.reason, /a WebGPU call failed \(.*\); back on the wasm core/);
  console.log(`after device.destroy(): ${r.after.reason}`);
  assert.deepEqual([r.fresh.path, r.fresh.answered], ['webgpu', 'webgpu'], 'a new path acquires a new device');
  assert.deepEqual([r.checked.path, r.checked.answered], ['webgpu', 'webgpu']);
  assert.match(r.checked.reason, /^LFADS on .*; checked against wasm on 2 held-out trials: largest difference \d\.\de-(\d{2}|[5-9])$/i);
  for (const label of ['wrong', 'nan']) {
    assert.deepEqual([r[label].path, r[label].answered], ['wasm', 'wasm'], `${label}: the check keeps the job on wasm`);
    assert.match(r[label].reason, /^a failed validation: on 2 held-out trials the WebGPU results differ from the wasm core's by up to (1\.0e-2|NaN) \(tolerance 0\.0001\); the wasm core runs$/);
  }
  console.log(`a failed check: ${r.wrong.reason}`);
  assert.match(r.badMode, /gpu: expected one of auto, on, off, got fast/);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('with WebGPU disabled the LFADS page evaluates on wasm, split over its 2 training threads, and says why', async () => {
  const off = await launch({ gpu: false });
  try {
    const page = await openPage(off.browser, `${off.url}lfads.html#gpu=on&threads=2`);
    await ready(page);
    await page.waitForFunction(() => window.neuroaiLfads.panel.snapshot?.metrics, null, { timeout: 120000 });
    const line = await page.textContent('#lfads-lab .lfads-compute-path');
    console.log(`WebGPU disabled: ${line}`);
    assert.match(line, /Compute path for the evaluation: WebAssembly on 2 threads, 260 held-out \+ 80 held-out-condition \+ 120 training trials \(no WebGPU here: (no navigator\.gpu|no adapter)\)/);
    const m = await page.evaluate(() => window.neuroaiLfads.panel.snapshot.metrics);
    assert.deepEqual(m.counts, { train: 120, heldOut: 260, conditions: 80 });
    assert.ok(m.heldOutTrials.rateR2 > 0.7, `rate R2 ${m.heldOutTrials.rateR2}`);
    await page.click('#lfads-lab button:has-text("Compare both paths")');
    await page.waitForFunction(() => /WebGPU: not available here/.test(document.querySelector('#lfads-lab .lfads-compare')?.textContent ?? ''), null, { timeout: 60000 });
    await screenshot(page, 'lfads-wasm');
    assert.deepEqual(page.problems, []);
    await page.close();
  } finally {
    await off.close();
  }
});
