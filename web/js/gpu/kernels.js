// WGSL compute kernels behind plain functions. Only the WebGPU API on a GPUDevice passed in: no
// DOM, no navigator, so the same module runs in a page, a worker and in Node with Dawn (npm
// `webgpu`). The WGSL text (one kernel per file in ./kernels/) comes from an injected
// loadSource(name) -> string | Promise<string>: fetchSource below in a browser, fs in Node.
//
//   await initKernels(device, loadSource);      // compiles the WGSL once per device
//   const c = gemm(device, {a, b, m, k, n});    // a GPUBuffer (M, N), queued, not yet finished
//   const values = await readBack(device, c);   // Float32Array
//
// Inputs are Float32Arrays (uploaded for the call) or GPUBuffers (used in place). Outputs are new
// GPUBuffers (STORAGE | COPY_SRC | COPY_DST) that the caller owns (buffer.destroy() when done).
// All tensors are row-major float32, as in the core.

/** The kernel files in ./kernels/ (without .wgsl). */
export const KERNEL_FILES = ['gemm', 'gemm_naive', 'elementwise', 'softmax', 'layernorm', 'im2col', 'patchify', 'tokens', 'attention', 'layernorm_rows', 'gru', 'concat',
  'convlstm', 'error_units', 'resample', 'clamp', 'take_step', 'attention_distance'];

/** loadSource for a browser or worker: fetches ./kernels/<name>.wgsl next to this module. */
export async function fetchSource(name) {
  const url = new URL(`./kernels/${name}.wgsl`, import.meta.url);
  const response = await fetch(url);
  if (!response.ok) throw new Error(`kernel ${name}.wgsl: HTTP ${response.status} for ${url}`);
  return response.text();
}

const GEMM_TILE = 64;      // gemm.wgsl: output tile per workgroup
const NAIVE_TILE = 16;     // gemm_naive.wgsl: workgroup edge
const LINEAR_WG = 256;     // elementwise / im2col: threads per workgroup
const MAX_GROUPS = 65535;  // per dispatch dimension (the WebGPU default limit)

// Binding layouts: 'r' read-only storage, 'w' read-write storage, 'u' uniform.
const LAYOUTS = {
  gemm: 'rrwru',         // a, b, c, bias, params
  elementwise: 'rrwu',   // x, b, y, params
  softmax: 'rwu',        // x, y, params
  layernorm: 'rrrwu',    // x, gamma, beta, y, params
  im2col: 'rrwu',        // src, bias, dst, params
  patchify: 'rrwu',      // src, unused, dst, params
  tokens: 'rrrwu',       // x, cls, pos, y, params
  attention: 'rrwu',     // qkv, mask, out, params
  gru: 'rrrwu',          // x projections, h projections, h, h', params
  concat: 'rrrwu',       // a, b, c, y, params
};
// pipeline name -> [file, entry point, layout]
const PIPELINES = {
  gemm: ['gemm', 'main', 'gemm'],
  gemmNaive: ['gemm_naive', 'main', 'gemm'],
  addBias: ['elementwise', 'add_bias', 'elementwise'],
  mulBias: ['elementwise', 'mul_bias', 'elementwise'],
  relu: ['elementwise', 'relu', 'elementwise'],
  repeatRows: ['elementwise', 'repeat_rows', 'elementwise'],
  zero: ['elementwise', 'zero', 'elementwise'],
  gelu: ['elementwise', 'gelu', 'elementwise'],
  softmax: ['softmax', 'main', 'softmax'],
  layernorm: ['layernorm', 'main', 'layernorm'],
  im2col: ['im2col', 'im2col', 'im2col'],
  toNchw: ['im2col', 'to_nchw', 'im2col'],
  patchify: ['patchify', 'main', 'patchify'],
  addTokens: ['tokens', 'add_tokens', 'tokens'],
  classToken: ['tokens', 'class_token', 'tokens'],
  attention: ['attention', 'main', 'attention'],
  attentionWeights: ['attention', 'weights', 'attention'],
  attentionDistance: ['attention_distance', 'main', 'elementwise'],
  layernormRows: ['layernorm_rows', 'main', 'layernorm'],
  gru: ['gru', 'main', 'gru'],
  concat: ['concat', 'main', 'concat'],
  convlstmCell: ['convlstm', 'cell', 'elementwise'],
  convlstmHidden: ['convlstm', 'hidden', 'elementwise'],
  errorUnits: ['error_units', 'main', 'elementwise'],
  upsample2x: ['resample', 'upsample2x', 'elementwise'],
  maxpool2x2: ['resample', 'maxpool2x2', 'elementwise'],
  clamp: ['clamp', 'main', 'elementwise'],
  takeStep: ['take_step', 'main', 'elementwise'],
};

