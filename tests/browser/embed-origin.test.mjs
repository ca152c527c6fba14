// Whom an embedded study tells about its events: with &origin= in the embed link, only a parent page
// of that origin; without it, any parent. Two origins: the playground on one local server, the
// course page (glossary.html standing in for it, served without a CSP so that it may frame the
// other port) on a second.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startServer } from '../../tools/serve.mjs';
import { hostPolicy } from '../../web/js/embed/host-policy.js';
import { launch, openPage, root } from './browser.mjs';

let env, course;
before(async () => {
  env = await launch({ gpu: false });
  course = await startServer({ root: process.env.NEUROAI_SITE ?? path.join(root, 'build/site'), port: 0, csp: null });
});
after(async () => {
  await env?.close();
  await new Promise((r) => (course ? course.server.close(r) : r()));
});

test('embed events go only to the origin named by &origin=, to any parent without it, and nowhere for a bad origin', { timeout: 180000 }, async () => {
  const page = await openPage(env.browser, `${course.url}glossary.html`);
  const courseOrigin = new URL(course.url).origin;
  const frames = {
    named: `&origin=${encodeURIComponent(courseOrigin)}`,
    other: `&origin=${encodeURIComponent(`http://localhost:${course.port}`)}`,  // a real origin, not the parent's
    none: '',
    bad: `&origin=${encodeURIComponent('javascript:alert(1)')}`,
  };
  await page.evaluate(({ base, frames }) => {
    window.received = [];
    window.addEventListener('message', (e) => {
      if (e.data?.source !== 'neuroai-playground') return;
      const frame = [...document.querySelectorAll('iframe')].find((f) => f.contentWindow === e.source);
      window.received.push(`${frame.id} ${e.data.type} ${e.origin}`);
    });
    for (const [id, query] of Object.entries(frames)) {
      const f = document.createElement('iframe');
      Object.assign(f, { id, title: id, width: 700, height: 700, src: `${base}embed.html?study=spiral${query}` });
      document.querySelector('main').append(f);
    }
  }, { base: env.url, frames });
  for (const id of Object.keys(frames)) {
    const start = page.frameLocator(`#${id}`).locator('#embed button.primary:not([disabled])');
    await start.waitFor({ timeout: 60000 });
    await start.click();
  }
  const playground = new URL(env.url).origin;
  const expected = ['named', 'none'].flatMap((id) => [`${id} ready ${playground}`, `${id} training-started ${playground}`]);
  await page.waitForFunction((want) => want.every((e) => window.received.includes(e)), expected, { timeout: 30000 });
  await page.waitForTimeout(1000);  // time for any stray message from the other two
  const received = await page.evaluate(() => window.received);
  assert.deepEqual([...new Set(received.map((r) => r.split(' ')[0]))].sort(), ['named', 'none'], received.join('; '));
  assert.ok(received.every((r) => r.endsWith(` ${playground}`)));
  assert.match(await page.frameLocator('#bad').locator('#embed p.note[role="alert"]').textContent(),
    /No events are sent: origin=javascript:alert\(1\) in the link is not an origin/);
  // Chromium reports each message it drops for the wrong origin; nothing else may go wrong.
  assert.deepEqual(page.problems.filter((p) => !/does not match the recipient window's origin/.test(p)), []);
  await page.close();
});

test('hostile messages from the host page are ignored: the embed listens to none', { timeout: 120000 }, async () => {
  const page = await openPage(env.browser, `${course.url}glossary.html`);
  let dialogs = 0;
  page.on('dialog', (d) => { dialogs++; d.dismiss(); });
  await page.evaluate((src) => {
    const f = document.createElement('iframe');
    Object.assign(f, { id: 'study', title: 'study', width: 700, height: 700, src });
    document.querySelector('main').append(f);
  }, `${env.url}embed.html?study=spiral&origin=${encodeURIComponent(new URL(course.url).origin)}`);
  const frame = page.frameLocator('#study');
  const start = frame.locator('#embed button.primary:not([disabled])');
  await start.waitFor({ timeout: 60000 });
  const before = await frame.locator('#embed .canvas-summary').textContent();
  await page.evaluate(() => {
    const w = document.getElementById('study').contentWindow;
    for (const m of [{ source: 'neuroai-playground', type: 'start' }, { type: 'start' }, 'start', '<img src=x onerror=alert(1)>',
      { type: 'reset', config: { hidden: 1e9 } }, new Array(100000).fill('x'), { __proto__: { type: 'start' } }]) w.postMessage(m, '*');
  });
  await page.waitForTimeout(1500);
  assert.equal(await start.textContent(), 'Start', 'still paused');
  assert.equal(await frame.locator('#embed .canvas-summary').textContent(), before, 'nothing trained');
  assert.equal(dialogs, 0);
  assert.deepEqual(page.problems, []);
  await page.close();
});

/**
 * A course site of its own: a folder served on another port under `csp`, whose page loads the
 * playground's element from the playground's origin and logs the element's events (course.js: no
 * inline script under a strict CSP). Resolves to the page's URL; the folder goes with `after`.
 */
async function coursePage(csp, name) {
  const playground = new URL(env.url).origin;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuroai-course-'));
  fs.writeFileSync(path.join(dir, 'index.html'), `<!doctype html><html lang="en"><meta charset="utf-8"><title>A course on ${name}</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="${playground}/css/site.css">
<script type="module" src="${playground}/js/neuroai-study.js"></script><script type="module" src="course.js"></script>
<main><h1>Week 1</h1><neuroai-study study="spiral" state="seed=2"></neuroai-study></main></html>\n`);
  fs.writeFileSync(path.join(dir, 'course.js'), `window.received = [];
document.addEventListener('neuroai', (e) => window.received.push(e.detail.type));\n`);
  const server = await startServer({ root: dir, port: 0, csp });
  servers.push({ server, dir });
  return server.url;
}
const servers = [];
after(async () => {
  for (const { server, dir } of servers) {
    await new Promise((r) => server.server.close(r));
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('<neuroai-study> from the playground\'s origin in a course page of another: it loads, trains on its workers and reports its events', { timeout: 120000 }, async () => {
  const playground = new URL(env.url).origin;
  // What a course page's CSP must allow (docs/embedding.md): the playground's scripts, styles and
  // files, wasm compilation, and workers from blobs of its own origin.
  // The host's own policy is the site's strict one, with what the element needs added (hostPolicy: the
  // playground's scripts, styles, fonts and files, wasm compilation, workers from blobs and from the playground).
  const csp = `default-src 'self'; base-uri 'self'; object-src 'none'; img-src 'self' data: blob:; ${hostPolicy(playground)}`;
  const page = await openPage(env.browser, await coursePage(csp, 'spirals'));
  const start = page.locator('neuroai-study button.primary:not([disabled])');
  await start.waitFor({ timeout: 60000 });
  await start.click();
  await page.waitForFunction(() => ['ready', 'training-started', 'milestone'].every((t) => window.received.includes(t)), null, { timeout: 60000 });
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a course page whose CSP forbids the element\'s workers: the element says what to allow and offers the iframe, which trains', { timeout: 120000 }, async () => {
  const playground = new URL(env.url).origin;
  const csp = `default-src 'self'; script-src 'self' ${playground}; style-src 'self' ${playground}; font-src ${playground}; ` +
    `frame-src ${playground}; img-src 'self' data:`;  // no worker-src: workers fall back to script-src, which has no blob:
  const page = await openPage(env.browser, await coursePage(csp, 'a strict host'));
  const alert = page.locator('neuroai-study p.error[role="alert"]');
  await alert.waitFor({ timeout: 60000 });
  assert.match(await alert.textContent(), new RegExp(`must allow: script-src 'self' ${playground} 'wasm-unsafe-eval'; worker-src 'self' blob: ${playground};.*In an iframe it needs nothing of this page\\.`));
  await page.click('neuroai-study button:has-text("Show it in an iframe")');
  const frame = page.frameLocator('neuroai-study iframe');
  await frame.locator('#embed button.primary:not([disabled])').click({ timeout: 60000 });
  await page.waitForFunction(() => window.received.length === 0, null, { timeout: 1000 });  // the element's events: none (it failed)
  await frame.locator('#embed .canvas-summary').filter({ hasText: /After [1-9]\d* steps/ }).waitFor({ timeout: 30000 });
  // The blocked worker is reported by the browser; nothing else may go wrong.
  assert.deepEqual(page.problems.filter((p) => !/blob:|Content Security Policy|CSP violation/.test(p)), []);
  await page.close();
});
