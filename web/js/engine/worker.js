// The training worker: owns one wasm instance and one job (a model plus its training loop).
// It trains in slices of at most ~25 ms, answers messages between slices, and posts snapshots
// (transferable typed arrays) at a steady rate so the page never blocks. A speed limit in steps
// per second lets people watch learning happen; 0 trains as fast as the machine allows.
//
// page -> worker: {type: 'init', job, config} | 'start' | 'pause' | {type: 'step', steps} | 'snapshot'
//                 | {type: 'interval', ms} (time between snapshots while training)
//                 | {type: 'reset', config} | {type: 'speed', stepsPerSecond} | {type: 'call', id, method, args}
//                 | {type: 'counts', id} (a leak check and the heap's size: see liveCounts below)
//                 | {type: 'resources', id} (the URLs it fetched, for the offline cache)
// worker -> page: {type: 'ready', info, static} | {type: 'snapshot', ...} | {type: 'state', running}
//                 | {type: 'reply', id, result | error} | {type: 'error', message}
//                 | {type: 'notice', ...} (a job's own news, e.g. the progress of a long fit; see notify below)
import createNeuroAI from '../../wasm/neuroai.mjs';

// Jobs the page may ask for; each module exports create(module, config, {notify}) -> job (see
// jobs/*.js). notify(data) posts {type: 'notice', ...data} at once, even from inside a long
// synchronous call (the page's event loop receives it while the worker is still busy).
const JOBS = {
  spiral: () => import('./jobs/spiral.js'),
  vit: () => import('./jobs/vit.js'),
  prednet: () => import('./jobs/prednet.js'),
  'prednet-camera': () => import('./jobs/prednet-camera.js'),
  replay: () => import('./jobs/replay.js'),
  cliffwalk: () => import('./jobs/cliffwalk.js'),
  episodic: () => import('./jobs/episodic.js'),
  lfads: () => import('./jobs/lfads.js'),
  'lfads-recording': () => import('./jobs/lfads-recording.js'),
};

let snapshotIntervalMs = 66;       // ~15 snapshots per second (500 when the page prefers reduced motion)
const SLICE_MS = 25;              // longest stretch of training between two looks at the inbox
const TICK_MS = 16;               // pause between slices when a speed limit is set
let neuroai = null;
let job = null;
let jobModule = null;
let running = false;
let stepsPerSecond = 0;  // 0: unlimited
let owedSteps = 0;       // fractional steps carried between ticks under a speed limit
let lastTick = 0;
let lastSnapshot = 0;
let timer = null;
// Zero-delay ticks through a MessageChannel: a chain of setTimeout(0) is clamped to 4 ms after a
// few levels, time the worker would sit idle between slices (6-14% of training). The page's
// messages queue between two ticks as before.
const tickChannel = new MessageChannel();
tickChannel.port1.onmessage = () => tick();
const nextTick = (ms) => (ms > 0 ? setTimeout(tick, ms) : (tickChannel.port2.postMessage(null), true));

// A leak check: wasm instances made in this worker, and the embind objects the jobs made with `new`
// (models, labs) that are not .delete()d yet. A live job holds one; none should outlive it.
let wasmInstances = 0;
const constructed = new Set();
// Deleted objects leave the set whenever one is added or counted, so it never grows past the live ones.
function pruneDeleted() {
  for (const o of constructed) if (o.isDeleted()) constructed.delete(o);
}
function countObjects(module) {
  wasmInstances++;
  const track = (o) => { pruneDeleted(); constructed.add(o); return o; };
  for (const [key, value] of Object.entries(module))
    if (typeof value === 'function' && typeof value.prototype?.isDeleted === 'function')  // an embind class
      module[key] = new Proxy(value, { construct: (target, args) => track(Reflect.construct(target, args)) });
  return module;
}
function liveCounts() {
  pruneDeleted();
  // The wasm heap never shrinks, so its size now is the worker's peak (the memory budget's measure).
  return { wasmInstances, liveObjects: constructed.size, heapBytes: neuroai?.HEAP8?.buffer.byteLength ?? 0 };
}

function post(message, transfer = []) {
  self.postMessage(message, transfer);
}

function postSnapshot() {
  if (!job.snapshot) return;  // a job of calls only (no model to watch)
  const { data, transfer } = job.snapshot();
  post({ type: 'snapshot', ...data }, transfer);
  lastSnapshot = performance.now();
}

function fail(error) {
  running = false;
  post({ type: 'state', running });
  post({ type: 'error', message: error instanceof Error ? error.message : String(error) });
}

