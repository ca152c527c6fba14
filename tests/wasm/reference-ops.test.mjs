// The reference ops the WebGPU kernels are checked against (wasm/bind_core.cpp: softmax,
// layernorm, gelu, relu, conv2d3x3 run the core's forward kernels): shapes, values against small
// hand computations, and bad input arriving as a plain JS Error that names the argument.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';

import { loadModule } from './load.mjs';

let M;
before(async () => { M = await loadModule(); });

const f32 = (a) => new Float32Array(a);
function close(actual, expected, tol = 1e-6) {
  assert.equal(actual.length, expected.length, 'length');
  for (let i = 0; i < expected.length; ++i)
    assert.ok(Math.abs(actual[i] - expected[i]) <= tol * (1 + Math.abs(expected[i])), `[${i}]: ${actual[i]} vs ${expected[i]}`);
}
function throwsError(f, re) {
  assert.throws(f, (e) => {
    assert.equal(e.constructor, Error, `expected a plain Error, got ${e.constructor.name}: ${e.message}`);
    assert.match(e.message, re);
    return true;
  });
}

test('softmax over the last axis: rows sum to one, values by hand', () => {
  const y = M.softmax(f32([0, Math.log(3), 5, 5, 5, 5]), 2, 3);
  assert.ok(y instanceof Float32Array);
  // Row 0: exp(0), exp(log 3), exp(5) normalized; row 1: uniform.
  const z = 1 + 3 + Math.exp(5);
  close(y, [1 / z, 3 / z, Math.exp(5) / z, 1 / 3, 1 / 3, 1 / 3]);
  // Large logits do not overflow (the max is subtracted).
  close(M.softmax(f32([1000, 1000]), 1, 2), [0.5, 0.5]);
});

test('layernorm over the last axis with gamma, beta and the default eps', () => {
  // Row (1, 3): mean 2, variance 1 -> (-1, 1) / sqrt(1 + 1e-5), then * gamma + beta.
  const r = 1 / Math.sqrt(1 + 1e-5);
  close(M.layernorm(f32([1, 3]), 1, 2, f32([2, 1]), f32([0.5, 0]), undefined), [-2 * r + 0.5, r]);
  // An explicit eps.
  const r2 = 1 / Math.sqrt(1 + 0.5);
  close(M.layernorm(f32([1, 3, 0, 0]), 2, 2, f32([1, 1]), f32([0, 0]), 0.5), [-r2, r2, 0, 0]);
});

test('gelu is exact (x Phi(x)) and relu is max(x, 0)', () => {
  // Phi(1) = 0.8413447460685429, Phi(-1) = 0.15865525393145707.
  close(M.gelu(f32([1, -1, 0, 3])), [0.8413447460685429, -0.15865525393145707, 0, 3 * 0.9986501019683699], 1e-6);
  close(M.relu(f32([1.5, -2, 0])), [1.5, 0, 0]);
});

test('conv2d3x3: same padding, output (N, O, H, W), bias optional', () => {
  // A 2x2 image of ones and a 3x3 kernel of ones: every output sees the 4 pixels (+ bias).
  close(M.conv2d3x3(f32([1, 1, 1, 1]), 1, 1, 2, 2, f32(Array(9).fill(1)), 1, f32([0.5])), [4.5, 4.5, 4.5, 4.5]);
  // A centre-only kernel is the identity; two output channels (x and 2x), two images.
  const x = f32([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]); // (2, 1, 2, 3)
  const w = f32(18); w[4] = 1; w[13] = 2;                 // (2, 1, 3, 3)
  const y = M.conv2d3x3(x, 2, 1, 2, 3, w, 2, null);
  assert.equal(y.length, 2 * 2 * 2 * 3);
  close(y, [1, 2, 3, 4, 5, 6, 2, 4, 6, 8, 10, 12, 7, 8, 9, 10, 11, 12, 14, 16, 18, 20, 22, 24]);
  // A shift kernel (weight at kh = 1, kw = 2 reads x[h, w + 1]) pads with zeros on the right.
  const s = f32(9); s[5] = 1;
  close(M.conv2d3x3(f32([1, 2, 3, 4, 5, 6]), 1, 1, 2, 3, s, 1, null), [2, 3, 0, 5, 6, 0]);
});

