// Native vs wasm: the same seed gives the same training run, and the wasm GEMM agrees with a
// double-precision reference loop.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';

import { loadModule, nativeCli, using } from './load.mjs';

let M;
before(async () => {
  M = await loadModule();
});

/** Per-step minibatch losses of `steps` trainSteps(1) calls on a fresh wasm model. */
function wasmLosses(config, steps) {
  return using(() => new M.SpiralLab(config), (m) => {
    const losses = [];
    for (let s = 0; s < steps; s++) losses.push(m.trainSteps(1));
    return { losses, accuracy: m.accuracy(), loss: m.loss() };
  });
}

const relErr = (a, b) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

// ---- training parity -----------------------------------------------------------------------

test('native CLI and wasm train the same spiral run (seed 3, 200 steps)', () => {
  const STEPS = 200, SEED = 3;
  const stdout = execFileSync(nativeCli(), ['train', 'spiral', '--steps', String(STEPS), '--seed', String(SEED), '--json'],
    { encoding: 'utf8', timeout: 30000 });
  const native = JSON.parse(stdout);
  assert.equal(native.model, 'spiral');
  assert.equal(native.seed, SEED);
  assert.equal(native.steps, STEPS);
  assert.equal(native.losses.length, STEPS);

  const wasm = wasmLosses({ seed: SEED }, STEPS);
  assert.equal(wasm.losses.length, STEPS);
  for (const l of wasm.losses) assert.ok(Number.isFinite(l));

  // Tolerance: both builds run the same float32 algorithm on the same data and minibatches with
  // the same GEMM (the packed kernel, every sum in the same order) and the same double-precision
  // functions (util/det_math.h); only the C library's float expf/logf differ (musl in wasm, glibc
  // natively), by an ulp now and then. Measured: most losses bit-identical, the worst 3e-7
  // relative over 200 steps. Held to 1e-6 over the first 50 steps and 1e-5 over all 200.
  for (let s = 0; s < 50; s++) {
    const e = relErr(wasm.losses[s], native.losses[s]);
    assert.ok(e <= 1e-6, `step ${s + 1}: wasm ${wasm.losses[s]} vs native ${native.losses[s]} (relative ${e.toExponential(2)})`);
  }
  let worst = 0, worstStep = -1;
  for (let s = 0; s < STEPS; s++) {
    const e = relErr(wasm.losses[s], native.losses[s]);
    if (e > worst) [worst, worstStep] = [e, s];
  }
  assert.ok(worst <= 1e-5,
    `step ${worstStep + 1}: wasm ${wasm.losses[worstStep]} vs native ${native.losses[worstStep]} (relative ${worst.toExponential(2)})`);
  assert.ok(Math.abs(wasm.accuracy - native.accuracy) <= 0.002, `accuracy: wasm ${wasm.accuracy}, native ${native.accuracy}`);
  assert.ok(relErr(wasm.loss, native.loss) <= 1e-5, `full-data loss: wasm ${wasm.loss}, native ${native.loss}`);
});

test('trainSteps(n) returns the mean of n single-step losses', () => {
  const single = wasmLosses({ seed: 3 }, 20).losses;
  const mean = single.reduce((a, b) => a + b, 0) / single.length;
  const batched = using(() => new M.SpiralLab({ seed: 3 }), (m) => m.trainSteps(20));
  assert.ok(relErr(batched, mean) <= 1e-6, `trainSteps(20) ${batched} vs mean ${mean}`);
});

test('wasm: the same seed twice gives bit-identical losses', () => {
  const a = wasmLosses({ seed: 3 }, 100);
  const b = wasmLosses({ seed: 3 }, 100);
  assert.deepEqual(b.losses, a.losses);
  assert.equal(b.accuracy, a.accuracy);
  // Two models trained interleaved (sharing the module) stay independent and identical too.
  using(() => new M.SpiralLab({ seed: 3 }), (x) => using(() => new M.SpiralLab({ seed: 3 }), (y) => {
    for (let s = 0; s < 30; s++) assert.equal(y.trainSteps(1), x.trainSteps(1), `step ${s + 1}`);
    assert.deepEqual(y.exportWeights(), x.exportWeights());
  }));
});

test('wasm: a different seed gives a different run', () => {
  const a = wasmLosses({ seed: 3 }, 20);
  const b = wasmLosses({ seed: 4 }, 20);
  assert.notDeepEqual(b.losses, a.losses);
  assert.notEqual(b.losses[0], a.losses[0]);
  const pa = using(() => new M.SpiralLab({ seed: 3 }), (m) => m.points());
  const pb = using(() => new M.SpiralLab({ seed: 4 }), (m) => m.points());
  assert.notDeepEqual(pb, pa, 'the data set depends on the seed');
});

