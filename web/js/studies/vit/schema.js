// The attention page's state: the knobs of a fresh network, the view, the chosen image and the
// lesions, in the URL hash on the page and in the element's attribute when embedded.
export const SCHEMA = {
  init: { type: 'enum', default: 'shipped', options: ['shipped', 'scratch'] },
  // A fresh network's defaults: the small ViT that reaches the milestone (80% held-out) fastest in
  // one thread (tools/vit-scratch-select.mjs, on a validation split); the shipped weights bring
  // their own architecture (patches of 4, width 64, 4 blocks of 4 heads).
  patch: { type: 'enum', default: '7', options: ['4', '7', '14'] },
  dim: { type: 'enum', default: '32', options: ['16', '32', '48', '64', '96', '128'] },
  depth: { type: 'int', default: 2, min: 1, max: 6 },
  heads: { type: 'enum', default: '2', options: ['1', '2', '4', '8'] },
  lr: { type: 'number', default: 0.002, min: 0.0001, max: 0.01 },
  batch: { type: 'int', default: 32, min: 8, max: 256 },
  seed: { type: 'int', default: 1, min: 0, max: 999999 },
  view: { type: 'enum', default: 'cls', options: ['cls', 'query', 'rollout'] },
  layer: { type: 'int', default: 4, min: 1, max: 6 },
  head: { type: 'int', default: 0, min: 0, max: 4 },
  query: { type: 'int', default: 24, min: 0, max: 195 },
  img: { type: 'int', default: 0, min: 0, max: 999 },
  input: { type: 'enum', default: 'gallery', options: ['gallery', 'draw', 'picture'] },  // a picture stays out of the link: its tab opens empty
  thumbs: { type: 'enum', default: 'plain', options: ['plain', 'attention'] },  // the attention view on every gallery thumbnail
  lesions: { type: 'int', default: 0, min: 0, max: 2 ** 48 - 1 },
  gpu: { type: 'enum', default: 'auto', options: ['auto', 'on', 'off'] },  // batched calls on WebGPU: auto = on a real GPU
  // Training threads (web/js/engine/replicas.js): 0 = every core the browser reports (at most 4).
  threads: { type: 'int', default: 0, min: 0, max: 4 },
};
