// Thread scaling of training in the browser: a study page's worker trains from fresh weights on
// 1 and on 2 (or --threads) training threads (web/js/engine/replicas.js: the job's worker and
// replicas, each with a wasm instance of its own), side by side, in headless Chromium on the built
// site; each run trains --seconds after a warm-up and reads the training rate from the worker's
// step count. Median of --repeats, the thread counts interleaved so that a noisy machine hurts
// both alike. A benchmark, not a test: it prints what it measured, whatever it is.
//
//   node bench/threads.mjs [--json] [--repeats 3] [--seconds 8] [--threads 1,2] [--only vit,vit-large,prednet,lfads] [--bare]
import os from 'node:os';
import { launch, openPage } from '../tests/browser/browser.mjs';
import { median, printTable } from './harness.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const repeats = Number(option('--repeats', 3));
const seconds = Number(option('--seconds', 8));
const threadCounts = option('--threads', '1,2').split(',').map(Number);
if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`--repeats: expected a positive integer, got ${option('--repeats')}`);
if (!(seconds > 0)) throw new Error(`--seconds: expected seconds > 0, got ${option('--seconds')}`);
if (!threadCounts.every((t) => Number.isInteger(t) && t >= 1 && t <= 4)) throw new Error(`--threads: expected integers in [1, 4], got ${option('--threads')}`);

// name -> {page, the hash for fresh weights, the unit of the rate, the page's panel}: the ViT page's
// default (a small network whose 6-17 ms steps auto leaves on one thread), the ViT's shipped
// architecture trained from scratch (steps of about 0.3 s), PredNet and LFADS at the pages' defaults.
const STUDIES = {
  vit: { page: 'vit.html', hash: '#init=scratch&gpu=off', unit: 'images', global: 'neuroaiVit' },
  'vit-large': { page: 'vit.html', hash: '#init=scratch&gpu=off&patch=4&dim=64&depth=4&heads=4&batch=128', unit: 'images', global: 'neuroaiVit' },
  prednet: { page: 'prednet.html', hash: '#init=scratch&gpu=off', unit: 'sequences', global: 'neuroaiPrednet' },
  lfads: { page: 'lfads.html', hash: '#init=scratch&gpu=off', unit: 'trials', global: 'neuroaiLfads' },
};
// --bare: the labs alone in a blank page of the site (no page, no drawing, no evaluation), owner
// on the page's main thread: what the split step itself scales to. name -> the lab and how to make it.
const BARE = {
  vit: { lab: 'VitLab', config: { patch: 7, dim: 32, depth: 2, heads: 2, mlp: 64, batch: 32, lr: 0.002 }, unit: 'images', data: true },
  'vit-large': { lab: 'VitLab', config: { patch: 4, dim: 64, depth: 4, heads: 4, mlp: 128, batch: 128 }, unit: 'images', data: true },
  prednet: { lab: 'PredNetLab', config: {}, unit: 'sequences' },
  lfads: { lab: 'LfadsLab', config: { lr: 0.01 }, unit: 'trials', replica: { replica: true } },
};
const bare = args.includes('--bare');
const only = option('--only', Object.keys(STUDIES).join(',')).split(',');
for (const s of only) if (!Object.hasOwn(STUDIES, s)) throw new Error(`--only: expected names among ${Object.keys(STUDIES).join(', ')}, got ${s}`);