// ---- GEMM ----------------------------------------------------------------------------------

/** A deterministic generator (mulberry32) of floats in [-1, 1). */
function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) / 4294967296) * 2 - 1;
  };
}
const randomF32 = (n, next) => Float32Array.from({ length: n }, next);

/** C = alpha op(A) op(B) + beta C in double precision (row-major; C null means zeros). */
function gemmReference(ta, tb, m, n, k, alpha, a, b, beta, c) {
  const out = new Float64Array(m * n);
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let sum = 0;
      for (let p = 0; p < k; p++) {
        const av = ta ? a[p * m + i] : a[i * k + p];
        const bv = tb ? b[j * k + p] : b[p * n + j];
        sum += av * bv;
      }
      out[i * n + j] = alpha * sum + (beta !== 0 && c ? beta * c[i * n + j] : 0);
    }
  }
  return out;
}

const shapes = [[1, 1, 1], [7, 13, 5], [64, 65, 300], [130, 9, 33]];
const transposes = [[false, false], [true, false], [false, true], [true, true]];

for (const [m, n, k] of shapes) {
  for (const [ta, tb] of transposes) {
    for (const beta of [0, 0.5]) {
      test(`gemm(transA=${ta}, transB=${tb}, M=${m}, N=${n}, K=${k}, beta=${beta}) matches a float64 loop`, () => {
        const next = rng(m * 1000003 + n * 1009 + k * 7 + (ta ? 1 : 0) + (tb ? 2 : 0));
        const alpha = 1.25;
        const a = randomF32(m * k, next);
        const b = randomF32(k * n, next);
        const c = beta === 0 ? null : randomF32(m * n, next);
        const cCopy = c && c.slice();
        const got = M.gemm(ta, tb, m, n, k, alpha, a, b, beta, c);
        assert.ok(got instanceof Float32Array);
        assert.equal(got.length, m * n);
        if (c) assert.deepEqual(c, cCopy, 'the C argument is not modified: gemm returns a new array');
        const want = gemmReference(ta, tb, m, n, k, alpha, a, b, beta, c);
        const tol = 1e-4 * Math.sqrt(k);
        for (let i = 0; i < m * n; i++) {
          const err = Math.abs(got[i] - want[i]);
          assert.ok(err <= tol,
            `C[${Math.floor(i / n)}][${i % n}] = ${got[i]}, expected ${want[i]} (error ${err.toExponential(2)} > ${tol.toExponential(2)})`);
        }
      });
    }
  }
}

test('gemm: beta 0 ignores the values of C; alpha 0 gives beta C', () => {
  const next = rng(99);
  const a = randomF32(3 * 4, next), b = randomF32(4 * 5, next);
  // (A C holding NaN is refused by the argument check, so the core's "beta 0 ignores NaN in C"
  // cannot be reached from JS; here beta 0 must give exactly the result without C.)
  const c = randomF32(15, next);
  const withC = M.gemm(false, false, 3, 5, 4, 1, a, b, 0, c);
  const withoutC = M.gemm(false, false, 3, 5, 4, 1, a, b, 0, null);
  assert.deepEqual(withC, withoutC);
  const scaled = M.gemm(false, false, 3, 5, 4, 0, a, b, 0.5, c);
  for (let i = 0; i < 15; i++) assert.ok(Math.abs(scaled[i] - 0.5 * c[i]) <= 1e-7, `index ${i}`);
});

test('gemm: empty shapes (M, N or K = 0)', () => {
  assert.equal(M.gemm(false, false, 0, 4, 3, 1, new Float32Array(0), new Float32Array(12), 0, null).length, 0);
  assert.equal(M.gemm(false, false, 4, 0, 3, 1, new Float32Array(12), new Float32Array(0), 0, null).length, 0);
  // K = 0: op(A) op(B) is all zeros, so C = beta C.
  const c = new Float32Array([1, 2, 3, 4]);
  assert.deepEqual(M.gemm(false, false, 2, 2, 0, 1, new Float32Array(0), new Float32Array(0), 0.5, c),
    new Float32Array([0.5, 1, 1.5, 2]));
  assert.deepEqual(M.gemm(true, true, 2, 2, 0, 1, new Float32Array(0), new Float32Array(0), 0, null), new Float32Array(4));
});
