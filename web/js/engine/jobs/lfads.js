// Worker-side job: LFADS on the Lorenz spike data. Trains in small steps; snapshots carry the loss
// history, the selected held-out trial's read-outs and, every few seconds, held-out metrics.
// Evaluation is LFADS's batched forward pass: on WebGPU (web/js/gpu/lfads-forward.js, run from the
// core's plan) it covers all held-out and all training trials; on the wasm core a subset (about a
// second of work), and on a CPU software adapter (used only with gpu=on) the same subset. The path policy (gpu=auto|on|off, fallback to wasm) is ../gpu-path.js.
import { fetchSource } from '../../gpu/kernels.js';
import { createLfadsForward } from '../../gpu/lfads-forward.js';
import { createGpuPath, followWeights } from '../gpu-path.js';

export const name = 'lfads';

const SHIPPED = new URL('../../../assets/lfads/lfads-lorenz.nrai', import.meta.url);
const EVAL_EVERY_MS = 8000;  // evaluation costs a second or so in wasm: not every snapshot
const WASM_EVAL = { heldOut: 48, train: 96 };  // trials per evaluation on the wasm path
const SOFTWARE_COMPARE = 40;  // comparePaths' trials on a CPU software adapter (SwiftShader: minutes for all)
const GPU_BATCH = 256;  // trials per GPU pass
const CHECK = { trials: 2, tolerance: 1e-4 };  // held-out trials both paths infer before WebGPU is used; max |d log-rate|

