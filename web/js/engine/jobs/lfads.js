// Worker-side job: LFADS on the Lorenz spike data, scored as the Neural Latents Benchmark scores
// models (held-out neurons, held-out trials, held-out conditions, forward bins). Trains in small
// steps; snapshots carry the loss history, the selected trial's read-outs and, every few seconds,
// LFADS's scores with the trial counts they were computed on (metrics.counts) and the NLB
// baselines' scores on exactly those trials (metrics.baselines, once scored). The baselines are the
// native CLI's fit, shipped (assets/lfads/nlb-baselines.nrai): fitting them here took about a
// minute and 300 MiB of wasm heap; scoring them takes about a second per set of trials.
// Evaluation is LFADS's batched forward pass: on WebGPU (web/js/gpu/lfads-forward.js, run from the
// core's plan) it covers every trial of the split; on the wasm core a subset (about a second of
// work: every held-out trial, part of the others), and on a CPU software adapter (used only with
// gpu=on) a smaller one. The path policy (gpu=auto|on|off, fallback to wasm) is ../gpu-path.js.
import { fetchSource } from '../../gpu/kernels.js';
import { createLfadsForward } from '../../gpu/lfads-forward.js';
import { fetchBytes } from '../fetch-bytes.js';
import { createGpuPath, followWeights } from '../gpu-path.js';

export const name = 'lfads';

const SHIPPED = new URL('../../../assets/lfads/lfads-lorenz.nrai', import.meta.url);
const BASELINES = new URL('../../../assets/lfads/nlb-baselines.nrai', import.meta.url);
const EVAL_EVERY_MS = 8000;  // evaluation costs a second or so in wasm: not every snapshot
// Trials per evaluation on the wasm path (about a second of LFADS in wasm): every held-out trial,
// trials of held-out conditions (8 of each condition's 20), and training trials for the decoder
// and the factor map. SwiftShader (a CPU software adapter) takes about 15 s per 100 trials.
const WASM_EVAL = { train: 120, heldOut: 260, conditions: 80 };
const SOFTWARE_EVAL = { train: 48, heldOut: 130, conditions: 20 };  // 2 trials of each condition (a PSTH R² needs more than one)
const SOFTWARE_COMPARE = 40;  // comparePaths' trials on a CPU software adapter (SwiftShader: minutes for all)
const GPU_BATCH = 256;  // trials per GPU pass
const CHECK = { trials: 2, tolerance: 1e-4 };  // held-out trials both paths infer before WebGPU is used; max |d log-rate|
export const SETS = ['trials', 'conditions'];  // trial(i, set): held-out trials, trials of held-out conditions

// Fetched once per worker (the baselines do not depend on the model's knobs): the bytes, or an Error.
let baselineBytes = null;
const fetchBaselines = () => (baselineBytes ??= fetchBytes(BASELINES));

export async function create(neuroai, config, { notify = () => {} } = {}) {
  const { trial = 0, set = 'trials', shipped = true, gpu = 'auto', ...model } = config ?? {};
  const lab = new neuroai.LfadsLab(model);
  let shippedLoaded = false, shippedError = null;
  if (shipped) {
    try {
      // No shipped weights (a checkout without assets), or a file this model cannot take: start from scratch.
      const bytes = await fetchBytes(SHIPPED);
      if (bytes instanceof Error) throw bytes;
      lab.loadWeights(bytes);
      shippedLoaded = true;
    } catch (error) {
      shippedError = error.message;
    }
  }
  let baselines;  // {state: 'done', settings} or {state: 'failed', error}
  try {
    const bytes = await fetchBaselines();
    if (bytes instanceof Error) throw bytes;
    baselines = { state: 'done', settings: lab.loadBaselines(bytes) };
  } catch (error) {
    baselines = { state: 'failed', error: error.message };
  }
  const baselineScores = new Map();  // counts key -> the baselines' scores on those trials
  const countsKey = (c) => `${c.train} ${c.heldOut} ${c.conditions}`;
  let scoring = false;
  /** Scores the baselines on the trials of the latest evaluation, in a task of its own (after a snapshot went out). */
  const scoreBaselines = () => {
    if (baselines.state !== 'done' || !metrics || scoring || baselineScores.has(countsKey(metrics.counts))) return;
    scoring = true;
    const counts = metrics.counts;
    setTimeout(() => {
      scoring = false;
      if (disposed) return;
      try {
        baselineScores.set(countsKey(counts), lab.baselineScores(counts));
      } catch (error) {
        baselines = { state: 'failed', error: error.message };
      }
      notify({ kind: 'baselines-scored' });  // the page asks for a snapshot: training may be paused
    }, 0);
  };
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
  let compute;
  try {
    compute = await createGpuPath({
      mode: gpu,
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
  } catch (e) {
    lab.delete();
    throw e;
  }
  const setsNow = () => (compute.path === 'webgpu' ? gpuSets : WASM_EVAL);
  const computeInfo = () => ({ path: compute.path, reason: compute.reason, ...setsNow() });

  /** evaluate(sets)'s scores from the GPU's read-outs of the same trials. */
  const gpuEvaluate = async (f, sets) => {
    fresh(f);
    const spikes = lab.evalSpikes(sets);
    const outputs = {};
    for (const key of ['train', 'heldOut', 'conditions']) {
      const { logRates, factors } = await f.infer(spikes[key], sets[key]);
      outputs[key] = { logRates, factors };
    }
    return lab.evaluateOutputs(sets, outputs);
  };

  let selected = trial, selectedSet = set, losses = [], metrics = null, lastEval = -Infinity, dirty = true, disposed = false;
  let evaluating = null, evalError = null;
  const evaluate = () => {
    lastEval = performance.now();
    evaluating ??= (async () => {
      try {
        const step = lab.steps();  // training may go on while the GPU works: the weights of this step are scored
        const m = await compute.run((f) => gpuEvaluate(f, gpuSets), () => lab.evaluate(WASM_EVAL));
        if (!disposed) metrics = { ...m, step, compute: computeInfo() };
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
    describe: () => ({ config: info, shippedLoaded, shippedError, compute: computeInfo(), sets: SETS, baselines }),
    chunk: 1,
    train(steps) {
      const l = lab.trainSteps(steps);
      losses.push([l.steps, l.reconstruction, l.klIc + l.klInputs, l.ramp]);
      dirty = true;
    },
    snapshot() {
      if (dirty && !evaluating && performance.now() - lastEval > EVAL_EVERY_MS) evaluate();
      scoreBaselines();
      const t = lab.trial(selected, selectedSet);
      const scored = metrics && { ...metrics, baselines: baselineScores.get(countsKey(metrics.counts)) ?? null };
      const data = {
        step: losses.length ? losses.at(-1)[0] : 0, losses, metrics: scored, baselines, evalError, compute: computeInfo(),
        trial: { index: selected, set: selectedSet, ...t },
      };
      losses = [];
      return { data, transfer: [t.spikes.buffer, t.rates.buffer, t.inferred.buffer, t.factors.buffer, t.inputs.buffer, t.latent.buffer] };
    },
    calls: {
      /** Selects trial i of a held-out set ('trials' | 'conditions') for the snapshots' read-outs. */
      select: (i, which = selectedSet) => {
        lab.trial(i, which);  // refuses a bad index or set by name, before anything changes
        selected = i;
        selectedSet = which;
        return { result: true };
      },
      trajectories: (count, which = 'trials') => {
        const r = lab.trajectories(count, which);
        return { result: { ...r, set: which }, transfer: [r.fitted.buffer, r.latent.buffer, r.condition.buffer] };
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
