// The PredNet page's state: the training knobs and the view, in the URL hash on the page and in
// the element's attribute when embedded.
export const FRAMES = 10;  // the page's sequences: 10 frames of 32 x 32
export const SIZE = 32;

export const SCHEMA = {
  // training
  loss: { type: 'enum', default: 'L0', options: ['L0', 'Lall'] },
  layers: { type: 'int', default: 3, min: 2, max: 4 },
  lr: { type: 'number', default: 0.001, min: 0.00001, max: 0.01 },
  batch: { type: 'int', default: 4, min: 1, max: 16 },
  seed: { type: 'int', default: 1, min: 0, max: 999999 },
  data: { type: 'enum', default: 'blobs', options: ['blobs', 'sprites', 'camera'] },  // camera: ./camera-panel.js instead of ./panel.js
  init: { type: 'enum', default: 'shipped', options: ['shipped', 'scratch'] },
  gpu: { type: 'enum', default: 'auto', options: ['auto', 'on', 'off'] },  // rollouts on WebGPU: auto = on a real GPU
  // Training threads (web/js/engine/replicas.js): 0 = every core the browser reports (at most 4).
  threads: { type: 'int', default: 0, min: 0, max: 4 },
  // view
  seq: { type: 'int', default: 0, min: 0, max: 999999 },
  surprise: { type: 'enum', default: 'none', options: ['none', 'reverse', 'appear', 'occluder'] },
  at: { type: 'int', default: 6, min: 2, max: FRAMES - 1 },
  t: { type: 'int', default: 6, min: 0, max: FRAMES - 1 },
  extrap: { type: 'enum', default: 'off', options: ['off', ...Array.from({ length: FRAMES - 2 }, (_, i) => String(i + 2))] },
};
