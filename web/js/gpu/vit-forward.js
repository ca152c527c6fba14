// Batched ViT inference on WebGPU from the core's own forward plan: the model is defined once, in
// C++ (core/models/vit.cpp, Vit::forward_plan next to Vit::forward), and reaches this module as data
// (VitLab.forwardPlan(): {config, ops, weights}). This module only maps each op onto a WGSL
// kernel (./kernels/*.wgsl through ./kernels.js); it knows no layer of the ViT by itself.
//
//   const plan = vit.forwardPlan();                              // from the wasm module
//   const gpu = await createVitForward(device, plan, { loadSource: fetchSource });
//   const probs = await gpu.classify(images, headMask);          // (n * classes)
//   const { attention } = await gpu.attentionMaps(images, null); // every head's map of every image
//   gpu.destroy();
//
// Only the WebGPU API on the GPUDevice passed in (no DOM, no navigator), so the same module runs in
// a page, a worker and in Node with Dawn. Weight upload, activation slots by liveness, prepared
// dispatches per batch size and the single read-back are shared with the other models
// (./plan-runner.js); here are the ViT's own ops (patchify, tokens, class_token, attention and its
// read-outs attention_weights, attention_distance). A pass computes only what its call reads:
// classify never runs the read-outs.
import { attentionDistanceParams, attentionParams, linearDispatch, prepareDispatch } from './kernels.js';
import { checkForwardArgs, checkOps, createPlanRunner, maxAbsDiff } from './plan-runner.js';

const OPS = ['patchify', 'linear', 'tokens', 'layernorm', 'attention', 'attention_weights', 'attention_distance', 'gelu', 'add', 'class_token', 'softmax'];
const OUTPUTS = ['probs', 'attention', 'attention_distance'];
const CONFIG_FIELDS = ['image', 'channels', 'patch', 'dim', 'depth', 'heads', 'mlp', 'classes', 'tokens', 'pixelMean', 'pixelStd', 'lnEps'];

/** Checks a plan from VitLab.forwardPlan(); throws an Error naming the bad field. */
export function checkPlan(plan) {
  if (!plan || typeof plan !== 'object') throw new Error(`createVitForward: plan: expected {config, ops, weights}, got ${plan === null ? 'null' : typeof plan}`);
  const { config } = plan;
  if (!config || typeof config !== 'object') throw new Error('createVitForward: plan.config: expected an object');
  for (const f of CONFIG_FIELDS) {
    if (!(typeof config[f] === 'number' && Number.isFinite(config[f]))) throw new Error(`createVitForward: plan.config.${f}: expected a number, got ${config[f]}`);
  }
  checkOps('createVitForward', plan, ['images'], OPS);
  if (plan.ops.at(-1).op !== 'softmax') throw new Error('createVitForward: plan.ops: expected the last op to be softmax (probabilities)');
  const names = Array.isArray(plan.outputs) ? plan.outputs.map((o) => o?.name) : [];
  if (OUTPUTS.some((name, i) => names[i] !== name)) throw new Error(`createVitForward: plan.outputs: expected ${OUTPUTS.join(', ')}, got ${names.join(', ') || 'none'}`);
  const produced = new Set(plan.ops.map((o) => o.output));
  for (const o of plan.outputs.slice(1)) {
    if (!Array.isArray(o.steps) || o.steps.length !== config.depth || !o.steps.every((name) => produced.has(name))) {
      throw new Error(`createVitForward: plan.outputs '${o.name}': expected one activation of the plan per block (${config.depth})`);
    }
  }
  return plan;
}

/**
 * Builds the GPU side of a ViT from its forward plan on `device`: weights uploaded once, buffers for
 * `batch` images per pass. loadSource: name -> WGSL text (kernels.js fetchSource in a browser, fs in Node).
 * Resolves to {classify(images, mask) -> Promise<Float32Array>, attentionMaps(images, mask) ->
 * Promise<{probs, attention}>, meanAttentionDistance(images, mask) -> Promise<Float32Array>,
 * profile, setWeights, config, batch, bytes, destroy()}.
 */
