// A long session leaves nothing behind: resets in quick succession keep one model per panel, a
// removed <neuroai-study> ends its worker, and a ViT job that fails to start frees its model.
// The counts come from the worker itself (TrainerClient.counts(): wasm instances and embind
// objects not yet deleted); the live workers from the browser (Playwright's page.workers()).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launch, openPage } from './browser.mjs';

let env;
before(async () => { env = await launch({ gpu: false }); });
after(async () => { await env?.close(); });

// Spiral: resets from the first moment on (before the wasm module is loaded); LFADS: a job that
// fetches its weights while it is created, so resets overlap.
for (const [study, whenReady, reset] of [
  ['spiral', () => window.neuroaiEmbed, () => window.neuroaiEmbed.panel.reset()],
  ['lfads', () => document.querySelector('#embed button.primary:not([disabled])'), () => window.neuroaiEmbed.panel.restart('shipped')],
]) {
  test(`${study}: 20 resets in quick succession leave one wasm instance and one live model in the worker`, { timeout: 240000 }, async () => {
    const page = await openPage(env.browser, `${env.url}embed.html?study=${study}`, { width: 1000, height: 1000 });
    await page.waitForFunction(whenReady, null, { timeout: 60000 });
    await page.evaluate(`for (let i = 0; i < 20; i++) (${reset})()`);
    // The counts are asked for after the resets; creations still on their way may hold a model more.
    let counts;
    for (let i = 0; i < 150; i++) {
      counts = await page.evaluate(() => window.neuroaiEmbed.panel.trainer.counts());
      if (counts.liveObjects === 1) break;
      await page.waitForTimeout(200);
    }
    await page.waitForSelector('#embed button.primary:not([disabled])', { timeout: 60000 });
    await page.waitForTimeout(1000);
    counts = await page.evaluate(() => window.neuroaiEmbed.panel.trainer.counts());
    assert.deepEqual({ wasmInstances: counts.wasmInstances, liveObjects: counts.liveObjects }, { wasmInstances: 1, liveObjects: 1 });
    assert.deepEqual(page.problems, []);
    await page.close();
  });
}

test('20 removed <neuroai-study> elements end their workers; the one left holds one model', { timeout: 240000 }, async () => {
  const page = await openPage(env.browser, `${env.url}glossary.html`);
  await page.evaluate(async () => {
    await import('./js/neuroai-study.js');
    window.addStudy = () => {
      const el = document.createElement('neuroai-study');
      el.setAttribute('study', 'spiral');
      el.setAttribute('state', 'speed=30');
      const ready = new Promise((resolve) => el.addEventListener('neuroai', (e) => { if (e.detail.type === 'ready') resolve(); }));
      document.querySelector('main').append(el);
      return { el, ready };
    };
    for (let i = 0; i < 20; i++) {
      const { el, ready } = window.addStudy();
      if (i % 2) {  // half of them removed while they load, half while they train
        el.remove();
        continue;
      }
      await ready;
      el.querySelector('button.primary').click();
      el.remove();
    }
  });
  for (let i = 0; i < 100 && page.workers().length > 0; i++) await page.waitForTimeout(100);
  assert.equal(page.workers().length, 0, 'the removed elements\' workers are terminated');
  await page.evaluate(async () => {
    const { el, ready } = window.addStudy();
    el.id = 'kept';
    await ready;
    document.querySelector('main').prepend(el);  // moved, not removed: it keeps its study and worker
  });
  await page.waitForTimeout(500);
  assert.equal(page.workers().length, 1);
  const kept = await page.evaluate(() => document.getElementById('kept').panel.trainer.counts());
  assert.deepEqual({ wasmInstances: kept.wasmInstances, liveObjects: kept.liveObjects }, { wasmInstances: 1, liveObjects: 1 });
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a ViT job that fails to start (a bad GPU mode) frees its model', { timeout: 120000 }, async () => {
  const page = await openPage(env.browser, `${env.url}glossary.html`);
  const counts = await page.evaluate(async () => {
    const { TrainerClient } = await import('./js/engine/trainer-client.js');
    const trainer = new TrainerClient('vit', { init: 'scratch', gpu: 'bogus', patch: 7, dim: 32, depth: 2, heads: 2, batch: 32, seed: 3 });
    const message = await new Promise((resolve) => trainer.addEventListener('error', (e) => resolve(e.detail.message)));
    return { message, ...(await trainer.counts()) };
  });
  assert.match(counts.message, /gpu: expected one of auto, on, off/);
  assert.equal(counts.liveObjects, 0);
  await page.close();
});
