// The episodic page in headless Chromium: the three agents run, MFEC's memory appears on the map,
// clearing the memory empties it, Catch works too.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { accessibilityViolations, launch, openPage, screenshot } from './browser.mjs';

let env;
before(async () => { env = await launch(); });
after(async () => { await env?.close(); });

const ready = (page) => page.waitForSelector('#episodic-lab button.primary:not([disabled])', { timeout: 30000 });

test('the agents run on the maze, the memory shows on the map, clearing empties it', async () => {
  const page = await openPage(env.browser, `${env.url}episodic.html#speed=max&seed=3`);
  await ready(page);
  await page.click('#episodic-lab button.primary');
  await page.waitForFunction(() => window.neuroaiEpisodic.lab.snapshot?.agents[0].returns.length > 40, null, { timeout: 90000 });
  const snap = await page.evaluate(() => {
    const s = window.neuroaiEpisodic.lab.snapshot;
    return { memory: s.agents[0].stats.memory, stored: Array.from(s.memory).filter((v) => !Number.isNaN(v)).length,
             returns: Array.from(s.agents[0].returns.slice(-10)) };
  });
  assert.ok(snap.memory > 10 && snap.stored > 5, JSON.stringify(snap));
  assert.ok(snap.returns.reduce((a, b) => a + b, 0) >= 8, 'MFEC mostly reaches the goal by now');
  assert.match(await page.textContent('#episodic-lab .agent.main .canvas-summary'), /The agent is at row \d, column \d; it would go (up|right|down|left)/);
  assert.match(await page.textContent('#episodic-results'), /Episodic control \(MFEC\)/);
  // The map shows viridis cells (stored returns) and the orange rings of the lookup.
  const pixels = await page.evaluate(() => {
    const c = document.querySelector('#episodic-lab .agent.main canvas');
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let yellowGreen = 0, ring = 0;
    for (let i = 0; i < px.length; i += 4) {
      if (px[i] > 150 && px[i + 1] > 190 && px[i + 2] < 90) yellowGreen++;
      if (px[i] > 200 && px[i + 1] > 80 && px[i + 1] < 110 && px[i + 2] < 30) ring++;
    }
    return { yellowGreen, ring };
  });
  assert.ok(pixels.yellowGreen > 500 && pixels.ring > 30, JSON.stringify(pixels));
  await screenshot(page, 'episodic-maze');
  await page.click('#episodic-lab button.primary');  // pause
  await page.click('#episodic-lab button:has-text("Clear the memories")');
  await page.waitForFunction(() => window.neuroaiEpisodic.lab.snapshot.agents[0].stats.memory < 5);
  assert.match(await page.textContent('#episodic-lab .legend'), /Memories cleared/);
  assert.deepEqual(await accessibilityViolations(page), [], 'axe-core');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('Catch runs with the board drawn, and the knobs come from the hash', async () => {
  const page = await openPage(env.browser, `${env.url}episodic.html#env=catch&k=5&projection=16&speed=max`);
  await ready(page);
  assert.deepEqual(await page.evaluate(() => {
    const s = window.neuroaiEpisodic.lab.state;
    return [s.env, s.k, s.projection];
  }), ['catch', 5, 16]);
  await page.click('#episodic-lab button.primary');
  await page.waitForFunction(() => window.neuroaiEpisodic.lab.snapshot?.agents[2].returns.length > 20, null, { timeout: 60000 });
  assert.match(await page.textContent('#episodic-lab .agent.main .canvas-summary'), /MFEC would (move left|stay|move right)/);
  assert.deepEqual(page.problems, []);
  await page.close();
});