const states = new WeakMap(); // GPUDevice -> {modules, layouts, pipelines, errors, dummy}

/**
 * Compiles every kernel's WGSL for `device` (once; later calls return the same promise); shader
 * compilation errors are reported with the file name and the compiler's messages. Pipelines are
 * made on first use (pipelineOf): a model's forward needs about half of them, and on a CPU software
 * adapter (SwiftShader) the tiled GEMM pipeline alone takes about 1.5 s to build.
 */
export function initKernels(device, loadSource) {
  if (typeof loadSource !== 'function') throw new TypeError('initKernels: loadSource: expected a function name -> WGSL text');
  let state = states.get(device);
  if (!state) {
    state = { ready: compileModules(device, loadSource) };
    states.set(device, state);
    state.ready.catch(() => states.delete(device)); // a failed compile may be retried
  }
  return state.ready;
}

async function compileModules(device, loadSource) {
  const sources = {};
  for (const file of KERNEL_FILES) sources[file] = await loadSource(file);
  const modules = {};
  for (const [file, code] of Object.entries(sources)) {
    const module = device.createShaderModule({ label: `${file}.wgsl`, code });
    const info = module.getCompilationInfo ? await module.getCompilationInfo() : { messages: [] };
    const errors = info.messages.filter((m) => m.type === 'error');
    if (errors.length) {
      throw new Error(`${file}.wgsl: ${errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('; ')}`);
    }
    modules[file] = module;
  }
  const layouts = {};
  for (const [name, spec] of Object.entries(LAYOUTS)) {
    const bindGroupLayout = device.createBindGroupLayout({
      label: `${name} bindings`,
      entries: [...spec].map((kind, binding) => ({
        binding,
        visibility: GPUShaderStage.COMPUTE,
        buffer: { type: kind === 'u' ? 'uniform' : kind === 'w' ? 'storage' : 'read-only-storage' },
      })),
    });
    layouts[name] = { bindGroupLayout, pipelineLayout: device.createPipelineLayout({ bindGroupLayouts: [bindGroupLayout] }) };
  }
  // Bound where a kernel takes an optional input that is absent (e.g. gemm without bias).
  const dummy = device.createBuffer({ label: 'unused input', size: 16, usage: GPUBufferUsage.STORAGE });
  const state = states.get(device);
  Object.assign(state, { modules, layouts, pipelines: new Map(), errors: [], dummy });
  return state;
}

function stateOf(device) {
  const state = states.get(device);
  if (!state?.pipelines) throw new Error('kernels: call (and await) initKernels(device, loadSource) first');
  return state;
}

/**
 * The compute pipeline of kernel `name` on `device`, made on first use. It is made synchronously
 * (the GPU process builds it while the caller goes on), inside an error scope whose outcome
 * pipelinesBuilt() reports.
 */
function pipelineOf(device, name) {
  const state = stateOf(device);
  let pipeline = state.pipelines.get(name);
  if (!pipeline) {
    const [file, entryPoint, layout] = PIPELINES[name];
    device.pushErrorScope('validation');
    pipeline = device.createComputePipeline({
      label: name, layout: state.layouts[layout].pipelineLayout, compute: { module: state.modules[file], entryPoint },
    });
    state.errors.push(device.popErrorScope().then((error) => error && `${name}: ${error.message}`));
    state.pipelines.set(name, pipeline);
  }
  return pipeline;
}

/**
 * Resolves once every pipeline made so far on `device` is known to be valid; rejects with the
 * kernels' names and the reasons otherwise. Callers that prepare their dispatches up front
 * (plan-runner.js) await it before the first pass.
 */
export async function pipelinesBuilt(device) {
  const failed = (await Promise.all(stateOf(device).errors)).filter(Boolean);
  if (failed.length) throw new Error(`kernels: pipeline creation failed: ${failed.join('; ')}`);
}

/** The names of the pipelines made so far on `device` (for tests of what a forward needs). */
export function builtPipelines(device) {
  return [...stateOf(device).pipelines.keys()];
}

// ---------------------------------------------------------------------------- buffers

const STORAGE_USAGE = () => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;

/** A new storage buffer of `length` float32 values (at least 4 bytes; contents zero). */
export function createBuffer(device, length, label = 'tensor') {
  return device.createBuffer({ label, size: Math.max(4, length * 4), usage: STORAGE_USAGE() });
}

/** Uploads a Float32Array into a new storage buffer. */
export function upload(device, data, label = 'tensor') {
  const buffer = createBuffer(device, data.length, label);
  if (data.length) device.queue.writeBuffer(buffer, 0, data.buffer, data.byteOffset, data.byteLength);
  return buffer;
}

