// The attention case study's JS API: the page's image subset, VitLab training and
// evaluation, predictions with and without lesions, attention and rollout, mean attention
// distance, position-embedding similarity, weights round trips and the shipped weights.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { loadModule, root, using } from './load.mjs';
import { assertDataParallel } from './replicas.mjs';

let M, subset;
before(async () => {
  M = await loadModule();
  subset = M.decodeFashionSubset(new Uint8Array(fs.readFileSync(path.join(root, 'assets/vit/fashion-subset.bin'))));
});

const IMAGE = 28 * 28;
const SMALL = { patch: 7, dim: 32, depth: 2, heads: 2, mlp: 64, batch: 32 };  // trains in well under a second

/** Test image i of the subset as Float32 pixels in [0, 1]. */
function testImage(i, count = 1) {
  const out = new Float32Array(count * IMAGE);
  for (let k = 0; k < out.length; k++) out[k] = subset.test.pixels[i * IMAGE + k] / 255;
  return out;
}

/** A VitLab with the subset's training and test images. */
function withData(config) {
  const m = new M.VitLab(config);
  m.setTrainData(subset.train.pixels, subset.train.labels);
  m.setTestData(subset.test.pixels, subset.test.labels);
  return m;
}

const sum = (xs) => xs.reduce((a, b) => a + b, 0);

test('decodeFashionSubset: 5000 training and 1000 test images, balanced, with class names', () => {
  assert.equal(subset.rows, 28);
  assert.equal(subset.cols, 28);
  assert.equal(subset.train.count, 5000);
  assert.equal(subset.test.count, 1000);
  assert.ok(subset.train.pixels instanceof Uint8Array);
  assert.equal(subset.train.pixels.length, 5000 * IMAGE);
  assert.equal(subset.test.labels.length, 1000);
  for (let c = 0; c < 10; c++) {
    assert.equal(subset.train.labels.filter((l) => l === c).length, 500, `class ${c} in train`);
    assert.equal(subset.test.labels.filter((l) => l === c).length, 100, `class ${c} in test`);
  }
  assert.deepEqual(subset.classNames, ['T-shirt/top', 'Trouser', 'Pullover', 'Dress', 'Coat', 'Sandal', 'Shirt',
                                       'Sneaker', 'Bag', 'Ankle boot']);
});

test('splitFashionSubset: the two splits as subset files of their own (the site ships them apart)', () => {
  const bytes = new Uint8Array(fs.readFileSync(path.join(root, 'assets/vit/fashion-subset.bin')));
  const files = M.splitFashionSubset(bytes);
  const train = M.decodeFashionSubset(files.train), test = M.decodeFashionSubset(files.test);
  assert.deepEqual([train.train.count, train.test.count, test.train.count, test.test.count], [5000, 0, 0, 1000]);
  assert.deepEqual(train.train.pixels, subset.train.pixels);
  assert.deepEqual(train.train.labels, subset.train.labels);
  assert.deepEqual(test.test.pixels, subset.test.pixels);
  assert.deepEqual(test.test.labels, subset.test.labels);
  assert.throws(() => M.splitFashionSubset(bytes.subarray(0, 100)), /fashion subset: truncated/);
  assert.throws(() => M.splitFashionSubset('nope'), /splitFashionSubset: bytes/);
});

test('VitLab: defaults are the shipped architecture; a config is honoured', () => {
  for (const arg of [undefined, null, {}]) {
    using(() => new M.VitLab(arg), (m) => {
      assert.deepEqual(m.config(), { image: 28, channels: 1, patch: 4, dim: 64, depth: 4, heads: 4, mlp: 128, classes: 10,
                                     grid: 7, patches: 49, tokens: 50 });
      assert.equal(m.paramCount(), 139018);
      assert.equal(m.parameters().length, 139018);
      assert.equal(m.steps(), 0);
    });
  }
  using(() => new M.VitLab(SMALL), (m) => {
    const c = m.config();
    assert.deepEqual([c.patch, c.dim, c.depth, c.heads, c.mlp, c.grid, c.tokens], [7, 32, 2, 2, 64, 4, 17]);
  });
});

