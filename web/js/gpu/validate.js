// Checks every WGSL kernel against the wasm core on seeded random inputs of a few shapes,
// including ones that are not multiples of the tile sizes. No DOM: runs in a page or in Node.
//
//   const results = await validateKernels(device, neuroai, {loadSource});
//   // [{kernel, shape, maxAbsError, maxRelError, tolerance, ok}, ...]
//
// Error measure. For each output element i, err_i = |gpu_i - ref_i| / max(scale_i, floor), and
// maxRelError = max_i err_i; ok when maxRelError <= tolerance (and every value is finite).
// scale_i is the size of what the element is computed from, so cancellation does not turn a
// rounding difference into a huge "relative" error:
//   gemm, gemm_naive, conv2d 3x3 (im2col + gemm): scale = (|A| |B|)_ij + |bias_j|, the sum of the
//     magnitudes of the terms (the standard bound for a dot product of length K is ~K u scale).
//     Tolerance 1e-4: fp32 (u = 6e-8) over K <= 576 here; both sides sum in different orders.
//   add_bias / mul_bias / relu: scale = |x| + |b|, |x b|, |x|. One fp32 rounding on both sides
//     (JS Math.fround is the reference): tolerance 1e-6 (expected 0).
//   gelu: scale = |x| (gelu = x/2 + x/2 erf(x / sqrt 2): the size of its two terms), floor 1e-6;
//     tolerance 1e-5. The core computes 0.5 x (1 + erf(x / sqrt 2)) in fp32, which cancels in the
//     negative tail (absolute error ~ |x| u there, e.g. 10% relative at x = -5), while the WGSL
//     kernel uses erfc (Chebyshev fit, relative error < 1.2e-7): measured against |ref| they
//     would differ by the core's own rounding, so the scale is that of the terms.
//   softmax: scale = |ref|; tolerance 2e-5: exp of arguments down to -16 (35 ULP ~ 4e-6), a
//     tree-order sum and one division.
//   layernorm: scale = |ref|, floor 1 (an absolute error for outputs below 1); tolerance 1e-5:
//     tree-order sums for mean and variance, and inverse square roots of 2 ULP.
//   gru (one GRU step, models::gru_gates): scale = max(|ref|, 1) (states are O(1), clipped at
//     +-5); tolerance 1e-5: sigmoid and tanh through exp (a few ULP on GPUs), tanh from e^-2|x|.
//     Checked at a zero state (first step), a previous state, and a step read out of a
//     multi-step (B, T, 3H) projection, with inputs large enough to hit the clip.
//   concat, repeat_rows, take_step, upsample2x, maxpool2x2: copies (max picks one), tolerance 0.
//   convlstm (cell, hidden; models::convlstm_update): scale = max(|ref|, 1), tolerance 1e-5 (tanh
//     through exp; hard_sigmoid's 0.2 x + 0.5 may be fused into one fma on the GPU).
//   error_units: one fp32 subtraction each side, tolerance 1e-6 (expected 0); clamp: exact.
//   attention_weights (the ViT's softmax(q k^T / sqrt(dh)) per head): scale = |ref|, tolerance
//     2e-5 as softmax (the scores are dot products of dh terms, then exp).
//   attention (out = weights v, heads side by side): scale = sum_j a_j |v_j| (the magnitudes of
//     the terms, from the reference with |v|), tolerance 1e-5.
//   attention_distance (models::vit_attention_distance): scale = |ref|, floor 1e-3; tolerance 1e-5:
//     N^2 terms summed in f32 per query on the GPU, in double in the core.
// The reference values come from the core's own forward kernels through the wasm module
// (gemm, softmax, layernorm, gelu, relu, conv2d3x3, gruGates, convLstm, errorUnits,
// upsample2x, maxPool2x2, clamp, attention, attentionDistance in wasm/bind_core.cpp); add/mul with bias
// are single fp32 operations, computed here with Math.fround.
import * as K from './kernels.js';