export async function createVitForward(device, plan, { loadSource, batch = 256, gemm = 'tiled' } = {}) {
  checkForwardArgs('createVitForward', device, { batch, gemm, maxBatch: 4096 });
  checkPlan(plan);
  const { config } = plan;
  const pixels = config.channels * config.image * config.image;
  const maskLength = config.depth * config.heads;
  const mask = device.createBuffer({ label: 'vit: head mask', size: Math.max(16, maskLength * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST });
  const f32 = (words, index, value) => { new Float32Array(words.buffer)[index] = value; return words; };
  // The ViT's own ops; linear, layernorm, add, gelu, softmax are the runner's.
  const extraOps = {
    patchify: (op, { x, out, count, u, label }) => {
      const words = new Uint32Array([count, op.attrs.image, op.attrs.patch, op.attrs.channels, 0, 0, 0, 0]);
      f32(words, 4, Math.fround(1 / op.attrs.std));
      f32(words, 5, Math.fround(-op.attrs.mean / op.attrs.std));
      return prepareDispatch(device, 'patchify', [x, null, out, u(words)], linearDispatch(count), label);
    },
    tokens: (op, { x, out, count, last, W, u, label }) =>
      prepareDispatch(device, 'addTokens', [x, W[0], W[1], out, u(new Uint32Array([count, op.shape[1], last, 0]))], linearDispatch(count), label),
    class_token: (op, { x, out, count, u, label, shapeOf }) => {
      const [, T, D] = shapeOf(op.inputs[0]);
      return prepareDispatch(device, 'classToken', [x, null, null, out, u(new Uint32Array([count, T, D, 0]))], linearDispatch(count), label);
    },
    attention: (op, { n, x, out, u, label }) => {
      const [, T, D] = op.shape;
      const H = op.attrs.heads;
      const words = attentionParams({ batch: n, tokens: T, dim: D, heads: H, maskOffset: op.attrs.maskOffset });
      return prepareDispatch(device, 'attention', [x, mask, out, u(words)], linearDispatch(n * H * T), label);
    },
    attention_weights: (op, { n, x, out, u, label }) => {
      const [, H, T] = op.shape;
      const words = attentionParams({ batch: n, tokens: T, dim: config.dim, heads: H });
      return prepareDispatch(device, 'attentionWeights', [x, null, out, u(words)], linearDispatch(n * H * T), label);
    },
    attention_distance: (op, { n, x, out, u, label }) => {
      const rows = n * op.shape[1];
      return prepareDispatch(device, 'attentionDistance', [x, null, out, u(attentionDistanceParams(rows, op.attrs.grid, op.attrs.patch))], linearDispatch(rows), label);
    },
  };
  const [probsOut, mapsOut, distanceOut] = OUTPUTS.map((name) => plan.outputs.find((o) => o.name === name).steps);
  let runner;
  try {
    runner = await createPlanRunner(device, plan, {
      inputs: { images: ['B', config.channels, config.image, config.image] }, keep: [...mapsOut, ...distanceOut],
      targets: probsOut, batch, gemm, loadSource, extraOps, label: 'vit',
    });
  } catch (error) {
    mask.destroy();
    throw error;
  }
  const images = runner.input('images');

  const ones = new Float32Array(maskLength).fill(1);
  let destroyed = false;

  /** Checks images and mask as VitLab.predict would; writes the mask; returns n. */
  function prepare(who, input, headMask) {
    if (destroyed) throw new Error(`${who}: this GPU forward was destroyed`);
    if (!(input instanceof Float32Array) || input.length === 0 || input.length % pixels !== 0) {
      throw new Error(`${who}: images: expected a non-empty Float32Array of n * ${pixels} pixels, got ${input instanceof Float32Array ? `length ${input.length}` : typeof input}`);
    }
    for (let i = 0; i < input.length; ++i) {
      if (!(input[i] >= 0 && input[i] <= 1)) throw new Error(`${who}: images[${i}]: expected a pixel in [0, 1], got ${input[i]}`);
    }
    if (headMask != null) {
      if (!(headMask instanceof Float32Array) || headMask.length !== maskLength) {
        throw new Error(`${who}: mask: expected null or a Float32Array of ${maskLength} factors (depth * heads), got ${headMask instanceof Float32Array ? `length ${headMask.length}` : typeof headMask}`);
      }
      for (let i = 0; i < maskLength; ++i) {
        if (!(headMask[i] >= 0 && headMask[i] <= 1)) throw new Error(`${who}: mask[${i}]: expected a number in [0, 1], got ${headMask[i]}`);
      }
    }
    const m = headMask ?? ones;
    device.queue.writeBuffer(mask, 0, m.buffer, m.byteOffset, m.byteLength);
    return input.length / pixels;
  }

  /**
   * Runs the passes over n images in queue order (`who` names the call in errors), each writing its
   * images and copying the chunk's read-outs: `parts` [{names (one activation per block, or one), floats per image}] land one
   * after the other in the result, each (names.length, n, floats) (block-major).
   */
  function runParts(who, input, n, parts) {
    const sizes = parts.map(({ names, floats }) => names.length * n * floats);
    const resultFloats = sizes.reduce((a, b) => a + b, 0);
    if (resultFloats * 4 > device.limits.maxBufferSize) {
      const perImage = resultFloats / n;
      throw new Error(`${who}: images: expected at most ${Math.floor(device.limits.maxBufferSize / 4 / perImage)} images per call on this device (${perImage} read-out values each), got ${n}`);
    }
    const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
    return runner.run(n, {
      resultFloats,
      targets: parts.flatMap((p) => p.names),
      write: (start, count) => {
        const chunk = input.subarray(start * pixels, (start + count) * pixels);
        device.queue.writeBuffer(images, 0, chunk.buffer, chunk.byteOffset, chunk.byteLength);
      },
      copyOut: (encoder, start, count, result) => parts.forEach(({ names, floats }, p) => names.forEach((name, l) => {
        const at = offsets[p] + (l * n + start) * floats;
        encoder.copyBufferToBuffer(runner.bufferOf(name), 0, result, at * 4, count * floats * 4);
      })),
    });
  }

  /**
   * Class probabilities (n * classes) for n images (Float32Array n * C*S*S, pixels in [0, 1]);
   * mask: null or depth * heads factors in [0, 1] (0 lesions a head), as VitLab.predict.
   */
  async function classify(input, headMask = null) {
    const n = prepare('classify', input, headMask);
    return runParts('classify', input, n, [{ names: probsOut, floats: config.classes }]);
  }

  /**
   * Every head's attention map of n images, as VitLab.attentionMaps: {probs (n * classes),
   * attention (n * depth * heads * T * T), image by image}. mask as classify.
   */
  async function attentionMaps(input, headMask = null) {
    const n = prepare('attentionMaps', input, headMask);
    const { depth, heads, classes, tokens: T } = config;
    const per = heads * T * T;
    const flat = await runParts('attentionMaps', input, n, [{ names: probsOut, floats: classes }, { names: mapsOut, floats: per }]);
    // The passes leave the maps block-major, (depth, n, heads, T, T): reorder to image-major.
    const attention = new Float32Array(n * depth * per);
    const maps = flat.subarray(n * classes);
    for (let b = 0; b < n; ++b) {
      for (let l = 0; l < depth; ++l) attention.set(maps.subarray((l * n + b) * per, (l * n + b + 1) * per), (b * depth + l) * per);
    }
    return { probs: flat.slice(0, n * classes), attention };
  }

  /**
   * Mean attention distance in pixels of each block's heads over n images, as
   * VitLab.meanAttentionDistance (depth * heads); mask as classify (null: none).
   */
  async function meanAttentionDistance(input, headMask = null) {
    const n = prepare('meanAttentionDistance', input, headMask);
    const { depth, heads } = config;
    const perImage = await runParts('meanAttentionDistance', input, n, [{ names: distanceOut, floats: heads }]);  // (depth, n, heads)
    const mean = new Float32Array(depth * heads);
    for (let l = 0; l < depth; ++l) {
      for (let h = 0; h < heads; ++h) {
        let sum = 0;
        for (let b = 0; b < n; ++b) sum += perImage[(l * n + b) * heads + h];
        mean[l * heads + h] = sum / n;
      }
    }
    return mean;
  }

  /**
   * Milliseconds per op kind for one pass over the first `batch` images of `input` (each dispatch
   * submitted and awaited alone: slower than classify, for finding the expensive kernels).
   */
  async function profile(input) {
    const count = Math.min(batch, input.length / pixels);
    device.queue.writeBuffer(mask, 0, ones.buffer, ones.byteOffset, ones.byteLength);
    device.queue.writeBuffer(images, 0, input.buffer, input.byteOffset, count * pixels * 4);
    return { images: count, ms: await runner.profile(count) };
  }

  return {
    classify,
    attentionMaps,
    meanAttentionDistance,
    profile,
    /** Replaces the weights with new values of the same names and sizes (e.g. after training steps). */
    setWeights: (values) => runner.setWeights(values),
    config,
    batch,
    /** Bytes of GPU memory held (weights, activations, inputs). */
    bytes: runner.bytes + mask.size,
    destroy() {
      destroyed = true;
      runner.destroy();
      mask.destroy();
    },
  };
}

/** Agreement of two probability tables (n * classes): {images, maxAbsDiff, argmaxAgree, argmaxDiffer}. */
export function compareProbs(a, b, classes) {
  if (a.length !== b.length || a.length % classes !== 0) throw new Error(`compareProbs: expected two tables of n * ${classes} values, got lengths ${a.length} and ${b.length}`);
  const argmax = (p, r) => {
    let best = 0;
    for (let j = 1; j < classes; ++j) if (p[r * classes + j] > p[r * classes + best]) best = j;
    return best;
  };
  let argmaxAgree = 0;
  const n = a.length / classes;
  for (let r = 0; r < n; ++r) if (argmax(a, r) === argmax(b, r)) argmaxAgree++;
  return { images: n, maxAbsDiff: maxAbsDiff(a, b), argmaxAgree, argmaxDiffer: n - argmaxAgree };
}
