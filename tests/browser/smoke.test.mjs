// The smoke test of the site, the browser part of tools/test quick (the full run leaves it out:
// each page's own file loads, trains and audits it in more depth): every page with a
// model loads with no console error, failed request or CSP violation, its workers get ready and
// take two training steps without an error, and the axe-core audit finds no accessibility
// violation on it; the same for the glossary and the embed page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { accessibilityViolations, launch, openPage, whenWorkersReady } from './browser.mjs';

let env;
before(async () => { env = await launch({ gpu: false }); });
after(async () => { await env?.close(); });

for (const url of ['index.html', 'prednet.html', 'replay.html', 'vit.html', 'lfads.html', 'episodic.html', 'embed.html?study=vit']) {
  test(`${url}: loads, its workers get ready and take training steps`, async () => {
    const page = await openPage(env.browser, `${env.url}${url}`);
    const jobs = await whenWorkersReady(page);
    // Two training steps in every worker: each answers with its state (a snapshot first, unless its
    // job only answers calls, as the Blind Cliffwalk's), and none reports an error.
    const replies = await page.evaluate(async () => {
      const { liveClients } = await import('./js/engine/trainer-client.js');
      return Promise.all([...liveClients].map((c) => new Promise((resolve) => {
        let snapshots = 0;
        c.addEventListener('snapshot', () => { snapshots += 1; });
        c.addEventListener('error', (e) => resolve({ job: c.job, error: e.detail.message }));
        c.addEventListener('state', () => resolve({ job: c.job, snapshots }), { once: true });
        c.step(2);
      })));
    });
    assert.equal(replies.length, jobs.length);
    assert.deepEqual(replies.filter((r) => r.error), [], 'no worker reported an error');
    assert.ok(replies.some((r) => r.snapshots > 0), `a snapshot after the steps: ${JSON.stringify(replies)}`);
    assert.deepEqual(await accessibilityViolations(page), [], 'axe-core');
    assert.deepEqual(page.problems, []);
    await page.close();
  });
}

test('glossary.html loads its terms', async () => {
  const page = await openPage(env.browser, `${env.url}glossary.html`);
  await page.waitForSelector('#glossary-list dt', { timeout: 30000 });
  assert.deepEqual(await accessibilityViolations(page), [], 'axe-core');
  assert.deepEqual(page.problems, []);
  await page.close();
});
