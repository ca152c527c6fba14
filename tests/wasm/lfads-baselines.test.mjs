// The NLB baselines of the LFADS case study through wasm (LfadsLab.fitBaselines / baselineScores):
// fitted once on the training trials with progress reported along the way, then scored with the
// same metrics and on the same trials as LFADS; bad arguments are refused by name and the lab stays
// usable. The fit takes a while in wasm (GPFA's cross-validation): its time is logged.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadModule } from './load.mjs';

const METRICS = ['coBps', 'fpBps', 'rateR2', 'psthR2', 'decodeR2'];

let M, lab;
before(async () => {
  M = await loadModule();
  lab = new M.LfadsLab({ factors: 4, generator: 16, encoder: 16, ic: 8, seed: 5 });
});
after(() => lab?.delete());

const named = (f, re) => assert.throws(f, (e) => e instanceof Error && re.test(e.message), re.toString());

test('fitBaselines reports progress and the CV-chosen settings; baselineScores has every method and metric, finite', () => {
  named(() => lab.baselineScores(undefined), /baselineScores: call fitBaselines\(\) first/);
  const reports = [];
  const t0 = performance.now();
  const stages = new Map();  // stage -> [first report ms, last report ms]
  const settings = lab.fitBaselines((what, done, of) => {
    const ms = performance.now() - t0;
    reports.push([what, done, of]);
    const stage = what.replace(/\s*\(.*\)$/, '');
    stages.set(stage, [stages.get(stage)?.[0] ?? ms, ms]);
  });
  const seconds = (performance.now() - t0) / 1000;
  console.log(`wasm heap after the fit: ${(M.HEAPU8.length / 2 ** 20).toFixed(0)} MiB (the lab, its data and the fitted baselines)`);
  console.log(`fitBaselines: ${seconds.toFixed(1)} s in Node (one thread; the lab says ${settings.seconds.toFixed(1)} s), ` +
    `${reports.length} progress reports; settings ${JSON.stringify({ ...settings, seconds: undefined })}`);
  console.log(`  stages (first report, s): ${[...stages].map(([s, [a]]) => `${s} @${(a / 1000).toFixed(1)}`).join('; ')}`);
  assert.ok(reports.length >= 3, 'progress reported along the way');
  for (const [what, done, of] of reports) {
    assert.equal(typeof what, 'string');
    assert.ok(Number.isInteger(done) && Number.isInteger(of) && done >= 0 && done <= of, `${what}: ${done} of ${of}`);
  }
  assert.ok(reports.some(([w]) => /GPFA/.test(w)) && reports.some(([w]) => /smooth/.test(w)));
  assert.ok(settings.smoothingSigma > 0 && settings.psthSigma > 0, JSON.stringify(settings));
  assert.ok([4, 8, 12].includes(settings.gpfaLatents), `GPFA latents ${settings.gpfaLatents}`);
  assert.ok(settings.seconds > 0 && Math.abs(settings.seconds - seconds) < 5);

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
  assert.deepEqual(b.settings, { smoothingSigma: settings.smoothingSigma, psthSigma: settings.psthSigma, gpfaLatents: settings.gpfaLatents, gpfaBinMs: settings.gpfaBinMs });
  // The baselines see the held-out neurons' structure through the held-in ones: better than the mean rate.
  for (const method of ['gpfa', 'smoothing']) {
    assert.ok(b.heldOutTrials[method].coBps > 0 && b.heldOutConditions[method].coBps > 0, `${method} co-bps ${JSON.stringify(b.heldOutTrials[method])}`);
  }
  assert.ok(b.heldOutTrials.gpfa.decodeR2 > 0.3, `GPFA decoding R2 ${b.heldOutTrials.gpfa.decodeR2}`);
  // Deterministic, and the same trials as LFADS's evaluation of the same counts.
  assert.deepEqual(lab.baselineScores(sets), b);
  assert.deepEqual(lab.evaluate(sets).counts, b.counts);
  const t1 = performance.now();
  const wasmSubset = lab.baselineScores({ train: 120, heldOut: 260, conditions: 80 });
  console.log(`baselineScores on the page's wasm subset (120 / 260 / 80 trials): ${((performance.now() - t1) / 1000).toFixed(2)} s; ` +
    `held-out trials ${JSON.stringify(wasmSubset.heldOutTrials)}; held-out conditions ${JSON.stringify(wasmSubset.heldOutConditions)}`);

  // Bad sets are refused by name; the lab and its fitted baselines are unharmed.
  named(() => lab.baselineScores({ heldOut: 0 }), /baselineScores: sets\.heldOut: expected an integer in \[2, 260\], got 0/);
  named(() => lab.baselineScores({ conditions: 201 }), /baselineScores: sets\.conditions: expected an integer in \[2, 200\], got 201/);
  named(() => lab.baselineScores('all'), /baselineScores: sets: expected \{train, heldOut, conditions\} trial counts/);
  assert.deepEqual(lab.baselineScores(sets), b, 'still usable');
  assert.ok(Number.isFinite(lab.trainSteps(1).total));
});
