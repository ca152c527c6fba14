// Runs a model's forward plan (an ordered list of ops over named activations, exported by the C++
// core: core/nn/plan.h) on WebGPU, batched. Shared by the model executors (vit-forward.js,
// lfads-forward.js, prednet-forward.js), which add only what is their own: the ops no other model
// has (extraOps), and how their inputs and outputs are laid out.
//
//   const runner = await createPlanRunner(device, plan, {inputs: {images: ['B', 1, 28, 28]}, batch, keep, extraOps, loadSource});
//   const out = await runner.run(n, {resultFloats, write(start, count), copyOut(encoder, start, count, result), targets});
//
// Weights are uploaded once (setWeights replaces them); every op's output gets a buffer slot, and a
// slot is reused after the last op that reads it (liveness), except the names in `keep`, which
// hold their own buffers until the pass is over (read-outs; made when a pass first writes them).
// A pass runs only the ops that its targets need (by default the last op's output and `keep`), so
// read-outs that a caller does not ask for cost nothing. The dispatches of a pass of n items are
// prepared once per (n, targets) and replayed (one compute pass per chunk of `batch` items); one
// read-back per run. Only the WebGPU API on the device passed in: runs in a page, a worker, or Node
// with Dawn. tests/wasm/plan-reference.mjs is the same interpreter in plain JS, on the CPU.
import {
  clampParams, conv3x3Dispatches, encodeDispatches, gemmDispatch, gemmNaiveDispatch, gruParams, initKernels, linearDispatch, pipelinesBuilt, prepareDispatch,
  rowDispatch, rowThreadDispatch, uniformBuffer,
} from './kernels.js';

const STORAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** Elements per item of a shape ["B", ...]. */
export const perItem = (shape) => shape.slice(1).reduce((a, b) => a * b, 1);

/** The ops every plan may use (see common() below); a model adds its own through extraOps. */
export const COMMON_OPS = ['linear', 'add', 'gelu', 'softmax', 'layernorm', 'concat', 'gru', 'bias_rows',
  'conv3x3', 'relu', 'clamp', 'zeros', 'upsample2x', 'maxpool2x2'];

/**
 * Checks what every model executor takes besides its plan (`who` prefixes the errors): a GPUDevice,
 * an integer batch in [1, maxBatch], and gemm 'tiled' or 'naive'.
 */
export function checkForwardArgs(who, device, { batch, gemm, maxBatch }) {
  if (!device || typeof device.createBuffer !== 'function') throw new Error(`${who}: device: expected a GPUDevice`);
  if (!Number.isInteger(batch) || batch < 1 || batch > maxBatch) throw new Error(`${who}: batch: expected an integer in [1, ${maxBatch}], got ${batch}`);
  if (gemm !== 'tiled' && gemm !== 'naive') throw new Error(`${who}: gemm: expected 'tiled' or 'naive', got ${gemm}`);
}