test('attention: weights softmax(q k^T / sqrt(dh)) per head, out = weights v, heads side by side', () => {
  // One image, 2 tokens, dim 2 in 2 heads (dh = 1): head h reads column h of q, k and v.
  // qkv rows: token 0 [q 1 0 | k 1 0 | v 3 5], token 1 [q 0 2 | k 0 1 | v 7 11].
  const r = M.attention(f32([1, 0, 1, 0, 3, 5, 0, 2, 0, 1, 7, 11]), 1, 2, 2, 2);
  const sm = (a, b) => [Math.exp(a) / (Math.exp(a) + Math.exp(b)), Math.exp(b) / (Math.exp(a) + Math.exp(b))];
  // Head 0: scores q0 k0 = [1*1, 1*0] for token 0, [0, 0] for token 1; head 1: [0, 0] and [2*0, 2*1].
  const w = [...sm(1, 0), ...sm(0, 0), ...sm(0, 0), ...sm(0, 2)];
  close(r.weights, w);
  close(r.out, [w[0] * 3 + w[1] * 7, w[4] * 5 + w[5] * 11, w[2] * 3 + w[3] * 7, w[6] * 5 + w[7] * 11]);
});

test('attentionDistance: all weight on one patch gives that distance; the class token is left out', () => {
  // A 2 x 2 grid of 4-pixel patches (T = 5), one head. Every query puts half its weight on the
  // class token and half on patch 0: distances 0, 4, 4, 4 sqrt 2 from patches 0..3.
  const a = new Float32Array(25);
  for (let i = 0; i < 5; ++i) { a[i * 5] = 0.5; a[i * 5 + 1] = 0.5; }
  close(M.attentionDistance(a, 1, 1, 2, 4), [(0 + 4 + 4 + 4 * Math.SQRT2) / 4]);
});

test('bad input to the reference ops throws a JS Error naming the argument; the module stays usable', () => {
  throwsError(() => M.softmax(f32([1, 2, 3]), 1, 2), /softmax: x: expected a Float32Array of length 2, got length 3/);
  throwsError(() => M.softmax(f32([1, 2]), 0, 2), /softmax: rows: expected an integer in \[1, 16777216\], got 0/);
  throwsError(() => M.softmax([1, 2], 1, 2), /softmax: x: expected a Float32Array, got Array/);
  throwsError(() => M.softmax(f32([1, NaN]), 1, 2), /softmax: x\[1\]: expected a finite number/);
  throwsError(() => M.softmax(f32([1, 2]), 1, 2.5), /softmax: cols: expected an integer, got 2\.5/);
  throwsError(() => M.layernorm(f32([1, 2]), 1, 2, f32([1]), f32([0, 0]), undefined),
    /layernorm: gamma: expected a Float32Array of length 2, got length 1/);
  throwsError(() => M.layernorm(f32([1, 2]), 1, 2, f32([1, 1]), f32([0, 0]), 0), /layernorm: eps: expected a number in \(0, 1\], got 0/);
  throwsError(() => M.layernorm(f32([1, 2]), 1, 2, f32([1, 1]), 'x', 1e-5), /layernorm: beta: expected a Float32Array, got string/);
  throwsError(() => M.gelu(f32([])), /gelu: x: expected a Float32Array of length 1 to \d+, got length 0/);
  throwsError(() => M.relu(null), /relu: x: expected a Float32Array, got null/);
  throwsError(() => M.conv2d3x3(f32(4), 1, 1, 2, 2, f32(8), 1, null), /conv2d3x3: weight: expected a Float32Array of length 9, got length 8/);
  throwsError(() => M.conv2d3x3(f32(4), 1, 1, 2, 2, f32(9), 1, f32(2)), /conv2d3x3: bias: expected a Float32Array of length 1, got length 2/);
  throwsError(() => M.conv2d3x3(f32(4), 1, 1, 2, -2, f32(9), 1, null), /conv2d3x3: w: expected an integer in \[1, 65536\], got -2/);
  throwsError(() => M.conv2d3x3(f32(4), 65536, 65536, 2, 2, f32(9), 1, null), /conv2d3x3: n \* c \* h \* w: expected at most \d+ elements/);
  throwsError(() => M.attention(f32(12), 1, 2, 3, 2), /attention: dim, heads: expected dim divisible by heads, got 3 and 2/);
  throwsError(() => M.attention(f32(11), 1, 2, 2, 2), /attention: qkv: expected a Float32Array of length 12, got length 11/);
  throwsError(() => M.attentionDistance(f32(24), 1, 1, 2, 4), /attentionDistance: attention: expected a Float32Array of length 25, got length 24/);
  throwsError(() => M.attentionDistance(f32(25), 1, 1, 2, 0), /attentionDistance: patch: expected an integer in \[1, 64\], got 0/);
  // Still usable.
  close(M.relu(f32([-1, 2])), [0, 2]);
});
