// Whom an embedded study tells about its events: with &origin= in the embed link, only a parent page
// of that origin; without it, any parent. Two origins: the playground on one local server, the
// course page (glossary.html standing in for it, served without a CSP so that it may frame the
// other port) on a second.
import assert from 'node:assert/strict';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { startServer } from '../../tools/serve.mjs';
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
