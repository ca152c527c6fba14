// The offline cache. On install it stores every file of the site (listed with a content version
// in precache.json, written when the site is assembled); requests are answered from that cache
// first, so a second visit works without a network. A new version replaces the old cache.
const MANIFEST = new URL('precache.json', self.registration.scope).href;

async function manifest() {
  const response = await fetch(MANIFEST, { cache: 'no-store' });
  if (!response.ok) throw new Error(`precache.json: HTTP ${response.status}`);
  return response.json();
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const { version, files } = await manifest();
    const cache = await caches.open(`neuroai-${version}`);
    await cache.addAll(files.map((f) => new URL(f, self.registration.scope).href));
    await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const { version } = await manifest().catch(() => ({ version: null }));
    if (version) for (const key of await caches.keys()) if (key.startsWith('neuroai-') && key !== `neuroai-${version}`) await caches.delete(key);
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    // Pages are looked up without their query (embed.html?study=... is one file).
    const cached = await caches.match(request, { ignoreSearch: request.mode === 'navigate' });
    if (cached) return cached;
    try {
      return await fetch(request);
    } catch (error) {
      if (request.mode === 'navigate') {
        const index = await caches.match(new URL('index.html', self.registration.scope).href);
        if (index) return index;
      }
      throw error;
    }
  })());
});
