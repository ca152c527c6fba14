// Phones and the first visit: the landing page's first visit costs under 1.5 MB (its own files,
// compressed; the service worker keeps them and fetches nothing else). Every page at 390 x 844 with touch (a phone's context: isMobile, hasTouch, a coarse
// pointer) fits without sideways scrolling, its controls are at least 44 px on their short side,
// and touch works wherever a mouse does: drawing on the ViT's pad, scrubbing PredNet's timeline,
// picking a query patch, orbiting LFADS's 3-D view, dragging a knob.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fs from 'node:fs';
import path from 'node:path';
import { startServer } from '../../tools/serve.mjs';
import { launch, recordProblems, root, screenshotDir } from './browser.mjs';

const PAGES = ['index.html', 'prednet.html', 'replay.html', 'vit.html', 'lfads.html', 'episodic.html', 'glossary.html', 'teach.html',
  'course-example.html', 'gpu-check.html', ...['prednet', 'vit', 'lfads'].map((s) => `embed.html?study=${s}`)];  // the embeds whose views are widest

let env, phone;
before(async () => {
  fs.mkdirSync(screenshotDir, { recursive: true });
  env = await launch({ gpu: false });
  phone = await env.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, serviceWorkers: 'block' });
});
after(async () => { await env?.close(); });

async function openPhone(url) {
  const page = await recordProblems(await phone.newPage());
  await page.goto(url);
  return page;
}

/** A one-finger drag through the DevTools protocol's touch events (Playwright taps but does not drag), in viewport pixels. */
async function touchDrag(page, from, to, steps = 10) {
  const cdp = await page.context().newCDPSession(page);
  const at = (k) => [{ x: from.x + ((to.x - from.x) * k) / steps, y: from.y + ((to.y - from.y) * k) / steps }];
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: at(0) });
  for (let k = 1; k <= steps; ++k) await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: at(k) });
  await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
  await cdp.detach();
}

/** The box of `selector` scrolled into view: {x, y, width, height} in viewport pixels. */
async function box(page, selector) {
  const element = page.locator(selector).first();
  await element.scrollIntoViewIfNeeded();
  return element.boundingBox();
}

test('every page at 390 px with touch: no sideways scrolling, controls of at least 44 px', async () => {
  for (const file of PAGES) {
    const page = await openPhone(`${env.url}${file}`);
    await page.waitForLoadState('load');
    // A study's views are built once its worker is ready (the Start button enabled); the ViT's head grid after its first inference.
    if (/^(index|prednet|replay|vit|episodic|lfads|embed)/.test(file)) await page.waitForSelector('button.primary:not([disabled])', { timeout: 60000 });
    if (file.includes('vit')) await page.waitForSelector('.vit-head-grid canvas', { timeout: 60000 });
    if (file.includes('prednet')) await page.waitForSelector('.layer-grid canvas', { timeout: 60000 });
    assert.ok(await page.evaluate(() => matchMedia('(pointer: coarse)').matches), 'a coarse pointer');
    const r = await page.evaluate(() => {
      const small = [];
      for (const e of document.querySelectorAll('button, select, input:not([type="checkbox"]):not([type="hidden"]), [role="tab"]')) {
        const b = e.getBoundingClientRect();
        if (b.width && b.height && Math.min(b.width, b.height) < 43.5) small.push(`${e.tagName.toLowerCase()} "${(e.textContent || e.getAttribute('aria-label') || e.name || '').trim().slice(0, 24)}" ${Math.round(b.width)}x${Math.round(b.height)}`);
      }
      return { width: document.documentElement.scrollWidth, small };
    });
    assert.ok(r.width <= 390, `${file}: the page is ${r.width} px wide`);
    assert.deepEqual(r.small, [], `${file}: controls under 44 px`);
    // What a phone shows where the study is (a full-page capture would leave the phone's emulation).
    await page.evaluate(() => (document.querySelector('#live') ?? document.querySelector('#demo') ?? document.body).scrollIntoView());
    await page.screenshot({ path: path.join(screenshotDir, `phone-${file.replace(/\.html/, '').replace(/[^a-z]+/g, '-')}.png`) });
    assert.deepEqual(page.problems, [], file);
    await page.close();
  }
});

