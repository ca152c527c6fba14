#!/usr/bin/env node
// The ViT's settings chosen on a validation split, as the issue and Dosovitskiy et al. ask: every
// candidate trains on the first 55,000 of Fashion-MNIST's 60,000 training images with the same
// seed, the last 5,000 are held out, and the candidate with the best validation accuracy is the
// shipped model (ties go to the shorter run). The test images are never read here: each run is
// `neuroai train vit --val 5000`, which does not open them. The one test evaluation comes after,
// from `neuroai eval vit`.
//
//   node tools/vit-select.mjs [--jobs 2] [--out-dir build/vit-select]
//   writes assets/vit/vit-selection.json and copies the chosen weights to assets/vit/vit-fashion.nrai
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync, existsSync, createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

const { values: opts } = parseArgs({
  options: {
    jobs: { type: 'string', default: '2' },
    'out-dir': { type: 'string', default: 'build/vit-select' },
    neuroai: { type: 'string', default: 'build/native/neuroai' },
    'dry-run': { type: 'boolean', default: false },
  },
});
const jobs = Number(opts.jobs);
if (!Number.isInteger(jobs) || jobs < 1) throw new Error(`--jobs: expected a positive integer, got '${opts.jobs}'`);

const VAL_IMAGES = 5000;
const SEED = 1;
// The grid: the training length. Everything else is VitTrainConfig's default (AdamW at peak
// learning rate 1e-3, weight decay 0.05, batch 128, 500 warm-up steps, cosine decay to zero, +-2 px
// shifts and flips). An epoch is about 80 s of one core; longer candidates (40 epochs) are a
// matter of adding a row and an hour.
const CANDIDATES = [
  { epochs: 20, lr: 1e-3 },
  { epochs: 30, lr: 1e-3 },
];

const name = (c) => `e${c.epochs}-lr${c.lr}`;
mkdirSync(opts['out-dir'], { recursive: true });

function trainOne(c) {
  const base = join(opts['out-dir'], name(c));
  if (existsSync(`${base}.json`)) return Promise.resolve(JSON.parse(readFileSync(`${base}.json`, 'utf8')));
  const args = ['train', 'vit', '--val', String(VAL_IMAGES), '--epochs', String(c.epochs), '--lr', String(c.lr),
    '--seed', String(SEED), '--out', `${base}.nrai`, '--json'];
  console.log(`${name(c)}: neuroai ${args.join(' ')} (progress in ${base}.log)`);
  if (opts['dry-run']) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const child = spawn(opts.neuroai, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.pipe(createWriteStream(`${base}.log`));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) return reject(new Error(`${name(c)}: neuroai exited with ${code} (see ${base}.log)`));
      writeFileSync(`${base}.json`, stdout);
      resolve(JSON.parse(stdout));
    });
  });
}

// A small pool: `jobs` runs at a time, each single-threaded.
const results = new Array(CANDIDATES.length);
let next = 0;
await Promise.all(Array.from({ length: Math.min(jobs, CANDIDATES.length) }, async () => {
  while (next < CANDIDATES.length) {
    const i = next++;
    results[i] = await trainOne(CANDIDATES[i]);
    if (results[i]) console.log(`${name(CANDIDATES[i])}: val accuracy ${results[i].val_accuracy} (${Math.round(results[i].seconds)} s)`);
  }
}));
if (opts['dry-run']) process.exit(0);

const rows = CANDIDATES.map((c, i) => ({
  epochs: c.epochs, lr: c.lr, val_accuracy: results[i].val_accuracy, val_loss: results[i].val_loss,
  train_images: results[i].train_images, seconds: Math.round(results[i].seconds),
}));
const best = [...rows].sort((a, b) => b.val_accuracy - a.val_accuracy || a.epochs - b.epochs)[0];
const selection = {
  protocol: `trained on the first ${rows[0].train_images} training images, chosen on the last ${VAL_IMAGES} ` +
    '(validation accuracy; ties to fewer epochs); the test images are not read during selection',
  seed: SEED, val_images: VAL_IMAGES, candidates: rows, chosen: { epochs: best.epochs, lr: best.lr },
};
writeFileSync('assets/vit/vit-selection.json', `${JSON.stringify(selection)}\n`);
copyFileSync(join(opts['out-dir'], `${name(best)}.nrai`), 'assets/vit/vit-fashion.nrai');
console.log(JSON.stringify(selection, null, 1));
console.log(`chosen: ${name(best)}; weights copied to assets/vit/vit-fashion.nrai`);
