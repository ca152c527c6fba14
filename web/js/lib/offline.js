// Registers the service worker (sw.js at the site root), which caches the site after the first
// visit so that a classroom keeps working when the network goes.
export function registerOffline() {
  if (!('serviceWorker' in navigator) || location.protocol === 'file:') return;
  const url = new URL('../../sw.js', import.meta.url);
  navigator.serviceWorker.register(url, { scope: new URL('../../', import.meta.url).pathname }).catch(() => {
    // Offline use is a convenience; the page works without it.
  });
}
