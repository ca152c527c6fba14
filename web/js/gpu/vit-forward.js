// Batched ViT inference on WebGPU from the core's own forward plan: the model is defined once, in
// C++ (core/models/vit.cpp, Vit::forward_plan next to Vit::forward), and reaches this module as data
// (VitClassifier.forwardPlan(): {config, ops, weights}). This module only maps each op onto a WGSL
// kernel (./kernels/*.wgsl through ./kernels.js); it knows no layer of the ViT by itself.
//
//   const plan = vit.forwardPlan();                              // from the wasm module
//   const gpu = await createVitForward(device, plan, { loadSource: fetchSource });
//   const probs = await gpu.classify(images, headMask);          // (n * classes)
//   gpu.destroy();
//
// Only the WebGPU API on the GPUDevice passed in (no DOM, no navigator), so the same module runs in
// a page, a worker and in Node with Dawn. Weights and activations are uploaded/allocated once;
// activations share buffers by liveness; each batch replays prepared dispatches (one compute pass
// per batch, one read-back per classify call).
import {
  encodeDispatches, gemmDispatch, gemmNaiveDispatch, initKernels, linearDispatch, prepareDispatch, rowDispatch, rowThreadDispatch,
  uniformBuffer,
} from './kernels.js';

const OPS = ['patchify', 'linear', 'tokens', 'layernorm', 'attention', 'gelu', 'add', 'class_token', 'softmax'];
const CONFIG_FIELDS = ['image', 'channels', 'patch', 'dim', 'depth', 'heads', 'mlp', 'classes', 'tokens', 'pixelMean', 'pixelStd', 'lnEps'];
const STORAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** Elements per image of an op's output shape ["B", ...]. */
const perImage = (shape) => shape.slice(1).reduce((a, b) => a * b, 1);

/** Checks a plan from VitClassifier.forwardPlan(); throws an Error naming the bad field. */
export function checkPlan(plan) {
  if (!plan || typeof plan !== 'object') throw new Error(`createVitForward: plan: expected {config, ops, weights}, got ${plan === null ? 'null' : typeof plan}`);
  const { config, ops, weights } = plan;
  if (!config || typeof config !== 'object') throw new Error('createVitForward: plan.config: expected an object');
  for (const f of CONFIG_FIELDS) {
    if (!(typeof config[f] === 'number' && Number.isFinite(config[f]))) throw new Error(`createVitForward: plan.config.${f}: expected a number, got ${config[f]}`);
  }
  if (!Array.isArray(ops) || ops.length === 0) throw new Error('createVitForward: plan.ops: expected a non-empty array');
  if (!weights || typeof weights !== 'object') throw new Error('createVitForward: plan.weights: expected {name: Float32Array}');
  const known = new Set(['images']);
  ops.forEach((op, i) => {
    const where = `createVitForward: plan.ops[${i}]`;
    if (!OPS.includes(op?.op)) throw new Error(`${where}.op: expected one of ${OPS.join(', ')}, got ${op?.op}`);
    if (!Array.isArray(op.shape) || op.shape[0] !== 'B' || !op.shape.slice(1).every((d) => Number.isInteger(d) && d > 0)) {
      throw new Error(`${where}.shape: expected ["B", positive integers...], got ${JSON.stringify(op.shape)}`);
    }
    for (const name of op.inputs) if (!known.has(name)) throw new Error(`${where}.inputs: '${name}' is not computed before this op`);
    for (const name of op.weights) if (!(weights[name] instanceof Float32Array)) throw new Error(`${where}.weights: '${name}' is not a Float32Array in plan.weights`);
    known.add(op.output);
  });
  if (ops.at(-1).op !== 'softmax') throw new Error('createVitForward: plan.ops: expected the last op to be softmax (probabilities)');
  return plan;
}

/**
 * Builds the GPU side of a ViT from its forward plan on `device`: weights uploaded once, buffers for
 * `batch` images per pass. loadSource: name -> WGSL text (kernels.js fetchSource in a browser, fs in Node).
 * Resolves to {classify(images, mask) -> Promise<Float32Array>, config, batch, destroy()}.
 */
