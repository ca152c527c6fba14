// Worker-side job: a Vision Transformer learning Fashion-MNIST (the attention case study).
// The held-out images and the shipped weights are fetched once, when the worker first loads this
// module; the training images when a job first trains (or measures its k-NN baseline on them);
// each job is one VitLab, trained from scratch or started from the shipped weights.
import { fetchBytes } from '../fetch-bytes.js';
import { decodeFashionSplit, fetchFashionManifest, fetchFashionSplit } from '../fashion-subset.js';
import { TRAINING_PASS_BYTES } from '../memory-budget.js';
import { createTrainingThreads, passBytesPerThread } from '../replicas.js';
import { createComputePath } from './vit-gpu.js';

export const name = 'vit';

const WEIGHTS_URL = new URL('../../../assets/vit/vit-fashion.nrai', import.meta.url);
const HELD_OUT = 300;       // test images behind the held-out curve while training
const EVAL_EVERY = 40;      // steps between two held-out evaluations
const DISTANCE_IMAGES = { wasm: 48, gpu: 1000 };  // test images behind the mean attention distance view
const CHECK_IMAGES = 8;     // test images both paths classify before WebGPU is used
// A fresh network trains with a short warm-up and without augmentation (shifts, flips): on the
// validation split it reaches 80% in a third of the steps (tools/vit-scratch-select.mjs); the
// shipped model was trained with both, for its last points of accuracy.
const SCRATCH_TRAINING = { warmup: 20, shift: 0, flip: false };

// Top-level await: the worker's import of this module resolves once these are here (or failed).
const [manifest, testBytes, weightsBytes] = await Promise.all([fetchFashionManifest(), fetchFashionSplit('test'), fetchBytes(WEIGHTS_URL)]);
let trainBytes = null;  // a promise of the training split's bytes, once a job asks for them (kept for the next job)

const toPixels = (bytes) => Float32Array.from(bytes, (b) => b / 255);

/**
 * @param {object} neuroai the wasm module
 * @param {object} config {init: 'shipped'|'scratch', gpu: 'auto'|'on'|'off', threads (training threads: this
 *   worker and threads - 1 replicas; 0 or none: auto, see createTrainingThreads), patch, dim, depth, heads, mlp, lr, batch, seed}
 */
