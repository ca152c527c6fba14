// LFADS's inference plan (LfadsLab.forwardPlan, built in core/models/lfads.cpp next to build): the
// data the WebGPU path (web/js/gpu/lfads-forward.js) runs. The model reads the held-in neurons over
// the observed bins and reads out every neuron over the observed and forward bins; its controller
// reads the encoder states `controllerInputLag` bins away (zeros outside the observed bins: the
// plan's `zeros` op). Run in plain JS (float64, no GPU: ./plan-reference.mjs), the plan must reproduce infer()
// and trial() (the forward bins) with the shipped weights or a trained model, for other lags and
// without a controller, so the plan is the model and not a description of it; evaluateOutputs()
// fed with the plan's read-outs must give evaluate()'s metrics; bad arguments are refused by name.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { loadModule, root, using } from './load.mjs';
import { readOut, runPlan } from './plan-reference.mjs';

// Float64 here against the core's float32 over 120 recurrent steps (four GRUs feeding the
// generator): measured max |d log-rate| ~1e-6 (see the log lines).
const TOLERANCE = 1e-4;

let M, shipped;
before(async () => {
  M = await loadModule();
  shipped = new Uint8Array(fs.readFileSync(path.join(root, 'assets/lfads/lfads-lorenz.nrai')));
});

/**
 * The shipped weights when this build takes them; otherwise (a file for another split of the data)
 * the model trained a few steps, so that every weight is off its initial value. Returns what it is.
 */
