// PredNet throughput, the Node twin of `neuroai bench prednet`: training sequences/s and forward
// frames/s of this project's wasm module, side by side in one run with the identical PredNet in
// TensorFlow.js's wasm backend (XNNPACK) and with the native CLI, all single-threaded, at the
// page's default size (3 layers, A channels 1-8-16, R channels 8-16-32, 32x32, T = 10, batch 4).
//   node bench/prednet.mjs [--json] [--repeats 5] [--batch 4] [--forward-sequences 16]
//
// The peer is the same network op for op, in NHWC layout, with this model's weights copied in (the
// run checks that both give the same loss on the same sequences): ConvLSTM with one 3x3 conv for
// the four gates [i, f, o, g], hard-sigmoid gates, Up2x by nearest neighbour, split ReLU error
// units, A_{l+1} = MaxPool(ReLU(conv(E_l))), loss sum_t lambda_t mean(E_0(t)), Adam, global-norm
// clip 1. Convolutions are tf.conv2d; for training their filter gradient is written out (see
// convTrainable), because tfjs-backend-wasm has no Conv2DBackpropFilter kernel. This module
// generates its training sequences inside the timed step; the peer is handed pre-generated ones
// (drawing a batch of blobs costs well under a millisecond).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import { register } from 'node:module';
import path from 'node:path';
import { loadNeuroAI, loadTfWasm, median, printTable, root } from './harness.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const json = args.includes('--json');
const repeats = option('--repeats', 5);
const batch = option('--batch', 4);
const forwardSequences = option('--forward-sequences', 16);

const neuroai = await loadNeuroAI();
const tf = await loadTfWasm();
// TensorFlow.js's gradient definitions are not in its Node bundle: the ViT benchmark's module hooks
// load them from tfjs-core's ES-module build (see bench/vit-tfjs-hooks.mjs).
register('./vit-tfjs-hooks.mjs', import.meta.url);
await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');

const model = new neuroai.PredNetLab({ batch, seed: 1 });
const info = model.describe();
const { frames: T, size: S, layers: L, aChannels: A, rChannels: R } = info;
const LR = 1e-3, CLIP = 1;

/** Median seconds of `repeats` calls of f (after one warm-up call). */
function seconds(f) {
  f();
  const xs = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    f();
    xs.push((performance.now() - t0) / 1000);
  }
  return median(xs);
}

// ---------------------------------------------------------------- the TensorFlow.js peer

/** tf variables holding this model's current weights, converted to tfjs layouts. */
function peerWeights() {
  const flat = model.parameters().slice();
  let at = 0;
  const take = (shape) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const t = tf.tensor(flat.subarray(at, at + n), shape);
    at += n;
    return t;
  };
  // (O, C, 3, 3) -> (3, 3, C, O)
  const filter = (o, c) => tf.tidy(() => tf.variable(tf.transpose(take([o, c, 3, 3]), [2, 3, 1, 0])));
  const layers = [];
  for (let l = 0; l < L; l++) {
    const inputs = R[l] + 2 * A[l] + (l + 1 < L ? R[l + 1] : 0);
    const w = { lstmW: filter(4 * R[l], inputs), lstmB: tf.variable(take([4 * R[l]])) };
    w.ahatW = filter(A[l], R[l]);
    w.ahatB = tf.variable(take([A[l]]));
    if (l + 1 < L) {
      w.aW = filter(A[l + 1], 2 * A[l]);
      w.aB = tf.variable(take([A[l + 1]]));
    }
    layers.push(w);
  }
  if (at !== flat.length) throw new Error(`peer: read ${at} of ${flat.length} parameters (layout changed?)`);
  return layers;
}