export async function create(neuroai, config) {
  const { trial = 0, shipped = true, gpu = 'auto', ...model } = config ?? {};
  const lab = new neuroai.LfadsLab(model);
  let shippedLoaded = false;
  if (shipped) {
    try {
      const response = await fetch(SHIPPED);
      if (response.ok) {
        lab.loadWeights(new Uint8Array(await response.arrayBuffer()));
        shippedLoaded = true;
      }
    } catch {
      // No shipped weights (e.g. opened from a checkout without assets): start from scratch.
    }
  }
  const info = lab.config();
  let gpuEval = { heldOut: info.heldOut, train: info.train };  // all trials, or WASM_EVAL on a software adapter

  const { build, fresh } = followWeights(lab, (device, plan, gemm) =>
    createLfadsForward(device, plan, { loadSource: fetchSource, batch: GPU_BATCH, gemm }));

  /**
   * The first K held-out trials on both paths: {wasm: {trials, ms}, gpu: {trials, ms, maxAbsDiffLogRate}}
   * (gpu null when f is null: no device). warmUp: one trial on the GPU first (pipelines, first dispatch), for timings.
   */
  const compareOn = async (f, K, { warmUp = false } = {}) => {
    const T = info.bins, N = info.neurons;
    const { heldOut } = lab.evalSpikes(K, 2);
    let t0 = performance.now();
    const rates = lab.infer(heldOut, K, T);  // (K, T, N)
    const wasm = { trials: K, ms: performance.now() - t0 };
    if (!f) return { wasm, gpu: null };
    if (warmUp) await f.infer(heldOut.subarray(0, T * N), 1);
    t0 = performance.now();
    const out = await f.infer(heldOut, K);  // logRates (T, K, N)
    const ms = performance.now() - t0;
    let maxAbsDiffLogRate = 0;
    for (let k = 0; k < K; ++k) for (let s = 0; s < T; ++s) for (let n = 0; n < N; ++n) {
      const d = Math.abs(out.logRates[(s * K + k) * N + n] - Math.log(rates[(k * T + s) * N + n]));
      maxAbsDiffLogRate = Math.max(maxAbsDiffLogRate, Number.isNaN(d) ? Infinity : d);
    }
    return { wasm, gpu: { trials: K, ms, maxAbsDiffLogRate } };
  };
  let compute;
  try {
    compute = await createGpuPath({
      mode: gpu,
      build: (got) => {
        if (got.software) gpuEval = { ...WASM_EVAL };
        return build(got);
      },
      active: (adapter) => (gpuEval.heldOut === info.heldOut
        ? `${adapter}: each evaluation runs LFADS over all ${gpuEval.heldOut} held-out and ${gpuEval.train} training trials on WGSL kernels`
        : `${adapter}: each evaluation runs LFADS on WGSL kernels, over the wasm path's subset on this CPU software adapter`),
      check: async (f) => {
        const { gpu: g } = await compareOn(f, CHECK.trials);
        return { items: `${CHECK.trials} held-out trials`, maxAbsDiff: g.maxAbsDiffLogRate, tolerance: CHECK.tolerance };
      },
    });
  } catch (e) {
    lab.delete();
    throw e;
  }
  const computeInfo = () => ({
    path: compute.path, reason: compute.reason,
    ...(compute.path === 'webgpu' ? gpuEval : WASM_EVAL),
  });

  /** The metrics of evaluate(h, t) from the GPU's read-outs of the same trials. */
  const gpuEvaluate = async (f, { heldOut: h, train: t }) => {
    fresh(f);
    const spikes = lab.evalSpikes(h, t);
    const test = await f.infer(spikes.heldOut, h);
    const fit = await f.infer(spikes.train, t);
    return lab.evaluateOutputs(h, t, test, fit);
  };

  let selected = trial, losses = [], metrics = null, lastEval = -Infinity, dirty = true, disposed = false;
  let evaluating = null, evalError = null;
  const evaluate = () => {
    lastEval = performance.now();
    evaluating ??= (async () => {
      try {
        const m = await compute.run((f) => gpuEvaluate(f, gpuEval), () => lab.evaluate(WASM_EVAL.heldOut, WASM_EVAL.train));
        if (!disposed) metrics = { ...m, compute: computeInfo() };
        evalError = null;
      } catch (error) {
        if (!disposed) evalError = `evaluation failed: ${error.message}`;
      } finally {
        evaluating = null;
      }
      return metrics;
    })();
    return evaluating;
  };
  await evaluate();

  let benchForward = null;  // built for comparePaths when the path is wasm but a device exists
  return {
    describe: () => ({ config: info, shippedLoaded, compute: computeInfo() }),
    chunk: 1,
    train(steps) {
      const l = lab.trainSteps(steps);
      losses.push([l.steps, l.reconstruction, l.klIc + l.klInputs, l.ramp]);
      dirty = true;
    },
    snapshot() {
      if (dirty && !evaluating && performance.now() - lastEval > EVAL_EVERY_MS) evaluate();
      const t = lab.trial(selected);
      const data = { step: losses.length ? losses.at(-1)[0] : 0, losses, metrics, evalError, compute: computeInfo(), trial: { index: selected, ...t } };
      losses = [];
      return { data, transfer: [t.spikes.buffer, t.rates.buffer, t.inferred.buffer, t.factors.buffer, t.inputs.buffer, t.latent.buffer] };
    },
    calls: {
      select: (i) => { selected = i; return { result: true }; },
      trajectories: (count) => {
        const r = lab.trajectories(count);
        return { result: r, transfer: [r.fitted.buffer, r.latent.buffer, r.condition.buffer] };
      },
      evaluate: async () => ({ result: await evaluate() }),
      /** Which path runs the evaluation, and why. */
      computePath: () => ({ result: computeInfo() }),
      /**
       * Both paths on all held-out trials (40 on a CPU software adapter): milliseconds, and the
       * largest log-rate difference (GPU - wasm). The GPU side is null without a device.
       */
      comparePaths: async () => {
        const K = compute.got?.software ? SOFTWARE_COMPARE : info.heldOut;
        const f = compute.got?.device ? fresh(compute.forward ?? (benchForward ??= await build(compute.got))) : null;
        const { wasm, gpu: g } = await compareOn(f, K, { warmUp: true });
        return { result: { wasm, gpu: g && { ...g, adapter: compute.got.adapterName }, compute: computeInfo() } };
      },
    },
    dispose: () => {
      disposed = true;
      compute.dispose();
      benchForward?.destroy();
      lab.delete();
    },
  };
}
