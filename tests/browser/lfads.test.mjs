// The LFADS page in headless Chromium: the shipped weights load; the raster (held-out neurons and
// forward bins marked), rates and the 3-D trajectories render; the measured comparison shows
// LFADS's row first, then the shipped baselines' rows (GPFA, smoothing, smoothed PSTH), scored on
// the same trials in the same worker, with finite numbers in both tables (held-out trials, held-out conditions) and the decoding chart;
// the held-out conditions' view; the page at phone width; training runs in the worker.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { accessibilityViolations, inkPixels, launch, openPage, screenshot } from './browser.mjs';

let env;
before(async () => { env = await launch(); });
after(async () => { await env?.close(); });

const ready = (page) => page.waitForSelector('#lfads-lab button.primary:not([disabled])', { timeout: 60000 });
const BASELINE_TIMEOUT = 120000;  // scoring the shipped baselines: about a second in wasm, more on a loaded machine

/** A comparison table as {method: [numbers]} (the page writes a true minus sign). */
const readTable = (page, set) => page.$$eval(`#lfads-comparison table[data-set="${set}"] tbody tr`, (rows) => Object.fromEntries(rows.map((r) =>
  [r.dataset.method, [...r.querySelectorAll('td')].map((td) => Number(td.textContent.replace('−', '-')))])));

