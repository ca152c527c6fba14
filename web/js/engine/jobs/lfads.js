// Worker-side job: LFADS on the Lorenz spike data, scored as the Neural Latents Benchmark scores
// models (held-out neurons, held-out trials, held-out conditions, forward bins). Trains in small
// steps; snapshots carry the loss history, the selected trial's read-outs and, every few seconds,
// LFADS's scores with the trial counts they were computed on (metrics.counts; metrics.evaluation
// counts the evaluations, one per change of the weights at most) and the NLB
// baselines' scores on exactly those trials (metrics.baselines, once scored). The baselines are the
// native CLI's fit, shipped (assets/lfads/nlb-baselines.nrai): fitting them here took about a
// minute and 300 MiB of wasm heap; scoring them takes about a second per set of trials.
// Evaluation is LFADS's batched forward pass, on WebGPU where it is there and worth it, else on
// the wasm core split over the training threads (./lfads-gpu.js).
import { fetchBytes } from '../fetch-bytes.js';
import { createTrainingThreads } from '../replicas.js';
import { createComputePath } from './lfads-gpu.js';

export const name = 'lfads';

const SHIPPED = new URL('../../../assets/lfads/lfads-lorenz.nrai', import.meta.url);
const BASELINES = new URL('../../../assets/lfads/nlb-baselines.nrai', import.meta.url);
const EVAL_EVERY_MS = 5000;  // an evaluation takes about 0.8 s of wasm on one thread: not every snapshot
// The selected trial's read-outs go with a snapshot at most this often while training: they are
// one inference of one trial (about 14 ms in wasm), which at every snapshot (15 a second) took a
// fifth of the worker's time from training.
const TRIAL_REFRESH_MS = 250;
export const SETS = ['trials', 'conditions'];  // trial(i, set): held-out trials, trials of held-out conditions
// At most two training threads: a replica holds about 38 MiB at the largest knobs (factors 32,
// generator 128), and 4 threads took the page to 286 MiB of wasm heap, over its 256 MiB budget.
const MAX_THREADS = 2;

// Fetched once per worker (the baselines do not depend on the model's knobs): the bytes, or an Error.
let baselineBytes = null;
const fetchBaselines = () => (baselineBytes ??= fetchBytes(BASELINES));

export async function create(neuroai, config, { notify = () => {} } = {}) {
  const { trial = 0, set = 'trials', shipped = true, gpu = 'auto', threads: asked = 0, ...model } = config ?? {};
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
  let compute, threads;
  try {
    compute = await createComputePath(lab, gpu, { pool: () => threads?.pool() });
    // Training threads: this worker and replicas of the model where a step is long enough to share
    // (../replicas.js). A replica computes the gradient of the trials, masks and noise it is given;
    // it takes the owner's weights each step, whatever architecture they came with.
    const { factors, generator, encoder, ic, controller, controllerInputLag } = info;
    threads = await createTrainingThreads(lab, asked, { lab: 'LfadsLab',
      config: { ...model, factors, generator, encoder, ic, controller, controllerInputLag, replica: true } }, { most: MAX_THREADS });
  } catch (e) {
    compute?.dispose();
    lab.delete();
    throw e;
  }

  let selected = trial, selectedSet = set, losses = [], metrics = null, lastEval = -Infinity, dirty = true, disposed = false;
  let shown = null, lastSnapshotStep = -1;  // the last trial read-out sent: {index, set, step, at}
  let evaluating = null, evalError = null, evaluations = 0;
  const evaluate = () => {
    lastEval = performance.now();
    evaluating ??= (async () => {
      try {
        const step = lab.steps();  // training may go on while the GPU works: the weights of this step are scored
        dirty = false;             // until a training step changes them
        const m = await compute.evaluate();
        if (!disposed) metrics = { ...m, step, evaluation: ++evaluations, compute: compute.info() };
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

  return {
    describe: () => ({ config: info, shippedLoaded, shippedError, compute: compute.info(), sets: SETS, baselines }),
    chunk: 1,
    async train(steps) {
      await threads.train(steps);
      const l = lab.lastLosses();
      losses.push([l.steps, l.reconstruction, l.klIc + l.klInputs, l.ramp]);
      dirty = true;
    },
    /** The replicas' wasm heaps (the worker adds them to its own: the page's memory budget). */
    replicaHeapBytes: () => threads.heapBytes(),
    snapshot() {
      if (dirty && !evaluating && performance.now() - lastEval > EVAL_EVERY_MS) evaluate();
      scoreBaselines();
      // The trial's read-outs when they changed (another trial or set, newer weights), and while
      // training at most every TRIAL_REFRESH_MS; otherwise trial is null and the page keeps its last.
      const step = lab.steps(), now = performance.now();
      const training = step !== lastSnapshotStep;
      lastSnapshotStep = step;
      const sameTrial = shown?.index === selected && shown?.set === selectedSet;
      const fresh = !(sameTrial && shown.step === step) && (!training || !sameTrial || now - shown.at >= TRIAL_REFRESH_MS);
      const t = fresh ? lab.trial(selected, selectedSet) : null;
      if (t) shown = { index: selected, set: selectedSet, step, at: now };
      const scored = metrics && { ...metrics, baselines: baselineScores.get(countsKey(metrics.counts)) ?? null };
      const data = {
        step: losses.length ? losses.at(-1)[0] : 0, losses, metrics: scored, baselines, evalError, compute: compute.info(),
        trial: t && { index: selected, set: selectedSet, ...t }, threads: threads.info(),
      };
      losses = [];
      return { data, transfer: t ? [t.spikes.buffer, t.rates.buffer, t.inferred.buffer, t.factors.buffer, t.inputs.buffer, t.latent.buffer] : [] };
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
      /** Trials trained on so far, when (performance.now()), and the training threads: bench/threads.mjs. */
      trainingProgress: () => ({ result: { items: lab.steps() * lab.batchSize(), at: performance.now(), threads: threads.info() } }),
      /** Which path runs the evaluation, and why. */
      computePath: () => ({ result: compute.info() }),
      /**
       * Both paths on the held-out trials (fewer on a CPU software adapter): milliseconds, and the
       * largest log-rate difference (GPU - wasm). The GPU side is null without a device.
       */
      comparePaths: async () => ({ result: { ...(await compute.comparePaths()), compute: compute.info() } }),
    },
    dispose: () => {
      disposed = true;
      threads.dispose();
      compute.dispose();
      lab.delete();
    },
  };
}
