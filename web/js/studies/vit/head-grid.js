// One small map per attention head (blocks in rows, heads in columns), each with a lesion toggle.
// A lesioned head's output is zeroed before its block's output projection; its map still shows
// where it would have looked. Lesions are a bitmask in the URL hash (bit block * heads + head).
import { h } from '../../lib/dom.js';
import { heatFor } from './attention.js';
import { normalizeMax, paintImage } from './colormap.js';

const SIDE = 28;

export class HeadGrid {
  constructor(host, state, { onLesion, onSelect }) {
    this.host = host;
    this.state = state;
    this.onLesion = onLesion;
    this.onSelect = onSelect;
  }

  /** The head mask for the model: depth * heads factors, 0 for a lesioned head. */
  mask() {
    if (!this.config) return null;
    const { depth, heads } = this.config;
    if (!this.state.lesions) return null;
    return Float32Array.from({ length: depth * heads }, (_, i) => (this.isLesioned(i) ? 0 : 1));
  }

  isLesioned(i) { return Math.floor(this.state.lesions / 2 ** i) % 2 === 1; }

  lesionedCount() {
    const { depth, heads } = this.config;
    let n = 0;
    for (let i = 0; i < depth * heads; i++) n += this.isLesioned(i) ? 1 : 0;
    return n;
  }

  setModel(config) {
    this.config = config;
    const { depth, heads } = config;
    this.state.lesions %= 2 ** (depth * heads);  // drop bits of heads this model does not have
    this.cells = [];
    const rows = [h('div', { class: 'vit-head-row vit-head-top', 'aria-hidden': 'true' }, h('span', {}),
      ...Array.from({ length: heads }, (_, k) => h('span', {}, `head ${k + 1}`)))];
    for (let l = 0; l < depth; l++) {
      const cells = [];
      for (let k = 0; k < heads; k++) {
        const i = l * heads + k;
        const canvas = h('canvas', { width: SIDE, height: SIDE, 'aria-hidden': 'true' });
        const show = h('button', { class: 'vit-head-map', 'aria-label': `Show block ${l + 1}, head ${k + 1} in the large view`,
                                   onclick: () => this.onSelect?.(l + 1, k + 1) }, canvas);
        const lesion = h('button', { class: 'vit-lesion', 'aria-pressed': 'false', 'aria-label': `silence block ${l + 1}, head ${k + 1}`,
                                     onclick: () => this.toggle(i) }, 'silence');
        cells.push(h('div', { class: 'vit-head-cell' }, show, lesion));
        this.cells.push({ canvas, show, lesion, layer: l + 1, head: k + 1, index: i });
      }
      rows.push(h('div', { class: 'vit-head-row' }, h('span', { class: 'vit-head-label' }, `block ${l + 1}`), ...cells));
    }
    this.summary = h('p', { class: 'canvas-summary', 'aria-live': 'polite' });
    this.host.replaceChildren(h('div', { class: 'vit-head-grid', role: 'group', 'aria-label': 'Attention heads' }, ...rows),
      h('div', { class: 'vit-row' },
        h('button', { onclick: () => this.setAll(false) }, 'Restore all heads'),
        h('button', { onclick: () => this.lesionBlock() }, 'Silence the selected block')),
      this.summary);
    this.syncButtons();
  }

  toggle(i) {
    this.state.lesions += this.isLesioned(i) ? -(2 ** i) : 2 ** i;
    this.syncButtons();
    this.onLesion?.();
  }

  setAll(lesioned) {
    const { depth, heads } = this.config;
    this.state.lesions = lesioned ? 2 ** (depth * heads) - 1 : 0;
    this.syncButtons();
    this.onLesion?.();
  }

  lesionBlock() {
    const { heads } = this.config;
    const l = this.state.layer - 1;
    for (let k = 0; k < heads; k++) if (!this.isLesioned(l * heads + k)) this.state.lesions += 2 ** (l * heads + k);
    this.syncButtons();
    this.onLesion?.();
  }

  syncButtons() {
    for (const c of this.cells) {
      const on = this.isLesioned(c.index);
      c.lesion.setAttribute('aria-pressed', String(on));
      c.show.parentElement.classList.toggle('lesioned', on);
      c.show.classList.toggle('selected', this.state.view !== 'rollout' && c.layer === this.state.layer && c.head === this.state.head);
    }
    const n = this.lesionedCount();
    this.summary.textContent = n === 0 ? 'All heads are active.' : `${n} of ${this.cells.length} heads are silenced.`;
  }

  /** Redraws every head's map for the current image (class token, or the chosen patch in query view). */
  update(image, inspection) {
    if (!this.config || !inspection) return;
    const g = this.config.grid;
    const view = this.state.view === 'query' ? 'query' : 'cls';
    for (const c of this.cells) {
      const heat = heatFor(inspection, this.config, { view, layer: c.layer, head: c.head, query: this.state.query });
      c.canvas.getContext('2d').putImageData(paintImage(new ImageData(SIDE, SIDE), image, SIDE, normalizeMax(heat.patches), g), 0, 0);
    }
    this.syncButtons();
  }
}