/** max |a - b| over two equal-length arrays (the agreement figure of a GPU path against wasm). */
export function maxAbsDiff(a, b) {
  if (a.length !== b.length) throw new Error(`maxAbsDiff: expected equal lengths, got ${a.length} and ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; ++i) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * Checks a plan's ops: known op names, shapes ["B", positive integers...], every input computed
 * earlier (or a plan input), every weight a Float32Array. `who` prefixes the errors.
 */
export function checkOps(who, { ops, weights }, inputNames, opNames) {
  if (!Array.isArray(ops) || ops.length === 0) throw new Error(`${who}: plan.ops: expected a non-empty array`);
  if (!weights || typeof weights !== 'object') throw new Error(`${who}: plan.weights: expected {name: Float32Array}`);
  const known = new Set(inputNames);
  ops.forEach((op, i) => {
    const where = `${who}: plan.ops[${i}]`;
    if (!opNames.includes(op?.op)) throw new Error(`${where}.op: expected one of ${opNames.join(', ')}, got ${op?.op}`);
    if (!Array.isArray(op.shape) || op.shape[0] !== 'B' || !op.shape.slice(1).every((d) => Number.isInteger(d) && d > 0)) {
      throw new Error(`${where}.shape: expected ["B", positive integers...], got ${JSON.stringify(op.shape)}`);
    }
    if (!Array.isArray(op.inputs) || !Array.isArray(op.weights)) throw new Error(`${where}: expected inputs and weights arrays`);
    for (const name of op.inputs) if (!known.has(name)) throw new Error(`${where}.inputs: '${name}' is not computed before this op`);
    for (const name of op.weights) if (!(weights[name] instanceof Float32Array)) throw new Error(`${where}.weights: '${name}' is not a Float32Array in plan.weights`);
    if (known.has(op.output)) throw new Error(`${where}.output: '${op.output}' is written twice`);
    known.add(op.output);
  });
}

/**
 * The GPU side of a plan on `device`. options: inputs {name: shape ["B", ...]} (buffers for `batch`
 * items each), keep [names] (outputs read after the pass), targets [names] (what a pass computes
 * unless run() says otherwise; default: the last op's output and keep), batch (items per pass),
 * gemm 'tiled' | 'naive' (the plain kernel is faster on CPU software adapters), loadSource
 * (kernels.js), extraOps {op: (op, ctx) -> prepared dispatch} for a model's own ops, label (for
 * buffer labels).
 */
export async function createPlanRunner(device, plan, { inputs, keep = [], targets, batch, gemm = 'tiled', loadSource, extraOps = {}, label = 'plan' }) {
  await initKernels(device, loadSource);
  const { ops } = plan;
  const owned = [];
  const storage = (floats, name) => {
    const b = device.createBuffer({ label: `${label}: ${name}`, size: Math.max(16, floats * 4), usage: STORAGE() });
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
  const shapeOf = new Map(Object.entries(inputs));
  const inputBuffers = new Map(Object.entries(inputs).map(([name, shape]) => [name, storage(batch * perItem(shape), name)]));
  for (const op of ops) shapeOf.set(op.output, op.shape);

  // Activations: each op's output gets a slot; a slot is free again after the last op that reads
  // it (the output is assigned before the inputs are released, so no op reads and writes one buffer).
  const kept = new Set(keep);
  for (const name of kept) if (!shapeOf.has(name) || inputBuffers.has(name)) throw new Error(`${label}: keep: '${name}' is not an output of the plan's ops`);
  const lastUse = new Map();
  ops.forEach((op, i) => op.inputs.forEach((name) => lastUse.set(name, i)));
  const slotOf = new Map();
  const slotSize = [];
  const free = [];
  ops.forEach((op, i) => {
    if (!kept.has(op.output)) {
      const slot = free.length ? free.pop() : slotSize.push(0) - 1;
      slotSize[slot] = Math.max(slotSize[slot], batch * perItem(op.shape));
      slotOf.set(op.output, slot);
    }
    for (const name of new Set(op.inputs)) if (lastUse.get(name) === i && slotOf.has(name)) free.push(slotOf.get(name));
  });
  const slots = slotSize.map((size, i) => storage(size, `activation ${i}`));
  const keptBuffers = new Map();
  const keptBuffer = (name) => {
    if (!keptBuffers.has(name)) keptBuffers.set(name, storage(batch * perItem(shapeOf.get(name)), name));
    return keptBuffers.get(name);
  };
  const bufferOf = (name) => inputBuffers.get(name) ?? (kept.has(name) ? keptBuffer(name) : slots[slotOf.get(name)]);

  // The ops a pass runs: those its targets need, walking back from them through the inputs.
  const defaultTargets = targets ?? [ops.at(-1).output, ...kept];
  const neededOps = (targets) => {
    const want = new Set(targets);
    for (const name of want) if (!shapeOf.has(name) || inputBuffers.has(name)) throw new Error(`${label}: targets: '${name}' is not an output of the plan's ops`);
    const needed = [];
    for (let i = ops.length - 1; i >= 0; --i) {
      if (!want.has(ops[i].output)) continue;
      needed.push(i);
      for (const name of ops[i].inputs) want.add(name);
    }
    return needed.reverse();
  };
  // Scratch buffers for ops of several dispatches (conv3x3: the patch matrix and the GEMM product).
  // Dispatches run in order, so one buffer per index serves every op; a larger need gets a new one.
  const scratchBuffers = [];
  const scratch = (index, floats) => {
    if (!scratchBuffers[index] || scratchBuffers[index].size < floats * 4) scratchBuffers[index] = storage(floats, `scratch ${index}`);
    return scratchBuffers[index];
  };

  // The dispatches for a pass of n items (n = batch, and once more for a smaller last pass).
  const programs = new Map();
  const program = (n, targets = defaultTargets) => {
    const key = `${n} ${targets.join(' ')}`;
    if (programs.has(key)) return programs.get(key);
    const list = [];
    for (const i of neededOps(targets)) {
      const op = ops[i];
      const tag = `${label}: ${op.op} -> ${op.output}`;
      const u = (words) => {
        const b = uniformBuffer(device, words, tag);
        owned.push(b);
        return b;
      };
      const ctx = {
        n, label: tag, u, out: bufferOf(op.output), x: op.inputs.length ? bufferOf(op.inputs[0]) : null,
        count: n * perItem(op.shape), last: op.shape.at(-1), W: op.weights.map((name) => weights[name]),
        bufferOf, shapeOf: (name) => shapeOf.get(name), f32, scratch,
      };
      const d = extraOps[op.op]?.(op, ctx) ?? common(device, op, ctx, gemm);
      if (!d) throw new Error(`${label}: plan.ops[${i}].op: unsupported ${op.op}`);
      // One dispatch, or several (conv3x3); each remembers its op's kind for profile().
      for (const one of [].concat(d)) list.push({ ...one, kind: op.op });
    }
    programs.set(key, list);
    return list;
  };
  program(batch);
  await pipelinesBuilt(device);  // the pipelines the passes use, made while preparing them

  let destroyed = false;
  return {
    batch,
    program,
    bufferOf,
    /** The buffer of a plan input (batch items). */
    input: (name) => inputBuffers.get(name),
    /**
     * Runs ceil(n / batch) passes in queue order: write(start, count) fills the inputs of a chunk,
     * copyOut(encoder, start, count, result) copies its read-outs into `result` (resultFloats
     * floats); resolves to a Float32Array copy of `result` after one read-back. targets: the
     * activations the passes must compute (default: the last op's output and `keep`).
     */
    async run(n, { resultFloats, write, copyOut, targets = defaultTargets }) {
      if (destroyed) throw new Error(`${label}: this GPU forward was destroyed`);
      const bytes = Math.max(16, resultFloats * 4);
      const result = device.createBuffer({ label: `${label}: result`, size: bytes, usage: GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
      const staging = device.createBuffer({ label: `${label}: read back`, size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      try {
        for (let start = 0; start < n; start += batch) {
          const count = Math.min(batch, n - start);
          write(start, count);
          const encoder = device.createCommandEncoder({ label: `${label}: forward` });
          encodeDispatches(encoder, program(count, targets));
          copyOut(encoder, start, count, result);
          device.queue.submit([encoder.finish()]);
        }
        const encoder = device.createCommandEncoder();
        encoder.copyBufferToBuffer(result, 0, staging, 0, bytes);
        device.queue.submit([encoder.finish()]);
        await staging.mapAsync(GPUMapMode.READ);
        const out = new Float32Array(staging.getMappedRange().slice(0, resultFloats * 4));
        staging.unmap();
        return out;
      } finally {
        result.destroy();
        staging.destroy();
      }
    },
    /** Milliseconds per op kind for one pass of `count` items (inputs written by the caller); each dispatch awaited alone. */
    async profile(count, targets = defaultTargets) {
      await device.queue.onSubmittedWorkDone();
      const ms = {};
      for (const d of program(count, targets)) {
        const t = performance.now();
        const encoder = device.createCommandEncoder();
        encodeDispatches(encoder, [d]);
        device.queue.submit([encoder.finish()]);
        await device.queue.onSubmittedWorkDone();
        ms[d.kind] = (ms[d.kind] ?? 0) + performance.now() - t;
      }
      return ms;
    },
    /** Replaces the weights with new values of the same names and sizes (e.g. after training steps). */
    setWeights(values) {
      for (const name of Object.keys(weights)) {
        const v = values?.[name];
        if (!(v instanceof Float32Array) || v.length !== plan.weights[name].length) {
          throw new Error(`setWeights: values['${name}']: expected a Float32Array of ${plan.weights[name].length} values`);
        }
      }
      for (const [name, buffer] of Object.entries(weights)) {
        const v = values[name];
        device.queue.writeBuffer(buffer, 0, v.buffer, v.byteOffset, v.byteLength);
      }
    },
    /** Bytes of GPU memory held (weights, activations, inputs, uniforms). */
    get bytes() { return owned.reduce((s, b) => s + b.size, 0); },
    destroy() {
      destroyed = true;
      for (const b of owned) b.destroy();
    },
  };
}

function f32(words, index, value) {
  new Float32Array(words.buffer)[index] = value;
  return words;
}

/** A prepared dispatch for an op every model may use (null for an op it does not know). */
function common(device, op, { n, label, u, out, x, count, last, W, bufferOf, shapeOf, scratch }, gemm) {
  switch (op.op) {
    case 'linear': {
      // x (rows, k) W (k, last) (+ b); W stored (last, k) when transposeWeight is 1.
      const rows = count / last;
      const k = (n * perItem(shapeOf(op.inputs[0]))) / rows;
      const flags = (op.attrs.transposeWeight ? 2 : 0) | (W.length > 1 ? 4 : 0);
      const params = u(new Uint32Array([rows, last, k, flags]));
      return gemm === 'naive'
        ? prepareDispatch(device, 'gemmNaive', [x, W[0], out, W[1] ?? null, params], gemmNaiveDispatch(rows, last), label)
        : prepareDispatch(device, 'gemm', [x, W[0], out, W[1] ?? null, params], gemmDispatch(rows, last), label);
    }
    case 'add':
      return prepareDispatch(device, 'addBias', [x, bufferOf(op.inputs[1]), out, u(new Uint32Array([count, count]))], linearDispatch(count), label);
    case 'gelu':
      return prepareDispatch(device, 'gelu', [x, null, out, u(new Uint32Array([count, count]))], linearDispatch(count), label);
    case 'softmax': {
      const rows = count / last;
      return prepareDispatch(device, 'softmax', [x, out, u(new Uint32Array([rows, last]))], rowDispatch(rows), label);
    }
    case 'layernorm': {
      const rows = count / last;
      const params = u(f32(new Uint32Array([rows, last, 0, 0]), 2, op.attrs.eps));
      // Short rows: a thread per row; long rows: a workgroup per row.
      return last <= 256
        ? prepareDispatch(device, 'layernormRows', [x, W[0], W[1], out, params], rowThreadDispatch(rows), label)
        : prepareDispatch(device, 'layernorm', [x, W[0], W[1], out, params], rowDispatch(rows), label);
    }
    case 'concat': {
      // Along axis a (default: the last): rows = everything before a, widths = each input's extent from a on.
      const axis = op.attrs.axis ?? op.shape.length - 1;
      const rows = n * op.shape.slice(1, axis).reduce((p, d) => p * d, 1);
      const widths = op.inputs.map((name) => (n * perItem(shapeOf(name))) / rows);
      if (widths.length < 2 || widths.length > 3) throw new Error(`${label}: concat takes 2 or 3 inputs, got ${widths.length}`);
      const [wa, wb, wc = 0] = widths;
      const c = widths.length === 3 ? bufferOf(op.inputs[2]) : null;
      return prepareDispatch(device, 'concat', [x, bufferOf(op.inputs[1]), c, out, u(new Uint32Array([rows, wa, wb, wc]))], linearDispatch(count), label);
    }
    case 'gru': {
      // inputs [x_proj (B, steps, 3H)] at a zero state, else [x_proj, h W_h (B, 3H), h (B, H)].
      const first = op.inputs.length === 1;
      const words = gruParams({ rows: count / last, hidden: last, steps: op.attrs.steps, step: op.attrs.step, first, clip: op.attrs.clip });
      const [hp, h] = first ? [null, null] : [bufferOf(op.inputs[1]), bufferOf(op.inputs[2])];
      return prepareDispatch(device, 'gru', [x, hp, h, out, u(words)], linearDispatch(count), label);
    }
    case 'bias_rows':
      return prepareDispatch(device, 'repeatRows', [null, W[0], out, u(new Uint32Array([count, last]))], linearDispatch(count), label);
    case 'zeros':
      return prepareDispatch(device, 'zero', [null, null, out, u(new Uint32Array([count, count]))], linearDispatch(count), label);
    case 'relu':
      return prepareDispatch(device, 'relu', [x, null, out, u(new Uint32Array([count, count]))], linearDispatch(count), label);
    case 'clamp':
      return prepareDispatch(device, 'clamp', [x, null, out, u(clampParams(count, op.attrs.lo, op.attrs.hi))], linearDispatch(count), label);
    case 'upsample2x':
    case 'maxpool2x2': {
      const [, , h, w] = op.shape;
      return prepareDispatch(device, op.op, [x, null, out, u(new Uint32Array([count, h, w, 0]))], linearDispatch(count), label);
    }
    case 'conv3x3': {
      // im2col + GEMM + back to NCHW (kernels.js conv3x3Dispatches); weight (O, C, 3, 3), bias (O).
      const [, c, h, w] = shapeOf(op.inputs[0]);
      const o = op.shape[1];
      return conv3x3Dispatches(device, {
        x, weight: W[0], bias: W[1] ?? null, y: out, cols: scratch(0, c * 9 * n * h * w), product: scratch(1, o * n * h * w),
        n, c, h, w, o, u, naive: gemm === 'naive', label,
      });
    }
    default:
      return null;
  }
}
