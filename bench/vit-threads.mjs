// ViT training throughput on threads, in headless Chromium: this project's module on the pages'
// pool of training threads (web/js/engine/replicas.js: data-parallel gradients between workers)
// against TensorFlow.js's wasm backend multi-threaded (its threaded SIMD build, XNNPACK on a
// pthread pool, setThreadsCount), side by side at the same thread count, in a cross-origin
// isolated page (TensorFlow.js's threads need SharedArrayBuffer; the module's pool does not). The
// same network and optimizer (./vit-peer.mjs, as bench/vit.mjs in Node on one thread), the same
// batch size, real Fashion-MNIST images. Median of --repeats samples of --steps steps.
//
//   node bench/vit-threads.mjs [--json] [--threads 1,2] [--batch 128] [--steps 4] [--repeats 5] [--config shipped,small]
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as esbuild from 'esbuild';
import { chromium } from 'playwright-core';
import { chromiumArgs } from '../tests/browser/browser.mjs';
import { startServer } from '../tools/serve.mjs';
import { printTable, root } from './harness.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const positive = (name, fallback) => {
  const v = Number(option(name, fallback));
  if (!(Number.isInteger(v) && v > 0)) throw new Error(`${name}: expected a positive integer, got ${option(name)}`);
  return v;
};
const batch = positive('--batch', 128), steps = positive('--steps', 4), repeats = positive('--repeats', 5);
const threadCounts = option('--threads', '1,2').split(',').map(Number);
if (!threadCounts.every((t) => Number.isInteger(t) && t >= 1 && t <= 4)) throw new Error(`--threads: expected integers in [1, 4], got ${option('--threads')}`);
const CONFIGS = {
  shipped: { patch: 4, dim: 64, depth: 4, heads: 4, mlp: 128 },  // the shipped architecture
  small: { patch: 7, dim: 32, depth: 2, heads: 2, mlp: 64 },      // the page's from-scratch default
};
const configs = option('--config', 'shipped').split(',');
for (const c of configs) if (!Object.hasOwn(CONFIGS, c)) throw new Error(`--config: expected names among ${Object.keys(CONFIGS).join(', ')}, got ${c}`);

// The page's folder: the built site, TensorFlow.js's wasm binaries, its browser bundle (tfjs-core
// with its gradients, which its own bundles leave out, and the wasm backend) and the page.
const site = path.join(root, 'build/site');
if (!fs.existsSync(path.join(site, 'wasm/neuroai.mjs'))) throw new Error('build/site is missing: run tools/setup first');
const dir = path.join(root, 'build/bench-vit-threads');
fs.rmSync(dir, { recursive: true, force: true });
fs.mkdirSync(dir, { recursive: true });
fs.symlinkSync(site, path.join(dir, 'site'));
fs.symlinkSync(path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist'), path.join(dir, 'tfjs-wasm'));
for (const f of ['vit-peer.mjs', 'vit-threads-page.mjs']) fs.copyFileSync(path.join(root, 'bench', f), path.join(dir, f));
fs.writeFileSync(path.join(dir, 'index.html'), '<!doctype html><meta charset="utf-8"><title>ViT on threads</title><link rel="icon" href="data:,"><script type="module" src="vit-threads-page.mjs"></script>\n');
await esbuild.build({
  stdin: {
    contents: "export * from '@tensorflow/tfjs-core';\nimport '@tensorflow/tfjs-core/dist/register_all_gradients';\n" +
              "export { setWasmPaths, setThreadsCount, getThreadsCount } from '@tensorflow/tfjs-backend-wasm';\n",
    resolveDir: root, loader: 'js',
  },
  bundle: true, format: 'esm', platform: 'browser', outfile: path.join(dir, 'tfjs.mjs'), logLevel: 'error',
});

const { server, url } = await startServer({ root: dir, port: 0, csp: null, isolated: true });
const browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', headless: true, args: chromiumArgs({ gpu: false }) });
const results = [];
try {
  for (const name of configs) {
    for (const threads of threadCounts) {
      const page = await browser.newPage();
      // TensorFlow.js's wasm backend takes at most navigator.hardwareConcurrency / 2 threads (it
      // assumes two hyper-threads per core), which on a 2-core machine is one: the page reports
      // twice the machine's cores so that it may run the threads asked for, on real cores.
      await page.addInitScript((n) => Object.defineProperty(Navigator.prototype, 'hardwareConcurrency', { get: () => n }), 2 * os.cpus().length);
      const problems = [];
      page.on('pageerror', (e) => problems.push(e.message));
      page.on('console', (m) => { if (m.type() === 'error') problems.push(m.text()); });
      page.on('response', (res) => { if (res.status() >= 400) problems.push(`${res.status()} ${res.url()}`); });
      await page.goto(`${url}index.html?threads=${threads}`);
      await page.waitForFunction(() => window.benchReady, null, { timeout: 60000 });
      await page.evaluate(() => window.benchReady);
      const r = await page.evaluate((o) => window.runBench(o), { arch: CONFIGS[name], batch, steps, repeats });
      await page.close();
      if (problems.length) throw new Error(`${name}, ${threads} threads: ${problems.join('; ')}`);
      if (!(r.maxProbabilityDifference < 1e-4)) throw new Error(`${name}: the peer computes other probabilities (max difference ${r.maxProbabilityDifference})`);
      if (r.tfjs.threads !== threads) throw new Error(`${name}: TensorFlow.js runs ${r.tfjs.threads} threads, asked for ${threads}`);
      results.push({ config: name, threads, params: r.params, neuroai: r.neuroai.imagesPerSecond, tfjs: r.tfjs.imagesPerSecond,
                     maxDiff: r.maxProbabilityDifference });
      if (!args.includes('--json')) console.error(`${name}, ${threads} thread(s): neuroai ${r.neuroai.imagesPerSecond.toFixed(0)}, tfjs ${r.tfjs.imagesPerSecond.toFixed(0)} images/s`);
    }
  }
} finally {
  await browser.close();
  await new Promise((r) => server.close(r));
}

const one = (r, key) => results.find((x) => x.config === r.config && x.threads === threadCounts[0])[key];
const rows = results.map((r) => ({
  config: r.config, threads: r.threads, 'neuroai img/s': r.neuroai.toFixed(1), 'tfjs img/s': r.tfjs.toFixed(1), ratio: (r.neuroai / r.tfjs).toFixed(2),
  'neuroai scaling': (r.neuroai / one(r, 'neuroai')).toFixed(2), 'tfjs scaling': (r.tfjs / one(r, 'tfjs')).toFixed(2),
}));
if (args.includes('--json')) console.log(JSON.stringify({ bench: 'vit-threads', batch, steps, repeats, cores: os.cpus().length, results }));
else {
  printTable(`ViT training in headless Chromium, wasm module (pool of training threads) vs TensorFlow.js wasm backend (threaded SIMD), ` +
             `batch ${batch}, ${os.cpus().length} cores, median of ${repeats} x ${steps} steps`,
             ['config', 'threads', 'neuroai img/s', 'tfjs img/s', 'ratio', 'neuroai scaling', 'tfjs scaling'], rows);
  console.log(`  same initial weights give the same probabilities in both (max difference ${Math.max(...results.map((r) => r.maxDiff)).toExponential(1)})`);
}
