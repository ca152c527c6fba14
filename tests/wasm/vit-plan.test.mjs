// The ViT's forward plan (VitClassifier.forwardPlan, built in core/models/vit.cpp next to forward):
// the data the WebGPU path (web/js/gpu/vit-forward.js) runs. Here a plain-JS interpreter of the
// plan (float64, no GPU) must reproduce predict() with the shipped weights, with and without
// lesioned heads, so the plan is the model and not a description of it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { loadModule, root, using } from './load.mjs';

let M, subset, weights, arch;
before(async () => {
  M = await loadModule();
  subset = M.decodeFashionSubset(new Uint8Array(fs.readFileSync(path.join(root, 'assets/vit/fashion-subset.bin'))));
  weights = new Uint8Array(fs.readFileSync(path.join(root, 'assets/vit/vit-fashion.nrai')));
  const c = M.vitWeightsConfig(weights);
  arch = { patch: c.patch, dim: c.dim, depth: c.depth, heads: c.heads, mlp: c.mlp };
});

const shipped = (f) => using(() => new M.VitClassifier(arch), (m) => { m.importWeights(weights); return f(m); });
const images = (n) => Float32Array.from(subset.test.pixels.subarray(0, n * 784), (v) => v / 255);

/** Runs a forward plan on n images in plain JS (float64): the reference for the GPU path. */
function runPlan(plan, x, n, mask) {
  const W = plan.weights;
  const acts = new Map([['images', x]]);
  const size = (shape) => n * shape.slice(1).reduce((a, b) => a * b, 1);
  for (const op of plan.ops) {
    const a = acts.get(op.inputs[0]);
    const out = new Float64Array(size(op.shape));
    const last = op.shape.at(-1);
    const rows = out.length / last;
    switch (op.op) {
      case 'patchify': {
        const { image: S, patch: P, channels: C, mean, std } = op.attrs;
        const G = S / P, row = C * P * P;
        for (let e = 0; e < out.length; ++e) {
          const b = Math.floor(e / (G * G * row)), p = Math.floor(e / row) % (G * G), q = e % row;
          const ch = Math.floor(q / (P * P)), py = Math.floor(q / P) % P, px = q % P;
          const yy = Math.floor(p / G) * P + py, xx = (p % G) * P + px;
          out[e] = (a[((b * C + ch) * S + yy) * S + xx] - mean) / std;
        }
        break;
      }
      case 'linear': {
        const [w, bias] = op.weights.map((k) => W[k]);
        const k = a.length / rows;
        for (let r = 0; r < rows; ++r) for (let j = 0; j < last; ++j) {
          let s = bias[j];
          for (let i = 0; i < k; ++i) s += a[r * k + i] * (op.attrs.transposeWeight ? w[j * k + i] : w[i * last + j]);
          out[r * last + j] = s;
        }
        break;
      }
      case 'tokens': {
        const [cls, pos] = op.weights.map((k) => W[k]);
        const T = op.shape[1], D = last;
        for (let b = 0; b < n; ++b) for (let t = 0; t < T; ++t) for (let d = 0; d < D; ++d)
          out[(b * T + t) * D + d] = (t === 0 ? cls[d] : a[(b * (T - 1) + t - 1) * D + d]) + pos[t * D + d];
        break;
      }
      case 'layernorm': {
        const [g, be] = op.weights.map((k) => W[k]);
        for (let r = 0; r < rows; ++r) {
          let mu = 0, v = 0;
          for (let j = 0; j < last; ++j) mu += a[r * last + j] / last;
          for (let j = 0; j < last; ++j) v += (a[r * last + j] - mu) ** 2 / last;
          for (let j = 0; j < last; ++j) out[r * last + j] = (a[r * last + j] - mu) / Math.sqrt(v + op.attrs.eps) * g[j] + be[j];
        }
        break;
      }
      case 'attention': {
        const [, T, D] = op.shape, H = op.attrs.heads, dh = D / H;
        for (let b = 0; b < n; ++b) for (let h = 0; h < H; ++h) for (let i = 0; i < T; ++i) {
          const w = attentionRow(a, { b, h, i, T, D, H });
          const f = mask ? mask[op.attrs.maskOffset + h] : 1;
          for (let d = 0; d < dh; ++d) {
            let o = 0;
            for (let j = 0; j < T; ++j) o += w[j] * a[(b * T + j) * 3 * D + 2 * D + h * dh + d];
            out[(b * T + i) * D + h * dh + d] = o * f;
          }
        }
        break;
      }
      case 'attention_weights': {
        const [, H, T] = op.shape, D = a.length / n / T / 3;
        for (let b = 0; b < n; ++b) for (let h = 0; h < H; ++h) for (let i = 0; i < T; ++i) {
          out.set(attentionRow(a, { b, h, i, T, D, H }), ((b * H + h) * T + i) * T);
        }
        break;
      }
      case 'attention_distance': {
        // Per (image, head): the mean over query patches of the attention-weighted distance to the key patches.
        const { grid: G, patch: P } = op.attrs, N = G * G, T = N + 1;
        for (let bh = 0; bh < out.length; ++bh) {
          let sum = 0;
          for (let i = 0; i < N; ++i) {
            let weighted = 0, mass = 0;
            for (let j = 0; j < N; ++j) {
              const w = a[(bh * T + 1 + i) * T + 1 + j];
              weighted += w * P * Math.hypot(Math.floor(i / G) - Math.floor(j / G), (i % G) - (j % G));
              mass += w;
            }
            sum += mass > 0 ? weighted / mass : 0;
          }
          out[bh] = sum / N;
        }
        break;
      }
      case 'gelu': for (let e = 0; e < out.length; ++e) out[e] = 0.5 * a[e] * (1 + erf(a[e] / Math.SQRT2)); break;
      case 'add': { const c = acts.get(op.inputs[1]); for (let e = 0; e < out.length; ++e) out[e] = a[e] + c[e]; break; }
      case 'class_token': {
        const T = a.length / n / last;
        for (let b = 0; b < n; ++b) for (let d = 0; d < last; ++d) out[b * last + d] = a[b * T * last + d];
        break;
      }
      case 'softmax':
        for (let r = 0; r < rows; ++r) {
          const row = a.subarray(r * last, (r + 1) * last), mx = Math.max(...row);
          let z = 0;
          for (let j = 0; j < last; ++j) z += Math.exp(row[j] - mx);
          for (let j = 0; j < last; ++j) out[r * last + j] = Math.exp(row[j] - mx) / z;
        }
        break;
      default: throw new Error(`unknown op ${op.op}`);
    }
    acts.set(op.output, out);
  }
  return acts;
}

