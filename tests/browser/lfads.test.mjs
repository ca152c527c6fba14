// The LFADS page in headless Chromium: the shipped weights load, the raster, rates and the 3-D
// trajectories render, metrics and decoding appear, training runs in the worker.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { inkPixels, launch, openPage, screenshot } from './browser.mjs';

let env;
before(async () => { env = await launch(); });
after(async () => { await env?.close(); });

const ready = (page) => page.waitForSelector('#lfads-lab button.primary:not([disabled])', { timeout: 60000 });

test('the shipped model: raster, rates, metrics, decoding and the 3-D view', async () => {
  const page = await openPage(env.browser, `${env.url}lfads.html`);
  await ready(page);
  assert.match(await page.textContent('#lfads-lab .status'), /Showing the shipped weights/);
  await page.waitForFunction(() => window.neuroaiLfads.panel.snapshot?.metrics && window.neuroaiLfads.panel.traj, null, { timeout: 60000 });
  const m = await page.evaluate(() => window.neuroaiLfads.panel.snapshot.metrics);
  assert.ok(m.rateR2 > 0.7, `shipped rate R2 on 48 held-out trials: ${m.rateR2}`);
  assert.ok(m.rateR2 > m.rateR2TrialAverageBaseline && m.rateR2 > m.rateR2SmoothedBaseline);
  assert.match(await page.textContent('#lfads-decoding-summary'), /from the LFADS factors/);
  assert.match(await page.textContent('#lfads-lab .canvas-summary'), /Trial 1 \(condition \d+\): \d+ spikes from 30 neurons/);
  // The 3-D view drew coloured lines (WebGL through SwiftShader here).
  const drawn = await inkPixels(page, 'canvas.trajectories');
  assert.ok(drawn > 2000, `trajectory pixels: ${drawn}`);
  assert.match(await page.textContent('#lfads-trajectories .canvas-summary'), /explain R² = 0\.\d+/);
  await screenshot(page, 'lfads');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('training from scratch runs in the worker and the losses fall', async () => {
  const page = await openPage(env.browser, `${env.url}lfads.html#start=scratch&generator=16&factors=4`);
  await ready(page);
  await page.click('#lfads-lab button.primary');
  await page.waitForFunction(() => window.neuroaiLfads.panel.lossChart.length > 8, null, { timeout: 90000 });
  await page.click('#lfads-lab button.primary');
  const losses = await page.evaluate(() => window.neuroaiLfads.panel.lossChart.data[1].filter(Number.isFinite));
  assert.ok(losses.at(-1) < losses[0], `reconstruction ${losses[0]} -> ${losses.at(-1)}`);
  assert.deepEqual(page.problems, []);
  await page.close();
});
