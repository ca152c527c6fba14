// Batched LFADS inference (posterior means, as Lfads::infer) on WebGPU from the core's own plan:
// the model is defined once, in C++ (core/models/lfads.cpp, Lfads::forward_plan next to build),
// and reaches this module as data (LfadsLab.forwardPlan(): {config, ops, outputs, weights}). The
// time steps are unrolled in the plan: both bidirectional encoders, the controller, the generator,
// factors and log-rates are linear / gru / concat / zeros ops over named activations, run by
// ./plan-runner.js (weights uploaded once, buffers reused by liveness, one read-back per call).
//
// The model reads config.neuronsIn neurons (the held-in ones) over config.binsIn observed bins and
// reads out rates of config.neurons neurons (held-in, then held-out) over config.bins bins (the
// observed ones, then the forward bins it predicts without reading them).
//
//   const gpu = await createLfadsForward(device, lab.forwardPlan(), {loadSource: fetchSource});
//   const {logRates, factors, inputs, icMean} = await gpu.infer(spikes, trials);   // time-major
//
// Only the WebGPU API on the device passed in (no DOM): runs in a page, a worker, or Node with Dawn.
import { checkForwardArgs, checkOps, COMMON_OPS, createPlanRunner } from './plan-runner.js';

const CONFIG_FIELDS = ['neuronsIn', 'neurons', 'binsIn', 'bins', 'factors', 'inputs', 'ic', 'cellClip'];
const OUTPUTS = ['log_rates', 'factors', 'inputs', 'ic_mean'];

/** Checks a plan from LfadsLab.forwardPlan(); throws an Error naming the bad field. */
export function checkLfadsPlan(plan) {
  const who = 'createLfadsForward';
  if (!plan || typeof plan !== 'object') throw new Error(`${who}: plan: expected {config, ops, outputs, weights}, got ${plan === null ? 'null' : typeof plan}`);
  const { config, outputs } = plan;
  if (!config || typeof config !== 'object') throw new Error(`${who}: plan.config: expected an object`);
  for (const f of CONFIG_FIELDS) {
    if (!(typeof config[f] === 'number' && Number.isFinite(config[f]) && config[f] > 0)) throw new Error(`${who}: plan.config.${f}: expected a positive number, got ${config[f]}`);
  }
  if (config.neuronsIn > config.neurons) throw new Error(`${who}: plan.config.neuronsIn: expected at most the ${config.neurons} read-out neurons, got ${config.neuronsIn}`);
  if (config.binsIn > config.bins) throw new Error(`${who}: plan.config.binsIn: expected at most the ${config.bins} read-out bins, got ${config.binsIn}`);
  checkOps(who, plan, ['spikes'], COMMON_OPS);
  if (!Array.isArray(outputs) || !outputs.some((o) => o?.name === 'log_rates')) throw new Error(`${who}: plan.outputs: expected [{name, steps}] with log_rates`);
  const produced = new Map(plan.ops.map((op) => [op.output, op.shape]));
  outputs.forEach((o, i) => {
    if (!OUTPUTS.includes(o?.name)) throw new Error(`${who}: plan.outputs[${i}].name: expected one of ${OUTPUTS.join(', ')}, got ${o?.name}`);
    const static_ = o.name === 'ic_mean';
    if (!Array.isArray(o.steps) || o.steps.length !== (static_ ? 1 : config.bins)) {
      throw new Error(`${who}: plan.outputs[${i}].steps: expected ${static_ ? 1 : config.bins} activation names, got ${Array.isArray(o.steps) ? o.steps.length : typeof o.steps}`);
    }
    for (const s of o.steps) if (!produced.has(s)) throw new Error(`${who}: plan.outputs[${i}].steps: '${s}' is not computed by the plan`);
    const width = produced.get(o.steps[0]).at(-1);
    if (o.name === 'log_rates' && width !== config.neurons) throw new Error(`${who}: plan.outputs[${i}]: log_rates of ${width} neurons, expected plan.config.neurons = ${config.neurons}`);
  });
  return plan;
}