/** The plan's read-out `name` from runPlan's activations: its steps stacked, step-major. */
function readOut(plan, acts, name) {
  const steps = plan.outputs.find((o) => o.name === name).steps.map((s) => acts.get(s));
  const out = new Float64Array(steps.reduce((k, s) => k + s.length, 0));
  steps.reduce((at, s) => { out.set(s, at); return at + s.length; }, 0);
  return out;
}

/** Query i's attention probabilities over the T tokens in head h of image b, from qkv (n, T, 3D). */
function attentionRow(qkv, { b, h, i, T, D, H }) {
  const dh = D / H, s = new Float64Array(T);
  for (let j = 0; j < T; ++j) {
    for (let d = 0; d < dh; ++d) s[j] += qkv[(b * T + i) * 3 * D + h * dh + d] * qkv[(b * T + j) * 3 * D + D + h * dh + d];
    s[j] /= Math.sqrt(dh);
  }
  const mx = Math.max(...s);
  let z = 0;
  for (let j = 0; j < T; ++j) z += (s[j] = Math.exp(s[j] - mx));
  for (let j = 0; j < T; ++j) s[j] /= z;
  return s;
}

// erf to ~1e-15 (series / continued fraction would do; Abramowitz-Stegun 7.1.26 is not enough here).
function erf(x) {
  const t = Math.abs(x);
  if (t < 3) { // Taylor series
    let sum = t, term = t;
    for (let k = 1; k < 100; ++k) { term *= -t * t / k; sum += term / (2 * k + 1); if (Math.abs(term) < 1e-17) break; }
    return Math.sign(x) * 2 / Math.sqrt(Math.PI) * sum;
  }
  // erfc continued fraction for |x| >= 3
  let f = 0;
  for (let k = 60; k >= 1; --k) f = (k / 2) / (t + f);
  return Math.sign(x) * (1 - Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + f));
}