test('touch: picking a query patch and drawing on the ViT pad', async () => {
  const page = await openPhone(`${env.url}vit.html`);
  await page.waitForFunction(() => window.neuroaiVit?.view?.config);  // the shipped model's view is built
  // A tap on the attention map picks the patch under the finger.
  const view = await box(page, 'canvas.vit-attention');
  await page.touchscreen.tap(view.x + view.width * 0.9, view.y + view.height * 0.1);
  await page.waitForFunction(() => window.neuroaiVit.state.view === 'query');
  const { query, grid } = await page.evaluate(() => ({ query: window.neuroaiVit.state.query, grid: window.neuroaiVit.view.config.grid }));
  assert.equal(query, grid - 1, 'the top-right patch');
  await page.tap('#vit-tab-draw');
  const pad = await box(page, '.vit-pad');
  await touchDrag(page, { x: pad.x + pad.width * 0.2, y: pad.y + pad.height * 0.5 }, { x: pad.x + pad.width * 0.8, y: pad.y + pad.height * 0.5 });
  const drawn = await page.evaluate(() => window.neuroaiVit.input.drawing.reduce((a, b) => a + b, 0));
  assert.ok(drawn > 5, `the finger drew on the pad (ink ${drawn})`);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('touch: scrubbing PredNet\'s timeline, orbiting LFADS\'s 3-D view, dragging a knob', async () => {
  let page = await openPhone(`${env.url}prednet.html`);
  await page.waitForSelector('input.scrubber');
  const scrub = await box(page, 'input.scrubber');
  await touchDrag(page, { x: scrub.x + 4, y: scrub.y + scrub.height / 2 }, { x: scrub.x + scrub.width - 2, y: scrub.y + scrub.height / 2 });
  await page.waitForFunction(() => window.neuroaiPrednet.state.t === 9);
  assert.equal(await page.textContent('.time-label'), 't = 9');
  assert.deepEqual(page.problems, []);
  await page.close();

  page = await openPhone(`${env.url}lfads.html`);
  await page.waitForFunction(() => window.neuroaiLfads?.panel?.trajectories?.camera);
  await page.waitForSelector('.three-wrap canvas');
  const camera = () => page.evaluate(() => window.neuroaiLfads.panel.trajectories.camera.position.toArray().map((v) => +v.toFixed(3)));
  const before = await camera();
  const view = await box(page, '.three-wrap canvas');
  await touchDrag(page, { x: view.x + view.width * 0.3, y: view.y + view.height * 0.5 }, { x: view.x + view.width * 0.7, y: view.y + view.height * 0.5 });
  assert.notDeepEqual(await camera(), before, 'the camera orbited');
  assert.deepEqual(page.problems, []);
  await page.close();

  page = await openPhone(`${env.url}replay.html`);
  await page.waitForSelector('.lil-slider');
  const slider = await box(page, '.lil-slider');  // the first: α, the priority exponent
  const alpha = await page.evaluate(() => window.neuroaiReplay.lab.state.alpha);
  await touchDrag(page, { x: slider.x + slider.width * 0.6, y: slider.y + slider.height / 2 }, { x: slider.x + 2, y: slider.y + slider.height / 2 });
  await page.waitForFunction((a) => window.neuroaiReplay.lab.state.alpha < a, alpha);
  assert.equal(await page.evaluate(() => window.neuroaiReplay.lab.state.alpha), 0, 'dragged to the left end');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the first visit of the landing page transfers under 1.5 MB, the service worker\'s keeping included', async () => {
  const { server, url, bytesSent } = await startServer({ root: process.env.NEUROAI_SITE ?? path.join(root, 'build/site'), port: 0 });
  const context = await env.browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  try {
    const page = await context.newPage();
    await page.goto(url);
    await page.waitForSelector('button.primary:not([disabled])', { timeout: 60000 });
    // The worker active and the page's files kept (the page tells it a few seconds after its load).
    await page.waitForFunction(async () => {
      const names = await caches.keys();
      return names.length > 0 && (await (await caches.open(names[0])).match('wasm/neuroai.wasm')) !== undefined;
    }, null, { timeout: 60000, polling: 500 });
    const bytes = bytesSent();
    assert.ok(bytes < 1.5e6, `${(bytes / 1e6).toFixed(2)} MB`);
    assert.ok(bytes > 0.1e6, `${(bytes / 1e6).toFixed(2)} MB: the wasm module at least`);
  } finally {
    await context.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});

test('the ViT page fetches its held-out images at once and the training images only when it trains', async () => {
  const { server, url, bytesSent } = await startServer({ root: process.env.NEUROAI_SITE ?? path.join(root, 'build/site'), port: 0 });
  const asked = [];
  server.on('request', (req) => asked.push(req.url.split('?')[0]));
  const context = await env.browser.newContext({ serviceWorkers: 'block' });
  try {
    const page = await recordProblems(await context.newPage());
    await page.goto(`${url}vit.html#init=scratch&patch=7&dim=32&depth=2&heads=2&batch=32`);
    await page.waitForSelector('#vit-train button.primary:not([disabled])', { timeout: 60000 });
    await page.waitForTimeout(500);
    assert.ok(asked.includes('/assets/vit/fashion-test.bin'), 'the held-out images');
    assert.ok(!asked.includes('/assets/vit/fashion-train.bin'), 'no training images before training');
    assert.ok(bytesSent() < 2e6, `${(bytesSent() / 1e6).toFixed(2)} MB`);
    assert.equal(await page.evaluate(() => window.neuroaiVit.info.trainImages), 'not fetched');
    await page.click('#vit-train button:has-text("Step")');
    await page.waitForFunction(() => window.neuroaiVit.snapshot?.step === 1, null, { timeout: 60000 });
    assert.equal(asked.filter((p) => p === '/assets/vit/fashion-train.bin').length, 1);
    assert.equal(await page.evaluate(() => window.neuroaiVit.snapshot.trainImages), 'ready');
    assert.match(await page.textContent('#vit-panel .vit-live'), /trained here on 5,000 images/);
    assert.deepEqual(page.problems, []);
  } finally {
    await context.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
});
