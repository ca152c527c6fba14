// Embeddable: the Vision Transformer on Fashion-MNIST: input, attention, prediction, heads and
// lesions, and live training.
import { h } from '../../lib/dom.js';
import { VitPanel } from './panel.js';
import { SCHEMA } from './schema.js';

export const title = 'Attention: a Vision Transformer looks at clothes';
export const schema = SCHEMA;
export const styles = ['css/vit.css'];

export function mount(host, store) {
  const live = h('div', { class: 'panel-host' }), train = h('div', { class: 'panel-host' });
  host.replaceChildren(h('div', { class: 'vit' }, h('h2', { class: 'embed-title' }, title), live,  // .vit: the page's styles
    h('h3', { class: 'embed-subtitle' }, 'Train it yourself'), train));
  return new VitPanel({ live, train }, store);
}