test('training: loss falls and held-out accuracy rises well above chance (fixed seed)', () => {
  using(() => withData({ ...SMALL, lr: 2e-3, warmup: 20, seed: 3 }), (m) => {
    assert.equal(m.trainCount(), 5000);
    assert.equal(m.testCount(), 1000);
    const before = m.evaluate(1000, null);
    const first = m.trainSteps(20);
    m.trainSteps(300);
    const last = m.trainSteps(20);
    const after = m.evaluate(1000, null);
    assert.equal(m.steps(), 340);
    assert.equal(m.imagesSeen(), 340 * 32);
    assert.ok(Math.abs(m.epochs() - 340 * 32 / 5000) < 1e-9);
    assert.ok(last < 0.7 * first, `loss ${first} -> ${last}`);
    assert.ok(before.accuracy < 0.3, `accuracy before training ${before.accuracy}`);
    assert.ok(after.accuracy > 0.55, `accuracy after training ${after.accuracy}`);
    assert.equal(after.images, 1000);
    assert.equal(sum(after.confusion), 1000);
    assert.equal(after.confusion.length, 100);
  });
});

test('predict: one probability distribution per image', () => {
  using(() => new M.VitLab({ ...SMALL, seed: 2 }), (m) => {
    const probs = m.predict(testImage(0, 3), null);
    assert.equal(probs.length, 30);
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(sum(probs.slice(10 * i, 10 * i + 10)) - 1) < 1e-5);
    assert.deepEqual(m.predict(testImage(0, 3), new Float32Array(4).fill(1)), probs, 'an all-ones mask lesions nothing');
  });
});

test('inspect: attention rows and rollout rows sum to one; lesions change the prediction', () => {
  using(() => withData({ seed: 4 }), (m) => {
    m.trainSteps(3);
    const { depth, heads, tokens: T } = m.config();
    const image = testImage(5);
    const r = m.inspect(image, null);
    assert.equal(r.probs.length, 10);
    assert.equal(r.attention.length, depth * heads * T * T);
    assert.equal(r.rollout.length, T * T);
    for (let row = 0; row < depth * heads * T; row++)
      assert.ok(Math.abs(sum(r.attention.subarray(row * T, row * T + T)) - 1) < 1e-5, `attention row ${row}`);
    for (let row = 0; row < T; row++)
      assert.ok(Math.abs(sum(r.rollout.subarray(row * T, row * T + T)) - 1) < 1e-5, `rollout row ${row}`);
    assert.deepEqual(r.probs, m.predict(image, null), 'inspect and predict agree');
    const mask = new Float32Array(depth * heads).fill(1);
    mask[1] = 0;  // block 0, head 1
    const lesioned = m.inspect(image, mask);
    const change = Math.max(...r.probs.map((p, k) => Math.abs(p - lesioned.probs[k])));
    assert.ok(change > 1e-4, `lesioning a head changes the probabilities (max change ${change})`);
    assert.deepEqual(lesioned.attention.subarray(0, T * T), r.attention.subarray(0, T * T),
                     'block 0 attends as before: the lesion silences the head\'s output, not its attention');
    assert.notDeepEqual(lesioned.rollout, r.rollout, 'the rollout leaves the silenced head out');
  });
});

test('attentionMaps: each image\'s inspect, batched; rollout() from maps equals inspect\'s rollout', () => {
  using(() => withData({ seed: 5 }), (m) => {
    m.trainSteps(2);
    const { depth, heads, tokens: T } = m.config();
    const per = depth * heads * T * T, n = 3, x = testImage(2, n);
    const mask = new Float32Array(depth * heads).fill(1);
    mask[2] = 0;
    const batch = m.attentionMaps(x, mask);
    assert.equal(batch.probs.length, n * 10);
    assert.equal(batch.attention.length, n * per);
    for (let b = 0; b < n; b++) {
      const one = m.inspect(x.subarray(b * 784, (b + 1) * 784), mask);
      const maps = batch.attention.subarray(b * per, (b + 1) * per);
      assert.ok(maps.every((v, e) => Math.abs(v - one.attention[e]) < 1e-6), `image ${b}: maps`);
      assert.ok(one.probs.every((v, k) => Math.abs(v - batch.probs[b * 10 + k]) < 1e-6), `image ${b}: probs`);
      const r = m.rollout(maps, mask);
      assert.ok(r.every((v, e) => Math.abs(v - one.rollout[e]) < 1e-6), `image ${b}: rollout`);
    }
    assert.notDeepEqual(m.rollout(batch.attention.subarray(0, per), null), m.rollout(batch.attention.subarray(0, per), mask),
                        'the mask leaves the silenced head out of the rollout');
  });
});