/** Tolerances on maxRelError, per kernel (see above). */
export const TOLERANCES = {
  gemm: 1e-4, gemm_naive: 1e-4, 'conv2d 3x3 (im2col + gemm)': 1e-4,
  add_bias: 1e-6, mul_bias: 1e-6, relu: 1e-6, gelu: 1e-5, softmax: 2e-5, layernorm: 1e-5,
  gru: 1e-5, concat: 0, repeat_rows: 0,
  convlstm: 1e-5, error_units: 1e-6, upsample2x: 0, maxpool2x2: 0, clamp: 0, take_step: 0,
  attention_weights: 2e-5, attention: 1e-5, attention_distance: 1e-5,
};

/** The shapes checked (gemm: m x k x n with flags). */
export const CASES = {
  gemm: [
    { m: 1, k: 1, n: 1 }, { m: 17, k: 33, n: 65 }, { m: 128, k: 256, n: 64 },
    { m: 100, k: 70, n: 130, transA: true }, { m: 65, k: 64, n: 63, transB: true, bias: true },
    { m: 64, k: 128, n: 64, transA: true, transB: true, bias: true },
  ],
  gemm_naive: [{ m: 1, k: 1, n: 1 }, { m: 17, k: 33, n: 65 }, { m: 128, k: 256, n: 64, transB: true, bias: true }],
  rows: [{ rows: 1, cols: 1 }, { rows: 17, cols: 33 }, { rows: 128, cols: 256 }],
  reductions: [{ rows: 1, cols: 1 }, { rows: 17, cols: 33 }, { rows: 64, cols: 1000 }],
  gru: [{ rows: 1, hidden: 1, steps: 1, step: 0 }, { rows: 37, hidden: 64, steps: 1, step: 0, first: true },
    { rows: 37, hidden: 64, steps: 1, step: 0 }, { rows: 20, hidden: 33, steps: 7, step: 5 }, { rows: 300, hidden: 8, steps: 3, step: 0, first: true }],
  concat: [{ rows: 1, wa: 1, wb: 1, wc: 0 }, { rows: 33, wa: 32, wb: 32, wc: 8 }, { rows: 100, wa: 64, wb: 5, wc: 0 }],
  maps: [{ n: 1, c: 1, h: 2, w: 2 }, { n: 3, c: 5, h: 8, w: 6 }, { n: 2, c: 16, h: 32, w: 32 }],
  // tokens = grid^2 + 1 (a class token and a grid x grid of patches), as in the ViT.
  attention: [
    { batch: 1, grid: 1, dim: 1, heads: 1, patch: 28 }, { batch: 3, grid: 4, dim: 32, heads: 4, patch: 7 },
    { batch: 2, grid: 7, dim: 64, heads: 8, patch: 4 },
  ],
  conv: [{ n: 1, c: 1, h: 1, w: 1, o: 1 }, { n: 2, c: 3, h: 7, w: 9, o: 5, bias: true }, { n: 1, c: 8, h: 16, w: 16, o: 16, bias: true }],
};

/** A seeded generator of floats in [lo, hi) (mulberry32). */
export function seededRandom(seed) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return (length, lo = -1, hi = 1) => Float32Array.from({ length }, () => lo + (hi - lo) * next());
}

/** {maxAbsError, maxRelError, ok} of gpu against ref with per-element scales (see the top). */
export function compare(gpu, ref, scale, tolerance, floor = 1e-30) {
  let maxAbsError = 0, maxRelError = 0, finite = gpu.length === ref.length;
  for (let i = 0; i < ref.length && finite; ++i) {
    if (!Number.isFinite(gpu[i])) { finite = false; break; }
    const d = Math.abs(gpu[i] - ref[i]);
    maxAbsError = Math.max(maxAbsError, d);
    maxRelError = Math.max(maxRelError, d / Math.max(scale(i), floor));
  }
  if (!finite) return { maxAbsError: Infinity, maxRelError: Infinity, ok: false };
  return { maxAbsError, maxRelError, ok: maxRelError <= tolerance };
}

