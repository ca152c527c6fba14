// The LFADS job's evaluation on WebGPU (web/js/gpu/lfads-forward.js, run from the core's plan),
// with the wasm core as the fallback: on a GPU it covers every trial of the split; on the wasm core
// a subset (about a second of work: every held-out trial, part of the others), and on a CPU
// software adapter (used only with gpu=on) a smaller one. The path policy (gpu=auto|on|off,
// software adapters skipped in auto, a check against wasm first, fallback on a lost device or a
// failed call) is ../gpu-path.js.
import { fetchSource } from '../../gpu/kernels.js';
import { createLfadsForward } from '../../gpu/lfads-forward.js';
import { createGpuPath, followWeights } from '../gpu-path.js';
import { parallelInfer } from '../replicas.js';

// Trials per evaluation on the wasm path (about 0.8 s of LFADS in wasm on one thread, split over
// the training threads where there are more): every held-out trial, trials of held-out
// conditions (8 of each condition's 20), and training trials for the decoder and the factor map.
// SwiftShader (a CPU software adapter) takes about 15 s per 100 trials.
const WASM_EVAL = { train: 120, heldOut: 260, conditions: 80 };
// On a software adapter: 2 trials of each condition (a PSTH R² needs more than one), and enough
// training trials to fit the decoder and the factor map (16 x 100 bins).
const SOFTWARE_EVAL = { train: 16, heldOut: 130, conditions: 20 };
const SOFTWARE_COMPARE = 16;  // comparePaths' trials on a CPU software adapter (SwiftShader: minutes for all)
const GPU_BATCH = 256;  // trials per GPU pass
const CHECK = { trials: 2, tolerance: 1e-4 };  // held-out trials both paths infer before WebGPU is used; max |d log-rate|

/**
 * The compute path of `lab` (an LfadsLab) in `mode` (auto | on | off). Resolves to {path, reason,
 * info() (the path, why, and the trial counts an evaluation uses), evaluate() (LFADS's NLB scores
 * of the current weights), comparePaths() (both paths on the held-out trials), dispose()}.
 * `pool()` gives the replicas of the training threads (null on one thread): the wasm path splits
 * an evaluation's trials over them too.
 */
