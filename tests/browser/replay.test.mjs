// The replay page in headless Chromium: both agents train and draw, the tree view shows the
// batch's paths (proportional) or the rank heap's drawn positions (rank), the Cliffwalk chart
// computes in a worker, knobs come from the hash.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { accessibilityViolations, launch, openPage, screenshot } from './browser.mjs';

let env;
before(async () => { env = await launch(); });
after(async () => { await env?.close(); });

const ready = (page) => page.waitForSelector('#replay-lab button.primary:not([disabled])', { timeout: 30000 });

test('the agents train live: episodes accumulate, boards and curves update, the tree lights up', async () => {
  const page = await openPage(env.browser, `${env.url}replay.html#speed=max&seed=2`);
  await ready(page);
  assert.equal(await page.getAttribute('#site-nav a[aria-current="page"]', 'href'), 'replay.html');
  await page.click('#replay-lab button.primary');
  await page.waitForFunction(() => window.neuroaiReplay.lab.snapshot?.agents[1].returns.length > 60, null, { timeout: 90000 });
  const snap = await page.evaluate(() => {
    const s = window.neuroaiReplay.lab.snapshot;
    return { episodes: s.agents.map((a) => a.returns.length), steps: s.step, batch: s.batch.indices.length,
             points: window.neuroaiReplay.lab.chart.length, stats: document.querySelectorAll('.agent-stats')[1].textContent,
             variant: s.variant };
  });
  assert.ok(snap.episodes[0] > 60 && snap.episodes[1] > 60);
  assert.equal(snap.batch, 32);
  assert.equal(snap.variant, 'proportional', 'a link without a variant keeps the proportional agent');
  assert.match(snap.stats, /β 0\.\d+ \(1 at step 2700\)/, 'the readout shows β and where it reaches 1');
  assert.ok(snap.points > 5, 'the reward chart has points');
  assert.match(snap.stats, /episodes · mean return/);
  // Boards: the Catch canvas shows the orange ball and the blue paddle.
  const colours = await page.evaluate(() => {
    const c = document.querySelector('#replay-lab canvas.board');
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let ball = 0, paddle = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (px[i] > 200 && px[i + 1] < 120 && px[i + 2] < 50) ball++;
      if (px[i] < 30 && px[i + 1] > 90 && px[i + 1] < 130 && px[i + 2] > 160) paddle++;
    }
    return { ball, paddle };
  });
  assert.ok(colours.ball > 20 && colours.paddle > 20, JSON.stringify(colours));
  // The tree: highlighted (orange) nodes exist; the summary names the batch.
  const orange = await page.evaluate(() => {
    const c = document.querySelector('#replay-tree canvas.tree');
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i] > 200 && px[i + 1] > 80 && px[i + 1] < 110 && px[i + 2] < 30) n++;
    return n;
  });
  assert.ok(orange > 200, `orange path pixels: ${orange}`);
  assert.match(await page.textContent('#replay-tree .canvas-summary'), /Last batch: 32 draws from \d+ stored transitions/);
  assert.match(await page.textContent('#replay-results'), /Uniform replay/);
  await screenshot(page, 'replay-training');
  assert.deepEqual(await accessibilityViolations(page), [], 'axe-core');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the rank variant trains and draws its heap with the drawn positions', async () => {
  const page = await openPage(env.browser, `${env.url}replay.html#speed=max&seed=2&variant=rank&alpha=0.7&beta0=0.5`);
  await ready(page);
  assert.match(await page.textContent('#replay-lab .agent:nth-child(2) figcaption'), /Rank-based prioritized replay/);
  await page.click('#replay-lab button.primary');
  await page.waitForFunction(() => window.neuroaiReplay.lab.snapshot?.agents[1].returns.length > 40, null, { timeout: 90000 });
  await page.click('#replay-lab button.primary');  // pause, so the canvas and the snapshot agree
  await page.waitForFunction(() => !window.neuroaiReplay.lab.trainer.running);
  await page.waitForTimeout(300);
  const snap = await page.evaluate(() => {
    const s = window.neuroaiReplay.lab.snapshot;
    return { variant: s.variant, positions: Array.from(s.batch.positions), segments: s.batch.segments.length,
             heap: s.heap.priorities.length, size: s.heap.size, episodes: s.agents[1].returns.length,
             stats: document.querySelectorAll('.agent-stats')[1].textContent };
  });
  assert.equal(snap.variant, 'rank');
  assert.equal(snap.positions.length, 32);
  assert.equal(snap.segments, 33);
  assert.equal(snap.heap, 31);
  assert.ok(snap.positions.every((p) => p >= 0 && p < snap.size));
  assert.match(snap.stats, /β 0\.\d+ \(1 at step 2700\)/);
  // The heap's drawn positions are filled orange: at least one draw lands in the first 31 (rank 1's
  // segment alone holds about 1/32 of the mass), and the strip carries a tick per draw.
  const inTop = snap.positions.filter((p) => p < 31).length;
  assert.ok(inTop >= 1, JSON.stringify(snap.positions));
  const orange = await page.evaluate(() => {
    const count = (c) => {
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i] > 200 && px[i + 1] > 80 && px[i + 1] < 110 && px[i + 2] < 30) n++;
      return n;
    };
    return { tree: count(document.querySelector('#replay-tree canvas.tree')), strip: count(document.querySelector('#replay-tree canvas.leaves')) };
  });
  assert.ok(orange.tree > 100 * inTop, `orange heap nodes: ${JSON.stringify(orange)}`);
  assert.ok(orange.strip > 200, `orange ticks: ${JSON.stringify(orange)}`);
  assert.match(await page.textContent('#replay-tree .canvas-summary'), /Last batch: 32 draws from \d+ stored transitions, heap re-sorted \d+ times/);
  assert.equal(await page.textContent('#tree-title'), 'Inside the rank heap of the rank-based agent');
  assert.match(await page.textContent('#replay-results'), /Rank-based prioritized replay/);
  await screenshot(page, 'replay-rank');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the Blind Cliffwalk chart is computed in a worker', async () => {
  const page = await openPage(env.browser, `${env.url}replay.html#cwseeds=5`);
  await page.waitForSelector('#replay-cliffwalk button.primary:not([disabled])', { timeout: 30000 });
  await page.click('#replay-cliffwalk button.primary');
  await page.waitForFunction(() => document.querySelector('#replay-cliffwalk .status').textContent.startsWith('Done'), null, { timeout: 120000 });
  const rows = await page.evaluate(() => window.neuroaiReplay.cliffwalk.rows);
  assert.deepEqual(rows.map((r) => r.n), [4, 5, 6, 7, 8, 9, 10, 11, 12]);
  const last = rows.at(-1);
  assert.ok(last.prioritized < last.uniform, JSON.stringify(last));
  assert.match(await page.textContent('#replay-results'), /Blind Cliffwalk in this page, n = 10/);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('knobs come from the hash; CartPole draws a cart; hostile values fall back', async () => {
  const page = await openPage(env.browser, `${env.url}replay.html#env=cartpole&alpha=0.3&batch=16&capacity=%3Cb%3E`);
  await ready(page);
  const state = await page.evaluate(() => window.neuroaiReplay.lab.state);
  assert.equal(state.env, 'cartpole');
  assert.equal(state.alpha, 0.3);
  assert.equal(state.batch, 16);
  assert.equal(state.capacity, 10000);
  assert.match(await page.textContent('.note'), /Ignored in the link: capacity=<b>/);
  await page.click('#replay-lab button:has-text("Step")');
  await page.waitForFunction(() => window.neuroaiReplay.lab.snapshot?.step >= 1);
  assert.match(await page.textContent('#replay-lab .canvas-summary'), /cart at/);
  // The variant knob: rank takes the paper's exponents, renames the agent and lands in the link.
  await page.locator('#replay-lab .lil-controller', { hasText: 'second agent' }).locator('select').selectOption('rank');
  await page.waitForFunction(() => window.neuroaiReplay.lab.state.variant === 'rank');
  const after = await page.evaluate(() => ({ state: window.neuroaiReplay.lab.state, hash: location.hash,
    caption: document.querySelectorAll('#replay-lab .agent figcaption')[1].textContent }));
  assert.equal(after.state.alpha, 0.7);
  assert.equal(after.state.beta0, 0.5);
  assert.match(after.hash, /variant=rank/);
  assert.match(after.caption, /Rank-based prioritized replay/);
  await page.click('#replay-lab button:has-text("Step")');
  await page.waitForFunction(() => window.neuroaiReplay.lab.snapshot?.variant === 'rank');
  assert.deepEqual(page.problems, []);
  await page.close();
});
