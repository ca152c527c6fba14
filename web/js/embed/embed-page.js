// embed.html?study=<name>[&controls=0][&text=0][&origin=https://course.example]#<state>: one study's
// live panel, no site chrome, sized to its iframe. Events go to the parent page with postMessage:
//   {source: 'neuroai-playground', type: 'ready' | 'training-started' | 'training-stopped' | 'milestone', detail}
// only to a parent of the given origin; without &origin=, to any parent ('*').
import { h } from '../lib/dom.js';
import { createStore, rejectedNote } from '../lib/hash-state.js';
import { registerOffline } from '../lib/offline.js';
import { EMBEDS, EVENT_SOURCE, mountStudy } from './registry.js';

const params = new URLSearchParams(location.search);
const study = params.get('study') ?? '';
const flag = (name) => !['0', 'false', 'no'].includes((params.get(name) ?? '1').toLowerCase());
const host = document.getElementById('embed');

/** The origin that `text` names exactly ('https://course.example', no path, query or user), or null. */
function parseOrigin(text) {
  let url;
  try {
    url = new URL(text);
  } catch {
    return null;
  }
  const bare = url.pathname === '/' && !url.search && !url.hash && !url.username && !url.password;
  return bare && /^https?:$/.test(url.protocol) ? url.origin : null;
}
// The events' recipient: null (none) when the link's origin is not one, so that they never fall back to '*'.
const targetOrigin = params.has('origin') ? parseOrigin(params.get('origin')) : '*';

function emit(type, detail) {
  if (window.parent !== window && targetOrigin) window.parent.postMessage({ source: EVENT_SOURCE, type, detail }, targetOrigin);
  document.dispatchEvent(new CustomEvent('neuroai', { detail: { type, ...detail } }));
}

if (!Object.hasOwn(EMBEDS, study)) {
  host.replaceChildren(h('p', { class: 'error', role: 'alert' },
    `No study named "${study.slice(0, 40)}". Use embed.html?study= one of: ${Object.keys(EMBEDS).join(', ')}.`));
} else {
  const { store, title, panel } = await mountStudy(study, host, (schema) => createStore(schema), { controls: flag('controls'), text: flag('text'), emit });
  document.title = `${title} · NeuroAI Playground`;
  host.prepend(h('h1', { class: 'visually-hidden' }, `NeuroAI Playground: ${title}`));
  if (store.rejected.length && !host.querySelector('.hash-note'))  // unless the panel says it itself
    host.prepend(rejectedNote(store.rejected));
  if (!targetOrigin)
    host.prepend(h('p', { class: 'note', role: 'alert' },
      `No events are sent: origin=${params.get('origin').slice(0, 80)} in the link is not an origin such as https://course.example.`));
  window.neuroaiEmbed = { study, store, panel };
}
registerOffline();