const abs = (a) => a.map(Math.abs);

/**
 * Runs every kernel on seeded inputs and compares with the wasm reference `ref` (the module from
 * createNeuroAI). Compiles the kernels first (initKernels) with loadSource. onResult(result) is
 * called as each check finishes. Resolves to the list of results.
 */
export async function validateKernels(device, ref, { loadSource, seed = 1, onResult = () => {} } = {}) {
  await K.initKernels(device, loadSource);
  const rand = seededRandom(seed);
  const results = [];
  const add = (kernel, shape, r) => {
    const result = { kernel, shape, ...r, tolerance: TOLERANCES[kernel] };
    results.push(result);
    onResult(result);
  };
  const fetch = async (buffer, length) => {
    const out = await K.readBack(device, buffer, length);
    buffer.destroy();
    return out;
  };

  for (const name of ['gemm', 'gemm_naive']) {
    for (const { m, k, n, transA = false, transB = false, bias = false } of CASES[name]) {
      const a = rand(m * k), b = rand(k * n), bi = bias ? rand(n) : null;
      const gpu = await fetch(K.gemm(device, { a, b, m, k, n, transA, transB, bias: bi, naive: name === 'gemm_naive' }), m * n);
      const rows = (v) => (v ? Float32Array.from({ length: m * n }, (_, i) => v[i % n]) : null);
      const want = ref.gemm(transA, transB, m, n, k, 1, a, b, bias ? 1 : 0, rows(bi));
      const scale = ref.gemm(transA, transB, m, n, k, 1, abs(a), abs(b), bias ? 1 : 0, rows(bi && abs(bi)));
      const flags = [transA && 'transA', transB && 'transB', bias && 'bias'].filter(Boolean).join(', ');
      add(name, `${m}x${k}x${n}${flags ? ` (${flags})` : ''}`, compare(gpu, want, (i) => scale[i], TOLERANCES[name]));
    }
  }

  for (const { rows, cols } of CASES.rows) {
    const count = rows * cols;
    const x = rand(count, -3, 3), b = rand(cols, -2, 2);
    const shape = `${rows}x${cols}`;
    let gpu = await fetch(K.addBias(device, { x, bias: b, rows, cols }), count);
    let want = x.map((v, i) => Math.fround(v + b[i % cols]));
    add('add_bias', shape, compare(gpu, want, (i) => Math.abs(x[i]) + Math.abs(b[i % cols]), TOLERANCES.add_bias));
    gpu = await fetch(K.mulBias(device, { x, bias: b, rows, cols }), count);
    want = x.map((v, i) => Math.fround(v * b[i % cols]));
    add('mul_bias', shape, compare(gpu, want, (i) => Math.abs(want[i]), TOLERANCES.mul_bias));
    gpu = await fetch(K.relu(device, { x, length: count }), count);
    want = ref.relu(x);
    add('relu', shape, compare(gpu, want, (i) => Math.abs(x[i]), TOLERANCES.relu));
    const g = rand(count, -6, 6);
    gpu = await fetch(K.gelu(device, { x: g, length: count }), count);
    want = ref.gelu(g);
    add('gelu', shape, compare(gpu, want, (i) => Math.abs(g[i]), TOLERANCES.gelu, 1e-6));
  }

  for (const { rows, cols } of CASES.reductions) {
    const count = rows * cols;
    const shape = `${rows}x${cols}`;
    const x = rand(count, -8, 8);
    let gpu = await fetch(K.softmax(device, { x, rows, cols }), count);
    let want = ref.softmax(x, rows, cols);
    add('softmax', shape, compare(gpu, want, (i) => Math.abs(want[i]), TOLERANCES.softmax));
    const y = rand(count, -1, 5), gamma = rand(cols, 0.5, 1.5), beta = rand(cols, -0.5, 0.5);
    gpu = await fetch(K.layernorm(device, { x: y, gamma, beta, rows, cols, eps: 1e-5 }), count);
    want = ref.layernorm(y, rows, cols, gamma, beta, 1e-5);
    add('layernorm', shape, compare(gpu, want, (i) => Math.abs(want[i]), TOLERANCES.layernorm, 1));
  }

  for (const { rows, hidden, steps, step, first = false } of CASES.gru) {
    const H = hidden, clip = 5;
    // Projections in [-4, 4] and states in [-6, 6]: saturated gates and clipped outputs both occur.
    const xProj = rand(rows * steps * 3 * H, -4, 4);
    const hProj = first ? null : rand(rows * 3 * H, -4, 4), h = first ? null : rand(rows * H, -6, 6);
    const gpu = await fetch(K.gruStep(device, { xProj, hProj, h, rows, hidden: H, steps, step, clip }), rows * H);
    const xs = new Float32Array(rows * 3 * H);  // row b's step `step` of the (rows, steps, 3H) projection
    for (let b = 0; b < rows; ++b) xs.set(xProj.subarray((b * steps + step) * 3 * H, (b * steps + step + 1) * 3 * H), b * 3 * H);
    const want = ref.gruGates(xs, hProj ?? new Float32Array(rows * 3 * H), h ?? new Float32Array(rows * H), rows, H, clip);
    add('gru', `${rows}x${H}, step ${step} of ${steps}${first ? ', zero state' : ''}`, compare(gpu, want, (i) => Math.abs(want[i]), TOLERANCES.gru, 1));
  }

  for (const { rows, wa, wb, wc } of CASES.concat) {
    const a = rand(rows * wa), b = rand(rows * wb), c = wc ? rand(rows * wc) : null;
    const w = wa + wb + wc;
    const gpu = await fetch(K.concat(device, { a, b, c, rows, wa, wb, wc }), rows * w);
    const want = new Float32Array(rows * w);
    for (let r = 0; r < rows; ++r) {
      want.set(a.subarray(r * wa, (r + 1) * wa), r * w);
      want.set(b.subarray(r * wb, (r + 1) * wb), r * w + wa);
      if (c) want.set(c.subarray(r * wc, (r + 1) * wc), r * w + wa + wb);
    }
    add('concat', `${rows}x(${wa}+${wb}${wc ? `+${wc}` : ''})`, compare(gpu, want, () => 1, TOLERANCES.concat));
    const bias = rand(w);
    const rep = await fetch(K.repeatRows(device, { bias, rows, cols: w }), rows * w);
    add('repeat_rows', `${rows}x${w}`, compare(rep, Float32Array.from({ length: rows * w }, (_, i) => bias[i % w]), () => 1, TOLERANCES.repeat_rows));
  }

  for (const { n, c, h, w } of CASES.maps) {
    const shape = `N${n} C${c} ${h}x${w}`;
    const count = n * c * h * w;
    const unit = () => 1;
    // ConvLSTM: gate pre-activations in [-6, 6] reach both flat ends of hard_sigmoid (|x| > 2.5).
    const z = rand(4 * count, -6, 6), cell = rand(count, -3, 3);
    const out = K.convLstm(device, { z, cell, n, r: c, h, w });
    const want = ref.convLstm(z, cell, n, c, h, w);
    const gotCell = await fetch(out.cell, count), gotR = await fetch(out.r, count);
    add('convlstm', `${shape} cell`, compare(gotCell, want.cell, (i) => Math.abs(want.cell[i]), TOLERANCES.convlstm, 1));
    add('convlstm', `${shape} hidden`, compare(gotR, want.r, (i) => Math.abs(want.r[i]), TOLERANCES.convlstm, 1));
    const a = rand(count, 0, 1), ahat = rand(count, 0, 1);
    let gpu = await fetch(K.errorUnits(device, { a, ahat, n, c, h, w }), 2 * count);
    let ref2 = ref.errorUnits(a, ahat, n, c, h, w);
    add('error_units', shape, compare(gpu, ref2, (i) => Math.abs(a[i % count]) + Math.abs(ahat[i % count]), TOLERANCES.error_units));
    const x = rand(count, -2, 2);
    gpu = await fetch(K.upsample2x(device, { x, n, c, h, w }), 4 * count);
    add('upsample2x', shape, compare(gpu, ref.upsample2x(x, n, c, h, w), unit, TOLERANCES.upsample2x));
    gpu = await fetch(K.maxPool2x2(device, { x, n, c, h, w }), count / 4);
    add('maxpool2x2', shape, compare(gpu, ref.maxPool2x2(x, n, c, h, w), unit, TOLERANCES.maxpool2x2));
    gpu = await fetch(K.clamp(device, { x, length: count, lo: -0.5, hi: 1 }), count);
    add('clamp', `${count} values to [-0.5, 1]`, compare(gpu, ref.clamp(x, -0.5, 1), unit, TOLERANCES.clamp));
    const steps = 3, step = 2, inner = c * h * w;
    const seq = rand(n * steps * inner);
    gpu = await fetch(K.takeStep(device, { x: seq, n, steps, step, inner }), n * inner);
    ref2 = new Float32Array(n * inner);
    for (let b = 0; b < n; ++b) ref2.set(seq.subarray((b * steps + step) * inner, (b * steps + step + 1) * inner), b * inner);
    add('take_step', `${shape}, step ${step} of ${steps}`, compare(gpu, ref2, unit, TOLERANCES.take_step));
  }

  for (const { batch, grid, dim, heads, patch } of CASES.attention) {
    const tokens = grid * grid + 1, shape = `B${batch} T${tokens} D${dim} H${heads}`;
    const qkv = rand(batch * tokens * 3 * dim, -2, 2);
    const want = ref.attention(qkv, batch, tokens, dim, heads);
    const weights = await fetch(K.attentionWeights(device, { qkv, batch, tokens, dim, heads }), want.weights.length);
    add('attention_weights', shape, compare(weights, want.weights, (i) => Math.abs(want.weights[i]), TOLERANCES.attention_weights));
    const out = await fetch(K.attention(device, { qkv, batch, tokens, dim, heads }), want.out.length);
    const absV = qkv.map((v, i) => (i % (3 * dim) >= 2 * dim ? Math.abs(v) : v));
    const scale = ref.attention(absV, batch, tokens, dim, heads).out;
    add('attention', shape, compare(out, want.out, (i) => scale[i], TOLERANCES.attention));
    const distance = await fetch(K.attentionDistance(device, { attention: want.weights, batch, heads, grid, patch }), batch * heads);
    const wantDistance = ref.attentionDistance(want.weights, batch, heads, grid, patch);
    add('attention_distance', `B${batch} H${heads}, ${grid}x${grid} patches of ${patch} px`,
      compare(distance, wantDistance, (i) => Math.abs(wantDistance[i]), TOLERANCES.attention_distance, 1e-3));
  }

  for (const { n, c, h, w, o, bias = false } of CASES.conv) {
    const x = rand(n * c * h * w), weight = rand(o * c * 9), bi = bias ? rand(o) : null;
    const count = n * o * h * w;
    const gpu = await fetch(K.conv2d3x3(device, { x, weight, bias: bi, n, c, h, w, o }), count);
    const want = ref.conv2d3x3(x, n, c, h, w, weight, o, bi);
    const scale = ref.conv2d3x3(abs(x), n, c, h, w, abs(weight), o, bi && abs(bi));
    const kernel = 'conv2d 3x3 (im2col + gemm)';
    add(kernel, `N${n} C${c} ${h}x${w} -> O${o}${bias ? ' (bias)' : ''}`, compare(gpu, want, (i) => scale[i], TOLERANCES[kernel]));
  }
  return results;
}
