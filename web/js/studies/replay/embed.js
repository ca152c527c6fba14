// Embeddable: the two DQN agents (uniform vs prioritized replay) and the sum tree or rank heap.
import { h } from '../../lib/dom.js';
import { ReplayPanel } from './panel.js';
import { SCHEMA } from './schema.js';
import { TreeView, structureTitle } from './tree-view.js';

export const title = 'Hippocampal replay: uniform vs prioritized experience replay';
export const schema = SCHEMA;
export const styles = ['css/replay.css'];

export function mount(host, store) {
  const lab = h('div', { class: 'panel-host' }), tree = h('div', { class: 'panel-host' });
  const subtitle = h('h3', { class: 'embed-subtitle' }, structureTitle(store.state.variant));
  host.replaceChildren(h('h2', { class: 'embed-title' }, title), lab, subtitle, tree);
  const panel = new ReplayPanel(lab, store);
  const view = new TreeView(tree);
  panel.onSnapshotListener((snap) => {
    view.update(snap, 5);
    subtitle.textContent = structureTitle(snap.variant);
  });
  return panel;
}