export async function create(neuroai, config = {}) {
  if (manifest instanceof Error) throw manifest;
  const { init = 'scratch', gpu = 'auto', threads: asked = 0, ...knobs } = config;
  const test = decodeFashionSplit(neuroai, testBytes, 'test');
  const testPixels = toPixels(test.pixels);
  const pixelsOf = (n) => testPixels.subarray(0, Math.min(n, test.count) * test.rows * test.cols);
  if (init === 'shipped' && weightsBytes instanceof Error) throw weightsBytes;
  // The shipped weights bring their own architecture (loadWeights adopts it): only the training knobs apply.
  // The training threads share the page's tape budget (../replicas.js).
  const passBytes = passBytesPerThread(TRAINING_PASS_BYTES, asked);
  const model = new neuroai.VitLab(init === 'shipped'
    ? { lr: knobs.lr, batch: knobs.batch, seed: knobs.seed, warmup: 0, passBytes }
    : { ...knobs, ...SCRATCH_TRAINING, passBytes });
  let compute;
  try {  // a job that fails to start frees its model: the wasm heap is not garbage-collected
    if (init === 'shipped') model.loadWeights(weightsBytes);
    model.setTestData(test.pixels, test.labels);
    // The batched calls (classify, evaluate, attention maps) run on WebGPU when it is there and worth it (./vit-gpu.js).
    compute = await createComputePath(model, gpu, pixelsOf(CHECK_IMAGES));
  } catch (error) {
    model.delete();
    throw error;
  }
  const computeInfo = () => ({ path: compute.path, reason: compute.reason });

  // Training threads: this worker and replicas of the model (../replicas.js) where a step is long enough to share.
  let threads;
  try {
    const { patch, dim, depth, heads, mlp } = model.config();
    threads = await createTrainingThreads(model, asked, { lab: 'VitLab', config: { patch, dim, depth, heads, mlp, batch: model.batchSize(), passBytes } });
  } catch (error) {
    compute.dispose();
    model.delete();
    throw error;
  }

  // The training images: fetched when first needed (on a phone's link, seconds), then given to the model.
  const trainImages = { state: 'not fetched', loading: null };
  function needTrainImages() {
    trainImages.loading ??= (async () => {
      trainImages.state = 'fetching';
      trainBytes ??= fetchFashionSplit('train');
      try {
        const train = decodeFashionSplit(neuroai, await trainBytes, 'train');
        model.setTrainData(train.pixels, train.labels);
        trainImages.state = 'ready';
      } catch (error) {
        trainBytes = null;  // the next job tries again
        trainImages.loading = null;
        trainImages.state = 'not fetched';
        throw error;
      }
    })();
    return trainImages.loading;
  }
  if (trainBytes) await needTrainImages().catch(() => {});  // an earlier job fetched them: this one starts with them (or tries again when it trains)

  /** As VitLab.evaluate, from the compute path's probabilities: the first n test images. */
  async function evaluate(maxImages, mask) {
    if (compute.path === 'wasm') return { ...model.evaluate(maxImages, mask), compute: computeInfo() };
    const K = test.classNames.length, n = Math.min(maxImages, test.count);
    const probs = await compute.predict(testPixels.subarray(0, n * test.rows * test.cols), mask);
    const confusion = new Int32Array(K * K);
    let correct = 0, loss = 0;
    for (let i = 0; i < n; ++i) {
      let best = 0;
      for (let c = 1; c < K; ++c) if (probs[i * K + c] > probs[i * K + best]) best = c;
      const label = test.labels[i];
      correct += best === label;
      loss -= Math.log(Math.max(probs[i * K + label], 1e-30));
      confusion[label * K + best]++;
    }
    return { accuracy: correct / n, loss: loss / n, images: n, confusion, compute: computeInfo() };
  }

  let recentLoss = NaN;
  let heldOut = init === 'shipped' ? { step: 0, ...accuracyOf(model.evaluate(HELD_OUT, null)) } : null;
  let lastEvalStep = 0;
  let probe = null;     // {image, mask}: inspected for every snapshot
  let imagesAtLastSnapshot = 0;
  let timeAtLastSnapshot = performance.now();

  function accuracyOf(e) { return { accuracy: e.accuracy, loss: e.loss }; }
  /** model.inspect, plus the intact model's probabilities when heads are lesioned. */
  function inspect(image, mask) {
    const r = model.inspect(image, mask);
    if (mask) r.intactProbs = model.predict(image, null);
    return r;
  }
  const buffersOf = (r) => [r.probs, r.attention, r.rollout, r.intactProbs].filter(Boolean).map((a) => a.buffer);

  return {
    describe: () => ({
      init,
      config: model.config(),
      paramCount: model.paramCount(),
      classNames: test.classNames,
      trainCount: manifest.train.images,
      trainBytes: manifest.train.bytes,
      trainImages: trainImages.state,
      testPixels: test.pixels,
      testLabels: test.labels,
      heldOutImages: HELD_OUT,
      compute: computeInfo(),
      threads: threads.info(),
    }),
    chunk: 1,  // one step per call: a step of the shipped architecture takes about 0.1-0.4 s
    async train(steps) {
      await needTrainImages();
      recentLoss = await threads.train(steps);
      const step = model.steps();
      if (step - lastEvalStep >= EVAL_EVERY) {
        heldOut = { step, ...accuracyOf(model.evaluate(HELD_OUT, null)) };
        lastEvalStep = step;
      }
    },
    snapshot() {
      const now = performance.now();
      const images = model.imagesSeen();
      const imagesPerSecond = (images - imagesAtLastSnapshot) / Math.max(1e-3, (now - timeAtLastSnapshot) / 1000);
      imagesAtLastSnapshot = images;
      timeAtLastSnapshot = now;
      const data = { step: model.steps(), epochs: model.epochs(), loss: recentLoss, learningRate: model.learningRate(),
                     heldOut, imagesPerSecond, threads: threads.info(), trainImages: trainImages.state };
      const transfer = [];
      if (probe) {
        data.probe = inspect(probe.image, probe.mask);
        data.probe.version = probe.version;
        transfer.push(...buffersOf(data.probe));
      }
      return { data, transfer };
    },
    calls: {
      /** Probabilities, attention and rollout for one image (pixels in [0, 1]) and head mask. */
      inspect: (image, mask) => {
        const r = inspect(image, mask ?? null);
        return { result: r, transfer: buffersOf(r) };
      },
      /** The image (and mask) that every snapshot inspects while training; version tags the snapshots. */
      setProbe: (image, mask, version) => {
        probe = { image, mask: mask ?? null, version };
        return { result: true };
      },
      /** Class probabilities (n * classes) for n images, with heads lesioned by mask (null: none). */
      classify: async (images, mask) => {
        const p = await compute.predict(images, mask ?? null);
        return { result: p, transfer: [p.buffer] };
      },
      /**
       * Every head's attention of n images (the gallery), batched: {probs (n * K), attention
       * (n * depth * heads * T * T), rollout (n * T * T), compute}; inspect's read-outs image by image.
       */
      galleryAttention: async (images, mask) => {
        const r = await compute.attentionMaps(images, mask ?? null);
        const { depth, heads, tokens: T } = model.config();
        const per = depth * heads * T * T, n = r.attention.length / per;
        const rollout = new Float32Array(n * T * T);
        for (let b = 0; b < n; ++b) rollout.set(model.rollout(r.attention.subarray(b * per, (b + 1) * per), mask ?? null), b * T * T);
        return { result: { probs: r.probs, attention: r.attention, rollout, compute: computeInfo() },
                 transfer: [r.probs.buffer, r.attention.buffer, rollout.buffer] };
      },
      /** {accuracy, loss, images, confusion, compute: {path, reason}} on the first n test images. */
      evaluate: async (images, mask) => {
        const e = await evaluate(images, mask ?? null);
        return { result: { accuracy: e.accuracy, loss: e.loss, images: e.images, confusion: e.confusion, compute: e.compute },
                 transfer: [e.confusion.buffer] };
      },
      /** Images trained on so far, when (performance.now()), and the training threads: bench/threads.mjs. */
      trainingProgress: () => ({ result: { items: model.imagesSeen(), at: performance.now(), threads: threads.info() } }),
      /** Which path runs the batched calls, and why. */
      computePath: () => ({ result: computeInfo() }),
      /** images/s of the wasm and the WebGPU forward on the 1,000 test images (see vit-gpu.js). */
      benchmarkPaths: async () => {
        const r = await compute.benchmark(testPixels.subarray(0, 1000 * test.rows * test.cols));
        return { result: { ...r, compute: computeInfo() } };
      },
      positionSimilarity: () => {
        const s = model.positionSimilarity();
        return { result: s, transfer: [s.buffer] };
      },
      /** {distance (depth * heads), images, path}: over 1,000 test images on a GPU, 48 on the wasm core. */
      meanAttentionDistance: async () => {
        const r = await compute.meanAttentionDistance(pixelsOf(DISTANCE_IMAGES.gpu), pixelsOf(DISTANCE_IMAGES.wasm));
        return { result: r, transfer: [r.distance.buffer] };
      },
      knnBaseline: async (k) => {
        await needTrainImages();
        const r = model.knnBaseline(k);
        return { result: { accuracy: r.accuracy }, transfer: [] };
      },
      exportWeights: () => {
        const bytes = model.exportWeights();
        return { result: bytes, transfer: [bytes.buffer] };
      },
    },
    /** The replicas' wasm heaps (the worker adds them to its own: the page's memory budget). */
    replicaHeapBytes: () => threads.heapBytes(),
    dispose: () => { threads.dispose(); compute.dispose(); model.delete(); },
  };
}