/** Items per second of a bare lab (BARE) stepping on `threads` threads for `seconds`, after two steps. */
async function onceBare(browser, url, study, threads) {
  const page = await openPage(browser, `${url}index.html`, { width: 800, height: 600 });
  try {
    const r = await page.evaluate(async ({ b, threads, seconds }) => {
      const { default: createNeuroAI } = await import('./wasm/neuroai.mjs');
      const { createReplicas, parallelStep } = await import('./js/engine/replicas.js');
      const M = await createNeuroAI();
      const lab = new M[b.lab](b.config);
      if (b.data) {
        const bytes = new Uint8Array(await (await fetch('./assets/vit/fashion-train.bin')).arrayBuffer());
        const { train } = M.decodeFashionSubset(bytes);
        lab.setTrainData(train.pixels, train.labels);
      }
      // A replica is the same lab without data (PredNet: the architecture the lab describes).
      const d = b.lab === 'PredNetLab' ? lab.describe() : null;
      const replicaConfig = d ? { size: d.size, frames: d.frames, layers: d.aChannels.length, aChannels: d.aChannels, rChannels: d.rChannels,
                                  layerWeights: d.layerWeights, batch: d.batch } : { ...b.config, ...b.replica };
      const replicas = threads > 1 ? await createReplicas(threads - 1, b.lab, replicaConfig) : null;
      const step = () => (replicas ? parallelStep(lab, replicas, lab.batchSize()) : lab.trainSteps(1));
      await step();
      await step();
      const s0 = lab.steps(), t0 = performance.now();
      while (performance.now() - t0 < seconds * 1000) await step();
      const perSecond = ((lab.steps() - s0) * lab.batchSize() * 1000) / (performance.now() - t0);
      replicas?.dispose();
      lab.delete();
      return perSecond;
    }, { b: BARE[study], threads, seconds });
    if (page.problems.length) throw new Error(`${study}: ${page.problems.join('; ')}`);
    return { perSecond: r, used: threads };
  } finally {
    await page.close();
  }
}

/** Steps per second of one page training on `threads` threads, and the threads its worker used. */
async function once(browser, url, study, threads) {
  if (bare) return onceBare(browser, url, study, threads);
  const s = STUDIES[study];
  const page = await openPage(browser, `${url}${s.page}${s.hash}&threads=${threads}`, { width: 1000, height: 900 });
  try {
    const steps = () => page.evaluate((name) => (window[name].trainer ?? window[name].panel.trainer).call('trainingProgress'), s.global);
    await page.waitForSelector('button.primary:not([disabled])', { timeout: 120000 });
    await page.click('button.primary');
    await page.waitForTimeout(2000);  // warm-up: the first steps, the first held-out evaluation
    const a = await steps();
    await page.waitForTimeout(seconds * 1000);
    const b = await steps();
    if (page.problems.length) throw new Error(`${study}: ${page.problems.join('; ')}`);
    return { perSecond: ((b.items - a.items) * 1000) / (b.at - a.at), used: b.threads.used, reason: b.threads.reason };
  } finally {
    await page.close();
  }
}

const env = await launch({ gpu: false });
const rows = [];
try {
  for (const study of only) {
    const runs = Object.fromEntries(threadCounts.map((t) => [t, []]));
    for (let r = 0; r < repeats; ++r) {
      for (const t of threadCounts) {
        runs[t].push(await once(env.browser, env.url, study, t));
        if (!args.includes('--json')) console.error(`${study}, ${t} thread(s), run ${r + 1}: ${runs[t].at(-1).perSecond.toFixed(1)} ${STUDIES[study].unit}/s`);
      }
    }
    const base = median(runs[threadCounts[0]].map((x) => x.perSecond));
    for (const t of threadCounts) {
      const m = median(runs[t].map((x) => x.perSecond));
      rows.push({ study, threads: t, used: runs[t].at(-1).used, 'per second': `${m.toFixed(1)} ${STUDIES[study].unit}`,
                  runs: runs[t].map((x) => x.perSecond.toFixed(0)).join(' '), ratio: (m / base).toFixed(2) });
    }
  }
} finally {
  await env.close();
}
if (args.includes('--json')) console.log(JSON.stringify({ bench: 'threads', repeats, seconds, results: rows }));
else printTable(`training rate from fresh weights, by training threads (headless Chromium, ${os.cpus().length} cores, ${bare ? 'the labs alone in a blank page' : 'the pages'}, median of ${repeats})`,
  ['study', 'threads', 'used', 'per second', 'runs', 'ratio'], rows);
