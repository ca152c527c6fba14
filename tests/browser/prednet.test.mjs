// The predictive-coding page in headless Chromium (strict CSP): it loads the shipped weights and
// plays a sequence, the measured table shows PredNet beating both baselines, a surprise makes the
// error units flare, a closed-loop rollout feeds predictions back, training runs in the worker with its
// charts, and the URL hash holds every knob.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { accessibilityViolations, launch, openPage, root, screenshot } from './browser.mjs';

let env;
before(async () => { env = await launch(); });
after(async () => { await env?.close(); });

const open = async (hash = '') => {
  const page = await openPage(env.browser, `${env.url}prednet.html${hash}`);
  await page.waitForSelector('#prednet-panel button.primary:not([disabled])', { timeout: 60000 });
  await page.waitForFunction(() => window.neuroaiPrednet.view, null, { timeout: 30000 });
  return page;
};
/** The layer-0 error of the drawn sequence per time step, and the panel's view options. */
const drawn = (page) => page.evaluate(() => {
  const p = window.neuroaiPrednet;
  const L = p.info.layers;
  const control = p.view.controlLayerError && Array.from({ length: p.info.frames }, (_, t) => p.view.controlLayerError[t * L]);
  return { e0: Array.from({ length: p.info.frames }, (_, t) => p.view.layerError[t * L]), control, state: { ...p.state }, step: p.view.step };
});
const meanOthers = (e, skip) => {
  const xs = e.filter((_, t) => t >= 1 && t !== skip);
  return xs.reduce((a, b) => a + b, 0) / xs.length;
};
/** Number of distinct colours (coarsely bucketed) on a canvas. */
const colours = (page, selector) => page.$eval(selector, (c) => {
  const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
  const seen = new Set();
  for (let i = 0; i < px.length; i += 4 * 7) seen.add(`${px[i] >> 4},${px[i + 1] >> 4},${px[i + 2] >> 4}`);
  return seen.size;
});