// One slice of training, then yield to messages. Unlimited: as many chunks as fit in SLICE_MS.
// Limited: the steps owed since the last tick (never more than fit in SLICE_MS). A job's train may
// return a promise (data-parallel steps wait for the replicas: ./replicas.js): the slice awaits it,
// and no second slice starts while one is in flight (ticking).
let ticking = null;  // the slice in flight (a promise), if any
/** Resolves once no slice is in flight: a pause or a single step waits for the step under way. */
const sliceDone = () => ticking ?? Promise.resolve();
function tick() {
  timer = null;
  if (!running || !job || ticking) return;
  ticking = slice().finally(() => { ticking = null; });
}
async function slice() {
  const current = job;
  try {
    const start = performance.now();
    if (stepsPerSecond > 0) {
      owedSteps = Math.min(owedSteps + (stepsPerSecond * (start - lastTick)) / 1000, stepsPerSecond);
      lastTick = start;
      while (owedSteps >= 1 && performance.now() - start < SLICE_MS && running && job === current) {
        const n = Math.min(Math.floor(owedSteps), current.chunk);
        await current.train(n);
        owedSteps -= n;
      }
    } else {
      do await current.train(current.chunk); while (performance.now() - start < SLICE_MS && running && job === current);
    }
    if (job !== current) return;  // replaced while a step was in flight: the new job reports itself
    if (performance.now() - lastSnapshot >= snapshotIntervalMs) postSnapshot();
    if (job.done?.()) {
      running = false;
      postSnapshot();
      post({ type: 'state', running, finished: true });
      return;
    }
  } catch (error) {
    if (job === current) fail(error);
    return;
  }
  if (running) timer = nextTick(stepsPerSecond > 0 ? TICK_MS : 0);
}

// Jobs are made one at a time (an init or reset waits for the one before it to finish), and one
// superseded by a newer init/reset while it waits is skipped: however fast resets come, the worker
// holds one wasm instance and at most one job.
let creating = Promise.resolve();
let generation = 0;

/** Replaces the job; resolves to false when a newer init/reset superseded this one. */
function createJob(name, config) {
  if (!Object.hasOwn(JOBS, name)) throw new Error(`unknown job '${name}' (expected one of: ${Object.keys(JOBS).join(', ')})`);
  const mine = ++generation;
  const made = creating.then(async () => {
    try {
      if (mine !== generation) return false;
      neuroai ??= countObjects(await createNeuroAI());
      jobModule = await JOBS[name]();
      if (mine !== generation) return false;
      job?.dispose();
      job = null;
      const notify = (data) => post({ type: 'notice', ...data });
      job = await jobModule.create(neuroai, config, { notify });  // a job may load assets first
      return mine === generation;  // if not, the newer one (next in line) replaces this job
    } catch (error) {
      if (mine !== generation) return false;  // moot: a newer one is on its way
      throw error;
    }
  });
  creating = made.catch(() => {});
  return made;
}

self.onmessage = async ({ data: msg }) => {
  try {
    switch (msg.type) {
      case 'init':
      case 'reset': {
        running = false;
        if (!(await createJob(msg.job ?? jobModule?.name, msg.config))) break;
        post({ type: 'ready', info: neuroai.buildInfo(), static: job.describe() });
        postSnapshot();
        post({ type: 'state', running });
        break;
      }
      case 'start':
        if (!job) throw new Error('start: no job yet (send init first)');
        if (!running) {
          running = true;
          owedSteps = 0;
          lastTick = performance.now();
          post({ type: 'state', running });
          timer ??= nextTick(0);
        }
        break;
      case 'pause':
        running = false;
        await sliceDone();  // a step under way ends first: the snapshot below shows the model as it stays
        // The last slice's steps may not have been reported yet (snapshots are rate-limited): report
        // them, so that the paused page shows the model as it is.
        if (job) postSnapshot();
        post({ type: 'state', running });
        break;
      case 'step':
        if (!job) throw new Error('step: no job yet (send init first)');
        running = false;
        await sliceDone();
        await job.train(Math.max(1, Math.min(100000, Math.floor(Number(msg.steps) || 1))));
        postSnapshot();
        post({ type: 'state', running });
        break;
      case 'snapshot':  // a fresh look without training (e.g. after the view changed)
        if (!job) throw new Error('snapshot: no job yet (send init first)');
        postSnapshot();
        break;
      case 'interval':
        snapshotIntervalMs = Math.min(2000, Math.max(16, Number(msg.ms) || 66));
        break;
      case 'speed':
        stepsPerSecond = Math.max(0, Number(msg.stepsPerSecond) || 0);
        break;
      case 'counts': {
        // With the heaps of a job's replicas (data-parallel training): the page's memory is all of them.
        const counts = liveCounts();
        counts.replicaHeapBytes = (await job?.replicaHeapBytes?.()) ?? 0;
        counts.heapBytes += counts.replicaHeapBytes;
        post({ type: 'reply', id: msg.id, result: counts });
        break;
      }
      case 'resources':  // what this worker fetched (the wasm, a model's files): the offline cache keeps them too
        post({ type: 'reply', id: msg.id, result: performance.getEntriesByType('resource').map((e) => e.name) });
        break;
      case 'call': {
        if (!job || typeof job.calls?.[msg.method] !== 'function') throw new Error(`call: unknown method '${msg.method}'`);
        try {
          const { result, transfer = [] } = await job.calls[msg.method](...(msg.args ?? []));  // a call may be async (WebGPU)
          post({ type: 'reply', id: msg.id, result }, transfer);
        } catch (error) {
          post({ type: 'reply', id: msg.id, error: error.message });
        }
        break;
      }
      default:
        throw new Error(`unknown message type '${msg.type}'`);
    }
  } catch (error) {
    fail(error);
  }
};
