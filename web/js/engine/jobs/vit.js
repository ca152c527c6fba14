// Worker-side job: a Vision Transformer learning Fashion-MNIST (the attention case study).
// The images and the shipped weights are fetched once, when the worker first loads this module;
// each job is one VitClassifier, trained from scratch or started from the shipped weights.
export const name = 'vit';

const SUBSET_URL = new URL('../../../assets/vit/fashion-subset.bin', import.meta.url);
const WEIGHTS_URL = new URL('../../../assets/vit/vit-fashion.nrai', import.meta.url);
const HELD_OUT = 300;       // test images behind the held-out curve while training
const EVAL_EVERY = 40;      // steps between two held-out evaluations
const DISTANCE_IMAGES = 48; // test images behind the mean attention distance view

/** Fetches a binary asset; the error names the file and the reason. */
async function fetchBytes(url) {
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    return new Error(`could not load ${url.pathname.split('/').slice(-2).join('/')}: ${error.message}`);
  }
}

// Top-level await: the worker's import of this module resolves once both are here (or failed).
const [subsetBytes, weightsBytes] = await Promise.all([fetchBytes(SUBSET_URL), fetchBytes(WEIGHTS_URL)]);

const toPixels = (bytes) => Float32Array.from(bytes, (b) => b / 255);

/**
 * @param {object} neuroai the wasm module
 * @param {object} config {init: 'shipped'|'scratch', patch, dim, depth, heads, mlp, lr, batch, seed}
 */
export function create(neuroai, config = {}) {
  if (subsetBytes instanceof Error) throw subsetBytes;
  const { init = 'scratch', ...knobs } = config;
  let model;
  if (init === 'shipped') {
    if (weightsBytes instanceof Error) throw weightsBytes;
    const c = neuroai.vitWeightsConfig(weightsBytes);
    model = new neuroai.VitClassifier({ patch: c.patch, dim: c.dim, depth: c.depth, heads: c.heads, mlp: c.mlp,
                                        lr: knobs.lr, batch: knobs.batch, seed: knobs.seed, warmup: 0 });
    model.importWeights(weightsBytes);
  } else {
    model = new neuroai.VitClassifier({ ...knobs, warmup: 100 });
  }
  const subset = neuroai.decodeFashionSubset(subsetBytes);
  model.setTrainData(subset.train.pixels, subset.train.labels);
  model.setTestData(subset.test.pixels, subset.test.labels);
  const heldOutPixels = toPixels(subset.test.pixels.subarray(0, DISTANCE_IMAGES * subset.rows * subset.cols));

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
      classNames: subset.classNames,
      trainCount: subset.train.count,
      testPixels: subset.test.pixels,
      testLabels: subset.test.labels,
      heldOutImages: HELD_OUT,
    }),
    chunk: 1,  // one step per call: a step of the shipped architecture takes about 0.1-0.4 s
    train(steps) {
      recentLoss = model.trainSteps(steps);
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
                     heldOut, imagesPerSecond };
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
      /** Class probabilities (n * classes) for n images. */
      classify: (images) => {
        const p = model.predict(images, null);
        return { result: p, transfer: [p.buffer] };
      },
      evaluate: (images, mask) => {
        const e = model.evaluate(images, mask ?? null);
        return { result: { accuracy: e.accuracy, loss: e.loss, images: e.images, confusion: e.confusion },
                 transfer: [e.confusion.buffer] };
      },
      positionSimilarity: () => {
        const s = model.positionSimilarity();
        return { result: s, transfer: [s.buffer] };
      },
      meanAttentionDistance: () => {
        const d = model.meanAttentionDistance(heldOutPixels);
        return { result: d, transfer: [d.buffer] };
      },
      knnBaseline: (k) => {
        const r = model.knnBaseline(k);
        return { result: { accuracy: r.accuracy }, transfer: [] };
      },
      exportWeights: () => {
        const bytes = model.exportWeights();
        return { result: bytes, transfer: [bytes.buffer] };
      },
    },
    dispose: () => model.delete(),
  };
}
