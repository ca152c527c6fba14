// Embeddable: PredNet predicting bouncing blobs, with surprises, closed-loop rollouts and live training.
import { h } from '../../lib/dom.js';
import { PredNetCameraPanel } from './camera-panel.js';
import { PredNetPanel } from './panel.js';
import { SCHEMA } from './schema.js';

export const title = 'Predictive coding: PredNet predicts video';
export const schema = SCHEMA;
export const styles = ['css/prednet.css'];

export function mount(host, store) {
  const panel = h('div', { class: 'panel-host' });
  host.replaceChildren(h('h2', { class: 'embed-title' }, title), panel);
  return store.state.data === 'camera' ? new PredNetCameraPanel(panel, store) : new PredNetPanel(panel, store);
}
