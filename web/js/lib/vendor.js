// The third-party modules the pages use, copied from node_modules into /vendor at build time.
// Relative imports (no import map) keep the site working under a strict CSP with no inline script.
export { default as uPlot } from '../../vendor/uPlot.esm.js';
export { GUI } from '../../vendor/lil-gui.esm.js';