test('the page loads the shipped weights, draws every layer and measures PredNet against the baselines', async () => {
  const page = await open();
  assert.equal(await page.getAttribute('#site-nav a[aria-current="page"]', 'href'), 'prednet.html');
  assert.match(await page.textContent('#prednet-panel .init-note'), /3 layers, 126,633 parameters.*shipped weights/);
  await page.waitForSelector('#prednet-metrics', { timeout: 60000 });
  const m = await page.evaluate(() => window.neuroaiPrednet.measurement);
  assert.ok(m.prednetMse <= 0.5 * m.copyLastMse, `PredNet ${m.prednetMse} vs copy-last ${m.copyLastMse}`);
  assert.ok(m.prednetMse < m.linearMse, `PredNet ${m.prednetMse} vs linear ${m.linearMse}`);
  assert.ok(m.prednetSsim > m.copyLastSsim);
  const ratios = Object.fromEntries(m.surprise.map((s) => [s.kind, s.surpriseVsControl]));
  assert.deepEqual(Object.keys(ratios), ['reverse', 'appear', 'occluder']);
  for (const kind of ['reverse', 'appear', 'occluder']) assert.ok(ratios[kind] > 2, `${kind}: ${ratios[kind]}`);
  assert.equal(await page.textContent('#prednet-surprise tr[data-kind="appear"] td.vs-control'), ratios.appear.toPrecision(3));
  assert.match(await page.textContent('#prednet-surprise caption'), /same sequences without the event.*frames 3–9 except 6/);
  assert.match(await page.textContent('#prednet-evaluation .verdict'), /PredNet's MSE is 0\.\d+ of copy-last's/);
  // The filmstrip, every layer's units and the timeline are drawn (not blank).
  assert.ok(await colours(page, '.film-cell.frames') >= 2);
  const rows = await page.$$('.layer-row:not(.layer-head)');
  assert.equal(rows.length, 3);
  for (let l = 0; l < 3; l++) {
    assert.ok(await colours(page, `.layer-row:nth-child(${l + 2}) canvas:last-child`) > 3, `R of layer ${l} is drawn`);
    assert.ok(await colours(page, `.layer-row:nth-child(${l + 2}) canvas:nth-of-type(2)`) > 1, `prediction of layer ${l}`);
  }
  assert.ok(await colours(page, '.error-timeline') > 3);
  assert.match(await page.textContent('#prednet-panel .canvas-summary'), /Frame 6 of 9\. Mean layer-0 error/);
  await screenshot(page, 'prednet-initial');
  assert.deepEqual(await accessibilityViolations(page), [], 'axe-core');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('injecting a surprise makes the layer-0 error flare at that frame; the hash keeps the view', async () => {
  const page = await open();
  const plain = await drawn(page);
  await page.click('button.surprise-button:has-text("Drop in an object")');
  await page.waitForFunction(() => window.neuroaiPrednet.state.surprise === 'appear' && !window.neuroaiPrednet.viewPending);
  await page.waitForFunction(() => /surprise frame/.test(document.querySelector('#prednet-panel .canvas-summary').textContent));
  const appear = await drawn(page);
  assert.equal(appear.state.t, 6, 'the view jumps to the surprise frame');
  const ratio = appear.e0[6] / meanOthers(appear.e0, 6);
  assert.ok(ratio > 2, `layer-0 error at the surprise: ${ratio.toFixed(2)} x the other frames`);
  assert.ok(appear.e0[6] > 3 * plain.e0[6], `flare ${appear.e0[6]} vs ${plain.e0[6]} without the surprise`);
  for (let t = 1; t < 6; t++) assert.equal(appear.e0[t], plain.e0[t], `before the surprise nothing changes (t = ${t})`);
  // The control drawn beside it is the same sequence without the event: the plain view's errors.
  assert.equal(plain.control, undefined, 'no control without a surprise');
  assert.deepEqual(appear.control, plain.e0);
  assert.match(await page.textContent('#prednet-panel .canvas-summary'), /The same sequence without the surprise: /);
  assert.match(page.url(), /surprise=appear/);
  assert.equal(await page.getAttribute('.film-time:nth-child(8)', 'aria-pressed'), 'true');
  await screenshot(page, 'prednet-surprise');
  // Reversal and the occluder flare too; the surprise frame follows the selector.
  await page.selectOption('#prednet-panel select[aria-label="Surprise frame"]', '4');
  await page.click('button.surprise-button:has-text("Reverse a blob")');
  await page.waitForFunction(() => window.neuroaiPrednet.state.surprise === 'reverse' && !window.neuroaiPrednet.viewPending);
  await page.waitForFunction(() => window.neuroaiPrednet.view && window.neuroaiPrednet.sequence.options.surpriseFrame === 4);
  const reverse = await drawn(page);
  assert.equal(reverse.state.t, 4);
  assert.ok(reverse.e0[4] / meanOthers(reverse.e0, 4) > 1.5, `reverse at frame 4: ${reverse.e0}`);
  assert.match(page.url(), /at=4/);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('scrubbing and playback move through time, by mouse and keyboard', async () => {
  const page = await open('#t=2');
  assert.equal((await drawn(page)).state.t, 2);
  await page.click('button[aria-label="Next frame"]');
  assert.match(await page.textContent('.time-label'), /t = 3/);
  await page.focus('input.scrubber');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  assert.equal(await page.evaluate(() => window.neuroaiPrednet.state.t), 5);
  assert.match(page.url(), /t=5/);
  await page.click('.film-time:has-text("8")');
  assert.match(await page.textContent('#prednet-panel .canvas-summary'), /^Frame 8 of 9/);
  await page.click('button:has-text("Play")');
  await page.waitForFunction(() => window.neuroaiPrednet.state.t !== 8, null, { timeout: 5000 });
  await page.click('button:has-text("Pause playback")');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the closed-loop rollout feeds the model its own predictions from the chosen frame', async () => {
  const page = await open('#t=8');
  const normal = await drawn(page);
  await page.selectOption('#prednet-panel select[aria-label="Feed predictions back from frame"]', '5');
  await page.waitForFunction(() => window.neuroaiPrednet.view && window.neuroaiPrednet.sequence.options.extrapolateFrom === 5);
  const ex = await drawn(page);
  for (let t = 5; t < 10; t++) assert.equal(ex.e0[t], 0, `no error signal from frame ${t} on: the input is the prediction`);
  for (let t = 1; t < 5; t++) assert.equal(ex.e0[t], normal.e0[t]);
  // The model keeps predicting blobs on its own (the predicted frames are not blank).
  const mass = await page.evaluate(() => {
    const v = window.neuroaiPrednet.view, plane = 32 * 32;
    return v.predictions.subarray(8 * plane, 9 * plane).reduce((a, b) => a + b, 0);
  });
  assert.ok(mass > 5, `predicted frame 8 holds ${mass} of brightness`);
  assert.match(await page.textContent('#prednet-panel .canvas-summary'), /From frame 5 on the model sees only its own predictions/);
  assert.match(page.url(), /extrap=5/);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('training from scratch runs in the worker: loss and held-out MSE curves, pause, step, reset', async () => {
  const page = await open('#init=scratch&batch=2');
  assert.match(await page.textContent('#prednet-panel .init-note'), /random initial weights/);
  await page.click('#prednet-panel button.primary');
  await page.waitForFunction(() => window.neuroaiPrednet.snapshot?.step >= 12, null, { timeout: 60000 });
  await page.waitForFunction(() => window.neuroaiPrednet.mseChart.length >= 2, null, { timeout: 30000 });
  assert.ok(await page.evaluate(() => window.neuroaiPrednet.lossChart.length) >= 3);
  assert.match(await page.textContent('#prednet-panel .status'), /sequences\/s/);
  assert.match(await page.textContent('#prednet-panel .prednet-training .canvas-summary'), /PredNet MSE .* copy last frame .* linear extrapolation/);
  // The page stays responsive: animation frames keep coming while a step runs in the worker.
  const worstGap = await page.evaluate(() => new Promise((resolve) => {
    let last = performance.now(), worst = 0;
    const t0 = last;
    const frame = (t) => { worst = Math.max(worst, t - last); last = t; if (t - t0 < 1500) requestAnimationFrame(frame); else resolve(worst); };
    requestAnimationFrame(frame);
  }));
  assert.ok(worstGap < 250, `longest frame gap ${worstGap.toFixed(0)} ms`);
  await page.click('#prednet-panel button.primary');  // pause
  await page.waitForFunction(() => document.querySelector('#prednet-panel button.primary').textContent === 'Start');
  const paused = await page.evaluate(() => window.neuroaiPrednet.snapshot.step);
  await page.waitForTimeout(600);
  assert.equal(await page.evaluate(() => window.neuroaiPrednet.snapshot.step), paused, 'no training while paused');
  await page.click('#prednet-panel button:has-text("Step")');
  await page.waitForFunction((n) => window.neuroaiPrednet.snapshot.step === n + 1, paused);
  await page.waitForFunction((n) => window.neuroaiPrednet.view.step === n + 1, paused, { timeout: 10000 });
  await screenshot(page, 'prednet-trained');
  await page.click('#prednet-panel button:has-text("Reset")');
  await page.waitForFunction(() => window.neuroaiPrednet.snapshot.step === 0);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('knobs come from the URL hash; a hostile hash falls back to defaults', async () => {
  const page = await open('#layers=2&loss=Lall&seed=5&lr=0.002');
  const info = await page.evaluate(() => window.neuroaiPrednet.info);
  assert.equal(info.layers, 2);
  assert.deepEqual(info.layerWeights.map((w) => +w.toFixed(2)), [1, 0.1]);
  assert.match(await page.textContent('#prednet-panel .init-note'), /shipped weights are for the 3-layer model/);
  assert.equal(await page.$$eval('.layer-row:not(.layer-head)', (els) => els.length), 2);
  await page.goto('about:blank');
  let dialogs = 0;
  page.on('dialog', (d) => { dialogs++; d.dismiss(); });
  await page.goto(`${env.url}prednet.html#layers=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&lr=Infinity&surprise=boom&evil=%3Cscript%3E`);
  await page.waitForSelector('#prednet-panel button.primary:not([disabled])', { timeout: 60000 });
  assert.deepEqual(await page.evaluate(() => [window.neuroaiPrednet.state.layers, window.neuroaiPrednet.state.lr, window.neuroaiPrednet.state.surprise]),
    [3, 0.001, 'none']);
  assert.match(await page.textContent('#prednet-panel .hash-note'), /Ignored in the link/);
  assert.equal(await page.$$eval('#prednet-panel img', (els) => els.length), 0);
  assert.equal(dialogs, 0);
  await page.close();
});

const subset = path.join(process.env.NEUROAI_SITE ?? path.join(root, 'build/site'), 'assets/vit/fashion-train.bin');
test('moving Fashion-MNIST sprites load in the worker and play with their shipped model', { skip: !fs.existsSync(subset) && 'no Fashion-MNIST subset in this site' }, async () => {
  const page = await open('#data=sprites');
  await page.waitForFunction(() => window.neuroaiPrednet.info?.dataset === 'sprites' && window.neuroaiPrednet.ready, null, { timeout: 60000 });
  await page.waitForFunction(() => window.neuroaiPrednet.view?.frames && !window.neuroaiPrednet.viewPending);
  assert.match(await page.textContent('#prednet-panel .init-note'), /moving Fashion-MNIST sprites; starts from the shipped weights \(trained natively on moving Fashion-MNIST sprites\)/);
  assert.ok(await page.$eval('button.surprise-button', (b) => b.disabled), 'surprises are for blobs only');
  assert.ok(await colours(page, '.film-cell.frames') > 4, 'a textured sprite is drawn');
  await page.waitForSelector('#prednet-metrics', { timeout: 60000 });
  const m = await page.evaluate(() => window.neuroaiPrednet.measurement);
  assert.ok(m.prednetMse < m.copyLastMse && m.prednetMse < m.linearMse, `sprites: PredNet ${m.prednetMse}, copy ${m.copyLastMse}, linear ${m.linearMse}`);
  assert.equal(await page.$('#prednet-surprise'), null, 'no surprise table for sprites');
  await page.click('#prednet-panel button:has-text("Step")');
  await page.waitForFunction(() => window.neuroaiPrednet.snapshot?.step === 1, null, { timeout: 30000 });
  await screenshot(page, 'prednet-sprites');
  assert.deepEqual(page.problems, []);
  await page.close();
});
