// The smoke test of the site (tools/test quick runs it; the full run too): every page with a
// model loads with no console error, failed request or CSP violation, its workers get ready, and
// each trains for a moment (snapshots arrive while it runs); the glossary and the embed page load.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, openPage, whenWorkersReady } from './browser.mjs';

let env;
before(async () => { env = await launch({ gpu: false }); });
after(async () => { await env?.close(); });

const TRAIN_MS = 1500;

for (const url of ['index.html', 'prednet.html', 'replay.html', 'vit.html', 'lfads.html', 'episodic.html', 'embed.html?study=vit']) {
  test(`${url}: loads, its workers get ready and train`, async () => {
    const page = await openPage(env.browser, `${env.url}${url}`);
    const jobs = await whenWorkersReady(page);
    const snapshots = await page.evaluate(async (ms) => {
      const { liveClients } = await import('./js/engine/trainer-client.js');
      const counts = new Map();
      for (const c of liveClients) {
        counts.set(c, 0);
        c.addEventListener('snapshot', () => counts.set(c, counts.get(c) + 1));
        c.start();
      }
      await new Promise((resolve) => setTimeout(resolve, ms));
      for (const c of liveClients) c.pause();
      return [...counts.values()];
    }, TRAIN_MS);
    assert.ok(jobs.length >= 1 && snapshots.every((n) => n > 0), `${jobs.join(', ')}: snapshots while training ${snapshots}`);
    assert.deepEqual(page.problems, []);
    await page.close();
  });
}

test('glossary.html loads its terms', async () => {
  const page = await openPage(env.browser, `${env.url}glossary.html`);
  await page.waitForSelector('#glossary-list dt', { timeout: 30000 });
  assert.deepEqual(page.problems, []);
  await page.close();
});
