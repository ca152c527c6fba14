// The first visit, page by page, in headless Chromium: the bytes it costs (everything the server
// sends for it, headers included, the service worker's caching too, counted at the server's
// sockets) and the seconds until it is interactive on a throttled mobile profile (1.6 Mbit/s down
// shared by every response and 150 ms before each, paced by the server so that workers' and the
// service worker's fetches pay it too; the CPU slowed 4x): a study page when its Start button is
// enabled (its model loaded, its worker ready), the others at their load event. Median of
// --repeats, each visit in a fresh browser context (an empty cache) against a fresh server.
//
//   node bench/load.mjs [--json] [--repeats 3] [--only index,vit] [--no-throttle]
import os from 'node:os';
import { chromium } from 'playwright-core';
import { startServer } from '../tools/serve.mjs';
import { chromiumArgs, root } from '../tests/browser/browser.mjs';
import { median, printTable } from './harness.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const repeats = Number(option('--repeats', 3));
if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`--repeats: expected a positive integer, got ${option('--repeats')}`);
// page -> what "interactive" means there (a selector that appears when it is), or null: the load event.
const PAGES = {
  index: 'button.primary:not([disabled])',
  prednet: 'button.primary:not([disabled])',
  replay: 'button.primary:not([disabled])',
  vit: 'button.primary:not([disabled])',
  episodic: 'button.primary:not([disabled])',
  lfads: 'button.primary:not([disabled])',
  glossary: null,
  teach: null,
};
const only = option('--only', Object.keys(PAGES).join(',')).split(',');
for (const p of only) if (!Object.hasOwn(PAGES, p)) throw new Error(`--only: expected names among ${Object.keys(PAGES).join(', ')}, got ${p}`);
const MOBILE = { latency: 150, downloadThroughput: 1.6e6 / 8 };
const CPU_SLOWDOWN = 4;
const site = process.env.NEUROAI_SITE ?? `${root}/build/site`;

/** One first visit: {bytes, seconds}. Bytes: unthrottled, until the service worker (if any) is active and the network is quiet. */
async function visit(browser, page, { throttle }) {
  const link = { bytesPerSecond: MOBILE.downloadThroughput, latencyMs: MOBILE.latency };
  const { server, url, bytesSent } = await startServer({ root: site, port: 0, ...(throttle && { throttle: link }) });
  const context = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true });
  try {
    const tab = await context.newPage();
    const cdp = await context.newCDPSession(tab);
    if (throttle) await cdp.send('Emulation.setCPUThrottlingRate', { rate: CPU_SLOWDOWN });
    const t0 = Date.now();
    await tab.goto(`${url}${page}.html`, { waitUntil: 'load', timeout: 300000 });
    if (PAGES[page]) await tab.waitForSelector(PAGES[page], { timeout: 300000 });
    const seconds = (Date.now() - t0) / 1000;
    // What the first visit goes on to fetch: the service worker's install, late modules.
    await tab.evaluate(() => navigator.serviceWorker?.ready.then(() => true)).catch(() => {});
    let last = -1;
    for (;;) {  // quiet for a second
      const now = bytesSent();
      if (now === last) break;
      last = now;
      await new Promise((r) => setTimeout(r, 1000));
    }
    return { bytes: last, seconds };
  } finally {
    await context.close();
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  }
}

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: chromiumArgs({ gpu: false }) });
const rows = [];
try {
  for (const page of only) {
    const bytes = [], seconds = [];
    for (let r = 0; r < repeats; ++r) {
      bytes.push((await visit(browser, page, { throttle: false })).bytes);
      if (!args.includes('--no-throttle')) seconds.push((await visit(browser, page, { throttle: true })).seconds);
      if (!args.includes('--json')) console.error(`${page} run ${r + 1}: ${(bytes.at(-1) / 1e6).toFixed(2)} MB${seconds.length ? `, interactive after ${seconds.at(-1).toFixed(1)} s` : ''}`);
    }
    rows.push({ page: `${page}.html`, 'MB transferred': (median(bytes) / 1e6).toFixed(2),
                'interactive (s)': seconds.length ? median(seconds).toFixed(1) : '-', 'runs (s)': seconds.map((s) => s.toFixed(1)).join(' ') });
  }
} finally {
  await browser.close();
}
if (args.includes('--json')) console.log(JSON.stringify({ bench: 'load', repeats, profile: { ...MOBILE, cpuSlowdown: CPU_SLOWDOWN }, results: rows }));
else printTable(`first visit (headless Chromium, ${os.cpus().length} cores; interactive on ${MOBILE.downloadThroughput * 8 / 1e6} Mbit/s, ${MOBILE.latency} ms, CPU ${CPU_SLOWDOWN}x slower; median of ${repeats})`,
  ['page', 'MB transferred', 'interactive (s)', 'runs (s)'], rows);
