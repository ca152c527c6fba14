// embed.html?study=<name>[&controls=0][&text=0]#<state>: one study's live panel, no site chrome,
// sized to its iframe. Events go to the parent page with postMessage:
//   {source: 'neuroai-playground', type: 'ready' | 'training-started' | 'training-stopped' | 'milestone', detail}
import { h } from '../lib/dom.js';
import { createStore, rejectedNote } from '../lib/hash-state.js';
import { registerOffline } from '../lib/offline.js';
import { EMBEDS, EVENT_SOURCE, mountStudy } from './registry.js';

const params = new URLSearchParams(location.search);
const study = params.get('study') ?? '';
const flag = (name) => !['0', 'false', 'no'].includes((params.get(name) ?? '1').toLowerCase());
const host = document.getElementById('embed');

function emit(type, detail) {
  if (window.parent !== window) window.parent.postMessage({ source: EVENT_SOURCE, type, detail }, '*');
  document.dispatchEvent(new CustomEvent('neuroai', { detail: { type, ...detail } }));
}

if (!Object.hasOwn(EMBEDS, study)) {
  host.replaceChildren(h('p', { class: 'error', role: 'alert' },
    `No study named "${study.slice(0, 40)}". Use embed.html?study= one of: ${Object.keys(EMBEDS).join(', ')}.`));
} else {
  const { store, title } = await mountStudy(study, host, (schema) => createStore(schema), { controls: flag('controls'), text: flag('text'), emit });
  document.title = `${title} · NeuroAI Playground`;
  host.prepend(h('h1', { class: 'visually-hidden' }, `NeuroAI Playground: ${title}`));
  if (store.rejected.length && !host.querySelector('.hash-note'))  // unless the panel says it itself
    host.prepend(rejectedNote(store.rejected));
  window.neuroaiEmbed = { study, store };
}
registerOffline();
