// LFADS on your own spikes, on the LFADS page: an NWB file (written by the test from known
// dynamics) picked, binned on its trials' start and then on its go cue, LFADS trained in the
// worker, co-bps on held-out neurons beside spike smoothing, the raster, rates and 3-D factors
// drawn; a .npy of counts dropped; files that are not what they claim get clear errors; and the
// recording goes nowhere (the only requests are GETs of the site's own code).
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launch, openPage, screenshot } from './browser.mjs';
import { BINS, NEURONS, TRIALS, recording, writeNwb } from '../web/nwb-fixture.mjs';

let env, nwb;
before(async () => {
  env = await launch({ gpu: false });
  nwb = await writeNwb(path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'neuroai-nwb-')), 'session.nwb'), recording());
});
after(async () => { await env?.close(); });

const site = JSON.parse(fs.readFileSync(path.join(process.env.NEUROAI_SITE ?? 'build/site', 'precache.json'), 'utf8'));
/** The page's requests after `from`: [method url] of those that are not GETs of the site's own files, or carry a body. */
function foreign(requests, url) {
  return requests.filter((r) => r.method !== 'GET' || r.body || !site.files.includes(r.url.replace(url, '').split('?')[0])).map((r) => `${r.method} ${r.url}`);
}

/** Colours on a canvas (coarse): a blank one has one or two. */
const colours = (page, selector) => page.$eval(selector, (c) => {
  const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data, seen = new Set();
  for (let i = 0; i < px.length; i += 4 * 5) seen.add(`${px[i] >> 4},${px[i + 1] >> 4},${px[i + 2] >> 4}`);
  return seen.size;
});

test('an NWB recording: binned per trial, LFADS trained on it, scored on held-out neurons, drawn; nothing leaves the page', async () => {
  const page = await openPage(env.browser, `${env.url}lfads.html`);
  await page.waitForFunction(() => window.neuroaiLfadsRecording, null, { timeout: 30000 });
  await page.waitForLoadState('networkidle');
  const requests = [];
  page.on('request', (r) => { if (!r.url().endsWith('/favicon.svg')) requests.push({ method: r.method(), url: r.url(), body: r.postData() }); });
  await page.setInputFiles('#lfads-recording input[type=file]', { name: 'session.nwb', mimeType: 'application/x-hdf5', buffer: nwb });
  await page.waitForFunction(() => window.neuroaiLfadsRecording.ready, null, { timeout: 60000 });
  const fileLine = await page.textContent('#lfads-recording .recording-file');
  assert.match(fileLine, new RegExp(`session\\.nwb: ${NEURONS} units, ${TRIALS} trials, aligned on start_time, 20 ms bins → ${TRIALS} trials × \\d+ bins × ${NEURONS} neurons`));
  assert.match(fileLine, /LFADS reads 10 neurons; 2 are held out, and 5 of the trials/);
  // Aligned on the go cue for 40 bins: the window the spikes were drawn in.
  await page.selectOption('#lfads-recording select[aria-label="Align each trial on"]', 'go_cue_time');
  await page.fill('#lfads-recording input[type=number] >> nth=2', String(BINS));
  await page.dispatchEvent('#lfads-recording input[type=number] >> nth=2', 'change');
  await page.click('#lfads-recording button:has-text("Apply and start over")');
  await page.waitForFunction(() => window.neuroaiLfadsRecording.ready && /aligned on go_cue_time/.test(document.querySelector('#lfads-recording .recording-file').textContent), null, { timeout: 60000 });
  assert.match(await page.textContent('#lfads-recording .recording-file'), new RegExp(`${TRIALS} trials × ${BINS} bins × ${NEURONS} neurons`));
  const before = await page.evaluate(() => window.neuroaiLfadsRecording.snapshot?.scores ?? null);
  await page.click('#lfads-recording button.primary');
  await page.waitForFunction(() => window.neuroaiLfadsRecording.snapshot?.scores?.step >= 40, null, { timeout: 90000, polling: 500 });
  await page.click('#lfads-recording button.primary');
  const scores = await page.evaluate(() => window.neuroaiLfadsRecording.snapshot.scores);
  assert.ok(Number.isFinite(scores.coBps) && Number.isFinite(scores.coBpsSmoothing), JSON.stringify(scores));
  assert.equal(scores.trials, 5);
  assert.match(await page.textContent('#lfads-recording .recording-scores'), /co-bps on the held-out neurons of 5 held-out trials \(step \d+\): LFADS -?\d\.\d+ · spike smoothing -?\d\.\d+/);
  assert.ok(await colours(page, '#lfads-recording canvas.recording-raster') > 2, 'the raster is drawn');
  assert.ok(await colours(page, '#lfads-recording canvas.recording-rates') > 4, 'the rates are drawn');
  await page.waitForFunction(() => /held-out trials’ factors on their first three principal components/.test(document.querySelector('#lfads-recording .recording-trajectories').textContent));
  await page.click('#lfads-recording button[aria-label="Next held-out trial"]');
  await page.waitForFunction(() => window.neuroaiLfadsRecording.shown === 1);
  assert.match(await page.textContent('#lfads-recording .time-label'), /held-out trial 2 of 5/);
  await page.$eval('#your-data', (e) => e.scrollIntoView());
  await screenshot(page, 'lfads-recording');
  assert.deepEqual(foreign(requests, env.url), [], 'only GETs of the site\u2019s own code');
  assert.ok(before === null || before.step === 0);
  assert.deepEqual(page.problems, []);
  await page.close();
});

