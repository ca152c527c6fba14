// The JS API of the wasm module: build facts, SpiralLab training, prediction, the decision
// grid, weights round trips and the zero-copy parameter view.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';

import { loadModule, using } from './load.mjs';

let M;
before(async () => {
  M = await loadModule();
});

const make = (config) => () => new M.SpiralLab(config);

/** Parameter count of the default MLP: 2 -> 32 -> 32 -> 3, weights + biases. */
const defaultParamCount = (2 * 32 + 32) + (32 * 32 + 32) + (32 * 3 + 3);

test('buildInfo(): wasm SIMD build with the packed GEMM kernel', () => {
  const info = M.buildInfo();
  assert.equal(info.simd128, true);
  assert.equal(info.gemmKernel, 'packed-simd128');
  assert.equal(typeof info.version, 'string');
  assert.match(info.emscripten, /^\d+\.\d+\.\d+$/);
});

// Embind constructors take exactly their declared arguments: `new SpiralLab()` with no
// argument is an embind BindingError, so "defaults" means an undefined, null or empty config.
test('SpiralLab: constructs with defaults (undefined, null, {})', () => {
  for (const args of [[undefined], [null], [{}]]) {
    using(() => new M.SpiralLab(...args), (m) => {
      assert.equal(m.classes(), 3);
      assert.equal(m.steps(), 0);
      assert.equal(m.points().length, 3 * 100 * 2);
      assert.equal(m.labels().length, 3 * 100);
      assert.equal(m.parameters().length, defaultParamCount);
    });
  }
});

test('SpiralLab: constructs with a config', () => {
  const config = { classes: 4, pointsPerClass: 50, noise: 0.1, turns: 0.5, hidden: 16, layers: 1,
                   activation: 'relu', lr: 0.02, batch: 32, seed: 7 };
  using(make(config), (m) => {
    assert.equal(m.classes(), 4);
    assert.equal(m.points().length, 4 * 50 * 2);
    assert.equal(m.labels().length, 4 * 50);
    assert.equal(m.parameters().length, (2 * 16 + 16) + (16 * 4 + 4));
    const labels = m.labels();
    assert.ok(labels instanceof Int32Array);
    for (let c = 0; c < 4; c++) assert.equal(labels.filter((l) => l === c).length, 50, `class ${c} count`);
  });
});

test('trainSteps returns a finite number and counts steps', () => {
  using(make({ seed: 1 }), (m) => {
    const loss = m.trainSteps(5);
    assert.equal(typeof loss, 'number');
    assert.ok(Number.isFinite(loss) && loss > 0, `loss ${loss}`);
    assert.equal(m.steps(), 5);
    assert.equal(m.trainSteps(0), 0, 'zero steps: mean loss 0');
    assert.equal(m.steps(), 5);
  });
});

test('training: loss falls by half over 300 steps and accuracy > 0.85', () => {
  using(make({ seed: 1 }), (m) => {
    const before = m.loss();
    const accBefore = m.accuracy();
    m.trainSteps(300);
    const after = m.loss();
    const acc = m.accuracy();
    assert.ok(Number.isFinite(before) && Number.isFinite(after));
    assert.ok(after < 0.5 * before, `loss before ${before}, after ${after}`);
    assert.ok(acc > 0.85, `accuracy ${acc} (before training ${accBefore})`);
    assert.equal(m.steps(), 300);
  });
});

test('decisionGrid(16, 1.2): res*res*classes probabilities, each cell sums to 1', () => {
  using(make({ seed: 2 }), (m) => {
    m.trainSteps(20);
    const C = m.classes();
    const grid = m.decisionGrid(16, 1.2);
    assert.ok(grid instanceof Float32Array);
    assert.equal(grid.length, 16 * 16 * C);
    for (let cell = 0; cell < 16 * 16; cell++) {
      let sum = 0;
      for (let c = 0; c < C; c++) {
        const p = grid[cell * C + c];
        assert.ok(p >= 0 && p <= 1, `cell ${cell} class ${c}: ${p}`);
        sum += p;
      }
      assert.ok(Math.abs(sum - 1) <= 1e-5, `cell ${cell}: probabilities sum to ${sum}`);
    }
    // The grid is a copy: a second call with another size does not change the first result.
    const first = grid.slice();
    m.decisionGrid(4, 1.0);
    assert.deepEqual(grid, first);
  });
});