test('meanAttentionDistance and positionSimilarity', () => {
  using(() => new M.VitLab({ seed: 6 }), (m) => {
    const d = m.meanAttentionDistance(testImage(0, 8));
    assert.equal(d.length, 16);
    for (const v of d) assert.ok(v > 0 && v < 4 * 6 * Math.SQRT2, `distance ${v}`);
    const s = m.positionSimilarity();
    assert.equal(s.length, 49 * 49);
    for (let i = 0; i < 49; i++) {
      assert.ok(Math.abs(s[i * 49 + i] - 1) < 1e-5);
      for (let j = 0; j < 49; j++) assert.ok(Math.abs(s[i * 49 + j] - s[j * 49 + i]) < 1e-6);
    }
  });
});

test('weights: export, vitWeightsConfig and import round-trip into a model of that config', () => {
  using(() => withData({ ...SMALL, seed: 7 }), (a) => {
    a.trainSteps(5);
    const bytes = a.exportWeights();
    assert.ok(bytes instanceof Uint8Array);
    const config = M.vitWeightsConfig(bytes);
    assert.deepEqual([config.patch, config.dim, config.depth, config.heads, config.mlp], [7, 32, 2, 2, 64]);
    using(() => new M.VitLab({ ...SMALL, seed: 8 }), (b) => {
      const image = testImage(3);
      assert.notDeepEqual(b.predict(image, null), a.predict(image, null));
      b.loadWeights(bytes);
      assert.deepEqual(b.parameters().slice(), a.parameters().slice());
      assert.deepEqual(b.predict(image, null), a.predict(image, null));
    });
  });
});

test('the shipped weights load and classify the page\'s test images', () => {
  const bytes = new Uint8Array(fs.readFileSync(path.join(root, 'assets/vit/vit-fashion.nrai')));
  assert.ok(bytes.length < 1e6, `the weights file is under 1 MB (${bytes.length} bytes)`);
  const c = M.vitWeightsConfig(bytes);
  using(() => withData({ patch: c.patch, dim: c.dim, depth: c.depth, heads: c.heads, mlp: c.mlp }), (m) => {
    m.loadWeights(bytes);
    const e = m.evaluate(1000, null);
    assert.ok(e.accuracy > 0.85, `shipped weights: accuracy ${e.accuracy} on the page's 1000 test images`);
    // With every head lesioned no patch reaches the class token: one answer for every image,
    // right for exactly the 100 test images of that class.
    const silent = m.evaluate(1000, new Float32Array(c.depth * c.heads));
    assert.equal(silent.accuracy, 0.1);
    assert.equal(Math.max(...Array.from({ length: 10 }, (_, k) => sum(silent.confusion.slice(k * 10, k * 10 + 10)))), 100);
  });
});

test('a step split across replicas (web/js/engine/replicas.js) = the one-thread step up to rounding; deterministic per thread count', async () => {
  const config = { ...SMALL, shift: 1, flip: true, seed: 5 };
  await assertDataParallel(assert, () => withData(config), () => new M.VitLab(config), 12);
  // Bad shares are refused by name; the lab stays usable.
  using(() => withData(config), (m) => {
    assert.throws(() => m.batchShare(0, 1), /batchShare: no batch drawn \(call beginStep first\)/);
    m.beginStep();
    assert.throws(() => m.batchShare(0, 33), /batchShare: n: expected an integer in \[1, 32\], got 33/);
    assert.throws(() => m.accumulate(31, 2), /accumulate: n: expected an integer in \[1, 1\], got 2/);
    const share = m.batchShare(0, 4);
    assert.throws(() => m.replicaGradient({ images: share.images, labels: new Int32Array([0, 1, 2, 10]) }, 32), /VitTrainer.replica_gradient: label: expected an integer in \[0, 9\], got 10/);
    assert.throws(() => m.replicaGradient({ images: share.images, labels: new Int32Array(3) }, 32), /replicaGradient: share\.labels: expected an Int32Array of length 4, got length 3/);
    assert.throws(() => m.replicaGradient(share, 2), /replicaGradient: batch: expected an integer in \[4, 1048576\], got 2/);
    assert.throws(() => m.addGradients(new Float32Array(3)), /addGradients: gradients: expected a Float32Array of length \d+, got length 3/);
    assert.throws(() => m.setParameters(new Float32Array(3)), /setParameters: values: expected a Float32Array of length \d+, got length 3/);
    assert.ok(Number.isFinite(m.accumulate(0, 32)));
    m.finishStep();
    assert.equal(m.steps(), 1);
  });
});
