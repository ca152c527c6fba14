// The LFADS case study through wasm: the NLB split (held-in / held-out neurons, held-out trials,
// held-out conditions, forward bins), training, read-outs, NLB scores, weights, errors on spike
// input and on bad evaluation sets. (The baselines: lfads-baselines.test.mjs; the plan: lfads-plan.test.mjs.)
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { loadModule, root } from './load.mjs';
import { parallelInfer } from '../../web/js/engine/replicas.js';
import { assertDataParallel } from './replicas.mjs';

const METRICS = ['coBps', 'fpBps', 'rateR2', 'psthR2', 'decodeR2'];

let M, lab;
before(async () => {
  M = await loadModule();
  lab = new M.LfadsLab({ factors: 4, generator: 16, encoder: 16, ic: 8, controller: true, batch: 8, seed: 2 });
});
after(() => lab?.delete());

/** assert.throws for a JS Error whose message matches re. */
const named = (f, re) => assert.throws(f, (e) => e instanceof Error && re.test(e.message), re.toString());

test('the split and the model\'s shapes: 40 of 50 neurons read, 100 of 120 bins, 1040 / 260 / 200 trials', () => {
  const c = lab.config();
  assert.deepEqual(
    [c.factors, c.neuronsIn, c.neurons, c.binsIn, c.bins, c.train, c.heldOut, c.conditionsTrials, c.conditions, c.heldOutConditions, c.controllerInputLag],
    [4, 40, 50, 100, 120, 1040, 260, 200, 75, 10, 1]);
  for (const set of ['trials', 'conditions']) {
    const t = lab.trial(3, set);
    assert.deepEqual([t.bins, t.observedBins, t.neurons, t.heldin], [120, 100, 50, 40]);
    assert.equal(t.spikes.length, 120 * 50);
    assert.equal(t.rates.length, 120 * 50);
    assert.equal(t.inferred.length, 120 * 50, 'rates read out for every neuron over every bin');
    assert.equal(t.factors.length, 120 * 4);
    assert.equal(t.inputs.length, 120);
    assert.equal(t.latent.length, 120 * 3);
    for (const r of t.inferred) assert.ok(r > 0 && Number.isFinite(r));
  }
  assert.deepEqual(lab.trial(3, undefined).spikes, lab.trial(3, 'trials').spikes, "set 'trials' when undefined");
  // Held-out conditions are conditions no held-out trial (hence no training trial) comes from.
  const seen = new Set(), unseen = new Set();
  for (let i = 0; i < 260; i += 4) seen.add(lab.trial(i, 'trials').condition);
  for (let i = 0; i < 200; i += 20) unseen.add(lab.trial(i, 'conditions').condition);
  assert.equal(seen.size, 65, 'one held-out trial of each training condition every 4th');
  assert.equal(unseen.size, 10);
  for (const k of unseen) assert.ok(!seen.has(k), `condition ${k} is both seen and held out`);
  // What the model reads of a trial: the held-in neurons over the observed bins, in the trial's order.
  const sets = { train: 2, heldOut: 2, conditions: 2 };
  const spikes = lab.evalSpikes(sets);
  assert.equal(spikes.heldOut.length, 2 * 100 * 40);
  const t0 = lab.trial(0, 'trials');
  for (let s = 0; s < 100; ++s) for (let n = 0; n < 40; ++n) assert.equal(spikes.heldOut[s * 40 + n], t0.spikes[s * 50 + n]);
});