function trainedModel(lab) {
  try {
    lab.loadWeights(shipped);
    return 'the shipped weights';
  } catch (error) {
    assert.match(error.message, /loadWeights: the file's model reads/);
    lab.trainSteps(4);
    return 'a model after 4 steps (the shipped file is for another split)';
  }
}

/** The first K held-out trials as the model reads them: (K, binsIn, neuronsIn). */
function heldOutSpikes(lab, K) {
  const c = lab.config();
  return lab.evalSpikes({ train: 2, heldOut: c.heldOut, conditions: 2 }).heldOut.slice(0, K * c.binsIn * c.neuronsIn);
}

/**
 * An LFADS plan run in plain JS (float64: ./plan-reference.mjs) on K trials of spikes (K, T, N):
 * {log_rates, factors, inputs, ic_mean}, each stacked time-major (T, K, width) as infer().
 */
function runLfadsPlan(plan, spikes, K) {
  const run = runPlan(plan, { spikes: [spikes, ['B', plan.config.binsIn, plan.config.neuronsIn]] }, K);
  return Object.fromEntries(plan.outputs.map((o) => [o.name, readOut(plan, run, o.name)]));
}

/**
 * The plan against the core on K held-out trials: log-rates over the observed bins against infer()
 * (K trials), and log-rates, factors and inferred inputs over every bin (the forward bins included)
 * against trial(i) for the first `full` trials. Returns the largest differences.
 */
function planAgainstCore(lab, K, full) {
  const c = lab.config();
  const plan = lab.forwardPlan();
  const spikes = heldOutSpikes(lab, K);
  assert.equal(spikes.length, K * c.binsIn * c.neuronsIn);
  const got = runLfadsPlan(plan, spikes, K);
  assert.equal(got.log_rates.length, c.bins * K * c.neurons, 'log-rates of every read-out neuron over every bin');
  const observed = lab.infer(spikes, K, c.binsIn);  // rates (K, binsIn, N) over the observed bins
  assert.equal(observed.length, K * c.binsIn * c.neurons);
  let dObserved = 0, dAll = 0, dFactor = 0, dInput = 0;
  for (let k = 0; k < K; ++k) for (let s = 0; s < c.binsIn; ++s) for (let n = 0; n < c.neurons; ++n) {
    dObserved = Math.max(dObserved, Math.abs(got.log_rates[(s * K + k) * c.neurons + n] - Math.log(observed[(k * c.binsIn + s) * c.neurons + n])));
  }
  for (let k = 0; k < full; ++k) {
    const t = lab.trial(k, 'trials');
    assert.equal(t.inferred.length, c.bins * c.neurons);
    for (let s = 0; s < c.bins; ++s) {
      for (let n = 0; n < c.neurons; ++n) dAll = Math.max(dAll, Math.abs(got.log_rates[(s * K + k) * c.neurons + n] - Math.log(t.inferred[s * c.neurons + n])));
      for (let f = 0; f < c.factors; ++f) dFactor = Math.max(dFactor, Math.abs(got.factors[(s * K + k) * c.factors + f] - t.factors[s * c.factors + f]));
      if (got.inputs) {
        for (let u = 0; u < c.inputs; ++u) dInput = Math.max(dInput, Math.abs(got.inputs[(s * K + k) * c.inputs + u] - t.inputs[s * c.inputs + u]));
      }
    }
  }
  return { dObserved, dAll, dFactor, dInput, plan };
}

test('the plan run in plain JS = infer() and trial() over every bin and neuron (rates, factors, inputs)', () => {
  using(() => new M.LfadsLab({}), (lab) => {
    const what = trainedModel(lab);
    const c = lab.config();
    assert.deepEqual([c.neuronsIn, c.neurons, c.binsIn, c.bins, c.controllerInputLag], [40, 50, 100, 120, 1]);
    const K = 12;
    const { dObserved, dAll, dFactor, dInput, plan } = planAgainstCore(lab, K, 3);
    assert.deepEqual([plan.config.bins, plan.config.binsIn, plan.config.neurons, plan.config.neuronsIn], [120, 100, 50, 40]);
    assert.deepEqual(plan.outputs.map((o) => o.name), ['log_rates', 'factors', 'inputs', 'ic_mean']);
    assert.ok(plan.outputs.slice(0, 3).every((o) => o.steps.length === c.bins));
    // The lag: the controller's first step reads no forward state, its last observed step no backward one.
    const conIn = (s) => plan.ops.find((op) => op.output === `con.in.${s}`).inputs;
    assert.deepEqual(conIn(0).slice(0, 2), ['ci_enc.none', 'ci_enc.bwd.h.1']);
    assert.deepEqual(conIn(99).slice(0, 2), ['ci_enc.fwd.h.98', 'ci_enc.none']);
    assert.deepEqual(conIn(110).slice(0, 2), ['ci_enc.none', 'ci_enc.none'], 'forward bins: no encoder state');
    console.log(`${what}, ${K} held-out trials: max |d log-rate| ${dObserved.toExponential(2)} (observed bins, vs infer), ` +
      `${dAll.toExponential(2)} (all 120 bins of 3 trials, vs trial), max |d factor| ${dFactor.toExponential(2)}, max |d input| ${dInput.toExponential(2)}`);
    assert.ok(dObserved <= TOLERANCE && dAll <= TOLERANCE, `log-rates differ by ${dObserved} / ${dAll}`);
    assert.ok(dFactor <= TOLERANCE && dInput <= TOLERANCE, `factors ${dFactor}, inputs ${dInput}`);
  });
});

test('other controller input lags (0 and 3): the plan still = the core', () => {
  for (const lag of [0, 3]) {
    using(() => new M.LfadsLab({ controllerInputLag: lag, generator: 24, factors: 5, encoder: 16, ic: 8, seed: 4 }), (lab) => {
      lab.trainSteps(3);
      assert.equal(lab.config().controllerInputLag, lag);
      const { dObserved, dAll, dInput, plan } = planAgainstCore(lab, 4, 2);
      const conIn = plan.ops.find((op) => op.output === 'con.in.0').inputs;
      assert.deepEqual(conIn.slice(0, 2), lag === 0 ? ['ci_enc.fwd.h.0', 'ci_enc.bwd.h.0'] : ['ci_enc.none', `ci_enc.bwd.h.${lag}`]);
      console.log(`lag ${lag}, after 3 steps: max |d log-rate| ${Math.max(dObserved, dAll).toExponential(2)}, max |d input| ${dInput.toExponential(2)}`);
      assert.ok(dObserved <= TOLERANCE && dAll <= TOLERANCE && dInput <= TOLERANCE, `lag ${lag}: ${dObserved}, ${dAll}, ${dInput}`);
    });
  }
  assert.throws(() => new M.LfadsLab({ controllerInputLag: -1 }), (e) => e instanceof Error && /controller_input_lag: expected an integer in \[0, 16\], got -1/.test(e.message));
});

test('without a controller: bias_rows feeds the generator, and the plan still = infer()', () => {
  using(() => new M.LfadsLab({ controller: false, generator: 24, factors: 5, encoder: 16, ic: 8, seed: 3 }), (lab) => {
    lab.trainSteps(3);
    const { dObserved, dAll, plan } = planAgainstCore(lab, 5, 2);
    assert.ok(plan.ops.some((op) => op.op === 'bias_rows'));
    assert.ok(!plan.ops.some((op) => op.op === 'zeros'), 'no controller: no encoder states to replace');
    assert.ok(!plan.outputs.some((o) => o.name === 'inputs'));
    console.log(`no controller, after 3 steps: max |d log-rate| ${Math.max(dObserved, dAll).toExponential(2)}`);
    assert.ok(dObserved <= TOLERANCE && dAll <= TOLERANCE, `log-rates differ by ${dObserved} / ${dAll}`);
  });
});

test('evaluateOutputs on the plan\'s read-outs gives evaluate()\'s scores; bad arguments are named', () => {
  using(() => new M.LfadsLab({}), (lab) => {
    trainedModel(lab);
    const sets = { train: 40, heldOut: 20, conditions: 20 };
    const spikes = lab.evalSpikes(sets);
    const plan = lab.forwardPlan();
    const outputs = {};
    for (const key of ['train', 'heldOut', 'conditions']) {
      assert.equal(spikes[key].length, sets[key] * 100 * 40, key);
      const o = runLfadsPlan(plan, spikes[key], sets[key]);
      outputs[key] = { logRates: Float32Array.from(o.log_rates), factors: Float32Array.from(o.factors) };
    }
    const m = lab.evaluateOutputs(sets, outputs);
    const e = lab.evaluate(sets);
    assert.deepEqual(m.counts, sets);
    assert.deepEqual(e.counts, sets);
    for (const set of ['heldOutTrials', 'heldOutConditions']) {
      for (const k of ['coBps', 'fpBps', 'rateR2', 'psthR2', 'decodeR2']) {
        assert.ok(Number.isFinite(m[set][k]), `${set}.${k}`);
        assert.ok(Math.abs(m[set][k] - e[set][k]) < 1e-3, `${set}.${k}: ${m[set][k]} vs ${e[set][k]}`);
      }
    }
    for (const k of ['factorR2Trials', 'factorR2Conditions']) assert.ok(Math.abs(m[k] - e[k]) < 1e-3, `${k}: ${m[k]} vs ${e[k]}`);
    // Read-outs that are not the model's change the scores: evaluateOutputs scores what it is given.
    const shifted = { ...outputs, heldOut: { ...outputs.heldOut, logRates: outputs.heldOut.logRates.map((v) => v + 0.5) } };
    assert.ok(lab.evaluateOutputs(sets, shifted).heldOutTrials.coBps < m.heldOutTrials.coBps - 0.01);
    const named = (f, re) => assert.throws(f, (err) => err instanceof Error && re.test(err.message), re.toString());
    named(() => lab.evalSpikes({ heldOut: 1 }), /evalSpikes: sets\.heldOut: expected an integer in \[2, 260\], got 1/);
    named(() => lab.evaluateOutputs(sets, { ...outputs, heldOut: { ...outputs.heldOut, logRates: new Float32Array(3) } }),
      /evaluateOutputs: outputs\.heldOut\.logRates: expected .*120000/);
    named(() => lab.evaluateOutputs(sets, { ...outputs, conditions: { ...outputs.conditions, factors: new Float32Array(5) } }),
      /evaluateOutputs: outputs\.conditions\.factors/);
    named(() => lab.evaluateOutputs(sets, { train: outputs.train, heldOut: outputs.heldOut }), /evaluateOutputs: outputs\.conditions: expected \{logRates, factors\}/);
    named(() => lab.evaluateOutputs(sets, null), /evaluateOutputs: outputs: expected \{train, heldOut, conditions\}/);
    assert.ok(Math.abs(lab.evaluate(sets).heldOutTrials.coBps - e.heldOutTrials.coBps) < 1e-9, 'still usable, unchanged');
  });
});

test('the GRU reference op (gruGates) is the core\'s step: zero state, clip, bad sizes named', () => {
  const H = 2;
  // xProj with the z gate far negative (z ~ 0: h' ~ n) and the n gate large (n ~ 1).
  const x = new Float32Array([-30, -30, 0, 0, 30, 30]);
  const h0 = new Float32Array(2 * 3).fill(0);
  const y = M.gruGates(x, h0.subarray(0, 6), new Float32Array(H), 1, H, 5);
  assert.ok(Math.abs(y[0] - 1) < 1e-6 && Math.abs(y[1] - 1) < 1e-6, `${y}`);
  // z = 1 keeps the state, clipped to +-clip.
  const keep = M.gruGates(new Float32Array([30, 30, 0, 0, 0, 0]), new Float32Array(6), new Float32Array([9, -9]), 1, H, 5);
  assert.deepEqual(Array.from(keep), [5, -5]);
  assert.throws(() => M.gruGates(new Float32Array(5), new Float32Array(6), new Float32Array(2), 1, H, 5), /gruGates: xProj: expected .*6/);
  assert.throws(() => M.gruGates(x, new Float32Array(6), new Float32Array(2), 1, H, 0), /gruGates: clip: expected a positive number, got 0/);
});
