#!/usr/bin/env node
// The wasm heap of each page's worker(s), at the default knobs and at the knobs' largest values:
// opens embed.html?study=... in headless Chromium (the site must be assembled), starts training,
// waits, and asks the worker for its counts (heapBytes is the wasm memory's size, which never
// shrinks: the peak so far). Every page runs one worker.
//
//   node tools/memory-report.mjs [--seconds 15] [study hash ...]
import { parseArgs } from 'node:util';
import { launch, openPage } from '../tests/browser/browser.mjs';
import { LARGEST_KNOBS } from '../web/js/engine/memory-budget.js';

const { values: opts, positionals } = parseArgs({
  options: { seconds: { type: 'string', default: '15' } },
  allowPositionals: true,
});
const seconds = Number(opts.seconds);
if (!(seconds > 0)) throw new Error(`--seconds: expected a positive number, got '${opts.seconds}'`);

// Each study at its defaults and with every memory-relevant knob at the top of its range.
const CASES = positionals.length >= 1
  ? [[positionals[0], positionals[1] ?? '']]
  : Object.entries(LARGEST_KNOBS).flatMap(([study, largest]) => [[study, ''], [study, largest]]);

const mib = (bytes) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
const env = await launch({ gpu: false });
try {
  console.log(`wasm heap per worker after ${seconds} s of training (headless Chromium, no GPU)`);
  for (const [study, hash] of CASES) {
    const page = await openPage(env.browser, `${env.url}embed.html?study=${study}#${hash}`, { width: 1000, height: 1000 });
    try {
      await page.waitForSelector('#embed button.primary:not([disabled])', { timeout: 90000 });
      await page.click('#embed button.primary');
      await page.waitForTimeout(seconds * 1000);
      const trainer = await page.evaluate(() => window.neuroaiEmbed.panel.trainer.counts());
      console.log(`${study.padEnd(9)} ${(hash || '(defaults)').padEnd(58)} ${mib(trainer.heapBytes).padStart(8)}`);
    } catch (error) {
      console.log(`${study} ${hash}: ${error.message.split('\n')[0]}`);
    }
    await page.close();
  }
} finally {
  await env.close();
}
