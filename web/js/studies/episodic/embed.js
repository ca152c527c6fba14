// Embeddable: MFEC, the simple episodic agent and DQN on the maze (or Catch).
import { h } from '../../lib/dom.js';
import { EpisodicPanel } from './panel.js';
import { SCHEMA } from './schema.js';

export const title = 'Episodic memory: episodic control against DQN';
export const schema = SCHEMA;
export const styles = ['css/episodic.css'];

export function mount(host, store) {
  const lab = h('div', { class: 'panel-host' });
  host.replaceChildren(h('h2', { class: 'embed-title' }, title), lab);
  return new EpisodicPanel(lab, store);
}
