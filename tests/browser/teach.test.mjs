// The instructors' page: every study's embed codes (absolute, for any site), the listening code,
// the CSP a host must allow, an accessible page at desktop and phone widths, and a handout that
// prints alone, on one page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { accessibilityViolations, launch, openPage, screenshot } from './browser.mjs';

const STUDIES = ['spiral', 'prednet', 'replay', 'vit', 'episodic', 'lfads'];
let env;
before(async () => { env = await launch({ gpu: false }); });
after(async () => { await env?.close(); });

test('teach.html: each study\'s iframe and element codes, the events, the host policy; accessible at 1280 and 390 px', async () => {
  const page = await openPage(env.browser, `${env.url}teach.html`);
  assert.equal(await page.getAttribute('#site-nav a[aria-current="page"]', 'href'), 'teach.html');
  for (const id of STUDIES) {
    const codes = await page.locator(`#teach-${id} textarea`).evaluateAll((areas) => areas.map((a) => a.value));
    assert.equal(codes.length, 2, id);
    assert.match(codes[0], new RegExp(`^<iframe src="${env.url}embed\\.html\\?study=${id}" `), `${id}: iframe`);
    assert.match(codes[1], new RegExp(`<script type="module" src="${env.url}js/neuroai-study\\.js"></script>\\n<neuroai-study study="${id}" state=""></neuroai-study>$`), `${id}: element`);
    assert.match(await page.textContent(`#teach-${id}`), /Milestone event: .+ \(from fresh weights, about [\d.]+ s on a 2-core machine\)\./);
  }
  const origin = new URL(env.url).origin;
  assert.match(await page.textContent('#host-policy'), new RegExp(`must allow the element: script-src 'self' ${origin} 'wasm-unsafe-eval'; worker-src 'self' blob: ${origin};`));
  assert.match(await page.inputValue('#listen-code textarea >> nth=0'), new RegExp(`e\\.origin !== '${origin}'`));
  assert.deepEqual(await accessibilityViolations(page), [], 'axe-core');
  await screenshot(page, 'teach');
  await page.setViewportSize({ width: 390, height: 844 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no sideways scrolling at 390 px');
  await screenshot(page, 'teach-phone');
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('the handout prints alone, on one page, with every study\'s address', async () => {
  const page = await openPage(env.browser, `${env.url}teach.html`);
  await page.waitForSelector('#handout-body li');
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.isVisible('#teach-studies'), false, 'the code boxes are not printed');
  assert.equal(await page.isVisible('#print-handout'), false);
  const text = await page.textContent('#handout-body');
  for (const p of ['index.html', 'prednet.html', 'replay.html', 'vit.html', 'episodic.html', 'lfads.html']) assert.ok(text.includes(`${env.url}${p}`), p);
  const pdf = await page.pdf({ format: 'A4', margin: { top: '15mm', bottom: '15mm', left: '15mm', right: '15mm' } });
  const pages = (pdf.toString('latin1').match(/\/Type\s*\/Page[^s]/g) ?? []).length;
  assert.equal(pages, 1, `the handout takes ${pages} pages`);
  await page.emulateMedia({ media: 'screen' });
  assert.deepEqual(page.problems, []);
  await page.close();
});
