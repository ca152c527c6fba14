// A course site made by a real site generator: course/ (MkDocs, Debian's) built against the local
// playground, served on an origin of its own, opened in Chromium: the replay page's iframe and the
// attention page's element (loaded from the playground's origin) both load and train.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startServer } from '../../tools/serve.mjs';
import { launch, openPage, root, screenshot } from './browser.mjs';

let env, site, dir;
before(async () => {
  env = await launch({ gpu: false });
  // The sources name the playground https://playground.example, as an instructor's would before
  // pointing them at theirs: here, the local one.
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuroai-mkdocs-'));
  fs.cpSync(path.join(root, 'course'), dir, { recursive: true });
  const playground = new URL(env.url).origin;
  for (const f of fs.readdirSync(path.join(dir, 'docs'))) {
    const file = path.join(dir, 'docs', f);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replaceAll('https://playground.example', playground));
  }
  execFileSync('mkdocs', ['build', '--quiet', '--strict', '--config-file', path.join(dir, 'mkdocs.yml'), '--site-dir', path.join(dir, 'site')]);
  site = await startServer({ root: path.join(dir, 'site'), port: 0, csp: null });  // a documentation host: no CSP
});
after(async () => {
  await env?.close();
  if (site) await new Promise((r) => site.server.close(r));
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('the MkDocs course: its replay page\'s iframe trains and posts its events to the course page', { timeout: 120000 }, async () => {
  const page = await openPage(env.browser, `${site.url}replay/`);
  assert.equal(await page.title(), 'Week 1: replay - Brains and machines: a short course');
  await page.evaluate(() => {
    window.received = [];
    window.addEventListener('message', (e) => { if (e.data?.source === 'neuroai-playground') window.received.push(e.data.type); });
  });
  const frame = page.frameLocator('.neuroai-embed iframe');
  await frame.locator('#embed button.primary:not([disabled])').click({ timeout: 60000 });
  await page.waitForFunction(() => window.received.includes('training-started'), null, { timeout: 30000 });
  await frame.locator('#embed button.primary', { hasText: 'Pause' }).click();
  await page.waitForFunction(() => window.received.includes('training-stopped'), null, { timeout: 30000 });
  await screenshot(page, 'course-mkdocs-replay');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the MkDocs course: its attention page\'s element, from the playground\'s origin, trains to its milestone', { timeout: 180000 }, async () => {
  const page = await openPage(env.browser, `${site.url}attention/`);
  await page.evaluate(() => {
    window.received = [];
    document.addEventListener('neuroai', (e) => window.received.push(e.detail.type));
  });
  await page.locator('neuroai-study button.primary:not([disabled])').click({ timeout: 60000 });
  await page.waitForFunction(() => window.received.includes('milestone'), null, { timeout: 120000 });
  assert.ok((await page.evaluate(() => window.received)).includes('training-started'));
  // The element fits the documentation's content column: nothing in it wider than it (its charts
  // were once sized to the viewport and stuck out by 304 px).
  const overflow = await page.evaluate(() => {
    const el = document.querySelector('neuroai-study'), right = el.getBoundingClientRect().right;
    return [...(el.shadowRoot ?? el).querySelectorAll('*')].map((n) => n.getBoundingClientRect().right - right).reduce((a, b) => Math.max(a, b), 0);
  });
  assert.ok(overflow <= 1, `the element's content sticks out of it by ${overflow.toFixed(0)} px`);
  await screenshot(page, 'course-mkdocs-attention');
  assert.deepEqual(page.problems, []);
  await page.close();
});
