// The LFADS page's state in the URL hash.
// set: which held-out trials the raster, the rates and the 3-D view show: 'trials' (held-out
// trials of the training conditions) or 'conditions' (trials of the held-out conditions, Lorenz
// starts never seen in training). trial indexes that set (TRIALS[set] of them).
export const TRIALS = { trials: 260, conditions: 200 };

export const SCHEMA = {
  factors: { type: 'int', default: 8, min: 2, max: 32 },
  generator: { type: 'int', default: 64, min: 8, max: 128 },
  controller: { type: 'bool', default: true },
  kl: { type: 'number', default: 1, min: 0, max: 10 },
  l2: { type: 'number', default: 0.0001, min: 0, max: 0.1 },
  dropout: { type: 'number', default: 0.3, min: 0, max: 0.8 },
  // The step size of a fresh network: LFADS's own default (0.01), which reached the milestone
  // (held-out rate R² 0.75) a fifth sooner than 0.005 and trained on to 0.9 where 0.02 stalled at
  // 0.82 (tools/lfads-scratch-select.mjs, on Lorenz data of other seeds). Loaded weights train on
  // at the end of their schedule: a twentieth of it.
  lr: { type: 'number', default: 0.01, min: 0.0001, max: 0.05 },
  seed: { type: 'int', default: 1, min: 0, max: 999999 },
  set: { type: 'enum', default: 'trials', options: ['trials', 'conditions'] },
  trial: { type: 'int', default: 0, min: 0, max: TRIALS.trials - 1 },  // at most TRIALS[set] - 1 (checkTrial)
  neuron: { type: 'int', default: 0, min: 0, max: 49 },  // 0-39 held in, 40-49 held out
  view: { type: 'enum', default: 'all', options: ['all', 'one'] },
  init: { type: 'enum', default: 'shipped', options: ['shipped', 'scratch'], formerly: 'start' },
  gpu: { type: 'enum', default: 'auto', options: ['auto', 'on', 'off'] },  // evaluation on WebGPU: auto = on a real GPU
  renderer: { type: 'enum', default: 'auto', options: ['auto', 'webgpu', 'webgl2'] },  // the 3-D view: auto = WebGPU on a real GPU
  // Training threads (web/js/engine/replicas.js): 0 = every core the browser reports (at most 4).
  threads: { type: 'int', default: 0, min: 0, max: 4 },
};

/** The largest trial index of a set. */
export const trialMax = (set) => TRIALS[set] - 1;

/**
 * A trial index beyond its set (e.g. #set=conditions&trial=230) falls back to 0; returns the
 * rejected 'trial=...' entry for the page's note, or null.
 */
export function checkTrial(state) {
  if (state.trial <= trialMax(state.set)) return null;
  const bad = `trial=${state.trial}`;
  state.trial = 0;
  return bad;
}

export const labConfig = (s) => ({
  factors: s.factors, generator: s.generator, controller: s.controller, klWeight: s.kl, l2Weight: s.l2,
  dropout: s.dropout, lr: s.lr, seed: s.seed, trial: s.trial, set: s.set, shipped: s.init === 'shipped', gpu: s.gpu,
  ...(s.threads > 0 && { threads: s.threads }),
});