/**
 * Builds the GPU side of an LFADS model from its plan on `device`, for `batch` trials per pass.
 * loadSource: name -> WGSL text (kernels.js fetchSource in a browser, fs in Node); gemm 'tiled' or
 * 'naive' (faster on CPU software adapters). Resolves to {infer(spikes, trials), setWeights, destroy, config, batch}.
 */
export async function createLfadsForward(device, plan, { loadSource, batch = 256, gemm = 'tiled' } = {}) {
  checkForwardArgs('createLfadsForward', device, { batch, gemm, maxBatch: 4096 });
  checkLfadsPlan(plan);
  const { config } = plan;
  const T = config.bins, Tin = config.binsIn, Nin = config.neuronsIn;
  const perTrial = Tin * Nin;  // what the model reads of a trial
  const widthOf = new Map(plan.ops.map((op) => [op.output, op.shape.at(-1)]));
  const outputs = plan.outputs.map((o) => ({ ...o, width: widthOf.get(o.steps[0]) }));
  const runner = await createPlanRunner(device, plan, {
    inputs: { spikes: ['B', Tin, Nin] }, keep: outputs.flatMap((o) => o.steps), batch, gemm, loadSource, label: 'lfads',
  });
  const spikesBuffer = runner.input('spikes');

  /**
   * Posterior-mean read-outs of K trials: spikes (K * binsIn * neuronsIn, trial-major counts, as
   * LfadsLab.evalSpikes gives them) -> {logRates (T, K, N), factors (T, K, F), inputs (T, K, U) or
   * null without a controller, icMean (K, IC)}, time-major as Lfads::infer, over all T = bins bins
   * and N = neurons read-out neurons.
   */
  async function infer(spikes, trials) {
    if (!Number.isInteger(trials) || trials < 1) throw new Error(`infer: trials: expected a positive integer, got ${trials}`);
    if (!(spikes instanceof Float32Array) || spikes.length !== trials * perTrial) {
      throw new Error(`infer: spikes: expected a Float32Array of trials * ${Tin} observed bins * ${Nin} held-in neurons = ${trials * perTrial} counts, got ${spikes instanceof Float32Array ? `length ${spikes.length}` : typeof spikes}`);
    }
    for (let i = 0; i < spikes.length; ++i) {
      if (!(spikes[i] >= 0 && Number.isFinite(spikes[i]))) throw new Error(`infer: spikes[${i}]: expected a finite count >= 0, got ${spikes[i]}`);
    }
    const K = trials;
    // The result buffer holds the outputs one after another, each (T, K, width) or (K, width).
    let offset = 0;
    const at = outputs.map((o) => { const start = offset; offset += o.steps.length * K * o.width; return start; });
    const flat = await runner.run(K, {
      resultFloats: offset,
      write: (start, count) => {
        const chunk = spikes.subarray(start * perTrial, (start + count) * perTrial);
        device.queue.writeBuffer(spikesBuffer, 0, chunk.buffer, chunk.byteOffset, chunk.byteLength);
      },
      copyOut: (encoder, start, count, result) => {
        outputs.forEach((o, i) => o.steps.forEach((name, s) => {
          encoder.copyBufferToBuffer(runner.bufferOf(name), 0, result, (at[i] + (s * K + start) * o.width) * 4, count * o.width * 4);
        }));
      },
    });
    const part = (name) => {
      const i = outputs.findIndex((o) => o.name === name);
      return i < 0 ? null : flat.subarray(at[i], at[i] + outputs[i].steps.length * K * outputs[i].width);
    };
    return { trials: K, bins: T, logRates: part('log_rates'), factors: part('factors'), inputs: part('inputs'), icMean: part('ic_mean') };
  }

  return {
    infer,
    /** Replaces the weights with new values of the same names and sizes (forwardPlan().weights after training). */
    setWeights: (values) => runner.setWeights(values),
    config,
    batch,
    get bytes() { return runner.bytes; },
    destroy: () => runner.destroy(),
  };
}
