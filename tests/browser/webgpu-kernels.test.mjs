// The WGSL kernels (web/js/gpu) on Chromium's SwiftShader WebGPU adapter, checked against the wasm
// core by gpu-check.html (served with the strict CSP): every kernel within its tolerance, the
// comparison able to fail, the page accessible (axe-core); and with WebGPU off, the page says why the GPU
// path is inactive, without errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { accessibilityViolations, launch, openPage, screenshot } from './browser.mjs';

const KERNELS = ['gemm', 'gemm_naive', 'add_bias', 'mul_bias', 'relu', 'gelu', 'softmax', 'layernorm', 'gru', 'concat', 'repeat_rows',
  'convlstm', 'error_units', 'upsample2x', 'maxpool2x2', 'clamp', 'take_step', 'attention_weights', 'attention', 'attention_distance',
  'conv2d 3x3 (im2col + gemm)'];
const finished = (page) => page.waitForFunction(() => window.neuroaiGpuCheck?.done, null, { timeout: 120000 });

let env;
before(async () => { env = await launch({ gpu: true }); });
after(async () => { await env?.close(); });

test('every WGSL kernel matches the wasm core within tolerance on SwiftShader', async () => {
  const page = await openPage(env.browser, `${env.url}gpu-check.html`);
  await finished(page);
  const state = await page.evaluate(() => window.neuroaiGpuCheck);
  assert.equal(state.error, null);
  assert.equal(state.active, 'webgpu', `active path: ${state.active} (${state.reason})`);
  assert.match(await page.textContent('#gpu-path'), /Active path: WebGPU/);
  assert.match(await page.textContent('#gpu-reason'), /WebGPU adapter: .*swiftshader/i);
  for (const kernel of KERNELS) assert.ok(state.results.some((r) => r.kernel === kernel), `${kernel} was checked`);
  // Shapes that are not multiples of the tiles, and ones that span several tiles.
  for (const shape of ['1x1x1', '17x33x65', '128x256x64']) assert.ok(state.results.some((r) => r.kernel === 'gemm' && r.shape === shape), shape);
  const table = state.results.map((r) => `${r.kernel.padEnd(28)} ${r.shape.padEnd(34)} abs ${r.maxAbsError.toExponential(2)} rel ${r.maxRelError.toExponential(2)} (tol ${r.tolerance})`);
  console.log(table.join('\n'));
  for (const r of state.results) assert.ok(r.ok, `${r.kernel} ${r.shape}: max rel error ${r.maxRelError} > ${r.tolerance}`);
  assert.equal(await page.$$eval('#gpu-results tbody tr', (rows) => rows.length), state.results.length);
  assert.match(await page.textContent('#gpu-summary'), new RegExp(`All ${state.results.length} kernel runs match`));
  await screenshot(page, 'gpu-check-swiftshader');
  assert.deepEqual(await accessibilityViolations(page), [], 'axe-core');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the comparison fails a wrong kernel result, large dispatches fold into 2-D, bad arguments are refused by name', async () => {
  const page = await openPage(env.browser, `${env.url}gpu-check.html`);
  await finished(page);
  const outcome = await page.evaluate(async () => {
    const K = await import('./js/gpu/kernels.js');
    const V = await import('./js/gpu/validate.js');
    const { acquireDevice } = await import('./js/gpu/device.js');
    const { device } = await acquireDevice();
    await K.initKernels(device, K.fetchSource);
    const rand = V.seededRandom(5);
    const m = 19, k = 23, n = 19;
    const a = rand(m * k), b = rand(k * n);
    // A naive JS product of A and B^T, and the GPU's A B with and without transB.
    const ref = new Float32Array(m * n), scale = new Float32Array(m * n);
    for (let i = 0; i < m; ++i) for (let j = 0; j < n; ++j) for (let p = 0; p < k; ++p) {
      ref[i * n + j] += a[i * k + p] * b[j * k + p];
      scale[i * n + j] += Math.abs(a[i * k + p] * b[j * k + p]);
    }
    const right = await K.readBack(device, K.gemm(device, { a, b, m, k, n, transB: true }));
    const wrong = await K.readBack(device, K.gemm(device, { a, b, m, k, n }));
    // More than 65535 workgroups of 256: the dispatch folds into two dimensions.
    const big = 256 * 65535 + 1000;
    const z = Float32Array.from({ length: big }, (_, i) => (i % 5) - 2);
    const zr = await K.readBack(device, K.relu(device, { x: z, length: big }));
    let foldedWrong = 0;
    for (let i = 0; i < big; ++i) if (zr[i] !== Math.max(z[i], 0)) foldedWrong++;
    const errors = [];
    for (const f of [
      () => K.gemm(device, { a, b: new Float32Array(3), m, k, n }),
      () => K.softmax(device, { x: new Float32Array(4), rows: 0, cols: 4 }),
      () => K.layernorm(device, { x: new Float32Array(4), gamma: [1, 1], beta: new Float32Array(2), rows: 2, cols: 2 }),
    ]) {
      try { f(); errors.push('no error'); } catch (e) { errors.push(e.message); }
    }
    device.destroy();
    return {
      right: V.compare(right, ref, (i) => scale[i], 1e-4),
      wrong: V.compare(wrong, ref, (i) => scale[i], 1e-4),
      errors,
      foldedWrong,
    };
  });
  assert.ok(outcome.right.ok, `A B^T matches the JS product: ${JSON.stringify(outcome.right)}`);
  assert.ok(!outcome.wrong.ok && outcome.wrong.maxRelError > 1e-2, `A B (no transB) is caught: ${JSON.stringify(outcome.wrong)}`);
  assert.equal(outcome.foldedWrong, 0, 'relu over 256 * 65535 + 1000 values (a 2-D dispatch)');
  assert.match(outcome.errors[0], /gemm: b: expected a Float32Array of length 437, got length 3/);
  assert.match(outcome.errors[1], /softmax: rows: expected an integer >= 1, got 0/);
  assert.match(outcome.errors[2], /layernorm: gamma: expected a Float32Array or a GPUBuffer, got object/);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('with WebGPU off the page says why the GPU path is inactive, without errors', async () => {
  const off = await launch({ gpu: false });
  try {
    const page = await openPage(off.browser, `${off.url}gpu-check.html`);
    await finished(page);
    const state = await page.evaluate(() => window.neuroaiGpuCheck);
    assert.equal(state.error, null);
    assert.equal(state.active, 'wasm');
    assert.match(state.reason, /^(no navigator\.gpu|no adapter|requestAdapter failed|requestDevice failed)/);
    assert.match(await page.textContent('#gpu-path'), /Active path: WebAssembly \(the WebGPU path is inactive\)/);
    assert.match(await page.textContent('#gpu-reason'), /Why: (no navigator\.gpu|no adapter|request)/);
    assert.equal(await page.isHidden('#gpu-results'), true);
    await screenshot(page, 'gpu-check-no-webgpu');
    assert.deepEqual(page.problems, []);
    await page.close();
  } finally {
    await off.close();
  }
});
