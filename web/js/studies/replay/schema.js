// The replay page's state in the URL hash: the agents' settings, the speed and the Cliffwalk run.
export const SCHEMA = {
  env: { type: 'enum', default: 'catch', options: ['catch', 'cartpole'] },
  alpha: { type: 'number', default: 0.6, min: 0, max: 1 },
  beta0: { type: 'number', default: 0.4, min: 0, max: 1 },
  capacity: { type: 'int', default: 10000, min: 64, max: 1000000 },
  batch: { type: 'int', default: 32, min: 1, max: 256 },
  lr: { type: 'number', default: 0.001, min: 0.00001, max: 0.1 },
  target: { type: 'int', default: 100, min: 1, max: 10000 },
  seed: { type: 'int', default: 1, min: 0, max: 999999 },
  speed: { type: 'enum', default: '100', options: ['10', '30', '100', '300', 'max'] },
  cwseeds: { type: 'int', default: 10, min: 1, max: 50 },
  cwalpha: { type: 'number', default: 0.6, min: 0, max: 1 },
};

/** The ReplayLab config (wasm) for a state. CartPole keeps its own preset where no knob is set. */
export function labConfig(s) {
  return { env: s.env, alpha: s.alpha, beta0: s.beta0, capacity: s.capacity, batch: s.batch, lr: s.lr,
    targetPeriod: s.target, seed: s.seed };
}

export const stepsPerSecond = (speed) => (speed === 'max' ? 0 : Number(speed));
