// The page side of bench/vit-threads.mjs, in a cross-origin isolated page: TensorFlow.js's wasm
// backend on `?threads=N` threads (its threaded SIMD build: XNNPACK on a pthread pool, set before
// the backend starts, so one count per page) and this project's module on N training threads (the
// pages' pool: ../site/js/engine/replicas.js), the same ViT (./vit-peer.mjs) on the same images.
// window.runBench(options) -> {neuroai, tfjs: {imagesPerSecond, samples, threads}, maxProbabilityDifference}.
import * as tf from './tfjs.mjs';
import { CLIP, IMAGE, LR, WEIGHT_DECAY, tfjsVit } from './vit-peer.mjs';
import createNeuroAI from './site/wasm/neuroai.mjs';
import { createReplicas, parallelStep } from './site/js/engine/replicas.js';

const threads = Number(new URL(location.href).searchParams.get('threads') ?? 1);

/** The median of xs. */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function setUp() {
  if (!crossOriginIsolated) throw new Error('the page is not cross-origin isolated: TensorFlow.js cannot use threads');
  tf.setWasmPaths(new URL('./tfjs-wasm/', location.href).href);
  tf.setThreadsCount(threads);
  if (!(await tf.setBackend('wasm'))) throw new Error('the TensorFlow.js wasm backend did not start');
  await tf.ready();
  const neuroai = await createNeuroAI();
  const bytes = new Uint8Array(await (await fetch('./site/assets/vit/fashion-train.bin')).arrayBuffer());
  return { neuroai, train: neuroai.decodeFashionSubset(bytes).train };
}
const ready = setUp();

/** Images per second of `step` (async or not): median of `repeats` samples of `steps` steps, after two warm-up steps. */
async function throughput(step, { batch, steps, repeats }) {
  await step();
  await step();
  const samples = [];
  for (let r = 0; r < repeats; r++) {
    const t0 = performance.now();
    for (let s = 0; s < steps; s++) await step();
    samples.push((steps * batch) / ((performance.now() - t0) / 1000));
  }
  return { imagesPerSecond: median(samples), samples };
}

window.runBench = async ({ arch, batch, steps, repeats }) => {
  const { neuroai, train } = await ready;
  const config = { ...arch, batch, lr: LR, weightDecay: WEIGHT_DECAY, clip: CLIP, warmup: 0, shift: 0, flip: false, seed: 1 };
  const lab = new neuroai.VitLab(config);
  const replicas = threads > 1 ? await createReplicas(threads - 1, 'VitLab', config) : null;
  const theirs = tfjsVit(tf, arch, 1);
  try {
    lab.setTrainData(train.pixels, train.labels);
    // The same network: with this project's initial weights copied in, the peer gives the same probabilities.
    theirs.load(lab.parameters().slice());
    const probe = new Float32Array(16 * IMAGE * IMAGE);
    for (let k = 0; k < probe.length; k++) probe[k] = train.pixels[k] / 255;
    const pa = lab.predict(probe, null), pb = theirs.probs(probe);
    const maxProbabilityDifference = pa.reduce((m, p, i) => Math.max(m, Math.abs(p - pb[i])), 0);
    // The peer's batches: the subset's images in file order (the module draws its own shuffled ones).
    let next = 0;
    const minibatch = () => {
      const x = new Float32Array(batch * IMAGE * IMAGE), y = new Int32Array(batch);
      for (let b = 0; b < batch; b++, next++) {
        const j = next % train.count;
        y[b] = train.labels[j];
        for (let k = 0; k < IMAGE * IMAGE; k++) x[b * IMAGE * IMAGE + k] = train.pixels[j * IMAGE * IMAGE + k] / 255;
      }
      return { x, y };
    };
    const ours = await throughput(() => (replicas ? parallelStep(lab, replicas, batch) : lab.trainSteps(1)), { batch, steps, repeats });
    const peer = await throughput(() => theirs.step(minibatch()), { batch, steps, repeats });
    return { neuroai: { ...ours, threads }, tfjs: { ...peer, threads: tf.getThreadsCount() }, maxProbabilityDifference, params: lab.paramCount() };
  } finally {
    replicas?.dispose();
    lab.delete();
    theirs.dispose();
  }
};
window.benchReady = ready.then(() => true, (e) => { throw e; });
