// Registers the service worker (sw.js at the site root), which caches the site after the first
// visit so that a classroom keeps working when the network goes. After a new deployment the new
// version installs beside the running one and waits, so that no page mixes files of two versions;
// a banner offers it ("A new version is available: reload"), and taking it reloads every page.
import { h } from './dom.js';

let registered = false;
let waiting = null;  // the installed new version, when there is one

export function registerOffline() {
  if (registered || !('serviceWorker' in navigator) || location.protocol === 'file:') return;
  registered = true;
  const sw = navigator.serviceWorker;
  const url = new URL('../../sw.js', import.meta.url);
  sw.register(url, { scope: new URL('../../', import.meta.url).pathname }).then((registration) => {
    // A worker that installed while a version is running waits for the banner's button.
    const offer = (worker) => {
      if (!worker || !sw.controller) return;
      waiting = worker;
      showUpdateBanner();
    };
    offer(registration.waiting);
    registration.addEventListener('updatefound', () => {
      const worker = registration.installing;
      worker.addEventListener('statechange', () => { if (worker.state === 'installed') offer(worker); });
    });
  }).catch(() => {
    // Offline use is a convenience; the page works without it.
  });
  // The new version took over (asked for here or in another tab): load it. Not on the first visit,
  // when the first worker takes over a page that came from the network.
  let controlled = Boolean(sw.controller);
  sw.addEventListener('controllerchange', () => {
    if (controlled) location.reload();
    controlled = true;
  });
}

function showUpdateBanner() {
  if (document.querySelector('.update-banner')) return;
  const button = h('button', { class: 'primary', onclick: () => {
    button.disabled = true;
    waiting.postMessage({ type: 'take-over' });
  } }, 'Reload');
  document.body.append(h('aside', { class: 'update-banner', 'aria-label': 'Site update' },
    h('p', { role: 'status' }, 'A new version is available: ', button)));
}
