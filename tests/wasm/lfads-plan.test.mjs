// LFADS's inference plan (LfadsLab.forwardPlan, built in core/models/lfads.cpp next to build): the
// data the WebGPU path (web/js/gpu/lfads-forward.js) runs. A plain-JS interpreter of the plan
// (float64, no GPU) must reproduce infer() with the shipped weights and with a model without a
// controller, so the plan is the model and not a description of it; evaluateOutputs() fed with
// infer()'s own read-outs must give evaluate()'s metrics; bad arguments are refused by name.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { loadModule, root, using } from './load.mjs';

// Float64 here against the core's float32 over 100 recurrent steps (four GRUs feeding the
// generator): measured max |d log-rate| 2.1e-6 with the shipped weights (see the log line).
const TOLERANCE = 1e-4;

let M, shipped;
before(async () => {
  M = await loadModule();
  shipped = new Uint8Array(fs.readFileSync(path.join(root, 'assets/lfads/lfads-lorenz.nrai')));
});

/** Runs an LFADS plan on K trials of spikes (K, T, N) in plain JS (float64): {log_rates, factors, inputs, ic_mean}. */
function runLfadsPlan(plan, spikes, K) {
  const W = plan.weights;
  const acts = new Map([['spikes', spikes]]);
  const shapes = new Map([['spikes', ['B', plan.config.bins, plan.config.neurons]]]);
  const size = (shape) => K * shape.slice(1).reduce((a, b) => a * b, 1);
  const sigmoid = (x) => 1 / (1 + Math.exp(-x));
  for (const op of plan.ops) {
    const a = acts.get(op.inputs[0]);
    const out = new Float64Array(size(op.shape));
    const last = op.shape.at(-1);
    const rows = out.length / last;
    switch (op.op) {
      case 'linear': {
        const [w, bias] = op.weights.map((k) => W[k]);
        const k = a.length / rows;
        for (let r = 0; r < rows; ++r) for (let j = 0; j < last; ++j) {
          let s = bias ? bias[j] : 0;
          for (let i = 0; i < k; ++i) s += a[r * k + i] * w[i * last + j];
          out[r * last + j] = s;
        }
        break;
      }
      case 'gru': {
        const H = last, { step, steps, clip } = op.attrs;
        const hp = acts.get(op.inputs[1]), h = acts.get(op.inputs[2]);
        for (let b = 0; b < K; ++b) for (let j = 0; j < H; ++j) {
          const x = (b * steps + step) * 3 * H, p = b * 3 * H;
          const z = sigmoid(a[x + j] + (hp ? hp[p + j] : 0));
          const r = sigmoid(a[x + H + j] + (hp ? hp[p + H + j] : 0));
          const n = Math.tanh(a[x + 2 * H + j] + r * (hp ? hp[p + 2 * H + j] : 0));
          const prev = h ? h[b * H + j] : 0;
          out[b * H + j] = Math.min(clip, Math.max(-clip, n + z * (prev - n)));
        }
        break;
      }
      case 'concat': {
        const parts = op.inputs.map((name) => [acts.get(name), shapes.get(name).at(-1)]);
        for (let r = 0; r < rows; ++r) {
          let o = r * last;
          for (const [v, w] of parts) for (let i = 0; i < w; ++i) out[o++] = v[r * w + i];
        }
        break;
      }
      case 'bias_rows': {
        const bias = W[op.weights[0]];
        for (let i = 0; i < out.length; ++i) out[i] = bias[i % last];
        break;
      }
      default:
        throw new Error(`runLfadsPlan: unknown op ${op.op}`);
    }
    acts.set(op.output, out);
    shapes.set(op.output, op.shape);
  }
  // Outputs stacked time-major (T, K, width), as infer().
  const result = {};
  for (const o of plan.outputs) {
    const width = shapes.get(o.steps[0]).at(-1);
    const v = new Float64Array(o.steps.length * K * width);
    o.steps.forEach((name, s) => v.set(acts.get(name), s * K * width));
    result[o.name] = v;
  }
  return result;
}

/** Time-major (T, K, N) -> trial-major (K, T, N). */
function trialMajor(v, T, K, N) {
  const out = new Float64Array(v.length);
  for (let s = 0; s < T; ++s) for (let k = 0; k < K; ++k) for (let n = 0; n < N; ++n) out[(k * T + s) * N + n] = v[(s * K + k) * N + n];
  return out;
}

function maxLogDiff(logRates, rates) {
  let m = 0;
  for (let i = 0; i < rates.length; ++i) m = Math.max(m, Math.abs(logRates[i] - Math.log(rates[i])));
  return m;
}

