// The spiral demo's story in lecture mode (../../lib/lecture.js): each step a claim, with the knobs set to show it.
const DEFAULTS = { hidden: 32, layers: 2, activation: 'tanh', classes: 3, noise: 0.2 };
export const LECTURE = [
  { claim: 'A small network learns to tell spirals apart',
    detail: 'Points on three interleaved spiral arms; a network of two hidden layers of 32 tanh units learns which arm each belongs to. Its accuracy passes 95% in about 1.4 s.',
    state: DEFAULTS, run: true, show: ['demo'], focus: '#spiral-panel' },
  { claim: 'It bends the plane',
    detail: 'The background is the network\'s answer at every point of the plane: its boundaries curl with the arms, which no straight line could separate.',
    state: DEFAULTS, run: true, show: ['demo'], focus: '#spiral-panel' },
  { claim: 'One hidden layer',
    detail: 'The same 32 units in a single layer. How far does the accuracy get, and how smooth are the boundaries?',
    state: { ...DEFAULTS, layers: 1 }, run: true, show: ['demo'], focus: '#spiral-panel' },
  { claim: 'Too few units',
    detail: 'Four units per layer: too few pieces to bend the plane around three arms?',
    state: { ...DEFAULTS, hidden: 4 }, run: true, show: ['demo'], focus: '#spiral-panel' },
  { claim: 'ReLU units draw with straight pieces',
    detail: 'Rectified linear units are linear on each side of a kink, so the boundaries become polygons.',
    state: { ...DEFAULTS, activation: 'relu' }, run: true, show: ['demo'], focus: '#spiral-panel' },
  { claim: 'Five noisy arms',
    detail: 'More classes and more noise: where does the network still go wrong, and is that the network or the data?',
    state: { ...DEFAULTS, classes: 5, noise: 0.5 }, run: true, show: ['demo'], focus: '#spiral-panel' },
];