test('training steps report the ELBO parts; evaluate() gives the NLB scores of both held-out sets', () => {
  const first = lab.trainSteps(1), later = lab.trainSteps(5);
  for (const k of ['total', 'reconstruction', 'klIc', 'klInputs', 'l2']) assert.ok(Number.isFinite(later[k]), k);
  assert.equal(later.steps, 6);
  assert.ok(later.reconstruction < first.reconstruction, `${first.reconstruction} -> ${later.reconstruction}`);
  const traj = lab.trajectories(4, 'trials');
  assert.equal(traj.fitted.length, 4 * 100 * 3);
  assert.equal(traj.condition.length, 4);
  const trajC = lab.trajectories(30, 'conditions');
  assert.equal(trajC.condition.length, 30);
  assert.deepEqual(Array.from(trajC.condition.slice(0, 3)), [0, 1, 2].map((i) => lab.trial(i, 'conditions').condition));
  const sets = { train: 16, heldOut: 8, conditions: 8 };
  const m = lab.evaluate(sets);
  assert.deepEqual(m.counts, sets);
  for (const set of ['heldOutTrials', 'heldOutConditions']) for (const k of METRICS) assert.ok(Number.isFinite(m[set][k]), `${set}.${k}`);
  assert.ok(Number.isFinite(m.factorR2Trials) && Number.isFinite(m.factorR2Conditions));
  // Counts left out mean every trial of that set.
  assert.deepEqual(lab.evaluate({ train: 16, heldOut: 8 }).counts, { train: 16, heldOut: 8, conditions: 200 });
});

test('the shipped weights: NLB scores well above the mean-rate model on both held-out sets', () => {
  const shipped = new M.LfadsLab({});
  try {
    shipped.loadWeights(new Uint8Array(fs.readFileSync(path.join(root, 'assets/lfads/lfads-lorenz.nrai'))));
    const cfg = shipped.config();
    assert.deepEqual([cfg.neuronsIn, cfg.neurons, cfg.controllerInputLag], [40, 50, 1]);
    const m = shipped.evaluate({ train: 120, heldOut: 260, conditions: 80 });
    console.log(`shipped, 260 held-out trials: ${JSON.stringify(m.heldOutTrials)}; held-out conditions (80): ${JSON.stringify(m.heldOutConditions)}`);
    assert.ok(m.heldOutTrials.coBps > 0.1 && m.heldOutConditions.coBps > 0.1, 'held-out neurons predicted');
    assert.ok(m.heldOutTrials.rateR2 > 0.5, `rate R2 ${m.heldOutTrials.rateR2}`);
  } finally {
    shipped.delete();
  }
});

test('a loaded model trains on where a full schedule ends: the KL/L2 ramp at 1, the step size at its floor', () => {
  const bytes = new Uint8Array(fs.readFileSync(path.join(root, 'assets/lfads/lfads-lorenz.nrai')));
  const fresh = new M.LfadsLab({ lr: 0.01, batch: 4 }), loaded = new M.LfadsLab({ lr: 0.01, batch: 4 });
  try {
    const f = fresh.trainSteps(1);
    const near = (a, b) => Math.abs(a - b) < 1e-6 * b;  // the step size is a float
    assert.ok(f.ramp === 0 && near(f.lr, 0.01 * 0.5 ** (1 / 1500)), `a fresh network: no KL yet, the full step size (${f.ramp}, ${f.lr})`);
    loaded.loadWeights(bytes);
    const sets = { train: 60, heldOut: 60, conditions: 2 };
    const before = loaded.evaluate(sets).heldOutTrials.rateR2;
    const l = loaded.trainSteps(20);
    assert.ok(l.ramp === 1 && near(l.lr, 0.01 * 0.05) && l.steps === 20, `after loadWeights: ramp ${l.ramp}, lr ${l.lr}, steps ${l.steps}`);
    const after = loaded.evaluate(sets).heldOutTrials.rateR2;
    // At a fresh network's step size 20 steps took the shipped fit from 0.96 to about 0.85.
    assert.ok(after > before - 0.02, `held-out rate R2 ${before} -> ${after} after 20 steps`);
  } finally {
    fresh.delete();
    loaded.delete();
  }
});

test('weights round-trip; the loaded file sets the architecture', () => {
  const bytes = lab.exportWeights();
  const other = new M.LfadsLab({ seed: 9 });  // default sizes
  try {
    const before = other.trial(0, 'trials').inferred;
    other.loadWeights(bytes);
    const cfg = other.config();
    assert.deepEqual([cfg.factors, cfg.generator, cfg.neuronsIn, cfg.neurons], [4, 16, 40, 50]);
    assert.deepEqual(other.trial(0, 'trials').inferred, lab.trial(0, 'trials').inferred);
    assert.deepEqual(other.trial(5, 'conditions').inferred, lab.trial(5, 'conditions').inferred);
    assert.notDeepEqual(before, other.trial(0, 'trials').inferred);
    const bad = bytes.slice();
    bad[bad.length >> 1] ^= 4;
    named(() => other.loadWeights(bad), /checksum mismatch/);
    named(() => other.loadWeights(new M.SpiralLab({}).exportWeights()), /holds a 'mlp' model, expected 'lfads'/);
    assert.deepEqual(other.trial(0, 'trials').inferred, lab.trial(0, 'trials').inferred, 'a refused file changes nothing');
  } finally {
    other.delete();
  }
});