export async function createVitForward(device, plan, { loadSource, batch = 256, gemm = 'tiled' } = {}) {
  if (!device || typeof device.createBuffer !== 'function') throw new Error('createVitForward: device: expected a GPUDevice');
  checkPlan(plan);
  if (!Number.isInteger(batch) || batch < 1 || batch > 4096) throw new Error(`createVitForward: batch: expected an integer in [1, 4096], got ${batch}`);
  if (gemm !== 'tiled' && gemm !== 'naive') throw new Error(`createVitForward: gemm: expected 'tiled' or 'naive', got ${gemm}`);
  await initKernels(device, loadSource);
  const { config, ops } = plan;
  const pixels = config.channels * config.image * config.image;
  const maskLength = config.depth * config.heads;
  const owned = [];
  const storage = (floats, label) => {
    const b = device.createBuffer({ label, size: Math.max(16, floats * 4), usage: STORAGE() });
    owned.push(b);
    return b;
  };

  // Weights, once.
  const weights = {};
  for (const op of ops) {
    for (const name of op.weights) {
      if (weights[name]) continue;
      const w = plan.weights[name];
      weights[name] = storage(w.length, name);
      device.queue.writeBuffer(weights[name], 0, w.buffer, w.byteOffset, w.byteLength);
    }
  }
  const images = storage(batch * pixels, 'vit: images');
  const mask = storage(maskLength, 'vit: head mask');

  // Activations: each op's output gets a slot; a slot is free again after the last op that reads
  // it (the output is assigned before the inputs are released, so no op reads and writes one buffer).
  const lastUse = new Map();
  ops.forEach((op, i) => op.inputs.forEach((name) => lastUse.set(name, i)));
  const slotOf = new Map();
  const slotSize = [];
  const free = [];
  ops.forEach((op, i) => {
    const need = batch * perImage(op.shape);
    const slot = free.length ? free.pop() : slotSize.push(0) - 1;
    slotSize[slot] = Math.max(slotSize[slot], need);
    slotOf.set(op.output, slot);
    for (const name of new Set(op.inputs)) if (lastUse.get(name) === i && slotOf.has(name)) free.push(slotOf.get(name));
  });
  const slots = slotSize.map((size, i) => storage(size, `vit: activation ${i}`));
  const bufferOf = (name) => (name === 'images' ? images : slots[slotOf.get(name)]);
  const shapeOf = new Map([['images', ['B', config.channels, config.image, config.image]]]);
  for (const op of ops) shapeOf.set(op.output, op.shape);
  const probsName = ops.at(-1).output;

  // The dispatches for a pass of n images (n = batch, and once for a smaller last pass).
  const programs = new Map();
  const program = (n) => {
    if (programs.has(n)) return programs.get(n);
    const list = [];
    const u = (words, label) => {
      const b = uniformBuffer(device, words, label);
      owned.push(b);
      return b;
    };
    const f32 = (words, index, value) => { new Float32Array(words.buffer)[index] = value; return words; };
    for (const [i, op] of ops.entries()) {
      const label = `vit: ${op.op} -> ${op.output}`;
      const out = bufferOf(op.output);
      const x = bufferOf(op.inputs[0]);
      const count = n * perImage(op.shape);
      const last = op.shape.at(-1);
      const W = op.weights.map((name) => weights[name]);
      let d;
      switch (op.op) {
        case 'patchify': {
          const words = new Uint32Array([count, op.attrs.image, op.attrs.patch, op.attrs.channels, 0, 0, 0, 0]);
          f32(words, 4, Math.fround(1 / op.attrs.std));
          f32(words, 5, Math.fround(-op.attrs.mean / op.attrs.std));
          d = prepareDispatch(device, 'patchify', [x, null, out, u(words, label)], linearDispatch(count), label);
          break;
        }
        case 'linear': {
          const rows = count / last;
          const k = (n * perImage(shapeOf.get(op.inputs[0]))) / rows;
          const flags = (op.attrs.transposeWeight ? 2 : 0) | 4;
          const params = u(new Uint32Array([rows, last, k, flags]), label);
          d = gemm === 'naive'
            ? prepareDispatch(device, 'gemmNaive', [x, W[0], out, W[1], params], gemmNaiveDispatch(rows, last), label)
            : prepareDispatch(device, 'gemm', [x, W[0], out, W[1], params], gemmDispatch(rows, last), label);
          break;
        }
        case 'tokens':
          d = prepareDispatch(device, 'addTokens', [x, W[0], W[1], out, u(new Uint32Array([count, op.shape[1], last, 0]), label)], linearDispatch(count), label);
          break;
        case 'class_token': {
          const [, T, D] = shapeOf.get(op.inputs[0]);
          d = prepareDispatch(device, 'classToken', [x, null, null, out, u(new Uint32Array([count, T, D, 0]), label)], linearDispatch(count), label);
          break;
        }
        case 'layernorm': {
          const rows = count / last;
          const params = u(f32(new Uint32Array([rows, last, 0, 0]), 2, op.attrs.eps), label);
          // Short rows: a thread per row; long rows: a workgroup per row.
          d = last <= 256
            ? prepareDispatch(device, 'layernormRows', [x, W[0], W[1], out, params], rowThreadDispatch(rows), label)
            : prepareDispatch(device, 'layernorm', [x, W[0], W[1], out, params], rowDispatch(rows), label);
          break;
        }
        case 'attention': {
          const [, T, D] = op.shape;
          const H = op.attrs.heads;
          const rows = n * H * T;
          const words = f32(new Uint32Array([rows, T, D, H, op.attrs.maskOffset, 1, 0, 0]), 6, Math.fround(1 / Math.sqrt(D / H)));
          d = prepareDispatch(device, 'attention', [x, mask, out, u(words, label)], linearDispatch(rows), label);
          break;
        }
        case 'add':
          d = prepareDispatch(device, 'addBias', [x, bufferOf(op.inputs[1]), out, u(new Uint32Array([count, count]), label)], linearDispatch(count), label);
          break;
        case 'gelu':
          d = prepareDispatch(device, 'gelu', [x, null, out, u(new Uint32Array([count, count]), label)], linearDispatch(count), label);
          break;
        case 'softmax': {
          const rows = count / last;
          d = prepareDispatch(device, 'softmax', [x, out, u(new Uint32Array([rows, last]), label)], rowDispatch(rows), label);
          break;
        }
        default:
          throw new Error(`createVitForward: plan.ops[${i}].op: unsupported ${op.op}`);
      }
      list.push(d);
    }
    programs.set(n, list);
    return list;
  };
  program(batch);

  const ones = new Float32Array(maskLength).fill(1);
  let destroyed = false;

  /**
   * Class probabilities (n * classes) for n images (Float32Array n * C*S*S, pixels in [0, 1]);
   * mask: null or depth * heads factors in [0, 1] (0 lesions a head), as VitClassifier.predict.
   */
  async function classify(input, headMask = null) {
    if (destroyed) throw new Error('classify: this GPU forward was destroyed');
    if (!(input instanceof Float32Array) || input.length === 0 || input.length % pixels !== 0) {
      throw new Error(`classify: images: expected a non-empty Float32Array of n * ${pixels} pixels, got ${input instanceof Float32Array ? `length ${input.length}` : typeof input}`);
    }
    for (let i = 0; i < input.length; ++i) {
      if (!(input[i] >= 0 && input[i] <= 1)) throw new Error(`classify: images[${i}]: expected a pixel in [0, 1], got ${input[i]}`);
    }
    if (headMask != null) {
      if (!(headMask instanceof Float32Array) || headMask.length !== maskLength) {
        throw new Error(`classify: mask: expected null or a Float32Array of ${maskLength} factors (depth * heads), got ${headMask instanceof Float32Array ? `length ${headMask.length}` : typeof headMask}`);
      }
      for (let i = 0; i < maskLength; ++i) {
        if (!(headMask[i] >= 0 && headMask[i] <= 1)) throw new Error(`classify: mask[${i}]: expected a number in [0, 1], got ${headMask[i]}`);
      }
    }
    const m = headMask ?? ones;
    device.queue.writeBuffer(mask, 0, m.buffer, m.byteOffset, m.byteLength);
    const n = input.length / pixels;
    const K = config.classes;
    const result = device.createBuffer({ label: 'vit: probs', size: Math.max(16, n * K * 4), usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    const staging = device.createBuffer({ label: 'vit: read back', size: Math.max(16, n * K * 4), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    try {
      // Queue order makes the passes sequential: each writes the images, runs, copies its probs out.
      for (let start = 0; start < n; start += batch) {
        const count = Math.min(batch, n - start);
        const chunk = input.subarray(start * pixels, (start + count) * pixels);
        device.queue.writeBuffer(images, 0, chunk.buffer, chunk.byteOffset, chunk.byteLength);
        const encoder = device.createCommandEncoder({ label: 'vit: forward' });
        encodeDispatches(encoder, program(count));
        encoder.copyBufferToBuffer(bufferOf(probsName), 0, result, start * K * 4, count * K * 4);
        device.queue.submit([encoder.finish()]);
      }
      const encoder = device.createCommandEncoder();
      encoder.copyBufferToBuffer(result, 0, staging, 0, n * K * 4);
      device.queue.submit([encoder.finish()]);
      await staging.mapAsync(GPUMapMode.READ);
      const out = new Float32Array(staging.getMappedRange().slice(0, n * K * 4));
      staging.unmap();
      return out;
    } finally {
      result.destroy();
      staging.destroy();
    }
  }

  /**
   * Milliseconds per op kind for one pass over the first `batch` images of `input` (each dispatch
   * submitted and awaited alone: slower than classify, for finding the expensive kernels).
   */
  async function profile(input) {
    const count = Math.min(batch, input.length / pixels);
    device.queue.writeBuffer(mask, 0, ones.buffer, ones.byteOffset, ones.byteLength);
    device.queue.writeBuffer(images, 0, input.buffer, input.byteOffset, count * pixels * 4);
    await device.queue.onSubmittedWorkDone();
    const ms = {};
    const list = program(count);
    for (const [i, d] of list.entries()) {
      const t = performance.now();
      const encoder = device.createCommandEncoder();
      encodeDispatches(encoder, [d]);
      device.queue.submit([encoder.finish()]);
      await device.queue.onSubmittedWorkDone();
      ms[ops[i].op] = (ms[ops[i].op] ?? 0) + performance.now() - t;
    }
    return { images: count, ms };
  }

  /** Replaces the weights with new values of the same names and sizes (e.g. after training steps). */
  function setWeights(values) {
    for (const [name, buffer] of Object.entries(weights)) {
      const v = values?.[name];
      if (!(v instanceof Float32Array) || v.length !== plan.weights[name].length) {
        throw new Error(`setWeights: values['${name}']: expected a Float32Array of ${plan.weights[name].length} values`);
      }
    }
    for (const [name, buffer] of Object.entries(weights)) {
      const v = values[name];
      device.queue.writeBuffer(buffer, 0, v.buffer, v.byteOffset, v.byteLength);
    }
  }

  return {
    classify,
    profile,
    setWeights,
    config,
    batch,
    /** Bytes of GPU memory held (weights, activations, inputs). */
    bytes: owned.reduce((s, b) => s + b.size, 0),
    destroy() {
      destroyed = true;
      for (const b of owned) b.destroy();
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
  let maxAbsDiff = 0, argmaxAgree = 0;
  const n = a.length / classes;
  for (let i = 0; i < a.length; ++i) maxAbsDiff = Math.max(maxAbsDiff, Math.abs(a[i] - b[i]));
  for (let r = 0; r < n; ++r) if (argmax(a, r) === argmax(b, r)) argmaxAgree++;
  return { images: n, maxAbsDiff, argmaxAgree, argmaxDiffer: n - argmaxAgree };
}
