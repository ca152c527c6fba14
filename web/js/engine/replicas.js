// Data-parallel training on more than one core, without SharedArrayBuffer (so in any page, cross-
// origin isolated or not): the job's worker owns the model and draws each batch; `threads - 1`
// replicas (./replica-worker.js, workers of their own with a copy of the model) each compute the
// gradient of a share of it while the owner computes its own; the owner adds the replicas'
// gradients in a fixed order and takes the step. The same step as on one thread up to the order
// of the sums: the run is deterministic for a given number of threads.
import { moduleWorker } from './module-worker.js';

/** The most threads a page asks for: the cores the browser reports, at most MAX_THREADS (each holds a copy of the model). */
export const MAX_THREADS = 4;
/** The training threads a knob asks for: a count, or 0 for every core the browser reports; at most MAX_THREADS. */
export const threadsFor = (threads) => Math.max(1, Math.min(MAX_THREADS, threads > 0 ? Math.floor(threads) : globalThis.navigator?.hardwareConcurrency ?? 1));
/**
 * The tape budget of one thread's passes (the trainers' passBytes) when a page's training budget
 * `bytes` is shared by the threads a knob asks for: the page's peak stays about one budget.
 */
export const passBytesPerThread = (bytes, threads) => Math.floor(bytes / threadsFor(threads));

/** ' on N threads', or one and why, after a training rate (a job's threads info, or nothing before its first snapshot). */
export const describeThreads = (t) => (!t ? '' : t.used > 1 ? ` on ${t.used} threads` : ` on one thread${t.reason ? ` (${t.reason})` : ' (timing a step)'}`);

/** The loss of a lab's trainSteps: a number, or an object whose total it is (LFADS reports its loss in parts). */
export const stepLoss = (l) => (typeof l === 'number' ? l : l.total);

/** Shares of a batch of `batch` over `parts` threads: [first, n] each, the owner's first; none empty. */
export function shares(batch, parts) {
  const k = Math.max(1, Math.min(parts, batch));
  return Array.from({ length: k }, (_, i) => {
    const first = Math.floor((i * batch) / k);
    return [first, Math.floor(((i + 1) * batch) / k) - first];
  });
}

/**
 * Starts `count` replicas of `lab` (an embind class name, e.g. 'VitLab') made with `config`.
 * Resolves to {size, gradient(i, params, share, batch), heapBytes(), dispose()}; rejects when a
 * replica cannot start (no nested workers, a module that fails to load), after ending the others.
 */
export async function createReplicas(count, lab, config) {
  const workers = [];
  const pending = new Map();  // id -> {resolve, reject}
  let nextId = 0;
  const settle = ({ data }) => {
    const p = pending.get(data.id);
    if (!p) return;
    pending.delete(data.id);
    if (data.error) p.reject(new Error(data.error)); else p.resolve(data);
  };
  const request = (w, message, transfer = []) => new Promise((resolve, reject) => {
    const id = ++nextId;
    pending.set(id, { resolve, reject });
    w.postMessage({ ...message, id }, transfer);
  });
  const dispose = () => {
    for (const w of workers) w.terminate();
    for (const p of pending.values()) p.reject(new Error('the replicas were stopped'));
    pending.clear();
  };
  try {
    for (let i = 0; i < count; ++i) {
      const w = moduleWorker(new URL('./replica-worker.js', import.meta.url));
      workers.push(w);
      await new Promise((resolve, reject) => {
        w.onmessage = ({ data }) => (data.type === 'ready' ? resolve() : reject(new Error(data.error ?? 'replica: no reply')));
        w.onerror = (e) => reject(new Error(`replica ${i + 1}: ${e.message ?? 'failed to load'}`));
        w.postMessage({ type: 'init', lab, config });
      });
      w.onmessage = settle;
      w.onerror = (e) => { for (const p of pending.values()) p.reject(new Error(`replica ${i + 1}: ${e.message}`)); pending.clear(); };
    }
  } catch (error) {
    dispose();
    throw error;
  }
  return {
    size: count,
    /** Replica i's {loss, gradients} for `share` of a batch of `batch`, computed with `params` (a Float32Array it takes: transferred, not copied). */
    gradient: (i, params, share, batch) => request(workers[i], { type: 'gradient', params, share, batch },
      [params.buffer, ...Object.values(share).filter((a) => ArrayBuffer.isView(a)).map((a) => a.buffer)]),  // the typed arrays; numbers travel as they are
    /** Replica i's lab.inferOutputs(spikes, trials) with `params` (both transferred): {logRates, factors}, time-major. */
    infer: (i, params, spikes, trials) => request(workers[i], { type: 'infer', params, spikes, trials }, [params.buffer, spikes.buffer]),
    /** The replicas' wasm heaps, summed (each is its worker's peak: a heap never shrinks). */
    heapBytes: async () => (await Promise.all(workers.map((w) => request(w, { type: 'counts' }))))
      .reduce((sum, r) => sum + r.heapBytes, 0),
    dispose,
  };
}

/**
 * One training step of `lab` over its batch of `batch` with `replicas` (or none): the lab draws
 * the batch, the replicas take their shares with the lab's current weights, the lab adds its own
 * share and then theirs, in replica order, and steps. Resolves to the step's loss.
 */
export async function parallelStep(lab, replicas, batch) {
  lab.beginStep();
  const parts = shares(batch, 1 + (replicas?.size ?? 0));
  // Each replica takes a copy of the weights (the view lives until the next call into the module).
  const theirs = parts.slice(1).map(([first, n], i) => replicas.gradient(i, lab.parameters().slice(), lab.batchShare(first, n), batch));
  let loss = lab.accumulate(...parts[0]);
  for (const r of await Promise.all(theirs)) {
    lab.addGradients(r.gradients);
    if (r.parts) lab.addLosses(r.parts);  // a lab whose step reports its loss in parts (LFADS)
    loss += r.loss;
  }
  lab.finishStep();
  return loss;
}