/**
 * Copies `length` float32 values (default: the whole buffer) from a GPUBuffer into a new
 * Float32Array, after all work queued so far.
 */
export async function readBack(device, buffer, length = buffer.size / 4) {
  const bytes = Math.max(4, length * 4);
  const staging = device.createBuffer({ label: 'read back', size: bytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const encoder = device.createCommandEncoder();
  encoder.copyBufferToBuffer(buffer, 0, staging, 0, bytes);
  device.queue.submit([encoder.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  if (states.get(device)?.errors) await pipelinesBuilt(device);  // a kernel whose pipeline failed wrote nothing
  const out = new Float32Array(staging.getMappedRange().slice(0, length * 4));
  staging.unmap();
  staging.destroy();
  return out;
}

/** A Float32Array or GPUBuffer argument as a GPUBuffer of at least `length` floats. */
function input(device, value, length, name, temps) {
  if (value instanceof Float32Array) {
    if (value.length !== length) throw new Error(`${name}: expected a Float32Array of length ${length}, got length ${value.length}`);
    const buffer = upload(device, value, name);
    temps.push(buffer);
    return buffer;
  }
  if (value && typeof value === 'object' && typeof value.size === 'number' && typeof value.destroy === 'function') {
    if (value.size < length * 4) throw new Error(`${name}: expected a GPUBuffer of at least ${length * 4} bytes, got ${value.size}`);
    return value;
  }
  throw new Error(`${name}: expected a Float32Array or a GPUBuffer, got ${value === null ? 'null' : typeof value}`);
}

/** A positive integer dimension (or >= 0 with min 0); names the argument in the error. */
function dim(value, name, min = 1) {
  if (!Number.isInteger(value) || value < min || value > 2 ** 31 - 1)
    throw new Error(`${name}: expected an integer >= ${min}, got ${value}`);
  return value;
}

function uniform(device, words, temps) {
  const buffer = device.createBuffer({ label: 'params', size: Math.max(16, Math.ceil(words.length / 4) * 16), usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buffer, 0, words);
  temps.push(buffer);
  return buffer;
}

/** Workgroup counts for a 1-D kernel over `count` threads in groups of 256, folded into 2-D. */
function linearGroups(count) {
  const groups = Math.max(1, Math.ceil(count / LINEAR_WG));
  return groups <= MAX_GROUPS ? [groups, 1] : [MAX_GROUPS, Math.ceil(groups / MAX_GROUPS)];
}
function rowGroups(rows) {
  return rows <= MAX_GROUPS ? [rows, 1] : [MAX_GROUPS, Math.ceil(rows / MAX_GROUPS)];
}

// ---------------------------------------------------------------------------- prepared dispatches
// For callers that build their buffers once and replay the same dispatches (web/js/gpu/vit-forward.js):
// a pipeline and its bind group, encoded later with encodeDispatches.

/** Threads per workgroup of the 1-D kernels, and the output tile edge of gemm.wgsl. */
export const WORKGROUP = { linear: LINEAR_WG, gemmTile: GEMM_TILE };

/** The bindings' layout letters of a pipeline ('r' read-only storage, 'w' storage, 'u' uniform). */
export function pipelineLayout(name) {
  const spec = PIPELINES[name];
  if (!spec) throw new Error(`pipelineLayout: name: expected one of ${Object.keys(PIPELINES).join(', ')}, got ${name}`);
  return LAYOUTS[spec[2]];
}

/**
 * A prepared dispatch {pipeline, bindGroup, groups} of kernel `name` over `buffers` (in binding
 * order; null for an unused input). groups: workgroup counts, e.g. from linearDispatch.
 */
export function prepareDispatch(device, name, buffers, groups, label = name) {
  const state = stateOf(device);
  const spec = pipelineLayout(name);
  if (buffers.length !== spec.length) throw new Error(`prepareDispatch: buffers: ${name} takes ${spec.length}, got ${buffers.length}`);
  const bindGroup = device.createBindGroup({
    label,
    layout: state.layouts[PIPELINES[name][2]].bindGroupLayout,
    entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer: buffer ?? state.dummy } })),
  });
  return { pipeline: pipelineOf(device, name), bindGroup, groups };
}

/** Records prepared dispatches into one compute pass of `encoder`. */
export function encodeDispatches(encoder, dispatches) {
  const pass = encoder.beginComputePass();
  for (const { pipeline, bindGroup, groups } of dispatches) {
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(...groups);
  }
  pass.end();
}

/** A uniform buffer holding `words` (a Uint32Array; floats stored through a Float32Array view). */
export function uniformBuffer(device, words, label = 'params') {
  const buffer = device.createBuffer({ label, size: Math.max(16, Math.ceil(words.length / 4) * 16), usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(buffer, 0, words);
  return buffer;
}

/** Workgroups for `count` threads of a 1-D kernel (256 per group, folded into 2-D past 65535). */
export const linearDispatch = (count) => linearGroups(count);
/** Workgroups for one thread per row in groups of 64 (layernorm_rows.wgsl). */
export const rowThreadDispatch = (rows) => {
  const groups = Math.max(1, Math.ceil(rows / 64));
  return groups <= MAX_GROUPS ? [groups, 1] : [MAX_GROUPS, Math.ceil(groups / MAX_GROUPS)];
};
/** Workgroups of gemm_naive.wgsl for C (M, N). */
export const gemmNaiveDispatch = (m, n) => [Math.ceil(n / NAIVE_TILE), Math.ceil(m / NAIVE_TILE)];
/** Workgroups for one workgroup per row (layernorm, softmax). */
export const rowDispatch = (rows) => rowGroups(rows);
/** Workgroups of gemm.wgsl for C (M, N). */
export const gemmDispatch = (m, n) => [Math.ceil(n / GEMM_TILE), Math.ceil(m / GEMM_TILE)];

/** Encodes one dispatch per entry of `steps` ({pipeline, layout, buffers, groups, repeat}) and submits. */
function run(device, steps, temps) {
  const state = stateOf(device);
  const encoder = device.createCommandEncoder();
  const pass = encoder.beginComputePass();
  for (const { pipeline, layout, buffers, groups, repeat = 1 } of steps) {
    const bindGroup = device.createBindGroup({
      layout: state.layouts[layout].bindGroupLayout,
      entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    pass.setPipeline(pipelineOf(device, pipeline));
    pass.setBindGroup(0, bindGroup);
    for (let i = 0; i < repeat; ++i) pass.dispatchWorkgroups(...groups);
  }
  pass.end();
  device.queue.submit([encoder.finish()]);
  if (temps.length) device.queue.onSubmittedWorkDone().then(() => temps.forEach((b) => b.destroy()), () => {});
}

// ---------------------------------------------------------------------------- kernels

/**
 * C (M, N) = op(A) op(B) (+ bias (N) on every row). a: (M, K), or (K, M) with transA;
 * b: (K, N), or (N, K) with transB. naive: use gemm_naive.wgsl (the benchmark's baseline).
 * out: an existing buffer to write (else a new one); repeat: dispatch that many times (timing).
 */
export function gemm(device, { a, b, m, k, n, transA = false, transB = false, bias = null, naive = false, out = null, repeat = 1 }) {
  dim(m, 'gemm: m'); dim(k, 'gemm: k'); dim(n, 'gemm: n');
  const temps = [];
  const A = input(device, a, m * k, 'gemm: a', temps);
  const B = input(device, b, k * n, 'gemm: b', temps);
  const bi = bias == null ? stateOf(device).dummy : input(device, bias, n, 'gemm: bias', temps);
  const C = out ? input(device, out, m * n, 'gemm: out', []) : createBuffer(device, m * n, 'gemm: c');
  const flags = (transA ? 1 : 0) | (transB ? 2 : 0) | (bias == null ? 0 : 4);
  const params = uniform(device, new Uint32Array([m, n, k, flags]), temps);
  const tile = naive ? NAIVE_TILE : GEMM_TILE;
  run(device, [{
    pipeline: naive ? 'gemmNaive' : 'gemm', layout: 'gemm', buffers: [A, B, C, bi, params],
    groups: [Math.ceil(n / tile), Math.ceil(m / tile)], repeat,
  }], temps);
  return C;
}

function elementwise(device, pipeline, { x, bias, rows, cols }, name) {
  dim(rows, `${name}: rows`); dim(cols, `${name}: cols`);
  const temps = [];
  const count = rows * cols;
  const X = input(device, x, count, `${name}: x`, temps);
  const withBias = pipeline === 'addBias' || pipeline === 'mulBias';
  const Bi = withBias ? input(device, bias, cols, `${name}: bias`, temps) : stateOf(device).dummy;
  const Y = createBuffer(device, count, `${name}: y`);
  const params = uniform(device, new Uint32Array([count, cols]), temps);
  run(device, [{ pipeline, layout: 'elementwise', buffers: [X, Bi, Y, params], groups: linearGroups(count) }], temps);
  return Y;
}

/** y (rows, cols) = x + bias, bias (cols) broadcast along the last axis. */
export const addBias = (device, { x, bias, rows, cols }) => elementwise(device, 'addBias', { x, bias, rows, cols }, 'addBias');
/** y (rows, cols) = x * bias, bias (cols) broadcast along the last axis. */
export const mulBias = (device, { x, bias, rows, cols }) => elementwise(device, 'mulBias', { x, bias, rows, cols }, 'mulBias');
/** y = max(x, 0) over `length` values. */
export const relu = (device, { x, length }) => elementwise(device, 'relu', { x, rows: 1, cols: length }, 'relu');
/** y = x Phi(x) (exact GELU, as the core's) over `length` values. */
export const gelu = (device, { x, length }) => elementwise(device, 'gelu', { x, rows: 1, cols: length }, 'gelu');

/** Softmax over the last axis of x (rows, cols). */
export function softmax(device, { x, rows, cols }) {
  dim(rows, 'softmax: rows'); dim(cols, 'softmax: cols');
  const temps = [];
  const X = input(device, x, rows * cols, 'softmax: x', temps);
  const Y = createBuffer(device, rows * cols, 'softmax: y');
  const params = uniform(device, new Uint32Array([rows, cols]), temps);
  run(device, [{ pipeline: 'softmax', layout: 'softmax', buffers: [X, Y, params], groups: rowGroups(rows) }], temps);
  return Y;
}

/** Layer normalization over the last axis of x (rows, cols) with gamma, beta (cols); eps as the core's default. */
export function layernorm(device, { x, gamma, beta, rows, cols, eps = 1e-5 }) {
  dim(rows, 'layernorm: rows'); dim(cols, 'layernorm: cols');
  if (!(eps > 0 && eps <= 1)) throw new Error(`layernorm: eps: expected a number in (0, 1], got ${eps}`);
  const temps = [];
  const X = input(device, x, rows * cols, 'layernorm: x', temps);
  const G = input(device, gamma, cols, 'layernorm: gamma', temps);
  const B = input(device, beta, cols, 'layernorm: beta', temps);
  const Y = createBuffer(device, rows * cols, 'layernorm: y');
  const words = new Uint32Array(4);
  words.set([rows, cols]);
  new Float32Array(words.buffer)[2] = eps;
  const params = uniform(device, words, temps);
  run(device, [{ pipeline: 'layernorm', layout: 'layernorm', buffers: [X, G, B, Y, params], groups: rowGroups(rows) }], temps);
  return Y;
}

/** The im2col matrix of a 3x3 same-padding convolution: x (N, C, H, W) -> cols (C*9, N*H*W). */
export function im2col3x3(device, { x, n, c, h, w }) {
  for (const [v, name] of [[n, 'n'], [c, 'c'], [h, 'h'], [w, 'w']]) dim(v, `im2col3x3: ${name}`);
  const temps = [];
  const X = input(device, x, n * c * h * w, 'im2col3x3: x', temps);
  const count = c * 9 * n * h * w;
  const cols = createBuffer(device, count, 'im2col3x3: cols');
  const params = uniform(device, new Uint32Array([n, c, h, w, 0, 0, 0, 0]), temps);
  run(device, [{ pipeline: 'im2col', layout: 'im2col', buffers: [X, stateOf(device).dummy, cols, params], groups: linearGroups(count) }], temps);
  return cols;
}

/**
 * 3x3 same-padding convolution (stride 1, pad 1) as the core's nn::conv2d: im2col, one GEMM
 * weight (O, C*9) @ cols (C*9, N*H*W), then the (O, N*H*W) result moved to y (N, O, H, W) with
 * bias (O) added (bias optional).
 */
export function conv2d3x3(device, { x, weight, bias = null, n, c, h, w, o }) {
  dim(o, 'conv2d3x3: o');
  for (const [v, name] of [[n, 'n'], [c, 'c'], [h, 'h'], [w, 'w']]) dim(v, `conv2d3x3: ${name}`);
  const temps = [];
  const W = input(device, weight, o * c * 9, 'conv2d3x3: weight', temps);
  const Bi = bias == null ? stateOf(device).dummy : input(device, bias, o, 'conv2d3x3: bias', temps);
  const cols = im2col3x3(device, { x, n, c, h, w });
  const product = gemm(device, { a: W, b: cols, m: o, k: c * 9, n: n * h * w });
  temps.push(cols, product);
  const Y = createBuffer(device, n * o * h * w, 'conv2d3x3: y');
  const params = uniform(device, new Uint32Array([n, c, h, w, o, bias == null ? 0 : 1, 0, 0]), temps);
  run(device, [{ pipeline: 'toNchw', layout: 'im2col', buffers: [product, Bi, Y, params], groups: linearGroups(n * o * h * w) }], temps);
  return Y;
}

/** The uniform words of gru.wgsl: rows, hidden, steps, step, first, clip (f32). */
export function gruParams({ rows, hidden, steps = 1, step = 0, first = false, clip }) {
  const words = new Uint32Array([rows, hidden, steps, step, first ? 1 : 0, 0, 0, 0]);
  new Float32Array(words.buffer)[5] = clip;
  return words;
}

/**
 * One GRU step (models::gru_gates): xProj (rows, steps, 3H) read at `step`, hProj = h W_h (rows, 3H),
 * h (rows, H) -> h' (rows, H), clipped to +-clip. hProj and h null: the previous state is zero.
 */
export function gruStep(device, { xProj, hProj = null, h = null, rows, hidden, steps = 1, step = 0, clip }) {
  dim(rows, 'gruStep: rows'); dim(hidden, 'gruStep: hidden'); dim(steps, 'gruStep: steps');
  if (!Number.isInteger(step) || step < 0 || step >= steps) throw new Error(`gruStep: step: expected an integer in [0, ${steps - 1}], got ${step}`);
  if (!(clip > 0)) throw new Error(`gruStep: clip: expected a positive number, got ${clip}`);
  if ((hProj == null) !== (h == null)) throw new Error('gruStep: hProj, h: expected both (a previous state) or neither (a zero state)');
  const temps = [];
  const X = input(device, xProj, rows * steps * 3 * hidden, 'gruStep: xProj', temps);
  const first = h == null;
  const P = first ? stateOf(device).dummy : input(device, hProj, rows * 3 * hidden, 'gruStep: hProj', temps);
  const S = first ? stateOf(device).dummy : input(device, h, rows * hidden, 'gruStep: h', temps);
  const Y = createBuffer(device, rows * hidden, 'gruStep: h\'');
  const params = uniform(device, gruParams({ rows, hidden, steps, step, first, clip }), temps);
  run(device, [{ pipeline: 'gru', layout: 'gru', buffers: [X, P, S, Y, params], groups: linearGroups(rows * hidden) }], temps);
  return Y;
}

/** y (rows, wa + wb + wc) = [a | b | c] along the last axis; c optional (wc = 0). */
export function concat(device, { a, b, c = null, rows, wa, wb, wc = 0 }) {
  dim(rows, 'concat: rows'); dim(wa, 'concat: wa'); dim(wb, 'concat: wb'); dim(wc, 'concat: wc', 0);
  if ((c == null) !== (wc === 0)) throw new Error('concat: c, wc: expected a third input with wc > 0, or neither');
  const temps = [];
  const A = input(device, a, rows * wa, 'concat: a', temps);
  const B = input(device, b, rows * wb, 'concat: b', temps);
  const C = c == null ? stateOf(device).dummy : input(device, c, rows * wc, 'concat: c', temps);
  const count = rows * (wa + wb + wc);
  const Y = createBuffer(device, count, 'concat: y');
  const params = uniform(device, new Uint32Array([rows, wa, wb, wc]), temps);
  run(device, [{ pipeline: 'concat', layout: 'concat', buffers: [A, B, C, Y, params], groups: linearGroups(count) }], temps);
  return Y;
}

/** y (rows, cols): every row = b (cols). */
export const repeatRows = (device, { bias, rows, cols }) => {
  dim(rows, 'repeatRows: rows'); dim(cols, 'repeatRows: cols');
  const temps = [];
  const Bi = input(device, bias, cols, 'repeatRows: bias', temps);
  const Y = createBuffer(device, rows * cols, 'repeatRows: y');
  const params = uniform(device, new Uint32Array([rows * cols, cols]), temps);
  run(device, [{ pipeline: 'repeatRows', layout: 'elementwise', buffers: [stateOf(device).dummy, Bi, Y, params], groups: linearGroups(rows * cols) }], temps);
  return Y;
};

/**
 * The three prepared dispatches of a 3x3 same-padding convolution (as conv2d3x3 above) into
 * existing buffers: x (n, c, h, w) -> cols (c*9, n*h*w) -> product = weight (o, c*9) @ cols ->
 * y (n, o, h, w) + bias. cols and product: scratch buffers of at least c*9*n*h*w and o*n*h*w
 * floats. u(words) -> a uniform buffer the caller owns. naive: gemm_naive.wgsl.
 */
export function conv3x3Dispatches(device, { x, weight, bias = null, y, cols, product, n, c, h, w, o, u, naive = false, label = 'conv3x3' }) {
  const pixels = n * h * w;
  return [
    prepareDispatch(device, 'im2col', [x, null, cols, u(new Uint32Array([n, c, h, w, 0, 0, 0, 0]))], linearGroups(c * 9 * pixels), `${label}: im2col`),
    prepareDispatch(device, naive ? 'gemmNaive' : 'gemm', [weight, cols, product, null, u(new Uint32Array([o, pixels, c * 9, 0]))],
      naive ? gemmNaiveDispatch(o, pixels) : gemmDispatch(o, pixels), `${label}: gemm`),
    prepareDispatch(device, 'toNchw', [product, bias, y, u(new Uint32Array([n, c, h, w, o, bias == null ? 0 : 1, 0, 0]))], linearGroups(n * o * h * w), `${label}: to NCHW`),
  ];
}

/** Runs one kernel of the 'elementwise' layout (x, b, y, params) over `count` outputs into a new buffer. */
function simple(device, pipeline, { x = null, b = null, count, words, name }) {
  const temps = [];
  const X = x == null ? stateOf(device).dummy : input(device, x.value, x.length, `${name}: ${x.name}`, temps);
  const Bb = b == null ? stateOf(device).dummy : input(device, b.value, b.length, `${name}: ${b.name}`, temps);
  const Y = createBuffer(device, count, `${name}: y`);
  run(device, [{ pipeline, layout: 'elementwise', buffers: [X, Bb, Y, uniform(device, words, temps)], groups: linearGroups(count) }], temps);
  return Y;
}

/** One ConvLSTM update (models::convlstm_update): z (n, 4r, h, w), cell (n, r, h, w) -> {cell, r} buffers. */
export function convLstm(device, { z, cell, n, r, h, w }) {
  for (const [v, name] of [[n, 'n'], [r, 'r'], [h, 'h'], [w, 'w']]) dim(v, `convLstm: ${name}`);
  const count = n * r * h * w, words = new Uint32Array([count, r * h * w]);
  const next = simple(device, 'convlstmCell', { x: { value: z, length: 4 * count, name: 'z' }, b: { value: cell, length: count, name: 'cell' }, count, words, name: 'convLstm' });
  const hidden = simple(device, 'convlstmHidden', { x: { value: z, length: 4 * count, name: 'z' }, b: { value: next, length: count, name: 'cell' }, count, words, name: 'convLstm' });
  return { cell: next, r: hidden };
}

/** PredNet's error units: a, ahat (n, c, h, w) -> [ReLU(a - ahat) ; ReLU(ahat - a)] (n, 2c, h, w). */
export function errorUnits(device, { a, ahat, n, c, h, w }) {
  for (const [v, name] of [[n, 'n'], [c, 'c'], [h, 'h'], [w, 'w']]) dim(v, `errorUnits: ${name}`);
  const block = c * h * w;
  return simple(device, 'errorUnits', { x: { value: a, length: n * block, name: 'a' }, b: { value: ahat, length: n * block, name: 'ahat' },
    count: 2 * n * block, words: new Uint32Array([2 * n * block, block]), name: 'errorUnits' });
}

/** x (n, c, h, w) -> (n, c, 2h, 2w), nearest neighbour. */
export function upsample2x(device, { x, n, c, h, w }) {
  for (const [v, name] of [[n, 'n'], [c, 'c'], [h, 'h'], [w, 'w']]) dim(v, `upsample2x: ${name}`);
  const count = n * c * 4 * h * w;
  return simple(device, 'upsample2x', { x: { value: x, length: n * c * h * w, name: 'x' }, count, words: new Uint32Array([count, 2 * h, 2 * w, 0]), name: 'upsample2x' });
}

/** x (n, c, h, w), h and w even -> (n, c, h/2, w/2), the max of each 2x2 block. */
export function maxPool2x2(device, { x, n, c, h, w }) {
  for (const [v, name] of [[n, 'n'], [c, 'c'], [h, 'h'], [w, 'w']]) dim(v, `maxPool2x2: ${name}`);
  if (h % 2 || w % 2) throw new Error(`maxPool2x2: h, w: expected even sides, got ${h} x ${w}`);
  const count = (n * c * h * w) / 4;
  return simple(device, 'maxpool2x2', { x: { value: x, length: n * c * h * w, name: 'x' }, count, words: new Uint32Array([count, h / 2, w / 2, 0]), name: 'maxPool2x2' });
}

/** The uniform words of clamp.wgsl: n, lo, hi (f32). */
export function clampParams(n, lo, hi) {
  const words = new Uint32Array([n, 0, 0, 0]);
  const f = new Float32Array(words.buffer);
  f[1] = lo;
  f[2] = hi;
  return words;
}

/** y = clamp(x, lo, hi) over `length` values, lo <= hi. */
export function clamp(device, { x, length, lo, hi }) {
  dim(length, 'clamp: length');
  if (!(lo <= hi)) throw new Error(`clamp: lo, hi: expected lo <= hi, got ${lo} and ${hi}`);
  return simple(device, 'clamp', { x: { value: x, length, name: 'x' }, count: length, words: clampParams(length, lo, hi), name: 'clamp' });
}

/** x (n, steps, inner) -> (n, inner) = x[:, step]. */
export function takeStep(device, { x, n, steps, step, inner }) {
  dim(n, 'takeStep: n'); dim(steps, 'takeStep: steps'); dim(inner, 'takeStep: inner');
  if (!Number.isInteger(step) || step < 0 || step >= steps) throw new Error(`takeStep: step: expected an integer in [0, ${steps - 1}], got ${step}`);
  return simple(device, 'takeStep', { x: { value: x, length: n * steps * inner, name: 'x' }, count: n * inner, words: new Uint32Array([n * inner, inner, steps, step]), name: 'takeStep' });
}

/**
 * The uniform words of attention.wgsl for `batch` images of `tokens` tokens of width `dim` in
 * `heads` heads; mask: null (no lesions) or the offset of this block's head 0 in the mask buffer.
 */
export function attentionParams({ batch, tokens, dim: width, heads, maskOffset = null }) {
  const words = new Uint32Array([batch * heads * tokens, tokens, width, heads, maskOffset ?? 0, maskOffset == null ? 0 : 1, 0, 0]);
  new Float32Array(words.buffer)[6] = 1 / Math.sqrt(width / heads);
  return words;
}

function checkAttention(name, { batch, tokens, dim: width, heads }) {
  dim(batch, `${name}: batch`); dim(tokens, `${name}: tokens`); dim(width, `${name}: dim`); dim(heads, `${name}: heads`);
  if (width % heads) throw new Error(`${name}: dim, heads: expected dim divisible by heads, got ${width} and ${heads}`);
}

/**
 * Multi-head self-attention (the ViT's, nn::attention_probs + attention_mix): qkv (batch, tokens,
 * 3 dim) = [q | k | v] -> (batch, tokens, dim), the heads side by side. mask: null, or factors per
 * head (a Float32Array or buffer read from maskOffset on) that scale each head's output.
 */
export function attention(device, { qkv, batch, tokens, dim: width, heads, mask = null, maskOffset = 0 }) {
  checkAttention('attention', { batch, tokens, dim: width, heads });
  const temps = [];
  const X = input(device, qkv, batch * tokens * 3 * width, 'attention: qkv', temps);
  const M = mask == null ? stateOf(device).dummy : input(device, mask, maskOffset + heads, 'attention: mask', temps);
  const Y = createBuffer(device, batch * tokens * width, 'attention: out');
  const params = uniform(device, attentionParams({ batch, tokens, dim: width, heads, maskOffset: mask == null ? null : maskOffset }), temps);
  run(device, [{ pipeline: 'attention', layout: 'attention', buffers: [X, M, Y, params], groups: linearGroups(batch * heads * tokens) }], temps);
  return Y;
}

/** The attention probabilities softmax(q k^T / sqrt(dim / heads)): qkv as attention() -> (batch, heads, tokens, tokens). */
export function attentionWeights(device, { qkv, batch, tokens, dim: width, heads }) {
  checkAttention('attentionWeights', { batch, tokens, dim: width, heads });
  const temps = [];
  const X = input(device, qkv, batch * tokens * 3 * width, 'attentionWeights: qkv', temps);
  const Y = createBuffer(device, batch * heads * tokens * tokens, 'attentionWeights: out');
  const params = uniform(device, attentionParams({ batch, tokens, dim: width, heads }), temps);
  run(device, [{ pipeline: 'attentionWeights', layout: 'attention', buffers: [X, stateOf(device).dummy, Y, params], groups: linearGroups(batch * heads * tokens) }], temps);
  return Y;
}

/** The uniform words of attention_distance.wgsl: rows (images * heads), grid, patch (f32). */
export function attentionDistanceParams(rows, grid, patch) {
  const words = new Uint32Array([rows, grid, 0, 0]);
  new Float32Array(words.buffer)[2] = patch;
  return words;
}

/**
 * Mean attention distance in pixels (models::vit_attention_distance): one block's attention
 * (batch, heads, T, T), T = grid^2 + 1 (the class token first) -> (batch, heads).
 */
export function attentionDistance(device, { attention: a, batch, heads, grid, patch }) {
  dim(batch, 'attentionDistance: batch'); dim(heads, 'attentionDistance: heads'); dim(grid, 'attentionDistance: grid');
  if (!(patch > 0)) throw new Error(`attentionDistance: patch: expected a positive number of pixels, got ${patch}`);
  const T = grid * grid + 1, rows = batch * heads;
  return simple(device, 'attentionDistance', { x: { value: a, length: rows * T * T, name: 'attention' }, count: rows, words: attentionDistanceParams(rows, grid, patch), name: 'attentionDistance' });
}
