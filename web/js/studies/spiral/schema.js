// The spiral demo's state: every knob, in the URL hash on the landing page and in the element's
// attribute when embedded.
export const SCHEMA = {
  hidden: { type: 'int', default: 32, min: 2, max: 128 },
  layers: { type: 'int', default: 2, min: 1, max: 4 },
  activation: { type: 'enum', default: 'tanh', options: ['tanh', 'relu'] },
  lr: { type: 'number', default: 0.01, min: 0.0001, max: 0.3 },
  batch: { type: 'int', default: 64, min: 1, max: 512 },
  classes: { type: 'int', default: 3, min: 2, max: 5 },
  noise: { type: 'number', default: 0.2, min: 0, max: 1 },
  seed: { type: 'int', default: 1, min: 0, max: 999999 },
  speed: { type: 'enum', default: '100', options: ['10', '30', '100', '300', '1000', 'max'] },
};