/**
 * Time-major read-outs of trials in parts, (bins, n_i, width) each in part order, joined into
 * (bins, sum n_i, width): each bin's rows of the first part, then the second's, and so on.
 */
function joinTimeMajor(parts, counts, bins) {
  const total = counts.reduce((a, b) => a + b, 0);
  const width = parts[0].length / (bins * counts[0]);
  const out = new Float32Array(bins * total * width);
  for (let s = 0; s < bins; ++s) {
    let at = s * total * width;
    parts.forEach((p, i) => {
      const row = counts[i] * width;
      out.set(p.subarray(s * row, (s + 1) * row), at);
      at += row;
    });
  }
  return out;
}

/**
 * lab.inferOutputs(spikes, trials) over `trials` trials of trial-major `spikes`, the trials split
 * over the lab and its `replicas` (or none) as a batch is: each infers its share with the lab's
 * current weights, the owner's while the replicas work. Resolves to {logRates, factors} over
 * `bins` bins, time-major: the one-thread call's bits (a trial's numbers do not depend on the
 * others in its pass).
 */
export async function parallelInfer(lab, replicas, spikes, trials, bins) {
  const parts = shares(trials, 1 + (replicas?.size ?? 0));
  const perTrial = spikes.length / trials;
  const theirs = parts.slice(1).map(([first, n], i) =>
    replicas.infer(i, lab.parameters().slice(), spikes.slice(first * perTrial, (first + n) * perTrial), n));
  const ours = lab.inferOutputs(spikes.subarray(0, parts[0][1] * perTrial), parts[0][1]);
  const all = [ours, ...(await Promise.all(theirs))];
  const counts = parts.map(([, n]) => n);
  return { logRates: joinTimeMajor(all.map((o) => o.logRates), counts, bins), factors: joinTimeMajor(all.map((o) => o.factors), counts, bins) };
}

// A step shorter than this on one thread gains nothing from replicas: the weights and gradients
// that cross between workers each step, and the wait for the slowest share, cost about as much
// (bench/threads.mjs: the ViT page's small default, about 6 ms a step, ran at 0.75x on 2 threads;
// the shipped architecture, about 330 ms a step, at 1.6x).
export const MIN_PARALLEL_STEP_MS = 40;
const TIMED_STEPS = 3;  // one-thread steps timed (after the first) before `auto` decides

/**
 * The training threads of a job: its lab and replicas of it. `threads` is a count, or 0 for auto:
 * every core the browser reports, once a step on one thread has been timed and found long enough
 * (MIN_PARALLEL_STEP_MS). `replica` is {lab: the embind class name, config: what makes a copy of
 * the lab's model}; the lab and the copies take passBytesPerThread each; `most` caps the threads
 * (a lab whose replicas weigh more than the page's budget allows at MAX_THREADS). Returns {train(steps) (a loss, or a promise of one while replicas run),
 * info() {asked, used, reason}, heapBytes(), dispose()}; an explicit count is ready when this resolves.
 */
export async function createTrainingThreads(lab, threads, replica, { most = MAX_THREADS } = {}) {
  const auto = !(threads > 0);
  const asked = Math.min(threadsFor(threads), most);
  const state = { used: 1, reason: asked > 1 ? null : auto ? 'the browser reports one core' : 'threads=1 asked for', replicas: null, starting: null, timed: [] };
  const start = () => {
    state.starting ??= createReplicas(asked - 1, replica.lab, replica.config)
      .then((r) => {
        if (state.disposed) return r.dispose();
        state.replicas = r;
        state.used = asked;
        state.reason = null;
      })
      .catch((error) => { state.reason = `the replicas did not start: ${error.message}`; });
    return state.starting;
  };
  if (!auto && asked > 1) await start();

  let stepping = Promise.resolve();  // steps one after another: the worker may ask for more while one awaits
  const oneThread = (steps) => {
    if (!auto || asked < 2 || state.starting) return lab.trainSteps(steps);
    // auto: time single steps until the choice is made.
    let total = 0;
    for (let s = 0; s < steps; ++s) {
      const t0 = performance.now();
      total += stepLoss(lab.trainSteps(1));
      state.timed.push(performance.now() - t0);
    }
    if (state.timed.length > TIMED_STEPS) {
      const ms = [...state.timed.slice(1)].sort((a, b) => a - b)[Math.floor((state.timed.length - 1) / 2)];
      if (ms >= MIN_PARALLEL_STEP_MS) start();
      else {
        state.starting = Promise.resolve();
        state.reason = `a ${ms.toFixed(0)} ms step is too short to share between threads`;
      }
    }
    return total / steps;
  };
  return {
    train(steps) {
      if (!state.replicas) return oneThread(steps);
      const run = stepping.then(async () => {
        let total = 0;
        for (let s = 0; s < steps; ++s) total += await parallelStep(lab, state.replicas, lab.batchSize());
        return total / steps;
      });
      stepping = run.catch(() => {});
      return run;
    },
    info: () => ({ asked, used: state.used, auto, reason: state.reason }),
    /** The replicas while more than one thread trains (createReplicas' object), else null: for work split like a batch (parallelInfer). */
    pool: () => state.replicas,
    heapBytes: () => state.replicas?.heapBytes() ?? 0,
    dispose() {
      state.disposed = true;
      state.replicas?.dispose();
    },
  };
}