test('a .npy of counts dropped; files that are not recordings get clear errors', async () => {
  const page = await openPage(env.browser, `${env.url}lfads.html`);
  await page.waitForFunction(() => window.neuroaiLfadsRecording, null, { timeout: 30000 });
  const drop = (name, bytes) => page.evaluate(({ name, bytes }) => {
    const dt = new DataTransfer();
    dt.items.add(new File([new Uint8Array(bytes)], name));
    document.querySelector('#lfads-recording-drop').dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, { name, bytes: Array.from(bytes) });
  await drop('notes.txt', Buffer.from('hello'));
  await page.waitForSelector('#lfads-recording .error:not([hidden])');
  assert.match(await page.textContent('#lfads-recording .error'), /notes\.txt: expected an NWB \(\.nwb\), NumPy \(\.npy, \.npz\) or CSV \(\.csv\) file/);
  await drop('fake.nwb', Buffer.from('trial,bin,n0\n'));
  await page.waitForFunction(() => /fake\.nwb is not an HDF5 file/.test(document.querySelector('#lfads-recording .error').textContent), null, { timeout: 60000 });
  // A .npy of counts, 20 trials x 15 bins x 8 neurons (uint8).
  const counts = Uint8Array.from({ length: 20 * 15 * 8 }, (_, i) => (i * 7919) % 4);
  let header = "{'descr': '|u1', 'fortran_order': False, 'shape': (20, 15, 8), }";
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8];
  const npy = Buffer.concat([Buffer.from(magic), Buffer.from(header), Buffer.from(counts)]);
  await drop('counts.npy', npy);
  await page.waitForFunction(() => window.neuroaiLfadsRecording.ready && /counts\.npy/.test(document.querySelector('#lfads-recording .recording-file').textContent), null, { timeout: 60000 });
  assert.match(await page.textContent('#lfads-recording .recording-file'), /counts\.npy: \.npy → 20 trials × 15 bins × 8 neurons/);
  assert.ok(await page.isHidden('#lfads-recording .error'));
  assert.ok(await page.isHidden('#lfads-recording fieldset:has(legend:text("Binning"))'), 'no binning for counts');
  // With the controller: its inferred inputs are drawn.
  assert.ok(await page.isHidden('#lfads-recording canvas.recording-inputs'));
  await page.check('#lfads-recording fieldset:has(legend:text("LFADS")) input[type=checkbox]');
  await page.click('#lfads-recording button:has-text("Apply and start over")');
  await page.waitForFunction(() => window.neuroaiLfadsRecording.ready && window.neuroaiLfadsRecording.info.config.controller, null, { timeout: 60000 });
  await page.click('#lfads-recording button:has-text("Step")');
  await page.waitForFunction(() => window.neuroaiLfadsRecording.snapshot?.step >= 1, null, { timeout: 60000 });
  await page.click('#lfads-recording button[aria-label="Next held-out trial"]');
  await page.waitForFunction(() => window.neuroaiLfadsRecording.shown === 1);
  assert.ok(await page.isVisible('#lfads-recording canvas.recording-inputs'));
  assert.ok(await colours(page, '#lfads-recording canvas.recording-inputs') > 2, 'the inferred inputs are drawn');
  assert.deepEqual(page.problems, []);
  await page.close();
});