test('forwardPlan lists the model\'s ops in order, with its config and every parameter', () => {
  shipped((m) => {
    const plan = m.forwardPlan();
    const c = plan.config;
    assert.deepEqual([c.image, c.channels, c.patch, c.dim, c.depth, c.heads, c.classes, c.tokens],
      [28, 1, arch.patch, arch.dim, arch.depth, arch.heads, 10, (28 / arch.patch) ** 2 + 1]);
    assert.ok(Math.abs(c.pixelMean - 0.286) < 1e-6 && Math.abs(c.pixelStd - 0.353) < 1e-6 && Math.abs(c.lnEps - 1e-5) < 1e-9);
    const kinds = plan.ops.map((o) => o.op);
    const block = ['layernorm', 'linear', 'attention', 'attention_weights', 'attention_distance', 'linear', 'add', 'layernorm', 'linear', 'gelu', 'linear', 'add'];
    assert.deepEqual(kinds, ['patchify', 'linear', 'tokens', ...Array(c.depth).fill(block).flat(), 'class_token', 'layernorm', 'linear', 'softmax']);
    assert.deepEqual(plan.ops[3 + 1].weights, ['block0.attn.qkv.weight', 'block0.attn.qkv.bias']);
    assert.deepEqual(plan.ops.at(-1).shape, ['B', 10]);
    // Every parameter is used, with its exact size; names are the weights file's.
    const used = new Set(plan.ops.flatMap((o) => o.weights));
    assert.deepEqual([...used].sort(), Object.keys(plan.weights).sort());
    const total = Object.values(plan.weights).reduce((s, w) => s + w.length, 0);
    assert.equal(total, m.paramCount());
    // Copies: later changes to the model leave the plan alone.
    const before = plan.weights['head.bias'][0];
    m.setTrainData(subset.train.pixels.subarray(0, 784 * 8), subset.train.labels.subarray(0, 8));
    m.trainSteps(1);
    assert.equal(plan.weights['head.bias'][0], before);
    assert.throws(() => m.forwardPlan(1), /forwardPlan/);
  });
});

test('the plan run in plain JS reproduces predict() with the shipped weights, with and without lesions', () => {
  shipped((m) => {
    const n = 24, x = images(n);
    const plan = m.forwardPlan();
    const mask = new Float32Array(arch.depth * arch.heads).fill(1);
    mask[0] = 0; mask[arch.heads + 1] = 0; mask[mask.length - 1] = 0.5;
    for (const hm of [null, mask]) {
      const want = m.predict(x, hm), got = readOut(plan, runPlan(plan, x, n, hm), 'probs');
      let maxDiff = 0;
      for (let i = 0; i < want.length; ++i) maxDiff = Math.max(maxDiff, Math.abs(want[i] - got[i]));
      assert.ok(maxDiff < 1e-5, `max |p_plan - p_predict| = ${maxDiff} (${hm ? 'lesioned' : 'intact'})`);
    }
    // The comparison can fail: a plan with one attention op's mask offset moved is caught.
    const bad = { ...plan, ops: plan.ops.map((o) => (o.op === 'attention' ? { ...o, attrs: { ...o.attrs, maskOffset: 0 } } : o)) };
    const want = m.predict(x, mask), got = readOut(bad, runPlan(bad, x, n, mask), 'probs');
    assert.ok(want.some((v, i) => Math.abs(v - got[i]) > 1e-3));
  });
});

test('the plan\'s attention read-outs reproduce attentionMaps() and meanAttentionDistance()', () => {
  shipped((m) => {
    const n = 6, x = images(n);
    const plan = m.forwardPlan();
    const { depth, heads, tokens: T } = plan.config;
    assert.deepEqual(plan.outputs.map((o) => o.name), ['probs', 'attention', 'attention_distance']);
    assert.deepEqual(plan.outputs[1].steps, Array.from({ length: depth }, (_, l) => `block${l}.weights`));
    const mask = new Float32Array(depth * heads).fill(1);
    mask[1] = 0;  // a lesion upstream changes the later blocks' maps
    for (const hm of [null, mask]) {
      const acts = runPlan(plan, x, n, hm);
      // The plan stacks blocks first, (depth, n, heads, T, T); attentionMaps gives (n, depth, heads, T, T).
      const stacked = readOut(plan, acts, 'attention'), want = m.attentionMaps(x, hm).attention;
      const per = heads * T * T;
      let maxDiff = 0;
      for (let b = 0; b < n; ++b) for (let l = 0; l < depth; ++l) for (let e = 0; e < per; ++e) {
        maxDiff = Math.max(maxDiff, Math.abs(stacked[(l * n + b) * per + e] - want[(b * depth + l) * per + e]));
      }
      assert.ok(maxDiff < 1e-5, `max |a_plan - a_core| = ${maxDiff} (${hm ? 'lesioned' : 'intact'})`);
    }
    // Distances: the plan's (depth, n, heads) averaged over the images = meanAttentionDistance.
    const d = readOut(plan, runPlan(plan, x, n, null), 'attention_distance'), want = m.meanAttentionDistance(x);
    for (let l = 0; l < depth; ++l) for (let h = 0; h < heads; ++h) {
      let mean = 0;
      for (let b = 0; b < n; ++b) mean += d[(l * n + b) * heads + h] / n;
      assert.ok(Math.abs(mean - want[l * heads + h]) < 1e-4, `block ${l} head ${h}: plan ${mean}, core ${want[l * heads + h]}`);
    }
  });
});
