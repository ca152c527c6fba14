// Time to insight: seconds from pressing Start on embed.html?study=NAME (fresh weights, the page's
// defaults) to the study's own milestone event, in headless Chromium (playwright-core) on the built
// site, median of --repeats runs (each in a new page), with the number of training threads.
// A benchmark, not a test: it prints what it measured, whatever it is.
//
//   node bench/milestones.mjs [--json] [--repeats 3] [--only vit,lfads] [--timeout 600]
//
// The milestones (docs/embedding.md): spirals 95% accuracy; replay a 50-episode mean return of 0.9
// on Catch; episodic MFEC's 20-episode mean return 0.9; PredNet held-out MSE at most half of
// copy-last's and below linear extrapolation's; ViT 80% held-out accuracy; LFADS held-out rate R² 0.75.
import { launch, openPage } from '../tests/browser/browser.mjs';
import { median, printTable } from './harness.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const repeats = Number(option('--repeats', 3));
const timeoutS = Number(option('--timeout', 600));
if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`--repeats: expected a positive integer, got ${option('--repeats')}`);
if (!(timeoutS > 0)) throw new Error(`--timeout: expected seconds > 0, got ${option('--timeout')}`);

// study -> the hash that asks for fresh weights (the studies that always start fresh need none).
const STUDIES = { spiral: '', replay: '', episodic: '', prednet: '#init=scratch', vit: '#init=scratch', lfads: '#init=scratch' };
const only = option('--only', Object.keys(STUDIES).join(',')).split(',');
for (const s of only) if (!Object.hasOwn(STUDIES, s)) throw new Error(`--only: expected names among ${Object.keys(STUDIES).join(', ')}, got ${s}`);

/** One run: seconds from the Start click to the milestone event, and what the event said. */
async function once(browser, url, study) {
  const page = await openPage(browser, `${url}embed.html?study=${study}${STUDIES[study]}`, { width: 1000, height: 900 });
  try {
    await page.evaluate(() => {
      window.benchEvents = [];
      document.addEventListener('neuroai', (e) => window.benchEvents.push({ type: e.detail.type, detail: e.detail, t: performance.now() }));
    });
    await page.waitForFunction(() => document.querySelector('#embed button.primary')?.disabled === false, null, { timeout: 120000, polling: 100 });
    const t0 = await page.evaluate(() => {
      const t = performance.now();
      document.querySelector('#embed button.primary').click();
      return t;
    });
    await page.waitForFunction(() => window.benchEvents.some((e) => e.type === 'milestone'), null, { timeout: timeoutS * 1000, polling: 100 });
    const m = await page.evaluate(() => window.benchEvents.find((e) => e.type === 'milestone'));
    // The training threads the study's worker used (web/js/engine/replicas.js); one where it reports none.
    const threads = await page.evaluate(() => window.neuroaiEmbed.panel.snapshot?.threads?.used ?? 1);
    if (page.problems.length) throw new Error(`${study}: ${page.problems.join('; ')}`);
    return { seconds: (m.t - t0) / 1000, text: m.detail.text, threads };
  } finally {
    await page.close();
  }
}

const env = await launch({ gpu: false });
const rows = [];
try {
  for (const study of only) {
    const runs = [];
    for (let r = 0; r < repeats; ++r) {
      runs.push(await once(env.browser, env.url, study));
      if (!args.includes('--json')) console.error(`${study} run ${r + 1}: ${runs.at(-1).seconds.toFixed(1)} s (${runs.at(-1).text})`);
    }
    rows.push({
      study, seconds: +median(runs.map((x) => x.seconds)).toFixed(1),
      runs: runs.map((x) => x.seconds.toFixed(1)).join(' '), threads: runs.at(-1).threads, milestone: runs.at(-1).text,
    });
  }
} finally {
  await env.close();
}
if (args.includes('--json')) console.log(JSON.stringify({ bench: 'milestones', repeats, results: rows }));
else {
  printTable(`seconds from Start to the milestone, fresh weights, page defaults (headless Chromium, median of ${repeats})`,
    ['study', 'seconds', 'runs', 'threads'], rows);
  for (const r of rows) console.log(`${r.study}: ${r.milestone}`);
}
