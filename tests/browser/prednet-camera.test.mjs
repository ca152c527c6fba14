// PredNet on the camera (prednet.html#data=camera), with Chromium's fake camera playing a Y4M
// file this test writes: a disc gliding back and forth (a loop without a jump), and at one moment
// a bright square dropped in for a second. The surprise meter must rise at that moment; training
// online runs on the stream; a refused camera gets a clear message and the page still works; the
// frames never leave the page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { launch, recordProblems, screenshot } from './browser.mjs';

const W = 160, H = 120, LOOP = 50;       // 5 s at 10 frames a second
const EVENT = { first: 30, last: 37 };   // the square's frames
const SQUARE = { x: 90, y: 20, side: 44 };

/** The test's video as YUV4MPEG2 (4:2:0, 10 fps): luma carries the scene, chroma is neutral. */
function writeY4m(file) {
  const parts = [Buffer.from(`YUV4MPEG2 W${W} H${H} F10:1 Ip A1:1 C420jpeg\n`)];
  const chroma = Buffer.alloc((W / 2) * (H / 2) * 2, 128);
  for (let f = 0; f < LOOP; f++) {
    const y = Buffer.alloc(W * H, 16);
    const cx = W / 2 + 45 * Math.sin((2 * Math.PI * f) / LOOP), cy = H / 2 + 15 * Math.cos((2 * Math.PI * f) / LOOP);
    for (let j = 0; j < H; j++)
      for (let i = 0; i < W; i++) {
        if (Math.hypot(i - cx, j - cy) < 22) y[j * W + i] = 170;
        const inSquare = i >= SQUARE.x && i < SQUARE.x + SQUARE.side && j >= SQUARE.y && j < SQUARE.y + SQUARE.side;
        if (f >= EVENT.first && f <= EVENT.last && inSquare) y[j * W + i] = 235;
      }
    parts.push(Buffer.from('FRAME\n'), y, chroma);
  }
  fs.writeFileSync(file, Buffer.concat(parts));
}

let env, video;
before(async () => {
  video = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'neuroai-camera-')), 'scene.y4m');
  writeY4m(video);
  env = await launch({ gpu: false, args: ['--use-fake-device-for-media-stream', `--use-file-for-fake-video-capture=${video}`] });
});
after(async () => { await env?.close(); });

async function openCamera({ allow }) {
  const context = await env.browser.newContext({ serviceWorkers: 'block', permissions: allow ? ['camera'] : [], viewport: { width: 1280, height: 1000 } });
  const page = await recordProblems(await context.newPage());
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(`${env.url}prednet.html#data=camera`);
  return { page, context, requests };
}

test('the camera streams into PredNet: the error units light up when the square drops in, and online training runs', async () => {
  const { page, context, requests } = await openCamera({ allow: true });
  try {
    await page.waitForFunction(() => window.neuroaiPrednet?.ready && window.neuroaiPrednet.history?.length > 0, null, { timeout: 60000 });
    await page.waitForLoadState('networkidle');
    const loaded = requests.filter((u) => !u.endsWith('/favicon.svg')).length;
    // The event and a second after it (the history starts once the stream holds a window of 10 frames).
    await page.waitForFunction(() => window.neuroaiPrednet.history.length >= 40, null, { timeout: 60000, polling: 250 });
    const found = await page.evaluate(({ square }) => {
      const panel = window.neuroaiPrednet, h = panel.history;
      // The square's frames, told by the square's patch being bright (32 / 160 of the camera's pixels per model pixel).
      const k = 32 / 160, x0 = Math.ceil((square.x + 4) * k), x1 = Math.floor((square.x + square.side - 4) * k);
      const y0 = Math.ceil((square.y + 4) * k), y1 = Math.floor((square.y + square.side - 4) * k);
      const lit = h.map((r) => {
        let s = 0, n = 0;
        for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) { s += r.frame[y * 32 + x]; n++; }
        return s / n > 0.8;
      });
      const onsets = [];
      for (let i = 12; i < h.length; i++) if (lit[i] && !lit[i - 1]) onsets.push(i);
      const quiet = h.map((r, i) => (lit.slice(Math.max(0, i - 10), i + 2).some(Boolean) ? null : r.error)).filter((e) => e !== null).sort((a, b) => a - b);
      const usual = quiet[Math.floor(quiet.length / 2)];
      return { onsets, usual, atOnset: onsets.map((i) => h[i].error), meter: onsets.map((i) => panel.surpriseAt(i).ratio) };
    }, { square: SQUARE });
    assert.ok(found.onsets.length >= 1, 'the square appeared in the stream');
    for (const [k, e] of found.atOnset.entries())
      assert.ok(e > 2 * found.usual, `onset ${k}: layer-0 error ${e.toFixed(4)} against ${found.usual.toFixed(4)} usually`);
    for (const r of found.meter) assert.ok(r > 2, `the meter at the onset: ${r.toFixed(2)}x the usual`);
    // Online training on the stream.
    await page.click('#prednet-panel button.primary');
    await page.waitForFunction(() => window.neuroaiPrednet.snapshot?.step >= 3, null, { timeout: 60000 });
    assert.ok(Number.isFinite(await page.evaluate(() => window.neuroaiPrednet.snapshot.loss)));
    await page.click('#prednet-panel button.primary');
    // Freeze and scrub: the views hold still and show an earlier frame.
    await page.click('#prednet-panel button:has-text("Freeze")');
    const frozenAt = await page.evaluate(() => window.neuroaiPrednet.history.length);
    await page.$eval('#prednet-panel input.scrubber', (s) => { s.value = String(Number(s.max) - 20); s.dispatchEvent(new Event('input')); });
    assert.match(await page.textContent('#prednet-panel .time-label'), /^2\.0 s ago$/);
    await page.waitForTimeout(600);
    assert.equal(await page.evaluate(() => window.neuroaiPrednet.history.length), frozenAt, 'frozen: no new frames');
    await screenshot(page, 'prednet-camera');
    assert.deepEqual(requests.filter((u) => !u.endsWith('/favicon.svg')).length, loaded, 'no request after the page loaded');
    assert.deepEqual(page.problems, []);
  } finally {
    await context.close();
  }
});

test('a refused camera gets a clear message, and the page still works', async () => {
  const { page, context } = await openCamera({ allow: false });
  try {
    await page.waitForFunction(() => /not allowed/.test(document.querySelector('#prednet-panel .camera-note')?.textContent ?? ''), null, { timeout: 30000 });
    assert.match(await page.textContent('#prednet-panel .camera-note'), /The camera was not allowed\. Allow it for this site .* The rest of the page works without it\./);
    assert.ok(await page.isVisible('#prednet-panel button:has-text("Turn the camera on")'), 'a way to try again');
    await page.waitForFunction(() => window.neuroaiPrednet.ready, null, { timeout: 60000 });
    await page.click('#prednet-panel button:has-text("Back to the bouncing blobs")');
    await page.waitForFunction(() => window.neuroaiPrednet?.info?.dataset === 'blobs', null, { timeout: 60000 });
    assert.equal(new URL(page.url()).hash.includes('data=camera'), false);
    // (the reload aborts the first page's favicon request, if it was still coming)
    assert.deepEqual(page.problems.filter((p) => !/favicon\.svg net::ERR_ABORTED/.test(p)), []);
  } finally {
    await context.close();
  }
});
