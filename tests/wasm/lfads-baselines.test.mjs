// The NLB baselines of the LFADS case study through wasm (LfadsLab.loadBaselines / baselineScores):
// the shipped fit (assets/lfads/nlb-baselines.nrai, written by `neuroai eval lfads
// --save-baselines`) loads and is scored with the same metrics and on the same trials as LFADS, as
// the native CLI scores it; bad files and bad sets are refused by name and the lab stays usable.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadModule, nativeCli, root } from './load.mjs';

const METRICS = ['coBps', 'fpBps', 'rateR2', 'psthR2', 'decodeR2'];
const FILE = path.join(root, 'assets', 'lfads', 'nlb-baselines.nrai');

let M, lab;
before(async () => {
  M = await loadModule();
  lab = new M.LfadsLab({ factors: 4, generator: 16, encoder: 16, ic: 8, seed: 5 });  // the baselines do not depend on the model
});
after(() => lab?.delete());

const named = (f, re) => assert.throws(f, (e) => e instanceof Error && re.test(e.message), re.toString());

test('loadBaselines gives the settings; baselineScores has every method and metric, finite, on the trials LFADS is scored on', () => {
  named(() => lab.baselineScores(undefined), /baselineScores: call loadBaselines\(\) first/);
  const settings = lab.loadBaselines(new Uint8Array(fs.readFileSync(FILE)));
  assert.ok(settings.smoothingSigma > 0 && settings.psthSigma > 0, JSON.stringify(settings));
  assert.ok([4, 8, 12].includes(settings.gpfaLatents), `GPFA latents ${settings.gpfaLatents}`);
  assert.ok([10, 20].includes(settings.gpfaBinMs), `GPFA bins ${settings.gpfaBinMs} ms`);

  const sets = { train: 40, heldOut: 20, conditions: 20 };
  const b = lab.baselineScores(sets);
  assert.deepEqual(Object.keys(b.heldOutTrials).sort(), ['gpfa', 'psth', 'smoothing']);
  assert.deepEqual(Object.keys(b.heldOutConditions).sort(), ['gpfa', 'smoothing'], 'no PSTH for conditions never seen in training');
  for (const set of ['heldOutTrials', 'heldOutConditions']) {
    for (const [method, scores] of Object.entries(b[set])) {
      assert.deepEqual(Object.keys(scores).sort(), [...METRICS].sort(), `${set}.${method}`);
      for (const k of METRICS) assert.ok(Number.isFinite(scores[k]), `${set}.${method}.${k}: ${scores[k]}`);
    }
  }
  assert.deepEqual(b.counts, sets);
  assert.deepEqual(b.settings, settings);
  // The baselines see the held-out neurons' structure through the held-in ones: better than the mean rate.
  for (const method of ['gpfa', 'smoothing']) {
    assert.ok(b.heldOutTrials[method].coBps > 0 && b.heldOutConditions[method].coBps > 0, `${method} co-bps ${JSON.stringify(b.heldOutTrials[method])}`);
  }
  assert.ok(b.heldOutTrials.gpfa.decodeR2 > 0.3, `GPFA decoding R2 ${b.heldOutTrials.gpfa.decodeR2}`);
  // Deterministic, and the same trials as LFADS's evaluation of the same counts.
  assert.deepEqual(lab.baselineScores(sets), b);
  assert.deepEqual(lab.evaluate(sets).counts, b.counts);
  const t1 = performance.now();
  lab.baselineScores({ train: 120, heldOut: 260, conditions: 80 });
  console.log(`baselineScores on the page's wasm subset (120 / 260 / 80 trials): ${((performance.now() - t1) / 1000).toFixed(2)} s`);

  // Bad sets are refused by name; the lab and its baselines are unharmed.
  named(() => lab.baselineScores({ heldOut: 0 }), /baselineScores: sets\.heldOut: expected an integer in \[2, 260\], got 0/);
  named(() => lab.baselineScores({ conditions: 201 }), /baselineScores: sets\.conditions: expected an integer in \[2, 200\], got 201/);
  named(() => lab.baselineScores('all'), /baselineScores: sets: expected \{train, heldOut, conditions\} trial counts/);
  assert.deepEqual(lab.baselineScores(sets), b, 'still usable');
  assert.ok(Number.isFinite(lab.trainSteps(1).total));
});

test('the shipped baselines score every trial as the native CLI scores them; bad files are refused by name', () => {
  const shipped = new M.LfadsLab({});
  try {
    shipped.loadBaselines(new Uint8Array(fs.readFileSync(FILE)));
    const all = shipped.config();
    const sets = { train: all.train, heldOut: all.heldOut, conditions: all.conditionsTrials };
    const t0 = performance.now();
    const b = shipped.baselineScores(sets);
    console.log(`shipped baselines scored on every trial in ${((performance.now() - t0) / 1000).toFixed(1)} s; held-out trials ${JSON.stringify(b.heldOutTrials)}`);
    const few = { train: 8, heldOut: 8, conditions: 8 };  // for the check after the refused files below
    const fewBefore = shipped.baselineScores(few);
    const native = JSON.parse(execFileSync(nativeCli(), ['eval', 'lfads', '--baselines', FILE, '--json'], { cwd: root, encoding: 'utf8' }));
    const KEYS = { coBps: 'co_bps', fpBps: 'fp_bps', rateR2: 'rate_r2', psthR2: 'psth_r2', decodeR2: 'decode_r2' };
    for (const [set, nativeSet] of [['heldOutTrials', 'heldout_trials'], ['heldOutConditions', 'heldout_conditions']]) {
      for (const [method, scores] of Object.entries(b[set])) {
        for (const [k, nk] of Object.entries(KEYS)) {
          const n = native[nativeSet][method][nk];
          assert.ok(Math.abs(scores[k] - n) <= 1e-6 * Math.max(1, Math.abs(n)), `${set}.${method}.${k}: wasm ${scores[k]}, native ${n}`);
        }
      }
    }
    named(() => shipped.loadBaselines(new Uint8Array(10)), /weights file is truncated/);
    named(() => shipped.loadBaselines(new Uint8Array(fs.readFileSync(path.join(root, 'assets', 'lfads', 'lfads-lorenz.nrai')))),
      /expected a 'nlb-baselines' file, got 'lfads'/);
    named(() => shipped.loadBaselines('bytes'), /loadBaselines: bytes: expected a Uint8Array/);
    assert.deepEqual(shipped.baselineScores(few), fewBefore, 'the loaded baselines are unharmed');
  } finally {
    shipped.delete();
  }
});
