// The replay page's state in the URL hash: the agents' settings, the speed and the Cliffwalk run.
// `variant` (the second agent's replay) and `plan` came later; links without them keep their old
// meaning: proportional replay beside uniform, beta annealed over the preset's planned run.
export const SCHEMA = {
  env: { type: 'enum', default: 'catch', options: ['catch', 'cartpole'] },
  variant: { type: 'enum', default: 'proportional', options: ['uniform', 'proportional', 'rank'] },
  alpha: { type: 'number', default: 0.6, min: 0, max: 1 },
  beta0: { type: 'number', default: 0.4, min: 0, max: 1 },
  capacity: { type: 'int', default: 10000, min: 64, max: 100000 },  // the slider's range: 10^6 grew the heap to 917 MB
  batch: { type: 'int', default: 32, min: 1, max: 256 },
  lr: { type: 'number', default: 0.001, min: 0.00001, max: 0.1 },
  target: { type: 'int', default: 100, min: 1, max: 10000 },
  plan: { type: 'int', default: 0, min: 0, max: 10000000 },  // planned env steps (β reaches 1 there); 0: the preset's
  seed: { type: 'int', default: 1, min: 0, max: 999999 },
  speed: { type: 'enum', default: '100', options: ['10', '30', '100', '300', 'max'] },
  cwseeds: { type: 'int', default: 10, min: 1, max: 50 },
  cwalpha: { type: 'number', default: 0.6, min: 0, max: 1 },
};

/** The planned run when `plan` is 0: Catch 300 episodes of 9 steps (what `neuroai eval per` runs), CartPole 20,000 steps. */
export const presetPlan = (env) => (env === 'catch' ? 2700 : 20000);

/** The paper's exponents per variant (Schaul et al. 2016, Table 3). */
export const PAPER_EXPONENTS = { proportional: { alpha: 0.6, beta0: 0.4 }, rank: { alpha: 0.7, beta0: 0.5 } };

/** The ReplayLab config (wasm) for a state. CartPole keeps its own preset where no knob is set. */
export function labConfig(s) {
  return { env: s.env, variant: s.variant, alpha: s.alpha, beta0: s.beta0, capacity: s.capacity, batch: s.batch, lr: s.lr,
    targetPeriod: s.target, planSteps: s.plan > 0 ? s.plan : presetPlan(s.env), seed: s.seed };
}