test('dataSeed makes another data set of the same shape; the shipped baselines, fitted on the case study\'s, are refused there', () => {
  const sets = { train: 2, heldOut: 4, conditions: 2 };
  const small = { factors: 4, generator: 16, encoder: 16, ic: 8, batch: 8, seed: 2 };
  const mine = new M.LfadsLab({ ...small, dataSeed: 2016 }), other = new M.LfadsLab({ ...small, dataSeed: 1 });
  try {
    assert.deepEqual(mine.evalSpikes(sets).heldOut, lab.evalSpikes(sets).heldOut, 'dataSeed 2016 is the case study\'s data');
    assert.deepEqual(other.config(), mine.config(), 'the same shape');
    assert.notDeepEqual(other.evalSpikes(sets).heldOut, mine.evalSpikes(sets).heldOut);
    const baselines = fs.readFileSync(path.join(root, 'assets/lfads/nlb-baselines.nrai'));
    named(() => other.loadBaselines(baselines), /loadBaselines: the shipped baselines were fitted on the case study's data/);
    assert.equal(typeof mine.loadBaselines(baselines).gpfaLatents, 'number');
    named(() => new M.LfadsLab({ dataSeed: -1 }), /LfadsLab config\.dataSeed: expected a non-negative integer, got -1/);
    named(() => new M.LfadsLab({ dataSeed: 'a' }), /dataSeed/);
  } finally {
    mine.delete();
    other.delete();
  }
});

test('spike counts of your own: inferred rates for every read-out neuron, and clear errors for bad counts and shapes', () => {
  // 2 trials x 20 bins x 40 held-in neurons in; 50 neurons out.
  const spikes = new Float32Array(2 * 20 * 40);
  for (let i = 0; i < spikes.length; i += 7) spikes[i] = 1;
  const rates = lab.infer(spikes, 2, 20);
  assert.equal(rates.length, 2 * 20 * 50);
  for (const r of rates) assert.ok(r > 0 && Number.isFinite(r));
  const perTrial = lab.inferTrials([spikes.subarray(0, 800), spikes.subarray(800)]);
  assert.deepEqual(perTrial, rates);
  const bad = spikes.slice();
  bad[45] = -1;  // trial 0, bin 1, neuron 5
  const cases = [
    [() => lab.infer(bad, 2, 20), /spikes: trial 0, bin 1, neuron 5: expected a non-negative integer count, got -1/],
    [() => { const b = spikes.slice(); b[930] = 0.5; lab.infer(b, 2, 20); }, /trial 1, bin 3, neuron 10: expected a non-negative integer count, got 0.5/],
    [() => { const b = spikes.slice(); b[9] = NaN; lab.infer(b, 2, 20); }, /infer: spikes\[9\]: expected a finite number/],
    [() => lab.infer(spikes, 2, 21), /infer: spikes: expected a Float32Array of length 1680, got length 1600/],
    [() => lab.infer(new Float32Array(2 * 20 * 50), 2, 20), /infer: spikes: expected a Float32Array of length 1600, got length 2000/],
    [() => lab.inferTrials([spikes.subarray(0, 800), spikes.subarray(0, 840)]), /trials of unequal length/],
    [() => lab.inferTrials([]), /expected at least one trial/],
    [() => new M.LfadsLab({ factors: 0 }), /LfadsConfig.factors: expected an integer in \[1, 256\], got 0/],
    [() => new M.LfadsLab({ dropout: 0.95 }), /LfadsTrainConfig.coordinated_dropout/],
    [() => new M.LfadsLab({ neurons: 0 }), /LfadsLab config: unknown field 'neurons'/],
  ];
  for (const [f, re] of cases) named(f, re);
  assert.ok(Number.isFinite(lab.trainSteps(1).total), 'still usable');
});

test('bad evaluation sets, sets and indices are refused by name; the lab stays usable', () => {
  const sets = { train: 8, heldOut: 4, conditions: 4 };
  const outputs = (T, K, N, F) => ({ logRates: new Float32Array(T * K * N), factors: new Float32Array(T * K * F) });
  const good = { train: outputs(120, 8, 50, 4), heldOut: outputs(120, 4, 50, 4), conditions: outputs(120, 4, 50, 4) };
  const cases = [
    [() => lab.evaluate({ heldOut: 0 }), /evaluate: sets\.heldOut: expected an integer in \[2, 260\], got 0/],
    [() => lab.evaluate({ conditions: 201 }), /evaluate: sets\.conditions: expected an integer in \[2, 200\], got 201/],
    [() => lab.evaluate({ train: 1041 }), /evaluate: sets\.train: expected an integer in \[2, 1040\], got 1041/],
    [() => lab.evaluate({ train: 2.5 }), /evaluate: sets\.train: expected an integer/],
    [() => lab.evaluate(7), /evaluate: sets: expected \{train, heldOut, conditions\} trial counts/],
    [() => lab.evalSpikes({ conditions: 0 }), /evalSpikes: sets\.conditions: expected an integer in \[2, 200\], got 0/],
    [() => lab.baselineScores(sets), /baselineScores: call loadBaselines\(\) first/],
    [() => lab.evaluateOutputs({ heldOut: 300 }, good), /evaluateOutputs: sets\.heldOut: expected an integer in \[2, 260\], got 300/],
    [() => lab.evaluateOutputs(sets, { ...good, train: outputs(100, 8, 50, 4) }), /evaluateOutputs: outputs\.train\.logRates: expected .*48000/],
    [() => lab.evaluateOutputs(sets, { ...good, heldOut: outputs(120, 4, 40, 4) }), /evaluateOutputs: outputs\.heldOut\.logRates: expected .*24000/],
    [() => lab.evaluateOutputs(sets, { ...good, conditions: outputs(120, 4, 50, 3) }), /evaluateOutputs: outputs\.conditions\.factors: expected .*1920/],
    [() => lab.evaluateOutputs(sets, { ...good, conditions: undefined }), /evaluateOutputs: outputs\.conditions: expected \{logRates, factors\}/],
    [() => lab.trial(0, 'foo'), /trial: set: expected 'trials' or 'conditions', got 'foo'/],
    [() => lab.trial(0, 3), /trial: set: expected 'trials' or 'conditions'/],
    [() => lab.trial(260, 'trials'), /trial: index: expected an integer in \[0, 259\], got 260/],
    [() => lab.trial(200, 'conditions'), /trial: index: expected an integer in \[0, 199\], got 200/],
    [() => lab.trajectories(4, 'foo'), /trajectories: set: expected 'trials' or 'conditions', got 'foo'/],
    [() => lab.trajectories(201, 'conditions'), /trajectories: count: expected an integer in \[1, 200\], got 201/],
  ];
  for (const [f, re] of cases) named(f, re);
  // Zero outputs are scored as given (rates of 1 spike per bin): finite, and the lab is unharmed.
  assert.ok(Number.isFinite(lab.evaluateOutputs(sets, good).heldOutTrials.coBps));
  assert.ok(Number.isFinite(lab.trainSteps(1).total), 'still usable');
  assert.ok(Number.isFinite(lab.evaluate(sets).heldOutTrials.rateR2));
});

test('a step split across replicas (web/js/engine/replicas.js) = the one-thread step up to rounding; deterministic per thread count', async () => {
  // rampSteps 2: the KL and L2 terms weigh from the second step on (the L2 term in the owner's share only).
  const config = { factors: 4, generator: 16, encoder: 16, ic: 8, controller: true, batch: 6, seed: 3, rampSteps: 2, l2Weight: 0.01 };
  await assertDataParallel(assert, () => new M.LfadsLab(config), () => new M.LfadsLab(config), 8);
  // The loss parts of a split step add up to the one-pass step's; bad shares are refused by name.
  const one = new M.LfadsLab(config), two = new M.LfadsLab(config), replica = new M.LfadsLab(config);
  try {
    const a = one.trainSteps(1);
    assert.deepEqual(one.lastLosses(), a, 'lastLosses: the last step, however it was taken');
    two.beginStep();
    const share = two.batchShare(2, 4);
    replica.setParameters(two.parameters().slice());
    const r = replica.replicaGradient(share, 6);
    two.accumulate(0, 2);
    two.addGradients(r.gradients);
    two.addLosses(r.parts);
    two.finishStep();
    const b = two.lastLosses();
    for (const k of ['total', 'reconstruction', 'klIc', 'klInputs', 'l2']) assert.ok(Math.abs(a[k] - b[k]) <= 1e-4 * Math.max(1, Math.abs(a[k])), `${k}: ${b[k]} vs ${a[k]}`);
    assert.deepEqual([b.steps, b.ramp], [a.steps, a.ramp]);
    named(() => two.batchShare(0, 1), /batchShare: no batch drawn \(call beginStep first\)/);
    two.beginStep();
    named(() => two.batchShare(0, 7), /batchShare: n: expected an integer in \[1, 6\], got 7/);
    named(() => replica.replicaGradient({ ...share, icNoise: new Float32Array(3) }, 6), /replicaGradient: share\.icNoise: expected a Float32Array of length 32, got length 3/);
    named(() => replica.replicaGradient({ ...share, klWeight: -1 }, 6), /replicaGradient: share\.klWeight: expected a finite number >= 0/);
    named(() => replica.replicaGradient(share, 3), /replicaGradient: batch: expected an integer in \[4, /);
    named(() => two.addLosses(new Float32Array(2)), /addLosses: parts: expected a Float32Array of length 4/);
    two.accumulate(0, 6);
    two.finishStep();
    assert.equal(two.steps(), 2, 'the lab stays usable');
  } finally {
    one.delete();
    two.delete();
    replica.delete();
  }
});

test('an evaluation split over the training threads (replicas.js parallelInfer) scores exactly as evaluate() does', async () => {
  const config = { factors: 4, generator: 16, encoder: 16, ic: 8, controller: true, batch: 8, seed: 2 };
  const owner = new M.LfadsLab(config);
  const replicas = [new M.LfadsLab({ ...config, replica: true }), new M.LfadsLab({ ...config, replica: true })];
  // The pages' replica workers, in this process: each takes the owner's weights, then infers its share.
  const pool = (n) => ({
    size: n,
    infer: async (i, params, spikes, trials) => {
      replicas[i].setParameters(params);
      return replicas[i].inferOutputs(spikes, trials);
    },
  });
  try {
    owner.trainSteps(3);
    const sets = { train: 10, heldOut: 13, conditions: 7 };
    const bins = owner.config().bins;
    const expected = owner.evaluate(sets);
    for (const threads of [1, 2, 3]) {
      const spikes = owner.evalSpikes(sets);
      const outputs = {};
      for (const key of ['train', 'heldOut', 'conditions']) outputs[key] = await parallelInfer(owner, threads > 1 ? pool(threads - 1) : null, spikes[key], sets[key], bins);
      assert.deepEqual(owner.evaluateOutputs(sets, outputs), expected, `${threads} thread(s): the same scores, bit for bit`);
    }
    // The read-outs themselves: the one-thread call's bits, joined in trial order.
    const spikes = owner.evalSpikes(sets).heldOut;
    const whole = owner.inferOutputs(spikes, 13);
    const split = await parallelInfer(owner, pool(2), spikes, 13, bins);
    assert.deepEqual(Array.from(split.logRates), Array.from(whole.logRates));
    assert.deepEqual(Array.from(split.factors), Array.from(whole.factors));
    assert.equal(whole.logRates.length, bins * 13 * owner.config().neurons);
    named(() => owner.inferOutputs(spikes, 14), /inferOutputs: spikes: expected a Float32Array of length/);
    named(() => owner.inferOutputs(spikes.map((v, i) => (i === 5 ? -1 : v)), 13), /spikes/);
    assert.ok(Number.isFinite(owner.evaluate(sets).heldOutTrials.coBps), 'the lab stays usable');
  } finally {
    owner.delete();
    for (const r of replicas) r.delete();
  }
});
