// The episodic page's state in the URL hash.
export const SCHEMA = {
  env: { type: 'enum', default: 'maze', options: ['maze', 'maze-moving', 'catch'] },
  k: { type: 'int', default: 11, min: 1, max: 50 },
  // Blundell et al. projected to 4-64 dimensions. The tables' worst case, 4 actions x 50,000 keys of
  // 64 floats for MFEC and 50,000 observations for the simple learner, stays within the page's budget.
  projection: { type: 'int', default: 32, min: 2, max: 64 },
  capacity: { type: 'int', default: 10000, min: 50, max: 50000 },
  epsilon: { type: 'number', default: 0.005, min: 0, max: 1 },
  seed: { type: 'int', default: 1, min: 0, max: 999999 },
  speed: { type: 'enum', default: '30', options: ['5', '10', '30', '100', '300', 'max'] },
};

export const labConfig = (s) => ({ env: s.env, k: s.k, projection: s.projection, capacity: s.capacity, epsilon: s.epsilon, seed: s.seed });
export const AGENTS = [
  { name: 'Episodic control (MFEC)', short: 'MFEC', color: '#D55E00' },
  { name: 'Simple episodic Q-learner', short: 'simple', color: '#009E73' },
  { name: 'DQN', short: 'DQN', color: '#0072B2' },
];
