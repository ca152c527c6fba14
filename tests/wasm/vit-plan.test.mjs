// The ViT's forward plan (VitLab.forwardPlan, built in core/models/vit.cpp next to forward):
// the data the WebGPU path (web/js/gpu/vit-forward.js) runs. Run in plain JS (float64, no GPU:
// ./plan-reference.mjs), the plan must reproduce predict() with the shipped weights, with and without
// lesioned heads, so the plan is the model and not a description of it.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { loadModule, root, using } from './load.mjs';
import { readOut, runPlan } from './plan-reference.mjs';

let M, subset, weights, arch;
before(async () => {
  M = await loadModule();
  subset = M.decodeFashionSubset(new Uint8Array(fs.readFileSync(path.join(root, 'assets/vit/fashion-subset.bin'))));
  weights = new Uint8Array(fs.readFileSync(path.join(root, 'assets/vit/vit-fashion.nrai')));
  const c = M.vitWeightsConfig(weights);
  arch = { patch: c.patch, dim: c.dim, depth: c.depth, heads: c.heads, mlp: c.mlp };
});

const shipped = (f) => using(() => new M.VitLab(arch), (m) => { m.loadWeights(weights); return f(m); });
const images = (n) => Float32Array.from(subset.test.pixels.subarray(0, n * 784), (v) => v / 255);

/** The plan run in plain JS (float64) on n images: tests/wasm/plan-reference.mjs. */
const runVitPlan = (plan, x, n, mask) => runPlan(plan, { images: [x, ['B', 1, 28, 28]] }, n, { mask });

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
      const want = m.predict(x, hm), got = readOut(plan, runVitPlan(plan, x, n, hm), 'probs');
      let maxDiff = 0;
      for (let i = 0; i < want.length; ++i) maxDiff = Math.max(maxDiff, Math.abs(want[i] - got[i]));
      assert.ok(maxDiff < 1e-5, `max |p_plan - p_predict| = ${maxDiff} (${hm ? 'lesioned' : 'intact'})`);
    }
    // The comparison can fail: a plan with one attention op's mask offset moved is caught.
    const bad = { ...plan, ops: plan.ops.map((o) => (o.op === 'attention' ? { ...o, attrs: { ...o.attrs, maskOffset: 0 } } : o)) };
    const want = m.predict(x, mask), got = readOut(bad, runVitPlan(bad, x, n, mask), 'probs');
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
      const acts = runVitPlan(plan, x, n, hm);
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
    const d = readOut(plan, runVitPlan(plan, x, n, null), 'attention_distance'), want = m.meanAttentionDistance(x);
    for (let l = 0; l < depth; ++l) for (let h = 0; h < heads; ++h) {
      let mean = 0;
      for (let b = 0; b < n; ++b) mean += d[(l * n + b) * heads + h] / n;
      assert.ok(Math.abs(mean - want[l * heads + h]) < 1e-4, `block ${l} head ${h}: plan ${mean}, core ${want[l * heads + h]}`);
    }
  });
});
