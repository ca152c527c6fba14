// The course-site kit: embed flags, the custom element, postMessage events, URL round trips,
// hostile hashes, glossary popups, the accessibility of the course page, the glossary and the
// embed page, the strict CSP header and offline reload.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { STRICT_CSP } from '../../tools/serve.mjs';
import { accessibilityViolations, launch, openPage, screenshot } from './browser.mjs';

let env;
before(async () => { env = await launch(); });
after(async () => { await env?.close(); });

test('embed.html renders one study without site chrome; flags hide controls and text', async () => {
  const page = await openPage(env.browser, `${env.url}embed.html?study=replay&controls=0&text=0`, { width: 900, height: 900 });
  await page.waitForFunction(() => window.neuroaiEmbed?.study === 'replay');
  await page.waitForSelector('#embed canvas.board');
  assert.equal(await page.$('.site-header'), null, 'no site header');
  assert.equal(await page.isVisible('#embed .controls button'), false, 'controls hidden');
  assert.equal(await page.isVisible('#embed .knobs'), false, 'knobs hidden');
  assert.equal(await page.isVisible('#embed figcaption'), false, 'captions hidden');
  assert.match(await page.title(), /Hippocampal replay/);
  const full = await openPage(env.browser, `${env.url}embed.html?study=episodic`, { width: 900, height: 900 });
  await full.waitForSelector('#embed button.primary:not([disabled])', { timeout: 30000 });
  assert.equal(await full.isVisible('#embed .controls button'), true);
  const unknown = await openPage(env.browser, `${env.url}embed.html?study=%3Cimg%20src=x%3E`);
  await unknown.waitForSelector('#embed .error');
  assert.match(await unknown.textContent('#embed .error'), /No study named "<img src=x>"/);
  assert.equal(await unknown.$$eval('#embed img', (x) => x.length), 0);
  for (const p of [page, full, unknown]) { assert.deepEqual(p.problems, []); await p.close(); }
});

test('PredNet and the ViT embed: the view state in the hash, training events, controls hidden by the flag, the study styles', async () => {
  const page = await openPage(env.browser, `${env.url}embed.html?study=prednet&controls=0#surprise=reverse&t=6`, { width: 900, height: 900 });
  await page.waitForFunction(() => window.neuroaiEmbed?.study === 'prednet');
  await page.waitForSelector('#embed .sequence-view canvas', { timeout: 30000 });
  await page.waitForFunction(() => /Frame 6 of 9\..*This is the surprise frame/.test(document.querySelector('#embed .canvas-summary')?.textContent ?? ''),
    null, { timeout: 30000 });
  assert.equal(await page.isVisible('#embed .controls button'), false, 'training controls hidden');
  assert.equal(await page.getAttribute('#embed .surprise-button[data-kind="reverse"]', 'aria-pressed'), 'true');
  assert.match(await page.title(), /PredNet/);
  const vit = await openPage(env.browser, `${env.url}embed.html?study=vit#init=scratch&patch=7&dim=32&depth=2&heads=2&batch=32&lr=0.002&seed=3`,
    { width: 1000, height: 1200 });
  await vit.waitForSelector('#embed .vit button.primary:not([disabled])', { timeout: 60000 });
  const vitEvents = [];
  await vit.exposeFunction('record', (type, text) => vitEvents.push([type, text]));
  await vit.evaluate(() => document.addEventListener('neuroai', (e) => window.record(e.detail.type, e.detail.text ?? '')));
  await vit.click('#embed .vit button.primary');
  await vit.waitForFunction(() => document.querySelector('#embed .vit button.primary').textContent === 'Pause', null, { timeout: 30000 });
  await vit.click('#embed .vit button.primary');
  await vit.waitForFunction(() => document.querySelector('#embed .vit button.primary').textContent === 'Start', null, { timeout: 30000 });
  assert.deepEqual(vitEvents.map(([t]) => t).filter((t) => t.startsWith('training')), ['training-started', 'training-stopped']);
  // The page's styles came with the study: the ViT's selects are styled as on its own page.
  assert.equal(await vit.$eval('#embed .vit select', (e) => getComputedStyle(e).borderRadius), '6px');
  await screenshot(vit, 'embed-vit');
  assert.deepEqual(await accessibilityViolations(vit), [], 'axe-core: embed.html');
  for (const p of [page, vit]) { assert.deepEqual(p.problems, []); await p.close(); }
});