test('the plan run in plain JS = infer() with the shipped weights (rates, factors, inputs)', () => {
  using(() => new M.LfadsLab({}), (lab) => {
    lab.loadWeights(shipped);
    const c = lab.config();
    const plan = lab.forwardPlan();
    assert.equal(plan.config.bins, c.bins);
    assert.deepEqual(plan.outputs.map((o) => o.name), ['log_rates', 'factors', 'inputs', 'ic_mean']);
    const K = 12;
    const { heldOut } = lab.evalSpikes(K, 2);
    assert.equal(heldOut.length, K * c.bins * c.neurons);
    const got = runLfadsPlan(plan, heldOut, K);
    const want = lab.infer(heldOut, K, c.bins);  // rates (K, T, N)
    const d = maxLogDiff(trialMajor(got.log_rates, c.bins, K, c.neurons), want);
    // Factors and inferred inputs of held-out trial 3 against trial(3).
    const t = lab.trial(3);
    let df = 0, du = 0;
    for (let s = 0; s < c.bins; ++s) {
      for (let f = 0; f < c.factors; ++f) df = Math.max(df, Math.abs(got.factors[(s * K + 3) * c.factors + f] - t.factors[s * c.factors + f]));
      du = Math.max(du, Math.abs(got.inputs[s * K + 3] - t.inputs[s]));
    }
    console.log(`shipped weights, ${K} held-out trials: max |d log-rate| ${d.toExponential(2)}, max |d factor| ${df.toExponential(2)}, max |d input| ${du.toExponential(2)} (plan in float64 vs infer)`);
    assert.ok(d <= TOLERANCE, `log-rates differ by ${d}`);
    assert.ok(df <= TOLERANCE && du <= TOLERANCE, `factors ${df}, inputs ${du}`);
  });
});

test('without a controller: bias_rows feeds the generator, and the plan still = infer()', () => {
  using(() => new M.LfadsLab({ controller: false, generator: 24, factors: 5, encoder: 16, ic: 8, seed: 3 }), (lab) => {
    lab.trainSteps(3);
    const c = lab.config();
    const plan = lab.forwardPlan();
    assert.ok(plan.ops.some((op) => op.op === 'bias_rows'));
    assert.ok(!plan.outputs.some((o) => o.name === 'inputs'));
    const K = 5;
    const { train } = lab.evalSpikes(2, K);
    const got = runLfadsPlan(plan, train, K);
    const d = maxLogDiff(trialMajor(got.log_rates, c.bins, K, c.neurons), lab.infer(train, K, c.bins));
    console.log(`no controller, after 3 steps: max |d log-rate| ${d.toExponential(2)}`);
    assert.ok(d <= TOLERANCE, `log-rates differ by ${d}`);
  });
});

test('evaluateOutputs on infer()\'s read-outs gives evaluate()\'s metrics; bad arguments are named', () => {
  using(() => new M.LfadsLab({}), (lab) => {
    lab.loadWeights(shipped);
    const c = lab.config();
    const h = 20, t = 40;
    const { heldOut, train } = lab.evalSpikes(h, t);
    const plan = lab.forwardPlan();
    const test_ = runLfadsPlan(plan, heldOut, h), fit = runLfadsPlan(plan, train, t);
    const m = lab.evaluateOutputs(h, t, { logRates: Float32Array.from(test_.log_rates), factors: Float32Array.from(test_.factors) },
      { factors: Float32Array.from(fit.factors) });
    const e = lab.evaluate(h, t);
    assert.equal(m.heldOut, h);
    assert.equal(m.train, t);
    for (const k of ['rateR2', 'factorR2', 'bitsPerSpike', 'decodeR2Factors', 'rateR2SmoothedBaseline']) {
      assert.ok(Math.abs(m[k] - e[k]) < 1e-3, `${k}: ${m[k]} vs ${e[k]}`);
    }
    assert.throws(() => lab.evalSpikes(1, 10), /evalSpikes: heldOut: expected an integer in \[2, 260\], got 1/);
    assert.throws(() => lab.evaluateOutputs(h, t, { logRates: new Float32Array(3), factors: Float32Array.from(test_.factors) },
      { factors: Float32Array.from(fit.factors) }), /evaluateOutputs: heldOutOutputs\.logRates: expected .*60000/);
    assert.throws(() => lab.evaluateOutputs(h, t, null, {}), /evaluateOutputs: heldOutOutputs: expected \{logRates, factors\}/);
    assert.equal(c.heldOut, 260);
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
