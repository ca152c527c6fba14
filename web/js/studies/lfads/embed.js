// Embeddable: LFADS on the Lorenz spike data, with the 3-D trajectories.
import { h } from '../../lib/dom.js';
import { LfadsPanel } from './panel.js';
import { SCHEMA } from './schema.js';

export const title = 'Latent dynamics: LFADS on spiking Lorenz data';
export const schema = SCHEMA;
export const styles = ['css/lfads.css'];

export function mount(host, store) {
  const lab = h('div', { class: 'panel-host' }), traj = h('div', { class: 'panel-host' });
  host.replaceChildren(h('h2', { class: 'embed-title' }, title), lab, traj);
  return new LfadsPanel(lab, traj, store);
}