test('decisionGrid matches predict on the same grid points (top row first)', () => {
  using(make({ seed: 2 }), (m) => {
    m.trainSteps(20);
    const res = 5, e = 1.2, C = m.classes();
    const xy = new Float32Array(2 * res * res);
    for (let r = 0; r < res; r++) {
      for (let c = 0; c < res; c++) {
        xy[2 * (r * res + c)] = -e + (2 * e * c) / (res - 1);
        xy[2 * (r * res + c) + 1] = e - (2 * e * r) / (res - 1);
      }
    }
    const grid = m.decisionGrid(res, e);
    const pred = m.predict(xy);
    assert.equal(grid.length, res * res * C);
    for (let i = 0; i < grid.length; i++) assert.ok(Math.abs(grid[i] - pred[i]) <= 1e-6, `index ${i}`);
  });
});

test('predict(points()) returns n*classes probabilities', () => {
  using(make({ seed: 3 }), (m) => {
    m.trainSteps(50);
    const pts = m.points();
    const n = pts.length / 2;
    assert.ok(pts instanceof Float32Array);
    assert.equal(n, m.labels().length);
    for (const v of pts) assert.ok(v >= -1 && v <= 1, `point coordinate ${v} outside [-1, 1]`);
    const probs = m.predict(pts);
    assert.ok(probs instanceof Float32Array);
    assert.equal(probs.length, n * m.classes());
    // Accuracy from predict agrees with accuracy().
    const labels = m.labels();
    const C = m.classes();
    let correct = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < C; c++) if (probs[i * C + c] > probs[i * C + best]) best = c;
      correct += best === labels[i] ? 1 : 0;
    }
    assert.ok(Math.abs(correct / n - m.accuracy()) < 1e-6);
    assert.equal(m.predict(new Float32Array(0)).length, 0, 'no points: empty result');
  });
});

test('points() and labels() are fresh copies', () => {
  using(make({ seed: 3 }), (m) => {
    const a = m.points();
    a.fill(0);
    assert.notDeepEqual(m.points(), a);
    const l = m.labels();
    l.fill(9);
    assert.ok(m.labels().every((v) => v >= 0 && v < 3));
  });
});

test('exportWeights -> loadWeights into a differently seeded model: identical predictions', () => {
  using(make({ seed: 4 }), (a) => {
    a.trainSteps(100);
    const bytes = a.exportWeights();
    assert.ok(bytes instanceof Uint8Array);
    assert.deepEqual([...bytes.subarray(0, 4)].map((c) => String.fromCharCode(c)).join(''), 'NRAI');
    using(make({ seed: 5 }), (b) => {
      const xy = a.points();
      assert.notDeepEqual(b.predict(xy), a.predict(xy), 'different seeds start with different weights');
      b.loadWeights(bytes);
      assert.deepEqual(b.predict(xy), a.predict(xy));
      assert.deepEqual(b.decisionGrid(8, 1.2), a.decisionGrid(8, 1.2));
      assert.deepEqual(b.exportWeights(), bytes);
    });
  });
});

test('parameters() is a zero-copy Float32Array view into wasm memory', () => {
  using(make({ seed: 6 }), (m) => {
    const p = m.parameters();
    assert.ok(p instanceof Float32Array);
    assert.equal(p.length, defaultParamCount);
    assert.equal(p.buffer, M.HEAPF32.buffer, 'a view of the module heap, not a copy');
    for (const v of p) assert.ok(Number.isFinite(v));

    // The parameters are the float block of the weights file (before the 4-byte checksum).
    const bytes = m.exportWeights();
    const fromFile = new Float32Array(bytes.slice(bytes.length - 4 - 4 * p.length, bytes.length - 4).buffer);
    assert.deepEqual(fromFile, p.slice());

    // Training changes the parameters; a fresh view sees the change.
    const snapshot = p.slice();
    m.trainSteps(3);
    assert.notDeepEqual(m.parameters().slice(), snapshot);

    // Writing through the view changes the model: all-zero weights predict uniform probabilities.
    m.parameters().fill(0);
    const probs = m.predict(new Float32Array([0.3, -0.4]));
    for (const q of probs) assert.ok(Math.abs(q - 1 / 3) < 1e-6, `probability ${q}`);
  });
});
