// The offline cache. On install it stores every file of one version of the site (listed in
// precache.json, written when the site is assembled); requests are answered from that version's
// cache first, so a second visit works without a network.
//
// Updates: the assembler writes the content version into VERSION below, so each deployment's
// sw.js differs and the browser installs it as a new worker (on a navigation or update()). The
// new worker fetches the whole new version beside the old one and waits; the pages offer a reload
// (js/lib/offline.js), which tells it to take over. A page thus never mixes files of two versions.
const VERSION = 'unassembled';  // written by tools/assemble-site.mjs
const SCOPE = self.registration.scope;
// Cache names carry the scope: another deployment on the same origin (another path) has its own.
const PREFIX = `neuroai ${SCOPE} `;
const CACHE = PREFIX + VERSION;

/** precache.json's file list; it must belong to this worker's version (not a later deployment's). */
async function manifest() {
  const response = await fetch(new URL('precache.json', SCOPE), { cache: 'no-store' });
  if (!response.ok) throw new Error(`precache.json: HTTP ${response.status}`);
  const { version, files } = await response.json();
  if (version !== VERSION) throw new Error(`precache.json is version ${version}, this worker ${VERSION}: the site changed meanwhile`);
  return files;
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const files = await manifest();
    const cache = await caches.open(CACHE);
    // Revalidated, not from the HTTP cache (it may still hold the last version's files).
    await cache.addAll(files.map((f) => new Request(new URL(f, SCOPE), { cache: 'no-cache' })));
    await manifest();  // still this version after the download: no file came from a later one
  })());
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'take-over') self.skipWaiting();  // a page asked for the new version
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const key of await caches.keys()) {
      if (key.startsWith(PREFIX) && key !== CACHE) await caches.delete(key);  // this deployment's older versions
      // Named before names carried the scope (neuroai-<version>): deleted where it holds this deployment's files.
      else if (key.startsWith('neuroai-') && await (await caches.open(key)).match(new URL('precache.json', SCOPE).href)) await caches.delete(key);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith((async () => {
    const cache = await caches.open(CACHE);
    // Pages are looked up without their query (embed.html?study=... is one file).
    const cached = await cache.match(request, { ignoreSearch: request.mode === 'navigate' });
    if (cached) return cached;
    try {
      return await fetch(request);
    } catch (error) {
      if (request.mode === 'navigate') {
        const index = await cache.match(new URL('index.html', SCOPE).href);
        if (index) return index;
      }
      throw error;
    }
  })());
});
