// Embeddable: the spiral MLP demo of the landing page.
import { h } from '../../lib/dom.js';
import { SpiralPanel } from './panel.js';
import { SCHEMA } from './schema.js';

export const title = 'A small network learns to untangle spirals';
export const schema = SCHEMA;

export function mount(host, store) {
  const panel = h('div', { class: 'panel-host' });
  host.replaceChildren(h('h2', { class: 'embed-title' }, title), panel);
  return new SpiralPanel(panel, store);
}