/**
 * 3x3 "same" convolution with its gradient written out, because tfjs-backend-wasm has no
 * Conv2DBackpropFilter kernel: forward tf.conv2d; dx = conv2dTranspose(dy, w); dw as a convolution of
 * the padded input with batch and channels swapped, taking dy as the filter:
 * dw[kh, kw, c, o] = sum_{b,h,w} xpad[b, h + kh, w + kw, c] dy[b, h, w, o]. (Faster here than
 * im2col by nine slices and one matmul, and equal to it within float rounding.)
 */
const convTrainable = tf.customGrad((x, w, b, save) => {
  save([x, w]);
  return {
    value: tf.add(tf.conv2d(x, w, 1, 'same'), b),
    gradFunc: (dy, [xs, ws]) => {
      const dx = tf.conv2dTranspose(dy, ws, xs.shape, 1, 'same');
      const xt = tf.transpose(tf.pad(xs, [[0, 0], [1, 1], [1, 1], [0, 0]]), [3, 1, 2, 0]);  // (C, H+2, W+2, B)
      const dyt = tf.transpose(dy, [1, 2, 0, 3]);                                             // (H, W, B, O)
      const dw = tf.transpose(tf.conv2d(xt, dyt, 1, 'valid'), [1, 2, 0, 3]);                  // (3, 3, C, O)
      return [dx, dw, tf.sum(dy, [0, 1, 2])];
    },
  };
});
const convFast = (x, w, b) => tf.add(tf.conv2d(x, w, 1, 'same'), b);
const hardSigmoid = (x) => tf.clipByValue(tf.add(tf.mul(x, 0.2), 0.5), 0, 1);

/** The PredNet loss on frames (B, T, S, S, 1) with the given conv; returns a scalar tensor. */
function peerLoss(weights, frames, conv) {
  const B = frames.shape[0];
  const zeros = (c, l) => tf.zeros([B, S >> l, S >> l, c]);
  let r = weights.map((_, l) => zeros(R[l], l)), cell = weights.map((_, l) => zeros(R[l], l));
  let e = weights.map((_, l) => zeros(2 * A[l], l));
  let loss = tf.scalar(0);
  for (let t = 0; t < T; t++) {
    const rNew = new Array(L), cNew = new Array(L);
    for (let l = L - 1; l >= 0; l--) {
      const parts = [r[l], e[l]];
      if (l + 1 < L) parts.push(tf.image.resizeNearestNeighbor(rNew[l + 1], [S >> l, S >> l]));
      const z = conv(tf.concat(parts, 3), weights[l].lstmW, weights[l].lstmB);
      const [i, f, o, g] = tf.split(z, 4, 3);
      cNew[l] = tf.add(tf.mul(hardSigmoid(f), cell[l]), tf.mul(hardSigmoid(i), tf.tanh(g)));
      rNew[l] = tf.mul(hardSigmoid(o), tf.tanh(cNew[l]));
    }
    r = rNew;
    cell = cNew;
    let a = tf.reshape(tf.slice(frames, [0, t, 0, 0, 0], [B, 1, S, S, 1]), [B, S, S, 1]);
    for (let l = 0; l < L; l++) {
      let ahat = tf.relu(conv(r[l], weights[l].ahatW, weights[l].ahatB));
      if (l === 0) ahat = tf.minimum(ahat, 1);
      e[l] = tf.concat([tf.relu(tf.sub(a, ahat)), tf.relu(tf.sub(ahat, a))], 3);
      if (l === 0 && t > 0) loss = tf.add(loss, tf.mul(tf.mean(e[l]), info.layerWeights[0] / (T - 1)));
      if (l + 1 < L) a = tf.maxPool(tf.relu(conv(e[l], weights[l].aW, weights[l].aB)), 2, 2, 'valid');
    }
  }
  return loss;
}

/** (N, T, 1, S, S) Float32Array -> tensor (N, T, S, S, 1) (one channel: the same memory order). */
const framesTensor = (x, n) => tf.tensor(x, [n, T, S, S, 1]);

