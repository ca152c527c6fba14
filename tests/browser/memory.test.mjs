// Each study page's wasm heap, all its workers together, stays within the page budget
// (web/js/engine/memory-budget.js) with its memory-relevant knobs at the top of their ranges: the
// page opens with LARGEST_KNOBS in its link, every worker takes a few whole training steps and then
// trains for a while (the LFADS page until its baselines are scored too, the ViT, PredNet and LFADS
// pages until their training replicas run), and the heaps are summed, the replicas' included. A worker's heap never shrinks, so each
// is that worker's peak so far. `node tools/memory-report.mjs` prints the same at the defaults.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { LARGEST_KNOBS, PAGE_BUDGET_BYTES } from '../../web/js/engine/memory-budget.js';
import { launch, openPage, whenWorkersReady } from './browser.mjs';

const TRAIN_MS = 1500;
const THREADED = { vit: 'neuroaiVit', prednet: 'neuroaiPrednet', lfads: 'neuroaiLfads' };  // pages that train on more than one thread, and their panels
let env;
before(async () => { env = await launch({ gpu: false }); });
after(async () => { await env?.close(); });

const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;

for (const [study, hash] of Object.entries(LARGEST_KNOBS)) {
  test(`${study}.html#${hash}: the page's workers stay within ${mib(PAGE_BUDGET_BYTES)}`, async () => {
    const page = await openPage(env.browser, `${env.url}${study}.html#${hash}`, { width: 1000, height: 1000 });
    const clients = () => page.evaluate(async () => {
      const { liveClients } = await import('./js/engine/trainer-client.js');
      return [...liveClients].map((c) => c.job);
    });
    // A few whole steps, however long they take (the worker answers counts() after them), then training.
    await whenWorkersReady(page);
    await page.evaluate(async () => {
      const { liveClients } = await import('./js/engine/trainer-client.js');
      for (const c of liveClients) {
        c.step(3);
        c.start();
      }
    });
    await page.waitForTimeout(TRAIN_MS);
    if (Object.hasOwn(THREADED, study)) {  // replicas (web/js/engine/replicas.js) count too: wait until they run (or one thread was chosen)
      const threads = () => page.evaluate((name) => (window[name].panel ?? window[name]).snapshot?.threads, THREADED[study]);
      await page.waitForFunction((name) => { const t = (window[name].panel ?? window[name]).snapshot?.threads; return t && (t.used > 1 || t.reason); },
        THREADED[study], { timeout: 60000 });
      console.log(`${study}: training threads ${JSON.stringify(await threads())}`);
      await page.waitForTimeout(TRAIN_MS);
    }
    if (study === 'lfads') {
      await page.waitForFunction(() => window.neuroaiLfads.panel.snapshot?.metrics?.baselines, null, { timeout: 120000 });
    }
    const heaps = await page.evaluate(async () => {
      const { liveClients } = await import('./js/engine/trainer-client.js');
      return Promise.all([...liveClients].map(async (c) => ({ job: c.job, heapBytes: (await c.counts()).heapBytes })));
    });
    const total = heaps.reduce((sum, h) => sum + h.heapBytes, 0);
    console.log(`${study}.html#${hash}: ${heaps.map((h) => `${h.job} ${mib(h.heapBytes)}`).join(' + ')} = ${mib(total)}`);
    assert.deepEqual((await clients()).sort(), heaps.map((h) => h.job).sort());
    assert.ok(total <= PAGE_BUDGET_BYTES, `${study}: ${mib(total)} of wasm heap, over the budget of ${mib(PAGE_BUDGET_BYTES)}`);
    assert.deepEqual(page.problems, []);
    await page.close();
  });
}
