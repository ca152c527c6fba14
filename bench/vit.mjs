// ViT training throughput: this project's wasm module vs the identical model in TensorFlow.js's wasm
// backend (XNNPACK), side by side in one run, single-threaded, same batches of real Fashion-MNIST
// images (assets/vit/fashion-subset.bin), same batch size, same optimizer (Adam with decoupled
// weight decay, global gradient-norm clip 1, constant learning rate). The peer: ./vit-peer.mjs.
// On threads, in Chromium: bench/vit-threads.mjs.
//   node bench/vit.mjs [--json] [--batch 64] [--steps 6] [--repeats 5]
import fs from 'node:fs';
import { register } from 'node:module';
import path from 'node:path';
import { loadNeuroAI, loadTfWasm, median, printTable, root } from './harness.mjs';
import { CLIP, IMAGE, LR, WEIGHT_DECAY, tfjsVit } from './vit-peer.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const json = args.includes('--json');
const batch = option('--batch', 64);
const stepsPerSample = option('--steps', 6);
const repeats = option('--repeats', 5);

// The shipped architecture, and a small one where per-op overheads weigh more.
const CONFIGS = [
  { name: 'shipped', patch: 4, dim: 64, depth: 4, heads: 4, mlp: 128 },
  { name: 'small', patch: 7, dim: 32, depth: 2, heads: 2, mlp: 64 },
];

const neuroai = await loadNeuroAI();
const tf = await loadTfWasm();
// TensorFlow.js's own gradient definitions (see vit-tfjs-hooks.mjs for why they need a hook).
// Loaded after the Node bundle, so that its engine (and Tensor class) is the global one.
register('./vit-tfjs-hooks.mjs', import.meta.url);
await import('@tensorflow/tfjs-core/dist/register_all_gradients.js');
const subset = neuroai.decodeFashionSubset(new Uint8Array(fs.readFileSync(path.join(root, 'assets/vit/fashion-subset.bin'))));
const train = subset.train;

/** The i-th minibatch of the subset in file order: {x: Float32Array (B*784) in [0, 1], y: Int32Array}. */
function minibatch(i) {
  const x = new Float32Array(batch * IMAGE * IMAGE), y = new Int32Array(batch);
  for (let b = 0; b < batch; b++) {
    const j = (i * batch + b) % train.count;
    y[b] = train.labels[j];
    for (let k = 0; k < IMAGE * IMAGE; k++) x[b * IMAGE * IMAGE + k] = train.pixels[j * IMAGE * IMAGE + k] / 255;
  }
  return { x, y };
}

// ---------------------------------------------------------------- this project's module

function neuroaiVit(c, seed) {
  const m = new neuroai.VitLab({ ...c, batch, lr: LR, weightDecay: WEIGHT_DECAY, clip: CLIP,
                                        warmup: 0, shift: 0, flip: false, seed });
  // The module draws its own shuffled minibatches from the same images (sampling is not timed
  // separately: it is part of a training step, as batch assembly is part of the peer's).
  m.setTrainData(train.pixels, train.labels);
  return { params: m.paramCount(), step: () => m.trainSteps(1), parameters: () => m.parameters().slice(),
           probs: (x) => m.predict(x, null), dispose: () => m.delete() };
}

/** Median images/s over `repeats` samples of `stepsPerSample` steps, after two warm-up steps. */
function throughput(model) {
  const batches = Array.from({ length: 2 + repeats * stepsPerSample }, (_, i) => minibatch(i));
  let next = 0;
  const losses = [model.step(batches[next++]), model.step(batches[next++])];
  const samples = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let s = 0; s < stepsPerSample; s++) losses.push(model.step(batches[next++]));
    samples.push((stepsPerSample * batch) / ((performance.now() - t0) / 1000));
  }
  return { imagesPerSecond: median(samples), firstLoss: losses[0], lastLoss: losses.at(-1) };
}

const results = [];
for (const c of CONFIGS) {
  const { name, ...arch } = c;
  // Alternate the two in one run so that machine load affects both alike.
  const ours = neuroaiVit(arch, 1), theirs = tfjsVit(tf, arch, 1);
  if (ours.params !== theirs.params) throw new Error(`${name}: parameter counts differ: ${ours.params} vs ${theirs.params}`);
  // Same network: with our initial weights copied in, the peer gives the same probabilities.
  theirs.load(ours.parameters());
  const probe = minibatch(0).x.subarray(0, 16 * IMAGE * IMAGE);
  const pa = ours.probs(probe), pb = theirs.probs(probe);
  const peerDiff = Math.max(...pa.map((p, i) => Math.abs(p - pb[i])));
  if (!(peerDiff < 1e-4)) throw new Error(`${name}: the peer computes other probabilities (max difference ${peerDiff})`);
  const a = throughput(ours), b = throughput(theirs);
  ours.dispose();
  theirs.dispose();
  results.push({
    config: name, patch: arch.patch, dim: arch.dim, depth: arch.depth, heads: arch.heads, params: ours.params, batch,
    neuroai_images_per_s: +a.imagesPerSecond.toFixed(1), tfjs_images_per_s: +b.imagesPerSecond.toFixed(1),
    ratio: +(a.imagesPerSecond / b.imagesPerSecond).toFixed(2), same_probabilities_max_diff: +peerDiff.toExponential(1),
    neuroai_loss: `${a.firstLoss.toFixed(3)} -> ${a.lastLoss.toFixed(3)}`, tfjs_loss: `${b.firstLoss.toFixed(3)} -> ${b.lastLoss.toFixed(3)}`,
  });
}

const info = neuroai.buildInfo();
if (json) {
  console.log(JSON.stringify({ bench: 'vit-train-wasm', kernel: info.gemmKernel, peer: `tfjs-backend-wasm ${tf.version_core}`,
                               threads: 1, repeats, steps_per_sample: stepsPerSample, results }));
} else {
  printTable(`ViT training, wasm module (GEMM ${info.gemmKernel}) vs TensorFlow.js ${tf.version_core} wasm backend, 1 thread, ` +
             `batch ${batch}, median of ${repeats} x ${stepsPerSample} steps`,
             ['config', 'params', 'neuroai_img/s', 'tfjs_img/s', 'ratio'],
             results.map((r) => ({ ...r, 'neuroai_img/s': r.neuroai_images_per_s, 'tfjs_img/s': r.tfjs_images_per_s })));
  for (const r of results)
    console.log(`  ${r.config}: same weights give the same probabilities (max difference ${r.same_probabilities_max_diff}); ` +
                `training loss neuroai ${r.neuroai_loss}, tfjs ${r.tfjs_loss}`);
}
