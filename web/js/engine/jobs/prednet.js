// Worker-side job: PredNet learning to predict video. Trains one Adam step per call (a step is
// a batch of whole sequences and takes a few hundred ms in wasm), reports the loss and, every
// couple of seconds of training, the held-out MSE against copy-last and linear extrapolation.
// The page asks for views (a sequence with every unit of the model) and measurements by call.
// The measurement's rollouts are PredNet's batched forward pass, on WebGPU where it is there and
// worth it (./prednet-gpu.js).
import { fetchBytes } from '../fetch-bytes.js';
import { decodeFashionSplit, fetchFashionSplit } from '../fashion-subset.js';
import { TRAINING_PASS_BYTES } from '../memory-budget.js';
import { createTrainingThreads, passBytesPerThread } from '../replicas.js';
import { createComputePath } from './prednet-gpu.js';

export const name = 'prednet';

const WEIGHTS_URL = {
  blobs: new URL('../../../assets/prednet/prednet-blobs.nrai', import.meta.url),
  sprites: new URL('../../../assets/prednet/prednet-sprites.nrai', import.meta.url),
};
const RUNNING_EVAL_SEQUENCES = 8;  // held-out sequences behind the live MSE curve
const RUNNING_EVAL_EVERY_MS = 2000;

// The shipped weights per data set: the blob model is fetched once, when the worker first loads
// this job (top-level await); the sprite model with the sprite images.
const shipped = { blobs: await fetchBytes(WEIGHTS_URL.blobs), sprites: new Error('not loaded') };

// The Fashion-MNIST images for moving sprites: fetched only when the page asks (calls.loadSprites).
// images: the subset's train split (training); heldOut: its test split (the held-out sequences, as
// the native evaluation draws them from Fashion-MNIST's t10k images).
const sprites = { state: 'idle', error: null, images: null, heldOut: null, rows: 0, cols: 0 };
function loadSprites(neuroai) {
  if (sprites.state !== 'idle') return;
  sprites.state = 'loading';
  const weights = fetchBytes(WEIGHTS_URL.sprites).then((w) => { shipped.sprites = w; });
  const images = Promise.all([fetchFashionSplit('train'), fetchFashionSplit('test')])
    .then(([trainBytes, testBytes]) => {
      const train = decodeFashionSplit(neuroai, trainBytes, 'train'), test = decodeFashionSplit(neuroai, testBytes, 'test');
      Object.assign(sprites, { images: train.pixels, heldOut: test.pixels, rows: train.rows, cols: train.cols });
    });
  Promise.all([images, weights])
    .then(() => { sprites.state = 'ready'; })
    .catch((e) => Object.assign(sprites, { state: 'failed', error: e.message }));
}

/**
 * @param {object} neuroai the wasm module
 * @param {object} config {model: PredNetLab config (see wasm/bind_prednet.cpp), init: 'shipped' | 'scratch',
 *   gpu: 'auto' | 'on' | 'off', threads: training threads (0 or none: auto, see ../replicas.js)}
 */
