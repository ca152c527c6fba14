// PredNet's rollout plan (PredNet.forwardPlan, built in core/models/prednet.cpp next to forward):
// the data the WebGPU path (web/js/gpu/prednet-forward.js) runs. Run in plain JS (float64, no GPU:
// ./plan-reference.mjs), the plan must reproduce predict() with the shipped blob weights, with and without
// extrapolation, so the plan is the model and not a description of it; evaluatePredictions() fed
// with predict()'s own predictions gives evaluate()'s table; the new reference ops name bad input.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { loadModule, root, using } from './load.mjs';
import { readOut, runPlan } from './plan-reference.mjs';

// Float64 here against the core's float32 over 10 steps of three ConvLSTM layers (measured: see the log lines).
const TOLERANCE = 1e-4;

let M, shipped;
before(async () => {
  M = await loadModule();
  shipped = new Uint8Array(fs.readFileSync(path.join(root, 'assets/prednet/prednet-blobs.nrai')));
});

/** A PredNet plan run in plain JS (float64: ./plan-reference.mjs) on n sequences (n, T, C, H, W): predictions (n, T, C, H, W). */
function runPredNetPlan(plan, frames, n) {
  const { frames: T, channels: C, height: H, width: W } = plan.config;
  const stacked = readOut(plan, runPlan(plan, { frames: [frames, ['B', T, C, H, W]] }, n), plan.outputs[0].name);  // (T, n, frame)
  const frame = C * H * W, predictions = new Float64Array(n * T * frame);
  for (let t = 0; t < T; ++t) for (let b = 0; b < n; ++b) predictions.set(stacked.subarray((t * n + b) * frame, (t * n + b + 1) * frame), (b * T + t) * frame);
  return predictions;
}

const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

test('the plan run in plain JS = predict() with the shipped weights, with and without extrapolation', () => {
  using(() => new M.PredNetLab({}), (m) => {
    m.loadWeights(shipped);
    const n = 3;
    const frames = m.heldOut(n);
    for (const ex of [-1, 5]) {
      const plan = ex < 0 ? m.forwardPlan() : m.forwardPlan(ex);
      assert.equal(plan.config.extrapolateFrom, ex);
      const got = runPredNetPlan(plan, frames, n);
      const want = m.predict(frames, ex).predictions;
      const d = maxDiff(got, want);
      console.log(`shipped blob weights, ${n} held-out sequences, extrapolateFrom ${ex}: max |d prediction| ${d.toExponential(2)} (plan in float64 vs predict)`);
      assert.ok(d <= TOLERANCE, `predictions differ by ${d}`);
    }
    assert.ok(m.forwardPlan(5).ops.filter((op) => op.op === 'frame').length === 5, 'frames 0..4 only, then the predictions');
    assert.throws(() => m.forwardPlan(0), /extrapolate_from: expected -1 or a step in \[1, 10\], got 0/);
  });
});

test('evaluatePredictions on predict()\'s predictions gives evaluate()\'s table; bad arguments are named', () => {
  using(() => new M.PredNetLab({}), (m) => {
    m.loadWeights(shipped);
    const n = 4;
    const e = m.evaluate(n, false);
    const p = m.evaluatePredictions(n, m.predict(m.heldOut(n)).predictions, false);
    for (const k of ['prednetMse', 'copyLastMse', 'linearMse', 'blankMse']) assert.equal(p[k], e[k], k);
    assert.throws(() => m.evaluatePredictions(n, new Float32Array(5), false), /evaluatePredictions: predictions: expected .*40960/);
    assert.throws(() => m.evaluatePredictions(0, new Float32Array(5), false), /evaluatePredictions: count: expected an integer in \[1, 4096\], got 0/);
  });
});

test('the reference ops for the PredNet kernels: known values, bad sizes named', () => {
  const up = M.upsample2x(new Float32Array([1, 2, 3, 4]), 1, 1, 2, 2);
  assert.deepEqual(Array.from(up.subarray(0, 8)), [1, 1, 2, 2, 1, 1, 2, 2]);
  assert.deepEqual(Array.from(M.maxPool2x2(new Float32Array([1, 5, 2, 0]), 1, 1, 2, 2)), [5]);
  assert.deepEqual(Array.from(M.errorUnits(new Float32Array([1, 0]), new Float32Array([0.25, 0.5]), 1, 1, 1, 2)), [0.75, 0, 0, 0.5]);
  // z = [i, f, o, g] with i, f, o saturated at 1 and g = 0: C' = C, R' = tanh(C).
  const s = M.convLstm(new Float32Array([9, 9, 9, 0]), new Float32Array([0.5]), 1, 1, 1, 1);
  assert.equal(s.cell[0], 0.5);
  assert.ok(Math.abs(s.r[0] - Math.tanh(0.5)) < 1e-7);
  assert.deepEqual(Array.from(M.clamp(new Float32Array([-2, 0.5, 3]), 0, 1)), [0, 0.5, 1]);
  assert.throws(() => M.maxPool2x2(new Float32Array(6), 1, 1, 2, 3), /maxPool2x2: h, w: expected even sides, got 2 x 3/);
  assert.throws(() => M.convLstm(new Float32Array(3), new Float32Array(1), 1, 1, 1, 1), /convLstm: z: expected .*4/);
});
