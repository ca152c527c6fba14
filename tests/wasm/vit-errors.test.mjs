// Bad input to the attention case study's JS API: every call throws a plain JS Error that names
// the argument and what was expected, and the module and the same object keep working.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { inspect } from 'node:util';

import { loadModule, root } from './load.mjs';

const IMAGE = 784;
let M, model, subset;
before(async () => {
  M = await loadModule();
  subset = M.decodeFashionSubset(new Uint8Array(fs.readFileSync(path.join(root, 'assets/vit/fashion-subset.bin'))));
  model = new M.VitLab({ patch: 7, dim: 16, depth: 2, heads: 2, mlp: 32, batch: 8, seed: 1 });
  model.setTrainData(subset.train.pixels.subarray(0, 100 * IMAGE), subset.train.labels.subarray(0, 100));
  model.setTestData(subset.test.pixels.subarray(0, 50 * IMAGE), subset.test.labels.subarray(0, 50));
});
after(() => model.delete());

function throwsError(f, re) {
  assert.throws(f, (e) => {
    assert.equal(e.constructor, Error, `expected a plain Error, got ${e.constructor.name}: ${e.message}`);
    assert.match(e.message, re);
    return true;
  });
}

const image = () => new Float32Array(IMAGE).fill(0.5);

/** The shared model still trains, predicts and evaluates. */
function stillWorks() {
  const steps = model.steps();
  assert.ok(Number.isFinite(model.trainSteps(1)));
  assert.equal(model.steps(), steps + 1);
  assert.equal(model.predict(image(), null).length, 10);
  assert.equal(model.evaluate(50, null).images, 50);
}

const configCases = [
  [{ patch: 5 }, /VitConfig\.patch: expected a divisor of the image size 28, got 5/],
  [{ heads: 3 }, /VitConfig\.heads: expected a divisor of dim 64, got 3/],
  [{ dim: 0 }, /VitConfig\.dim: expected an integer in \[1, 1024\], got 0/],
  [{ lr: -1 }, /VitTrainConfig\.lr: expected a number in/],
  [{ patch: '4' }, /VitLab config\.patch: expected a number, got string/],
  [{ flip: 1 }, /VitLab config\.flip: expected true or false, got number/],
  [{ dropout: 0.1 }, /unknown field 'dropout' \(expected one of: patch, dim, .*seed\)/],
  [{ seed: -2 }, /config\.seed: expected a non-negative integer, got -2/],
  [7, /VitLab config: expected a config object, got number/],
];
for (const [config, re] of configCases) {
  test(`new VitLab(${inspect(config, { breakLength: Infinity })}) throws ${re}`, () => {
    throwsError(() => new M.VitLab(config).delete(), re);
    stillWorks();
  });
}

const imageCases = [
  ['predict(783 floats)', () => model.predict(new Float32Array(783), null), /predict: images: expected a length divisible by 784, got length 783/],
  ['predict(empty)', () => model.predict(new Float32Array(0), null), /predict: images: expected at least one image of 784 pixels, got none/],
  ['predict(Uint8Array)', () => model.predict(new Uint8Array(IMAGE), null), /predict: images: expected a Float32Array, got Uint8Array/],
  ['predict(pixel 255)', () => model.predict(new Float32Array(IMAGE).fill(255), null), /predict: images\[0\]: expected a pixel in \[0, 1\], got 255/],
  ['predict(NaN pixel)', () => { const x = image(); x[9] = NaN; return model.predict(x, null); }, /predict: images\[9\]: expected a finite number, got nan/],
  ['inspect(two images)', () => model.inspect(new Float32Array(2 * IMAGE), null), /inspect: image: expected a Float32Array of length 784, got length 1568/],
  ['inspect(mask of 3)', () => model.inspect(image(), new Float32Array(3)), /inspect: headMask: expected a Float32Array of length 4, got length 3/],
  ['predict(mask value 2)', () => model.predict(image(), new Float32Array([1, 2, 1, 1])), /predict: headMask\[1\]: expected a number in \[0, 1\] \(block 0, head 1\), got 2/],
  ['predict(mask as Array)', () => model.predict(image(), [1, 1, 1, 1]), /predict: headMask: expected a Float32Array, got Array/],
  ['attentionMaps(783 floats)', () => model.attentionMaps(new Float32Array(783), null), /attentionMaps: images: expected a length divisible by 784, got length 783/],
  ['attentionMaps(mask of 5)', () => model.attentionMaps(image(), new Float32Array(5)), /attentionMaps: headMask: expected a Float32Array of length 4, got length 5/],
  ['rollout(short maps)', () => model.rollout(new Float32Array(10), null), /rollout: attention: expected a Float32Array of length \d+, got length 10/],
  ['rollout(weight 2)', () => { const a = model.inspect(image(), null).attention; a[7] = 2; return model.rollout(a, null); }, /rollout: attention\[7\]: expected a probability in \[0, 1\], got 2/],
  ['meanAttentionDistance(100 floats)', () => model.meanAttentionDistance(new Float32Array(100)), /meanAttentionDistance: images: expected a length divisible by 784/],
  ['evaluate(0)', () => model.evaluate(0, null), /evaluate: maxImages: expected an integer in \[1, 16777216\], got 0/],
  ['trainSteps(-1)', () => model.trainSteps(-1), /trainSteps: steps: expected an integer in \[0, 100000\], got -1/],
];
for (const [label, f, re] of imageCases) {
  test(`${label} throws ${re}`, () => {
    const reference = model.predict(image(), null);
    throwsError(f, re);
    assert.deepEqual(model.predict(image(), null), reference, 'the model is unchanged');
    stillWorks();
  });
}