export async function create(neuroai, { model: modelConfig = {}, init = 'scratch', gpu = 'auto', threads: asked = 0 } = {}) {
  // The training threads share the page's tape budget (../replicas.js).
  const config = { ...modelConfig, passBytes: passBytesPerThread(TRAINING_PASS_BYTES, asked) };
  if (config.dataset === 'sprites') {
    if (sprites.state !== 'ready') throw new Error(`the Fashion-MNIST images are not loaded (${sprites.error ?? sprites.state})`);
    Object.assign(config, { images: sprites.images, heldOutImages: sprites.heldOut, imageRows: sprites.rows, imageCols: sprites.cols });
  }
  const model = new neuroai.PredNetLab(config);
  let initNote = 'random initial weights';
  if (init === 'shipped') {
    const file = shipped[config.dataset ?? 'blobs'];
    try {
      if (file instanceof Error) throw new Error(`the shipped weights: ${file.message}`);
      model.loadWeights(file);
    } catch (e) {
      model.delete();
      throw e;
    }
    initNote = `the shipped weights (trained natively on ${config.dataset === 'sprites' ? 'moving Fashion-MNIST sprites' : 'bouncing blobs'})`;
  }
  const info = model.describe();
  let recentLoss = NaN;
  let lastSnapshot = { time: performance.now(), step: 0 };
  let running = { time: -Infinity, step: -1, result: null };  // the last held-out MSE measurement

  const runningEval = () => {
    const e = model.evaluate(RUNNING_EVAL_SEQUENCES, false);
    return { step: model.steps(), prednetMse: e.prednetMse, copyLastMse: e.copyLastMse, linearMse: e.linearMse };
  };
  running = { time: performance.now(), step: 0, result: runningEval() };

  let compute;
  try {
    compute = await createComputePath(model, gpu);
  } catch (e) {
    model.delete();
    throw e;
  }

  // Training threads: this worker and replicas of the model where a step is long enough to share.
  // A replica only computes gradients of sequences it is given: the architecture without the data.
  let threads;
  try {
    const { size, frames, aChannels, rChannels, layerWeights } = info;
    threads = await createTrainingThreads(model, asked, { lab: 'PredNetLab',
      config: { size, frames, layers: aChannels.length, aChannels, rChannels, layerWeights, batch: info.batch, passBytes: config.passBytes } });
  } catch (error) {
    compute.dispose();
    model.delete();
    throw error;
  }

  /** The sequence a view shows: the data source (seed) or a surprise sequence of blobs. */
  const sequence = ({ seed = 0, kind = 'none', frame = 6 }) =>
    (info.dataset === 'blobs' ? model.surpriseSequence(kind, frame, seed) : model.sample(1, seed));

  return {
    describe: () => ({ ...info, init, initNote, runningEvalSequences: RUNNING_EVAL_SEQUENCES }),
    chunk: 1,
    async train(steps) {
      recentLoss = await threads.train(steps);
    },
    /** The replicas' wasm heaps (the worker adds them to its own: the page's memory budget). */
    replicaHeapBytes: () => threads.heapBytes(),
    snapshot() {
      const now = performance.now(), step = model.steps();
      const sequencesPerSecond = ((step - lastSnapshot.step) * info.batch) / Math.max(1e-3, (now - lastSnapshot.time) / 1000);
      lastSnapshot = { time: now, step };
      if (step !== running.step && now - running.time >= RUNNING_EVAL_EVERY_MS) running = { time: now, step, result: runningEval() };
      return { data: { step, loss: recentLoss, sequencesPerSecond, running: running.result, threads: threads.info() }, transfer: [] };
    },
    calls: {
      /**
       * Every unit of the model on one sequence: {frames, predictions, layerError, ahat[], error[], r[]}.
       * With a surprise, also controlLayerError: the mean errors (T, L) of the same sequence
       * (same seed, same blobs and motion) without the event, run the same way.
       */
      view(spec = {}) {
        const frames = sequence(spec);
        const out = model.run(frames, spec.extrapolateFrom ?? -1);
        const result = { frames, step: model.steps(), ...out };
        const arrays = [frames, out.predictions, out.layerError, ...out.ahat, ...out.error, ...out.r];
        if (info.dataset === 'blobs' && (spec.kind ?? 'none') !== 'none') {
          result.controlLayerError = model.run(sequence({ ...spec, kind: 'none' }), spec.extrapolateFrom ?? -1).layerError;
          arrays.push(result.controlLayerError);
        }
        return { result, transfer: arrays.map((a) => a.buffer) };
      },
      /**
       * The evaluation table: PredNet vs the baselines (MSE, SSIM) and the surprise ratios. The
       * rollouts cover `sequences` held-out sequences on wasm, more on WebGPU (./prednet-gpu.js).
       */
      async measure({ sequences = 32, surpriseSequences = 16, frame = 6 } = {}) {
        const e = await compute.evaluate(sequences);
        const surprise = ['reverse', 'appear', 'occluder'].map((kind, i) =>
          (info.dataset === 'blobs' ? model.surpriseScore(kind, frame, surpriseSequences, 2017 + i) : null));
        return { result: { step: model.steps(), surpriseSequences, ...e, surprise, compute: compute.info(sequences) } };
      },
      /** Sequences trained on so far, when (performance.now()), and the training threads: bench/threads.mjs. */
      trainingProgress: () => ({ result: { items: model.steps() * info.batch, at: performance.now(), threads: threads.info() } }),
      /** Which path runs the measurement's rollouts, and why. */
      computePath: () => ({ result: compute.info(32) }),
      /**
       * Both paths on the first `sequences` held-out sequences (default: 64, or 1 on a CPU software
       * adapter): milliseconds, and the largest difference between the predicted frames. The GPU
       * side is null without a device.
       */
      async comparePaths({ sequences } = {}) {
        return { result: { ...(await compute.comparePaths(sequences)), compute: compute.info(32) } };
      },
      loadSprites() {
        loadSprites(neuroai);
        return { result: { state: sprites.state, error: sprites.error } };
      },
      exportWeights() {
        const bytes = model.exportWeights();
        return { result: bytes, transfer: [bytes.buffer] };
      },
    },
    dispose: () => {
      threads.dispose();
      compute.dispose();
      model.delete();
    },
  };
}