const weights = peerWeights();
const variables = weights.flatMap((w) => Object.values(w));
const optimizer = tf.train.adam(LR, 0.9, 0.999, 1e-8);
function peerTrainStep(frames) {
  tf.tidy(() => {
    const { value, grads } = tf.variableGrads(() => peerLoss(weights, frames, convTrainable), variables);
    const list = Object.values(grads);
    const norm = tf.sqrt(tf.addN(list.map((g) => tf.sum(tf.square(g))))).dataSync()[0];
    const scale = norm > CLIP ? CLIP / norm : 1;
    optimizer.applyGradients(Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, scale)])));
    value.dataSync();
  });
}

// ---------------------------------------------------------------- parity, then timing

const check = model.sample(2, 99);
const ours = model.lossOn(check);
const theirs = tf.tidy(() => {
  const f = framesTensor(check, 2);
  return [peerLoss(weights, f, convFast).dataSync()[0], peerLoss(weights, f, convTrainable).dataSync()[0]];
});
const parity = Math.max(...theirs.map((v) => Math.abs(v - ours) / ours));
if (parity > 1e-4) throw new Error(`the peer is not the same model: loss ${theirs} vs ${ours}`);

const wasmTrain = seconds(() => model.trainSteps(1));
const forwardSet = model.heldOut(forwardSequences);
const wasmForward = seconds(() => model.predict(forwardSet));

const batches = Array.from({ length: repeats + 1 }, (_, i) => framesTensor(model.sample(batch, 1000 + i), batch));
let next = 0;
const tfTrain = seconds(() => peerTrainStep(batches[next++ % batches.length]));
const forwardTensor = framesTensor(forwardSet, forwardSequences);
const tfForward = seconds(() => tf.tidy(() => peerLoss(weights, forwardTensor, convFast).dataSync()));

let native = null;
const cli = path.join(process.env.NEUROAI_BUILD_NATIVE ?? path.join(root, 'build/native'), 'neuroai');
if (fs.existsSync(cli))
  native = JSON.parse(execFileSync(cli, ['bench', 'prednet', '--json', '--batch', String(batch), '--repeats', String(repeats),
    '--forward-sequences', String(forwardSequences)], { encoding: 'utf8' }));

const rows = [
  { measure: 'train seq/s', wasm: batch / wasmTrain, tfjs: batch / tfTrain, native: native?.train_sequences_per_second },
  { measure: 'forward frames/s', wasm: (forwardSequences * T) / wasmForward, tfjs: (forwardSequences * T) / tfForward,
    native: native?.forward_frames_per_second },
].map((r) => ({
  measure: r.measure,
  neuroai_wasm: +r.wasm.toFixed(2),
  tfjs_wasm: +r.tfjs.toFixed(2),
  wasm_vs_tfjs: +(r.wasm / r.tfjs).toFixed(2),
  neuroai_native: r.native ? +r.native.toFixed(2) : 'n/a',
  wasm_vs_native: r.native ? +(r.wasm / r.native).toFixed(2) : 'n/a',
}));

const buildInfo = neuroai.buildInfo();
if (json) {
  console.log(JSON.stringify({
    bench: 'prednet-wasm', config: info.config, batch, parameters: info.parameters, kernel: buildInfo.gemmKernel,
    peer: `tfjs-backend-wasm ${tf.version_core}`, threads: 1, repeats, loss_parity: parity, results: rows,
  }));
} else {
  printTable(`PredNet (${info.config}, batch ${batch}): this wasm module (${buildInfo.gemmKernel}) vs TensorFlow.js ` +
    `${tf.version_core} wasm backend and the native CLI, 1 thread, median of ${repeats}; loss parity ${parity.toExponential(1)}`,
  ['measure', 'neuroai_wasm', 'tfjs_wasm', 'wasm_vs_tfjs', 'neuroai_native', 'wasm_vs_native'], rows);
}
tf.dispose([...variables, ...batches, forwardTensor]);
optimizer.dispose();
model.delete();
