// Batched PredNet rollouts on WebGPU from the core's own plan: the model is defined once, in C++
// (core/models/prednet.cpp, PredNet::forward_plan next to forward), and reaches this module as
// data (PredNet.forwardPlan(extrapolateFrom): {config, ops, outputs, weights}). Time steps are
// unrolled in the plan: ConvLSTM representation units (conv3x3 = im2col + GEMM, fused gate
// kernels), predictions Ahat, error units [ReLU(A - Ahat) ; ReLU(Ahat - A)], 2x up/down sampling;
// ./plan-runner.js runs it (weights once, buffers reused by liveness, one read-back per call).
//
//   const gpu = await createPredNetForward(device, model.forwardPlan(-1), {loadSource: fetchSource});
//   const predictions = await gpu.predict(frames, count);   // (count, T, C, H, W), as PredNet.predict
//
// Only the WebGPU API on the device passed in (no DOM): runs in a page, a worker, or Node with Dawn.
import { linearDispatch, prepareDispatch } from './kernels.js';
import { checkForwardArgs, checkOps, COMMON_OPS, createPlanRunner } from './plan-runner.js';

const CONFIG_FIELDS = ['height', 'width', 'frames', 'channels', 'layers', 'pixelMax'];
const OWN_OPS = ['frame', 'convlstm_cell', 'convlstm_hidden', 'error_units'];

/** Checks a plan from PredNet.forwardPlan(); throws an Error naming the bad field. */
export function checkPredNetPlan(plan) {
  const who = 'createPredNetForward';
  if (!plan || typeof plan !== 'object') throw new Error(`${who}: plan: expected {config, ops, outputs, weights}, got ${plan === null ? 'null' : typeof plan}`);
  const { config, outputs } = plan;
  if (!config || typeof config !== 'object') throw new Error(`${who}: plan.config: expected an object`);
  for (const f of CONFIG_FIELDS) {
    if (!(typeof config[f] === 'number' && Number.isFinite(config[f]) && config[f] > 0)) throw new Error(`${who}: plan.config.${f}: expected a positive number, got ${config[f]}`);
  }
  checkOps(who, plan, ['frames'], [...COMMON_OPS, ...OWN_OPS]);
  const predictions = Array.isArray(outputs) ? outputs.find((o) => o?.name === 'predictions') : null;
  if (!predictions || !Array.isArray(predictions.steps) || predictions.steps.length !== config.frames) {
    throw new Error(`${who}: plan.outputs: expected predictions with ${config.frames} steps`);
  }
  const produced = new Set(plan.ops.map((op) => op.output));
  for (const s of predictions.steps) if (!produced.has(s)) throw new Error(`${who}: plan.outputs: '${s}' is not computed by the plan`);
  return plan;
}

/**
 * Builds the GPU side of a PredNet from its plan on `device`, `batch` sequences per pass.
 * loadSource: name -> WGSL text; gemm 'tiled' or 'naive' (faster on CPU software adapters).
 * Resolves to {predict(frames, count) -> Promise<Float32Array>, setWeights, destroy, config, batch}.
 */
export async function createPredNetForward(device, plan, { loadSource, batch = 32, gemm = 'tiled' } = {}) {
  checkForwardArgs('createPredNetForward', device, { batch, gemm, maxBatch: 1024 });
  checkPredNetPlan(plan);
  const { config } = plan;
  const T = config.frames, frame = config.channels * config.height * config.width;
  const steps = plan.outputs.find((o) => o.name === 'predictions').steps;
  const extraOps = {
    // Step t of the input sequences (B, T, C, H, W) -> (B, C, H, W).
    frame: (op, { x, out, count, u, label }) =>
      prepareDispatch(device, 'takeStep', [x, null, out, u(new Uint32Array([count, frame, op.attrs.steps, op.attrs.step]))], linearDispatch(count), label),
    convlstm_cell: (op, { x, out, count, u, label, bufferOf }) =>
      prepareDispatch(device, 'convlstmCell', [x, bufferOf(op.inputs[1]), out, u(new Uint32Array([count, op.shape[1] * op.shape[2] * op.shape[3]]))], linearDispatch(count), label),
    convlstm_hidden: (op, { x, out, count, u, label, bufferOf }) =>
      prepareDispatch(device, 'convlstmHidden', [x, bufferOf(op.inputs[1]), out, u(new Uint32Array([count, op.shape[1] * op.shape[2] * op.shape[3]]))], linearDispatch(count), label),
    error_units: (op, { x, out, count, u, label, bufferOf }) =>
      prepareDispatch(device, 'errorUnits', [x, bufferOf(op.inputs[1]), out, u(new Uint32Array([count, (op.shape[1] / 2) * op.shape[2] * op.shape[3]]))], linearDispatch(count), label),
  };
  const runner = await createPlanRunner(device, plan, {
    inputs: { frames: ['B', T, config.channels, config.height, config.width] }, keep: steps, batch, gemm, loadSource, extraOps, label: 'prednet',
  });
  const framesBuffer = runner.input('frames');

  /**
   * Frame predictions of `count` sequences: frames (count * T * C * H * W, pixels in [0, 1]) ->
   * predictions in the same (count, T, C, H, W) order; prediction t is Ahat_0(t), made from frames
   * before t (and from its own predictions from extrapolateFrom on, as the plan was made).
   */
  async function predict(frames, count) {
    if (!Number.isInteger(count) || count < 1) throw new Error(`predict: count: expected a positive integer, got ${count}`);
    if (!(frames instanceof Float32Array) || frames.length !== count * T * frame) {
      throw new Error(`predict: frames: expected a Float32Array of count * ${T} frames * ${frame} pixels = ${count * T * frame}, got ${frames instanceof Float32Array ? `length ${frames.length}` : typeof frames}`);
    }
    for (let i = 0; i < frames.length; ++i) {
      if (!(frames[i] >= 0 && frames[i] <= 1)) throw new Error(`predict: frames[${i}]: expected a pixel in [0, 1], got ${frames[i]}`);
    }
    // Each step's (B, C, H, W) prediction goes to its place in (count, T, C, H, W): one copy per sequence and step.
    return runner.run(count, {
      resultFloats: count * T * frame,
      write: (start, n) => {
        const chunk = frames.subarray(start * T * frame, (start + n) * T * frame);
        device.queue.writeBuffer(framesBuffer, 0, chunk.buffer, chunk.byteOffset, chunk.byteLength);
      },
      copyOut: (encoder, start, n, result) => {
        steps.forEach((name, t) => {
          const src = runner.bufferOf(name);
          for (let b = 0; b < n; ++b) encoder.copyBufferToBuffer(src, b * frame * 4, result, ((start + b) * T + t) * frame * 4, frame * 4);
        });
      },
    });
  }

  return {
    predict,
    /** Replaces the weights with new values of the same names and sizes (forwardPlan().weights after training). */
    setWeights: (values) => runner.setWeights(values),
    config,
    batch,
    get bytes() { return runner.bytes; },
    destroy: () => runner.destroy(),
  };
}
