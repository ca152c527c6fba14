// Page-side handle on a training worker: start / pause / step / reset; snapshots, state changes,
// errors and a job's notices arrive as events ('snapshot', 'state', 'error', 'notice', 'ready').
import { moduleWorker } from './module-worker.js';

/** Every client on the page with a worker alive: what the page holds (tests sum their heaps). */
export const liveClients = new Set();

export class TrainerClient extends EventTarget {
  /** @param {string} job worker job name; @param {object} config the job's model config */
  constructor(job, config) {
    super();
    this.job = job;
    this.running = false;
    this.ready = false;
    this.pending = new Map();
    this.nextId = 1;
    this.worker = moduleWorker(new URL('./worker.js', import.meta.url), { name: `neuroai-${job}` });
    this.worker.onmessage = ({ data }) => this.#receive(data);
    this.worker.onerror = (event) => this.#emit('error', { message: event.message || 'the training worker failed to start' });
    this.worker.postMessage({ type: 'init', job, config });
    liveClients.add(this);
    // With reduced motion asked for, the pictures update twice a second instead of fifteen times.
    const reduced = globalThis.matchMedia?.('(prefers-reduced-motion: reduce)');
    const pace = () => this.worker.postMessage({ type: 'interval', ms: reduced?.matches ? 500 : 66 });
    pace();
    reduced?.addEventListener?.('change', pace);
    this.unpace = () => reduced?.removeEventListener?.('change', pace);
  }

  start() { this.worker.postMessage({ type: 'start' }); }
  pause() { this.worker.postMessage({ type: 'pause' }); }
  step(steps = 1) { this.worker.postMessage({ type: 'step', steps }); }
  /** Asks for a snapshot without training. */
  refresh() { this.worker.postMessage({ type: 'snapshot' }); }
  reset(config) {
    this.ready = false;
    this.worker.postMessage({ type: 'reset', job: this.job, config });
  }
  /** Caps training at this many steps per second; 0 trains as fast as possible. */
  setSpeed(stepsPerSecond) { this.worker.postMessage({ type: 'speed', stepsPerSecond }); }

  /** Calls a job method in the worker; resolves with its result. */
  call(method, ...args) { return this.#request({ type: 'call', method, args }); }
  /** Resolves to {wasmInstances, liveObjects, heapBytes}: what the worker holds (a leak check, see worker.js). */
  counts() { return this.#request({ type: 'counts' }); }

  /** Resolves to the URLs the worker fetched (js/lib/offline.js keeps them for offline use). */
  resources() { return this.#request({ type: 'resources' }); }

  #request(message) {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...message, id });
    });
  }

  dispose() {
    liveClients.delete(this);
    this.worker.terminate();
    this.unpace();
    for (const { reject } of this.pending.values()) reject(new Error('worker terminated'));
    this.pending.clear();
  }

  #emit(type, detail) { this.dispatchEvent(new CustomEvent(type, { detail })); }

  #receive(msg) {
    switch (msg.type) {
      case 'ready':
        this.ready = true;
        this.#emit('ready', msg);
        break;
      case 'snapshot':
        this.#emit('snapshot', msg);
        break;
      case 'state':
        this.running = msg.running;
        this.#emit('state', msg);
        break;
      case 'reply': {
        const p = this.pending.get(msg.id);
        this.pending.delete(msg.id);
        if (p) msg.error ? p.reject(new Error(msg.error)) : p.resolve(msg.result);
        break;
      }
      case 'notice':  // a job's own news (e.g. progress of a long fit), as the job sent it
        this.#emit('notice', msg);
        break;
      case 'error':
        this.#emit('error', msg);
        break;
    }
  }
}
