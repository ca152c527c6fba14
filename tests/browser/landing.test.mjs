// The landing page in headless Chromium (served with the strict CSP): it loads cleanly, the
// spiral MLP trains in the worker while the page stays responsive, and the knobs live in the URL.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { accessibilityViolations, launch, openPage, screenshot } from './browser.mjs';

let env;
before(async () => { env = await launch(); });
after(async () => { await env?.close(); });

const ready = (page) => page.waitForSelector('#spiral-panel button.primary:not([disabled])', { timeout: 30000 });
const snapshot = (page) => page.evaluate(() => window.neuroaiDemo.snapshot && { ...window.neuroaiDemo.snapshot, grid: null });

test('the landing page loads without console errors and reports capabilities', async () => {
  const page = await openPage(env.browser, env.url);
  await ready(page);
  await page.waitForFunction(() => !document.getElementById('cap-gpu').textContent.includes('checking'));
  assert.match(await page.textContent('#cap-wasm'), /WebAssembly SIMD: available/);
  assert.match(await page.textContent('#cap-gpu'), /WebGPU: (adapter found|not available)/);
  const titles = await page.$$eval('.study-card h3', (els) => els.map((e) => e.textContent));
  for (const name of ['PredNet', 'replay', 'Vision Transformer', 'LFADS', 'Episodic memory', 'Glossary'])
    assert.ok(titles.some((t) => t.includes(name)), `landing page names ${name}`);
  await screenshot(page, 'landing-initial');
  assert.deepEqual(await accessibilityViolations(page), [], 'axe-core');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the spiral MLP trains in the worker: loss falls, the picture and chart update', async () => {
  const page = await openPage(env.browser, `${env.url}#speed=max`);
  await ready(page);
  await page.waitForFunction(() => window.neuroaiDemo.snapshot);
  const first = await snapshot(page);
  assert.equal(first.step, 0);
  await page.click('#spiral-panel button.primary');
  await page.waitForFunction(() => window.neuroaiDemo.snapshot.step > 1500, null, { timeout: 30000 });
  const later = await snapshot(page);
  assert.ok(later.fullLoss < 0.5 * first.fullLoss, `loss fell: ${first.fullLoss} -> ${later.fullLoss}`);
  assert.ok(later.accuracy > 0.8, `accuracy ${later.accuracy}`);
  assert.ok(await page.evaluate(() => window.neuroaiDemo.chart.length) > 3, 'the loss chart has points');
  // The decision picture is drawn: several distinct colours on the canvas.
  const colours = await page.evaluate(() => {
    const c = document.querySelector('#spiral-panel canvas.surface');
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    const seen = new Set();
    for (let i = 0; i < px.length; i += 4 * 97) seen.add(`${px[i] >> 4},${px[i + 1] >> 4},${px[i + 2] >> 4}`);
    return seen.size;
  });
  assert.ok(colours > 5, `canvas shows ${colours} colour buckets`);
  assert.match(await page.textContent('#spiral-panel .status'), /steps\/s/);
  await screenshot(page, 'landing-trained');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the page stays responsive while the worker trains flat out', async () => {
  const page = await openPage(env.browser, `${env.url}#speed=max`);
  await ready(page);
  await page.click('#spiral-panel button.primary');
  await page.waitForFunction(() => window.neuroaiDemo.snapshot?.step > 100);
  // Longest gap between animation frames over 1.5 s of training, and the latency of a click.
  const worstFrameGap = await page.evaluate(() => new Promise((resolve) => {
    let last = performance.now(), worst = 0;
    const t0 = last;
    const frame = (t) => {
      worst = Math.max(worst, t - last);
      last = t;
      if (t - t0 < 1500) requestAnimationFrame(frame); else resolve(worst);
    };
    requestAnimationFrame(frame);
  }));
  assert.ok(worstFrameGap < 250, `longest frame gap ${worstFrameGap.toFixed(0)} ms`);
  // Pause, timed in the page from the click to the button's new label: the page's latency, not
  // that of the test driver (seconds on a loaded 2-core machine).
  const pauseMs = await page.evaluate(() => new Promise((resolve) => {
    const button = document.querySelector('#spiral-panel button.primary');
    const t0 = performance.now();
    const observer = new MutationObserver(() => {
      if (button.textContent !== 'Start') return;
      observer.disconnect();
      resolve(performance.now() - t0);
    });
    observer.observe(button, { childList: true, characterData: true, subtree: true });
    button.click();
  }));
  assert.ok(pauseMs < 1000, `pause acknowledged after ${pauseMs.toFixed(0)} ms`);
  const paused = (await snapshot(page)).step;
  await page.waitForTimeout(300);
  assert.equal((await snapshot(page)).step, paused, 'no training while paused');
  // The paused page shows the model as it is (the last slice's steps are reported at pause), so a
  // step from here is exactly one more.
  await page.click('#spiral-panel button:has-text("Step")');
  await page.waitForFunction((n) => window.neuroaiDemo.snapshot.step > n, paused);
  assert.equal((await snapshot(page)).step, paused + 1, 'one step after the pause');
  await page.close();
});

test('step advances one step and reset starts over', async () => {
  const page = await openPage(env.browser, env.url);
  await ready(page);
  await page.waitForFunction(() => window.neuroaiDemo.snapshot);
  for (let i = 1; i <= 3; i++) {
    await page.click('#spiral-panel button:has-text("Step")');
    await page.waitForFunction((n) => window.neuroaiDemo.snapshot.step === n, i);
  }
  await page.click('#spiral-panel button:has-text("Reset")');
  await page.waitForFunction(() => window.neuroaiDemo.snapshot.step === 0);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('knobs come from the URL hash, and a hostile hash falls back to defaults', async () => {
  const page = await openPage(env.browser, `${env.url}#hidden=8&seed=5&activation=relu`);
  await ready(page);
  assert.deepEqual(await page.evaluate(() => {
    const s = window.neuroaiDemo.state;
    return [s.hidden, s.seed, s.activation];
  }), [8, 5, 'relu']);
  const hostile = `${env.url}#hidden=%3Cimg%20src%3Dx%20onerror%3Dalert(1)%3E&lr=NaN&evil=%3Cscript%3E`;
  await page.goto('about:blank');
  let dialogs = 0;
  page.on('dialog', (d) => { dialogs++; d.dismiss(); });
  await page.goto(hostile);
  await ready(page);
  assert.deepEqual(await page.evaluate(() => [window.neuroaiDemo.state.hidden, window.neuroaiDemo.state.lr]), [32, 0.01]);
  const note = await page.textContent('#spiral-panel .note');
  assert.match(note, /Ignored in the link/);
  assert.equal(await page.$$eval('#spiral-panel img', (els) => els.length), 0, 'no markup from the hash reached the DOM');
  assert.equal(dialogs, 0);
  await page.close();
});

test('without WebGPU the page says so and the wasm path still trains', async () => {
  const noGpu = await launch({ gpu: false });
  try {
    const page = await openPage(noGpu.browser, `${noGpu.url}#speed=max`);
    await ready(page);
    await page.waitForFunction(() => !document.getElementById('cap-gpu').textContent.includes('checking'));
    assert.match(await page.textContent('#cap-gpu'), /WebGPU: not available/);
    await page.click('#spiral-panel button.primary');
    await page.waitForFunction(() => window.neuroaiDemo.snapshot?.step > 200, null, { timeout: 30000 });
    assert.deepEqual(page.problems, []);
  } finally {
    await noGpu.close();
  }
});
