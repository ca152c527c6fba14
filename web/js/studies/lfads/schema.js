// The LFADS page's state in the URL hash.
export const SCHEMA = {
  factors: { type: 'int', default: 8, min: 2, max: 32 },
  generator: { type: 'int', default: 64, min: 8, max: 128 },
  controller: { type: 'bool', default: true },
  kl: { type: 'number', default: 1, min: 0, max: 10 },
  l2: { type: 'number', default: 0.0001, min: 0, max: 0.1 },
  dropout: { type: 'number', default: 0.3, min: 0, max: 0.8 },
  lr: { type: 'number', default: 0.005, min: 0.0001, max: 0.05 },
  seed: { type: 'int', default: 1, min: 0, max: 999999 },
  trial: { type: 'int', default: 0, min: 0, max: 259 },
  neuron: { type: 'int', default: 0, min: 0, max: 29 },
  view: { type: 'enum', default: 'all', options: ['all', 'one'] },
  start: { type: 'enum', default: 'shipped', options: ['shipped', 'scratch'] },
  gpu: { type: 'enum', default: 'auto', options: ['auto', 'on', 'off'] },  // evaluation on WebGPU: auto = on a real GPU
  renderer: { type: 'enum', default: 'auto', options: ['auto', 'webgpu', 'webgl2'] },  // the 3-D view: auto = WebGPU on a real GPU
};

export const labConfig = (s) => ({
  factors: s.factors, generator: s.generator, controller: s.controller, klWeight: s.kl, l2Weight: s.l2,
  dropout: s.dropout, lr: s.lr, seed: s.seed, trial: s.trial, shipped: s.start === 'shipped', gpu: s.gpu,
});