test('the shipped model: raster, rates, the comparison tables (LFADS first, then the baselines), decoding, the 3-D view, conditions, phone width', async () => {
  const page = await openPage(env.browser, `${env.url}lfads.html`);
  const t0 = Date.now();
  await ready(page);
  const tReady = Date.now();  // the shipped weights were evaluated before the page was ready
  assert.match(await page.textContent('#lfads-lab .status'), /Showing the shipped weights/);
  // LFADS's row first; the baselines follow once scored on the same trials.
  await page.waitForSelector('#lfads-comparison table[data-set="heldOutTrials"] tr[data-method="lfads"]', { timeout: 60000 });
  console.log(`LFADS row after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  let table = await readTable(page, 'heldOutTrials');
  assert.equal(table.lfads.length, 5);
  assert.ok(table.lfads.length === 5 && table.lfads.every(Number.isFinite), JSON.stringify(table));
  const m = await page.evaluate(() => window.neuroaiLfads.panel.metrics);
  assert.deepEqual(m.counts, { train: 120, heldOut: 260, conditions: 80 });
  assert.ok(m.heldOutTrials.rateR2 > 0.7, `shipped rate R2 on 260 held-out trials: ${m.heldOutTrials.rateR2}`);
  assert.ok(m.heldOutTrials.coBps > 0.1 && m.heldOutConditions.coBps > 0.1, JSON.stringify(m));
  assert.match(await page.textContent('#lfads-lab .canvas-summary'), /Held-out trial 1 \(condition \d+\): \d+ spikes from 50 neurons over 120 bins of 10 ms; \d+ of them .* never read/);
  assert.match(await page.textContent('#lfads-lab figure:nth-child(2) figcaption'), /neuron 0 \(held in\).*after 1000 ms \(shaded\) predicted without reading any spikes/);
  await page.waitForFunction(() => window.neuroaiLfads.panel.traj, null, { timeout: 60000 });
  // The 3-D view drew coloured lines (WebGL through SwiftShader here).
  const drawn = await inkPixels(page, 'canvas.trajectories');
  assert.ok(drawn > 2000, `trajectory pixels: ${drawn}`);
  assert.match(await page.textContent('#lfads-trajectories .canvas-summary'), /40 of the 260 held-out trials drawn .* explain R² = 0\.\d+/);

  // The baselines' rows, on the same trials, with the settings cross-validation chose.
  await page.waitForSelector('#lfads-comparison table[data-set="heldOutConditions"] tr[data-method="gpfa"]', { timeout: BASELINE_TIMEOUT });
  const status = await page.evaluate(() => window.neuroaiLfads.panel.snapshot.baselines);
  assert.equal(status.state, 'done');
  console.log(`shipped baselines (${JSON.stringify(status.settings)}) shown ${((Date.now() - t0) / 1000).toFixed(1)} s after load`);
  table = await readTable(page, 'heldOutTrials');
  assert.deepEqual(Object.keys(table), ['lfads', 'gpfa', 'smoothing', 'psth']);
  const conditions = await readTable(page, 'heldOutConditions');
  assert.deepEqual(Object.keys(conditions), ['lfads', 'gpfa', 'smoothing'], 'no PSTH for held-out conditions');
  for (const [method, row] of [...Object.entries(table), ...Object.entries(conditions)]) assert.ok(row.length === 5 && row.every(Number.isFinite), `${method}: ${row}`);
  console.log(`held-out trials (co-bps, fp-bps, rate R2, PSTH R2, decoding R2): ${JSON.stringify(table)}; held-out conditions: ${JSON.stringify(conditions)}`);
  assert.ok(table.lfads[0] > table.smoothing[0], 'LFADS co-bps above spike smoothing');
  assert.match(await page.textContent('#lfads-comparison .lfads-baseline-settings'),
    /Baselines fitted on the 1040 training trials by the native CLI \(shipped with the page\).*spike smoothing σ = \d+ bins? \(\d+ ms\).*smoothed PSTH σ = \d+ bins? \(\d+ ms\); GPFA with (4|8|12) latents on (10|20) ms bins\.$/);
  assert.match(await page.textContent('#lfads-comparison .lfads-no-psth'), /these conditions have none/);
  assert.equal(await page.$$eval('#lfads-comparison .metric-notes dt', (d) => d.length), 5);
  const decoding = await page.textContent('#lfads-decoding-summary');
  assert.match(decoding, /on 260 held-out trials.*LFADS 0\.\d+, GPFA 0\.\d+, smoothing 0\.\d+, smoothed PSTH 0\.\d+\./);
  await screenshot(page, 'lfads');

  // The held-out conditions: the raster, rates and the 3-D view of a Lorenz start never seen in training.
  await page.locator('#lfads-lab .lil-controller', { hasText: 'trials shown' }).locator('select').selectOption({ label: 'held-out conditions' });
  await page.waitForFunction(() => /^Trial 1 of the held-out conditions/.test(document.querySelector('#lfads-lab .canvas-summary')?.textContent ?? ''), null, { timeout: 60000 });
  await page.waitForFunction(() => /of the 200 trials of held-out conditions drawn/.test(document.querySelector('#lfads-trajectories .canvas-summary')?.textContent ?? ''),
    null, { timeout: 60000 });
  await page.locator('#lfads-lab .lil-controller', { hasText: '3-D: trials' }).locator('select').selectOption('one');
  await page.waitForFunction(() => /^Trial 1 of the held-out conditions \(condition \d+\) drawn/.test(document.querySelector('#lfads-trajectories .canvas-summary')?.textContent ?? ''));
  assert.match(await page.evaluate(() => location.hash), /set=conditions/);
  assert.ok(await inkPixels(page, 'canvas.trajectories') > 300);
  await screenshot(page, 'lfads-conditions');

  // Unchanged weights are evaluated once, however many snapshots follow the evaluation interval
  // (a second evaluation of the same weights cost every visit a second of wasm, tens of seconds on
  // a software GPU adapter).
  await page.waitForTimeout(Math.max(0, 5500 - (Date.now() - tReady)));
  await page.evaluate(() => new Promise((resolve) => {
    const { trainer } = window.neuroaiLfads.panel;
    trainer.addEventListener('snapshot', resolve, { once: true });
    trainer.refresh();
  }));
  assert.equal(await page.evaluate(() => window.neuroaiLfads.panel.snapshot.metrics.evaluation), 1, 'evaluations of the shipped weights');

  // Phone width: nothing wider than the screen; the tables scroll inside their box.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(500);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(overflow <= 390, `page width at 390 px: ${overflow}`);
  await screenshot(page, 'lfads-phone');
  assert.deepEqual(await accessibilityViolations(page), [], 'axe-core');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('training from scratch runs in the worker and the losses fall; a trial beyond its set is refused with a note', async () => {
  const page = await openPage(env.browser, `${env.url}lfads.html#start=scratch&generator=16&factors=4&set=conditions&trial=230`);
  await ready(page);
  assert.match(await page.textContent('.hash-note'), /Ignored in the link: trial=230/);
  // The summary follows the first snapshot, which may come after the buttons are enabled.
  await page.waitForFunction(() => /^Trial 1 of the held-out conditions/.test(document.querySelector('#lfads-lab .canvas-summary')?.textContent ?? ''),
    null, { timeout: 60000 });
  await page.click('#lfads-lab button.primary');
  await page.waitForFunction(() => window.neuroaiLfads.panel.lossChart.length > 8, null, { timeout: 90000 });
  await page.click('#lfads-lab button.primary');
  const losses = await page.evaluate(() => window.neuroaiLfads.panel.lossChart.data[1].filter(Number.isFinite));
  assert.ok(losses.at(-1) < losses[0], `reconstruction ${losses[0]} -> ${losses.at(-1)}`);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a replica in a real worker: the split step equals the one-thread step, loss parts included (the worker passes the whole answer); a split evaluation scores as evaluate() does', async () => {
  const page = await openPage(env.browser, `${env.url}index.html`, { width: 800, height: 600 });
  const r = await page.evaluate(async () => {
    const { default: createNeuroAI } = await import('./wasm/neuroai.mjs');
    const { createReplicas, parallelInfer, parallelStep } = await import('./js/engine/replicas.js');
    const M = await createNeuroAI();
    const config = { factors: 4, generator: 16, encoder: 16, ic: 8, batch: 6, seed: 3, rampSteps: 2 };
    const one = new M.LfadsLab(config), two = new M.LfadsLab(config);
    const replicas = await createReplicas(1, 'LfadsLab', { ...config, replica: true });
    const steps = [];
    for (let s = 0; s < 4; ++s) {
      const a = one.trainSteps(1);
      await parallelStep(two, replicas, two.batchSize());
      steps.push([a, two.lastLosses()]);
    }
    // The evaluation's trials split with the replica worker (the page's evaluation on 2 threads).
    const sets = { train: 10, heldOut: 13, conditions: 7 };
    const spikes = two.evalSpikes(sets), outputs = {};
    for (const key of ['train', 'heldOut', 'conditions']) outputs[key] = await parallelInfer(two, replicas, spikes[key], sets[key], two.config().bins);
    const evaluation = [JSON.stringify(two.evaluateOutputs(sets, outputs)), JSON.stringify(two.evaluate(sets))];
    replicas.dispose();
    one.delete();
    two.delete();
    return { steps, evaluation };
  });
  assert.equal(r.evaluation[0], r.evaluation[1], 'the split evaluation: the same scores, bit for bit');
  for (const [a, b] of r.steps)
    for (const k of ['total', 'reconstruction', 'klIc', 'klInputs', 'l2'])
      assert.ok(Math.abs(a[k] - b[k]) <= 1e-4 * Math.max(1, Math.abs(a[k])), `step ${a.steps} ${k}: 2 threads ${b[k]}, 1 thread ${a[k]}`);
  assert.deepEqual(page.problems, []);
  await page.close();
});