test('the example course page: iframes and the custom element report ready, training and milestones', async () => {
  const page = await openPage(env.browser, `${env.url}course-example.html`, { width: 1280, height: 1000 });
  await page.waitForFunction(() => {
    const types = window.neuroaiCourse.events.map((e) => `${e.origin} ${e.type}`);
    return ['iframe #frame-replay ready', 'iframe #frame-episodic ready', 'element #element-spiral ready'].every((t) => types.includes(t));
  }, null, { timeout: 60000 });
  await page.frameLocator('#frame-replay').locator('#embed button.primary').click();
  await page.locator('#element-spiral button.primary').click();
  await page.waitForFunction(() => {
    const types = window.neuroaiCourse.events.map((e) => `${e.origin} ${e.type}`);
    return types.includes('iframe #frame-replay training-started') && types.includes('element #element-spiral milestone');
  }, null, { timeout: 60000 });
  await page.locator('#element-spiral button.primary').click();
  await page.waitForFunction(() => window.neuroaiCourse.events.some((e) => e.origin === 'element #element-spiral' && e.type === 'training-stopped'));
  const milestone = await page.evaluate(() => window.neuroaiCourse.events.find((e) => e.type === 'milestone').detail);
  assert.equal(milestone.study, 'spiral');
  assert.match(milestone.text, /accuracy reached 95%/);
  // The element keeps its knobs in its own attribute, never in the page's URL.
  assert.equal(await page.evaluate(() => location.hash), '');
  assert.match(await page.getAttribute('#element-spiral', 'state'), /hidden=16/);
  await screenshot(page, 'course-example');
  assert.deepEqual(await accessibilityViolations(page), [], 'axe-core');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('state round-trips through the URL hash, and "Embed this" carries it', async () => {
  const page = await openPage(env.browser, `${env.url}replay.html#alpha=0.3&seed=7&batch=16`);
  await page.waitForSelector('#replay-lab button.primary:not([disabled])', { timeout: 30000 });
  // Change a knob through its input: the hash follows.
  const seedInput = page.locator('#replay-lab .lil-controller', { has: page.locator('.lil-name', { hasText: /^seed$/ }) }).locator('input');
  await seedInput.fill('42');
  await seedInput.press('Enter');
  await page.waitForFunction(() => location.hash.includes('seed=42'));
  const hash = await page.evaluate(() => location.hash);
  assert.match(hash, /alpha=0\.3/);
  assert.match(hash, /batch=16/);
  const again = await openPage(env.browser, `${env.url}replay.html${hash}`);
  await again.waitForSelector('#replay-lab button.primary:not([disabled])', { timeout: 30000 });
  assert.deepEqual(await again.evaluate(() => { const s = window.neuroaiReplay.lab.state; return [s.alpha, s.seed, s.batch]; }), [0.3, 42, 16]);
  await again.click('.embed-tools button');
  const iframeCode = await again.inputValue('.embed-field textarea >> nth=0');
  assert.match(iframeCode, /<iframe src="http:\/\/127\.0\.0\.1:\d+\/embed\.html\?study=replay#[^"]*seed=42/);
  assert.match(await again.inputValue('.embed-field textarea >> nth=1'), /<neuroai-study study="replay" state="[^"]*alpha=0\.3/);
  for (const p of [page, again]) { assert.deepEqual(p.problems, []); await p.close(); }
});

test('hostile hashes fall back to defaults with a note and never reach the DOM as HTML', async () => {
  const attack = encodeURIComponent('<img src=x onerror=alert(1)>');
  // The pages side by side: each only has to read its link and show the note.
  await Promise.all([['replay.html', 'alpha'], ['episodic.html', 'k'], ['lfads.html', 'factors'], ['prednet.html', 'loss'],
    ['vit.html', 'patch'], ['embed.html?study=spiral', 'hidden'], ['embed.html?study=vit', 'heads']].map(async ([file, key]) => {
    const page = await openPage(env.browser, `${env.url}${file}#${key}=${attack}&nonsense=%3Cscript%3E`);
    let dialogs = 0;
    page.on('dialog', (d) => { dialogs++; d.dismiss(); });
    await page.waitForSelector('.hash-note', { timeout: 60000 });
    assert.match(await page.textContent('.hash-note'), new RegExp(`Ignored in the link: ${key}=<img src=x onerror=alert\\(1\\)>`));
    assert.equal(await page.$$eval('img', (x) => x.length), 0, `${file}: no markup from the hash`);
    assert.equal(dialogs, 0);
    assert.deepEqual(page.problems, [], file);
    await page.close();
  }));
});

