// Registers the service worker (sw.js at the site root), which keeps the pages visited so that a
// classroom keeps working when the network goes: after the first visit this page tells it what the
// page and its workers loaded; a footer button keeps the whole site ("Make the site available
// offline"). After a new deployment the new version installs beside the running one and waits,
// so that no page mixes files of two versions; a banner offers it ("A new version is available:
// reload"), and taking it reloads every page.
import { liveClients } from '../engine/trainer-client.js';
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
  sw.ready.then((registration) => {
    offerWholeSite(registration);
    // This page's files, and its workers' (the wasm, the model), as loaded before the worker
    // controlled it; once it does, what the page fetches is kept as it passes.
    const later = () => setTimeout(() => keepThisPage(registration), 3000);
    if (document.readyState === 'complete') later();
    else addEventListener('load', later, { once: true });
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

/** Asks the active worker; resolves to its reply (a MessageChannel answer). */
function ask(registration, message) {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = ({ data }) => resolve(data);
    registration.active?.postMessage(message, [channel.port2]);
  });
}

async function keepThisPage(registration) {
  const urls = [location.href, ...performance.getEntriesByType('resource').map((e) => e.name)];
  for (const client of liveClients) urls.push(...(await client.resources().catch(() => [])));
  return ask(registration, { type: 'keep', urls: urls.filter((u) => u.startsWith(location.origin)) });
}

/** The footer's "Make the site available offline" (every page and model: about 12 MB) and what it did. */
async function offerWholeSite(registration) {
  const footer = document.querySelector('.site-footer .wrap');
  if (!footer || footer.querySelector('.offline-all')) return;
  const status = h('span', { class: 'offline-status', role: 'status' });
  const button = h('button', { type: 'button', class: 'secondary offline-all', onclick: async () => {
    button.disabled = true;
    status.textContent = 'Downloading the whole site…';
    const r = await ask(registration, { type: 'whole-site' });
    button.disabled = false;
    status.textContent = r.error ? `Not available offline: ${r.error}` : r.held === r.total ? 'The whole site works offline now.' :
      `${r.held} of ${r.total} files kept; try again online.`;
  } }, 'Make the whole site available offline');
  footer.append(h('p', { class: 'offline-line' }, 'Pages you visit keep working offline. ', button, ' ', status));
  const now = await ask(registration, { type: 'status' });
  if (now.whole) status.textContent = 'The whole site works offline.';
}
