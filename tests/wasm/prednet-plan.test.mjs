// PredNet's rollout plan (PredNet.forwardPlan, built in core/models/prednet.cpp next to forward):
// the data the WebGPU path (web/js/gpu/prednet-forward.js) runs. A plain-JS interpreter of the plan
// (float64, no GPU) must reproduce predict() with the shipped blob weights, with and without
// extrapolation, so the plan is the model and not a description of it; evaluatePredictions() fed
// with predict()'s own predictions gives evaluate()'s table; the new reference ops name bad input.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { loadModule, root, using } from './load.mjs';

// Float64 here against the core's float32 over 10 steps of three ConvLSTM layers (measured: see the log lines).
const TOLERANCE = 1e-4;

let M, shipped;
before(async () => {
  M = await loadModule();
  shipped = new Uint8Array(fs.readFileSync(path.join(root, 'assets/prednet/prednet-blobs.nrai')));
});

const hardSigmoid = (x) => Math.min(1, Math.max(0, 0.2 * x + 0.5));

/** Runs a PredNet plan on n sequences (n, T, C, H, W) in plain JS (float64): predictions (n, T, C, H, W). */
function runPredNetPlan(plan, frames, n) {
  const W = plan.weights;
  const { frames: T, channels: C0, height: H0, width: W0 } = plan.config;
  const acts = new Map([['frames', frames]]);
  const shapes = new Map([['frames', ['B', T, C0, H0, W0]]]);
  const per = (shape) => shape.slice(1).reduce((a, b) => a * b, 1);
  for (const op of plan.ops) {
    const x = acts.get(op.inputs[0]);
    const out = new Float64Array(n * per(op.shape));
    const [, c, h, w] = op.shape;
    switch (op.op) {
      case 'zeros': break;
      case 'frame': {
        const inner = per(op.shape);
        for (let b = 0; b < n; ++b) for (let i = 0; i < inner; ++i) out[b * inner + i] = x[(b * op.attrs.steps + op.attrs.step) * inner + i];
        break;
      }
      case 'upsample2x':
        for (let b = 0; b < n * c; ++b) for (let yy = 0; yy < h; ++yy) for (let xx = 0; xx < w; ++xx)
          out[(b * h + yy) * w + xx] = x[(b * (h / 2) + (yy >> 1)) * (w / 2) + (xx >> 1)];
        break;
      case 'maxpool2x2':
        for (let b = 0; b < n * c; ++b) for (let yy = 0; yy < h; ++yy) for (let xx = 0; xx < w; ++xx) {
          const i = (b * 2 * h + 2 * yy) * 2 * w + 2 * xx;
          out[(b * h + yy) * w + xx] = Math.max(x[i], x[i + 1], x[i + 2 * w], x[i + 2 * w + 1]);
        }
        break;
      case 'concat': {  // along channels: per item, the inputs' blocks one after another
        let o = 0;
        for (let b = 0; b < n; ++b) for (const name of op.inputs) {
          const v = acts.get(name), len = per(shapes.get(name));
          for (let i = 0; i < len; ++i) out[o++] = v[b * len + i];
        }
        break;
      }
      case 'conv3x3': {
        const [wt, bias] = op.weights.map((k) => W[k]);
        const ci = shapes.get(op.inputs[0])[1];
        for (let b = 0; b < n; ++b) for (let o = 0; o < c; ++o) for (let yy = 0; yy < h; ++yy) for (let xx = 0; xx < w; ++xx) {
          let s = bias[o];
          for (let k = 0; k < ci; ++k) for (let dy = -1; dy <= 1; ++dy) for (let dx = -1; dx <= 1; ++dx) {
            const sy = yy + dy, sx = xx + dx;
            if (sy < 0 || sy >= h || sx < 0 || sx >= w) continue;
            s += x[((b * ci + k) * h + sy) * w + sx] * wt[((o * ci + k) * 3 + dy + 1) * 3 + dx + 1];
          }
          out[((b * c + o) * h + yy) * w + xx] = s;
        }
        break;
      }
      case 'convlstm_cell':
      case 'convlstm_hidden': {
        const other = acts.get(op.inputs[1]), block = c * h * w;
        for (let i = 0; i < out.length; ++i) {
          const b = Math.floor(i / block), j = i % block, z = (g) => x[(4 * b + g) * block + j];
          out[i] = op.op === 'convlstm_cell'
            ? hardSigmoid(z(1)) * other[i] + hardSigmoid(z(0)) * Math.tanh(z(3))
            : hardSigmoid(z(2)) * Math.tanh(other[i]);
        }
        break;
      }
      case 'relu': for (let i = 0; i < out.length; ++i) out[i] = Math.max(0, x[i]); break;
      case 'clamp': for (let i = 0; i < out.length; ++i) out[i] = Math.min(op.attrs.hi, Math.max(op.attrs.lo, x[i])); break;
      case 'error_units': {
        const ahat = acts.get(op.inputs[1]), block = (c / 2) * h * w;
        for (let b = 0; b < n; ++b) for (let j = 0; j < block; ++j) {
          const d = x[b * block + j] - ahat[b * block + j];
          out[b * 2 * block + j] = Math.max(d, 0);
          out[b * 2 * block + block + j] = Math.max(-d, 0);
        }
        break;
      }
      default:
        throw new Error(`runPredNetPlan: unknown op ${op.op}`);
    }
    acts.set(op.output, out);
    shapes.set(op.output, op.shape);
  }
  const frame = C0 * H0 * W0;
  const predictions = new Float64Array(n * T * frame);
  plan.outputs[0].steps.forEach((name, t) => {
    const v = acts.get(name);
    for (let b = 0; b < n; ++b) predictions.set(v.subarray(b * frame, (b + 1) * frame), (b * T + t) * frame);
  });
  return predictions;
}

const maxDiff = (a, b) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

test('the plan run in plain JS = predict() with the shipped weights, with and without extrapolation', () => {
  using(() => new M.PredNet({}), (m) => {
    m.importWeights(shipped);
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
  using(() => new M.PredNet({}), (m) => {
    m.importWeights(shipped);
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