test('glossary: searchable, and term popups open on hover and on keyboard focus', async () => {
  const g = await openPage(env.browser, `${env.url}glossary.html`);
  await g.waitForSelector('#glossary-list dt');
  assert.ok((await g.$$('#glossary-list dt')).length >= 30);
  await g.fill('#glossary-filter', 'dopamine');
  assert.match(await g.textContent('#glossary-count'), /^\d+ of \d+ terms match "dopamine"/);
  assert.ok(await g.isVisible('#td-error'));
  assert.equal(await g.isVisible('#attention'), false);
  const page = await openPage(env.browser, `${env.url}replay.html`);
  await page.waitForSelector('a.term[data-term="sum-tree"]');
  await page.hover('a.term[data-term="sum-tree"]');
  await page.waitForSelector('#term-tip:not([hidden])');
  assert.match(await page.textContent('#term-tip'), /Sum tree.*O\(log N\)/s);
  await page.mouse.move(0, 0);
  await page.waitForSelector('#term-tip', { state: 'hidden' });
  // Keyboard: Tab until a term link has focus; its popup opens and Escape closes it.
  await page.focus('a.term[data-term="hippocampus"]');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.term), 'hippocampus');
  await page.waitForSelector('#term-tip:not([hidden])');
  assert.equal(await page.getAttribute('a.term[data-term="hippocampus"]', 'aria-describedby'), 'term-tip');
  await page.keyboard.press('Escape');
  await page.waitForSelector('#term-tip', { state: 'hidden' });
  assert.deepEqual(await accessibilityViolations(g), [], 'axe-core: glossary.html');
  for (const p of [g, page]) { assert.deepEqual(p.problems, []); await p.close(); }
});

test('the server sends the strict CSP (every page these tests open reports its violations: browser.mjs)', async () => {
  for (const file of ['index.html', 'replay.html', 'embed.html', 'course-example.html', 'wasm/neuroai.mjs']) {
    const response = await fetch(env.url + file);
    assert.equal(response.headers.get('content-security-policy'), STRICT_CSP, file);
  }
});

test('after one visit the page works offline, from the service worker; the footer\'s button keeps the whole site', async () => {
  const context = await env.browser.newContext();
  const page = await context.newPage();
  await page.goto(`${env.url}replay.html`);
  await page.waitForSelector('#replay-lab button.primary:not([disabled])', { timeout: 30000 });
  // The worker keeps what the page and its training worker loaded (the page tells it after its load).
  const kept = (p, files) => p.evaluate(async (files) => {
    await navigator.serviceWorker.ready;
    const { version } = await (await fetch('precache.json')).json();
    for (let i = 0; i < 150; i++) {
      const name = (await caches.keys()).find((k) => k.endsWith(` ${version}`));  // named 'neuroai <scope> <version>'
      const keys = name ? (await (await caches.open(name)).keys()).map((r) => new URL(r.url).pathname.slice(1)) : [];
      if (files.every((f) => keys.includes(f))) return keys.length;
      await new Promise((r) => setTimeout(r, 200));
    }
    return -1;
  }, files);
  const held = await kept(page, ['replay.html', 'js/pages/replay.js', 'wasm/neuroai.wasm', 'css/site.css']);
  assert.ok(held > 10, `the page's files kept (${held})`);
  const { files } = await page.evaluate(async () => (await fetch('precache.json')).json());
  assert.ok(held < files.length / 2, `only what the page uses: ${held} of ${files.length} files`);
  await context.setOffline(true);
  await page.reload();
  await page.waitForSelector('#replay-lab button.primary:not([disabled])', { timeout: 30000 });
  await page.click('#replay-lab button.primary');
  await page.waitForFunction(() => window.neuroaiReplay.lab.snapshot?.step > 20, null, { timeout: 30000 });
  // Online again, the footer's button keeps the rest: then a page never visited works offline too.
  await context.setOffline(false);
  await page.click('button.offline-all');
  await page.waitForFunction(() => document.querySelector('.offline-status')?.textContent === 'The whole site works offline now.', null, { timeout: 60000 });
  assert.equal(await kept(page, files.filter((f) => f !== './')), files.length + 1, 'every file (the site\'s root too), and the whole-site mark');
  await context.setOffline(true);
  const other = await context.newPage();
  await other.goto(`${env.url}embed.html?study=lfads`);
  await other.waitForSelector('#embed button.primary:not([disabled])', { timeout: 60000 });
  assert.match(await other.textContent('#embed .status'), /shipped weights/, 'assets come from the cache too');
  await context.close();
});
