// Lecture mode (?mode=lecture, web/js/lib/lecture.js) on every study page: each step's claim, the
// step in the URL, the live panel's state and training set as the step says, the sections it
// shows; driven by the keyboard only (the keys presentation clickers send); a link opens a step;
// Escape leaves; the axe audit passes.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { readHash } from '../../web/js/lib/hash-state.js';
import { accessibilityViolations, launch, openPage, screenshot } from './browser.mjs';

// study -> its page, the panel (as the page exposes it), the lecture's steps and the state schema.
const STUDIES = {
  spiral: { page: 'index.html', panel: 'window.neuroaiDemo' },
  prednet: { page: 'prednet.html', panel: 'window.neuroaiPrednet' },
  replay: { page: 'replay.html', panel: 'window.neuroaiReplay.lab' },
  vit: { page: 'vit.html', panel: 'window.neuroaiVit' },
  episodic: { page: 'episodic.html', panel: 'window.neuroaiEpisodic.lab' },
  lfads: { page: 'lfads.html', panel: 'window.neuroaiLfads.panel' },
};
for (const [id, s] of Object.entries(STUDIES)) {
  s.steps = (await import(`../../web/js/studies/${id}/lecture.js`)).LECTURE;
  s.schema = (await import(`../../web/js/studies/${id}/schema.js`)).SCHEMA;
}
// What the live view shows of a step's state, where a wrong redraw would show: prednet's time
// label, the ViT's attention-view choice (study -> [the element, the text it must have for a state]).
const REFLECTED = {
  prednet: ['.time-label', (s) => `t = ${s.t}`],
  vit: ['.vit-view select', (s) => s.view],
};
const FORWARD_KEYS = ['ArrowRight', 'Space', 'PageDown', 'ArrowDown'];

let env;
before(async () => { env = await launch({ gpu: false }); });
after(async () => { await env?.close(); });

test('every lecture has at least six steps, each a claim whose state the study\'s schema accepts', () => {
  for (const [id, { steps, schema }] of Object.entries(STUDIES)) {
    assert.ok(steps.length >= 6, `${id}: ${steps.length} steps`);
    for (const [k, step] of steps.entries()) {
      assert.ok(step.claim.length > 10 && step.claim.length < 80, `${id} step ${k + 1}: a short claim`);
      const hash = new URLSearchParams(Object.entries(step.state ?? {}).map(([key, v]) => [key, typeof v === 'boolean' ? (v ? '1' : '0') : String(v)]));
      assert.deepEqual(readHash(schema, `#${hash}`).rejected, [], `${id} step ${k + 1}: its state`);
    }
  }
});

/** The panel's state, whether it wants training on, and the visible sections' ids. */
const observe = (page, panel) => page.evaluate((expr) => {
  const p = eval(expr);  // a fixed expression of this file
  return { state: { ...p.state }, run: p.runWanted, shown: [...document.querySelectorAll('main > section:not(.lecture-bar)')].filter((s) => s.offsetParent !== null).map((s) => s.id) };
}, panel);

for (const [id, { page: file, panel, steps }] of Object.entries(STUDIES)) {
  test(`${file}?mode=lecture: ${steps.length} steps by keyboard, each setting the live panel; Escape leaves`, async () => {
    const page = await openPage(env.browser, `${env.url}${file}?mode=lecture`);
    await page.waitForSelector('.lecture-bar');
    assert.equal(await page.evaluate(() => document.activeElement?.id), 'lecture-claim', 'the claim has the focus');
    assert.deepEqual(await accessibilityViolations(page), [], 'axe-core');
    if (id === 'prednet') await screenshot(page, 'lecture-prednet');
    for (const [k, step] of steps.entries()) {
      if (k > 0) await page.keyboard.press(FORWARD_KEYS[k % FORWARD_KEYS.length]);
      await page.waitForFunction((claim) => document.querySelector('.lecture-claim')?.textContent === claim, step.claim);
      assert.equal(new URL(page.url()).searchParams.get('step'), String(k + 1), `step ${k + 1} in the URL`);
      assert.match(await page.textContent('.lecture-count'), new RegExp(`step ${k + 1} of ${steps.length}$`));
      const seen = await observe(page, panel);
      for (const [key, value] of Object.entries(step.state ?? {})) assert.equal(seen.state[key], value, `step ${k + 1}: ${key}`);
      if (step.run !== undefined) assert.equal(seen.run, step.run, `step ${k + 1}: training ${step.run ? 'on' : 'off'}`);
      assert.deepEqual(seen.shown, step.show ?? ['live'], `step ${k + 1}: the sections shown`);
      if (REFLECTED[id] && !step.show) {
        const [selector, expected] = REFLECTED[id];
        await page.waitForFunction(([sel, want]) => { const e = document.querySelector(sel); return e && (e.value ?? e.textContent) === want; },
          [selector, expected(seen.state)], { timeout: 60000 });
      }
    }
    // Past the last step nothing moves; back with the keys.
    await page.keyboard.press('PageDown');
    assert.equal(new URL(page.url()).searchParams.get('step'), String(steps.length));
    await page.keyboard.press('PageUp');
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction((claim) => document.querySelector('.lecture-claim')?.textContent === claim, steps.at(-3).claim);
    const seen = await observe(page, panel);
    for (const [key, value] of Object.entries(steps.at(-3).state ?? {})) assert.equal(seen.state[key], value, `back at step ${steps.length - 2}: ${key}`);
    await page.keyboard.press('Home');
    await page.waitForFunction((claim) => document.querySelector('.lecture-claim')?.textContent === claim, steps[0].claim);
    // Escape: the page as it was, the panel's state kept in the hash, no lecture in the URL.
    await page.keyboard.press('Escape');
    await page.waitForFunction(() => !document.querySelector('.lecture-bar') && !document.body.classList.contains('lecture'));
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('mode'), null);
    assert.equal(url.searchParams.get('step'), null);
    assert.ok(await page.isVisible('.site-header'), 'the site header is back');
    assert.ok((await observe(page, panel)).shown.length > 1, 'every section is back');
    assert.deepEqual(page.problems, []);
    await page.close();
  });
}

test('a link opens its step; a step past the end opens the last, a malformed one the first; at 390 px nothing overflows', async () => {
  const { steps, panel } = STUDIES.lfads;
  const opens = async (step, index, size) => {
    const page = await openPage(env.browser, `${env.url}lfads.html?mode=lecture&step=${step}`, size);
    await page.waitForFunction((claim) => document.querySelector('.lecture-claim')?.textContent === claim, steps[index].claim);
    assert.equal(new URL(page.url()).searchParams.get('step'), String(index + 1), `step=${step}`);
    for (const [key, value] of Object.entries(steps[index].state ?? {})) assert.equal((await observe(page, panel)).state[key], value, `step=${step}: ${key}`);
    return page;
  };
  for (const [step, index] of [['3', 2], ['99', steps.length - 1], ['%3Cb%3E', 0]]) {
    const page = await opens(step, index);
    assert.deepEqual(page.problems, []);
    await page.close();
  }
  const page = await opens('2', 1, { width: 390, height: 844 });
  assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 390), 'no sideways scrolling at 390 px');
  await screenshot(page, 'lecture-lfads-phone');
  await page.close();
});

test('teach.html links every study\'s lecture', async () => {
  const page = await openPage(env.browser, `${env.url}teach.html`);
  for (const [id, { page: file }] of Object.entries(STUDIES))
    assert.equal(await page.getAttribute(`#teach-${id} a.lecture-link`, 'href'), `${file}?mode=lecture&step=1`, id);
  assert.deepEqual(page.problems, []);
  await page.close();
});