const dataCases = [
  ['a label out of range', () => model.setTrainData(new Uint8Array(2 * IMAGE), new Uint8Array([3, 10])),
   /setTrainData: label 1 is 10, expected a class in \[0, 9\]/],
  ['pixels of the wrong length', () => model.setTrainData(new Uint8Array(IMAGE + 1), new Uint8Array([3])),
   /setTrainData: pixels: expected 784 bytes \(1 images of 28x28\), got 785/],
  ['no images', () => model.setTrainData(new Uint8Array(0), new Uint8Array(0)), /setTrainData: expected at least one image/],
  ['Float32Array pixels', () => model.setTestData(new Float32Array(IMAGE), new Uint8Array([1])), /setTestData: pixels: expected a Uint8Array, got Float32Array/],
  ['labels as Array', () => model.setTestData(new Uint8Array(IMAGE), [1]), /setTestData: labels: expected a Uint8Array, got Array/],
];
for (const [label, f, re] of dataCases) {
  test(`data with ${label} is refused: ${re}`, () => {
    throwsError(f, re);
    assert.equal(model.trainCount(), 100, 'the training data are unchanged');
    assert.equal(model.testCount(), 50, 'the test data are unchanged');
    stillWorks();
  });
}

test('corrupt files are refused: subset and weights', () => {
  const bytes = new Uint8Array(fs.readFileSync(path.join(root, 'assets/vit/fashion-subset.bin')));
  throwsError(() => M.decodeFashionSubset(bytes.subarray(0, 1000)), /fashion subset: truncated: expected 4710028 bytes/);
  const altered = bytes.slice();
  altered[5000] ^= 1;
  throwsError(() => M.decodeFashionSubset(altered), /fashion subset: checksum mismatch/);
  throwsError(() => M.decodeFashionSubset(new Uint8Array([0x1f, 0x8b, 8, 0])), /gzip-compressed/);
  throwsError(() => M.decodeFashionSubset('FMNS'), /decodeFashionSubset: bytes: expected a Uint8Array, got string/);
  const weights = model.exportWeights();
  throwsError(() => M.vitWeightsConfig(weights.subarray(0, 50)), /truncated|too short|expected/);
  const spiral = new M.SpiralLab({ seed: 1 });
  const spiralBytes = spiral.exportWeights();
  spiral.delete();
  throwsError(() => M.vitWeightsConfig(spiralBytes), /vitWeightsConfig: the file holds a 'mlp' model, expected 'vit'/);
  const params = model.parameters().slice();
  throwsError(() => model.loadWeights(spiralBytes), /loadWeights: weights file: holds a 'mlp' model, expected 'vit'/);
  // A ViT of another architecture is adopted, prediction for prediction (the native tests refuse
  // one for other images than the training data's).
  const other = new M.VitLab({ patch: 4, dim: 16, depth: 1, heads: 2, mlp: 32, seed: 5 });
  const reader = new M.VitLab({ patch: 7, dim: 16, depth: 2, heads: 2, mlp: 32, batch: 8, seed: 1 });
  reader.setTrainData(subset.train.pixels.subarray(0, 100 * IMAGE), subset.train.labels.subarray(0, 100));
  reader.loadWeights(other.exportWeights());
  assert.equal(reader.config().patch, 4);
  const x = Float32Array.from(subset.test.pixels.subarray(0, 3 * IMAGE), (v) => v / 255);
  assert.deepEqual(reader.predict(x, null), other.predict(x, null));
  assert.ok(Number.isFinite(reader.trainSteps(1)), 'the adopted model trains on the data');
  other.delete();
  reader.delete();
  assert.deepEqual(model.parameters().slice(), params, 'a refused file changes no parameter');
  stillWorks();
});

test('evaluate without test data says so', () => {
  const m = new M.VitLab({ patch: 14, dim: 8, depth: 1, heads: 1, mlp: 8 });
  try {
    throwsError(() => m.evaluate(10, null), /evaluate: no test data \(call setTestData first\)/);
    throwsError(() => m.trainSteps(1), /no training data \(call set_train_data first\)/);
  } finally {
    m.delete();
  }
  stillWorks();
});
