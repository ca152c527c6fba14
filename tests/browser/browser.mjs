// Shared set-up for the browser tests: the built site on a local server (strict CSP on), Debian's
// Chromium driven by playwright-core, console errors collected, screenshots in build/screenshots.
// NEUROAI_SITE points them at another assembled site folder.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer, STRICT_CSP } from '../../tools/serve.mjs';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const screenshotDir = path.join(root, 'build/screenshots');

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Flags for headless Chromium in a closed network; WebGPU on SwiftShader unless gpu: false. */
export function chromiumArgs({ gpu = true } = {}) {
  return [
    '--no-sandbox', '--disable-gpu-sandbox', '--disable-dev-shm-usage', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync', '--disable-extensions',
    '--disable-default-apps', '--mute-audio',
    ...(gpu ? ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader', '--enable-features=Vulkan'] : ['--disable-gpu']),
  ];
}

/** Starts the site server and the browser (with `args` added to its flags); returns {url, browser, close}. */
export async function launch({ csp = STRICT_CSP, gpu = true, args = [] } = {}) {
  const site = process.env.NEUROAI_SITE ?? path.join(root, 'build/site');
  if (!fs.existsSync(path.join(site, 'index.html'))) throw new Error('build/site is missing: run tools/setup first');
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: install Debian's chromium (tools/setup does)`);
  const { server, url } = await startServer({ root: site, port: 0, csp });
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: [...chromiumArgs({ gpu }), ...args] });
  return {
    url,
    browser,
    close: async () => {
      await browser.close();
      await new Promise((r) => server.close(r));
    },
  };
}

/**
 * The one browser context that openPage's pages share, per browser. A page in a context of its
 * own (browser.newPage) starts two renderer processes, its blank page's and its site's, about
 * 5 CPU-s on this VM before the page does anything; pages of one context reuse the site's process
 * (about 1 CPU-s). The pages still share no state that the site keeps: it uses no storage, and
 * service workers are blocked (their first install caches the whole site, seconds of CPU per
 * page): the offline tests (course-kit, sw-update) make contexts of their own.
 */
const sharedContexts = new WeakMap();
function sharedContext(browser) {
  if (!sharedContexts.has(browser)) sharedContexts.set(browser, browser.newContext({ serviceWorkers: 'block' }));
  return sharedContexts.get(browser);
}

/**
 * A new page that records console errors, page errors, failed requests and CSP violations (the
 * securitypolicyviolation events of every document, workers' included, logged as errors) into
 * page.problems: every test that asserts page.problems is empty checks the strict CSP too.
 */
export async function openPage(browser, url, { width = 1280, height = 900 } = {}) {
  const page = await (await sharedContext(browser)).newPage();
  await page.setViewportSize({ width, height });
  await recordProblems(page);
  await page.goto(url);
  return page;
}

/** Collects a page's console errors, page errors, failed requests and CSP violations in page.problems. */
export async function recordProblems(page) {
  page.problems = [];
  page.on('console', (m) => { if (m.type() === 'error') page.problems.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => page.problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => page.problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`));
  });
  return page;
}

let axeSource;
/**
 * The axe-core audit of the page as it stands: its violations, one line each (empty when none).
 * The audit script is evaluated through the DevTools protocol, which the page's CSP does not
 * govern, so the page is audited under its real policy.
 */
export async function accessibilityViolations(page) {
  axeSource ??= fs.readFileSync(path.join(root, 'node_modules/axe-core/axe.min.js'), 'utf8');
  await page.evaluate(axeSource);
  return page.evaluate(async () => (await window.axe.run(document, { resultTypes: ['violations'] })).violations
    .map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`));
}

/** How many pixels of the canvas matching `selector` are not near-white (drawn ink). */
export function inkPixels(page, selector) {
  return page.evaluate((sel) => {
    const c = document.querySelector(sel);
    const probe = document.createElement('canvas');
    probe.width = c.width; probe.height = c.height;
    const ctx = probe.getContext('2d');
    ctx.drawImage(c, 0, 0);
    const px = ctx.getImageData(0, 0, c.width, c.height).data;
    let ink = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i] < 200 || px[i + 1] < 200 || px[i + 2] < 200) ink++;
    return ink;
  }, selector);
}

export async function screenshot(page, name) {
  fs.mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Resolves once the page has training workers and every one is ready (web/js/engine/
 * trainer-client.js keeps the live ones); polled in the page, since waitForFunction takes no
 * async predicate.
 */
export function whenWorkersReady(page, timeoutMs = 120000) {
  return page.evaluate(async (ms) => {
    const { liveClients } = await import('./js/engine/trainer-client.js');
    const until = performance.now() + ms;
    while (!(liveClients.size > 0 && [...liveClients].every((c) => c.ready))) {
      if (performance.now() > until) throw new Error(`the page's workers did not get ready in ${ms / 1000} s`);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    return [...liveClients].map((c) => c.job);
  }, timeoutMs);
}