export async function createComputePath(lab, mode, { pool = () => null } = {}) {
  const info = lab.config();
  const ALL = { train: info.train, heldOut: info.heldOut, conditions: info.conditionsTrials };
  let gpuSets = ALL;  // every trial, or SOFTWARE_EVAL on a software adapter

  const { build, fresh } = followWeights(lab, (device, plan, gemm) =>
    createLfadsForward(device, plan, { loadSource: fetchSource, batch: GPU_BATCH, gemm }));

  /** The first `K` held-out trials as the model reads them, (K, binsIn, neuronsIn). */
  const heldOutSpikes = (K) => lab.evalSpikes({ train: 2, heldOut: info.heldOut, conditions: 2 }).heldOut
    .slice(0, K * info.binsIn * info.neuronsIn);

  /**
   * The first K held-out trials on both paths: {wasm: {trials, ms}, gpu: {trials, ms, maxAbsDiffLogRate}}
   * (gpu null when f is null: no device). The difference covers the observed bins of the K trials
   * (lab.infer) and every bin, forward bins included, of the first two (lab.trial).
   * warmUp: one trial on the GPU first (pipelines, first dispatch), for timings.
   */
  const compareOn = async (f, K, { warmUp = false } = {}) => {
    const T = info.bins, Tin = info.binsIn, N = info.neurons;
    const spikes = heldOutSpikes(K);
    let t0 = performance.now();
    const rates = lab.infer(spikes, K, Tin);  // (K, Tin, N) over the observed bins
    const wasm = { trials: K, ms: performance.now() - t0 };
    if (!f) return { wasm, gpu: null };
    if (warmUp) await f.infer(spikes.subarray(0, Tin * info.neuronsIn), 1);
    t0 = performance.now();
    const out = await f.infer(spikes, K);  // logRates (T, K, N)
    const ms = performance.now() - t0;
    let maxAbsDiffLogRate = 0;
    const diff = (gpuLog, wasmRate) => {
      const d = Math.abs(gpuLog - Math.log(wasmRate));
      maxAbsDiffLogRate = Math.max(maxAbsDiffLogRate, Number.isNaN(d) ? Infinity : d);
    };
    for (let k = 0; k < K; ++k) for (let s = 0; s < Tin; ++s) for (let n = 0; n < N; ++n) diff(out.logRates[(s * K + k) * N + n], rates[(k * Tin + s) * N + n]);
    for (let k = 0; k < Math.min(K, 2); ++k) {
      const inferred = lab.trial(k, 'trials').inferred;  // (T, N): observed and forward bins
      for (let s = 0; s < T; ++s) for (let n = 0; n < N; ++n) diff(out.logRates[(s * K + k) * N + n], inferred[s * N + n]);
    }
    return { wasm, gpu: { trials: K, ms, maxAbsDiffLogRate } };
  };

  const gpu = await createGpuPath({
    mode,
    build: (got) => {
      if (got.software) gpuSets = SOFTWARE_EVAL;
      return build(got);
    },
    active: (adapter) => (gpuSets === ALL
      ? `${adapter}: each evaluation runs LFADS over all ${ALL.heldOut} held-out trials, ${ALL.conditions} trials of held-out conditions and ${ALL.train} training trials on WGSL kernels`
      : `${adapter}: each evaluation runs LFADS on WGSL kernels, over a subset on this CPU software adapter`),
    check: async (f) => {
      const { gpu: g } = await compareOn(f, CHECK.trials);
      return { items: `${CHECK.trials} held-out trials`, maxAbsDiff: g.maxAbsDiffLogRate, tolerance: CHECK.tolerance };
    },
  });

  /** evaluate(sets)'s scores from read-outs of the same trials made by infer(spikes, K) -> {logRates, factors}. */
  const evaluateWith = async (infer, sets) => {
    const spikes = lab.evalSpikes(sets);
    const outputs = {};
    for (const key of ['train', 'heldOut', 'conditions']) {
      const { logRates, factors } = await infer(spikes[key], sets[key]);
      outputs[key] = { logRates, factors };
    }
    return lab.evaluateOutputs(sets, outputs);
  };
  const gpuEvaluate = (f, sets) => {
    fresh(f);
    return evaluateWith((spikes, K) => f.infer(spikes, K), sets);
  };
  // On the wasm core with more than one training thread the trials are split over the threads
  // (the same scores, bit for bit); on one, the core's own evaluate.
  const wasmEvaluate = () => {
    const replicas = pool();
    return replicas ? evaluateWith((spikes, K) => parallelInfer(lab, replicas, spikes, K, info.bins), WASM_EVAL) : lab.evaluate(WASM_EVAL);
  };

  let benchForward = null;  // built for comparePaths when the path is wasm but a device exists
  return {
    get path() { return gpu.path; },
    get reason() { return gpu.reason; },
    info: () => ({ path: gpu.path, reason: gpu.reason, ...(gpu.path === 'webgpu' ? { ...gpuSets, threads: 1 } : { ...WASM_EVAL, threads: 1 + (pool()?.size ?? 0) }) }),
    evaluate: () => gpu.run((f) => gpuEvaluate(f, gpuSets), wasmEvaluate),
    /**
     * Both paths on all held-out trials (SOFTWARE_COMPARE on a CPU software adapter): {wasm, gpu}
     * with milliseconds and the largest log-rate difference (GPU - wasm); gpu is null without a device.
     */
    async comparePaths() {
      const K = gpu.got?.software ? SOFTWARE_COMPARE : info.heldOut;
      const f = gpu.got?.device ? fresh(gpu.forward ?? (benchForward ??= await build(gpu.got))) : null;
      const { wasm, gpu: g } = await compareOn(f, K, { warmUp: true });
      return { wasm, gpu: g && { ...g, adapter: gpu.got.adapterName } };
    },
    dispose() {
      gpu.dispose();
      benchForward?.destroy();
    },
  };
}
