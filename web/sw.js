// The offline cache, filled with what is used: the files of the pages visited (the first page
// tells the worker what it loaded; later requests are kept as they pass), or the whole site when a
// page asks for it ("Make the site available offline", js/lib/offline.js). precache.json lists
// every file of one version of the site with a hash of its contents; a file is kept only when its
// bytes are that version's, so a cache never holds files of two versions. Requests are answered
// from this version's cache first, so what was visited works without a network.
//
// Updates: the assembler writes the content version into VERSION below, so each deployment's
// sw.js differs and the browser installs it as a new worker (on a navigation or update()). The
// new worker fetches the new version of what the old one kept (the same pages, or the whole site)
// beside the old one and waits; the pages offer a reload (js/lib/offline.js), which tells it to
// take over. A page thus never mixes files of two versions.
const VERSION = 'unassembled';  // written by tools/assemble-site.mjs
const SCOPE = self.registration.scope;
// Cache names carry the scope: another deployment on the same origin (another path) has its own.
const PREFIX = `neuroai ${SCOPE} `;
const CACHE = PREFIX + VERSION;
const WHOLE_SITE = new URL('.offline-whole-site', SCOPE).href;  // kept in the cache (not a file) when the whole site was asked for

let manifestOfThisVersion = null;
/** precache.json: {files, hashes}; it must belong to this worker's version (not a later deployment's). */
function manifest() {
  manifestOfThisVersion ??= (async () => {
    const response = await fetch(new URL('precache.json', SCOPE), { cache: 'no-store' });
    if (!response.ok) throw new Error(`precache.json: HTTP ${response.status}`);
    const { version, files, hashes } = await response.json();
    if (version !== VERSION) throw new Error(`precache.json is version ${version}, this worker ${VERSION}: the site changed meanwhile`);
    return { files, hashes };
  })();
  manifestOfThisVersion.catch(() => { manifestOfThisVersion = null; });  // asked again next time
  return manifestOfThisVersion;
}

/** A URL as the cache keys it (pages without their query: embed.html?study=... is one file), and its path in the site. */
function keyOf(url) {
  const u = new URL(url, SCOPE);
  u.search = '';
  u.hash = '';
  const rel = u.href.startsWith(SCOPE) ? u.href.slice(SCOPE.length) || './' : null;
  return { key: u.href, rel };
}

async function hashOf(buffer) {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', buffer));
  return Array.from(digest.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
}

/** Puts `response` for `url` into `cache` when its bytes are this version's file; false when they are not (a later deployment's). */
async function keepResponse(cache, url, response) {
  const { key, rel } = keyOf(url);
  const { hashes } = await manifest();
  if (!rel || !Object.hasOwn(hashes, rel) || !response.ok || response.status !== 200) return true;
  if (await hashOf(await response.clone().arrayBuffer()) !== hashes[rel]) return false;
  await cache.put(key, response);
  return true;
}

/** Fetches into `cache` the files of this version among `urls` that it lacks; returns how many it holds of them. */
async function keep(cache, urls, { strict = false } = {}) {
  const { hashes } = await manifest();
  const wanted = [...new Set(urls.map((u) => keyOf(u)).filter(({ rel }) => rel && Object.hasOwn(hashes, rel)).map(({ key }) => key))];
  let held = 0;
  await Promise.all(wanted.map(async (key) => {
    if (await cache.match(key)) return ++held;
    // Revalidated, not taken from the HTTP cache unchecked (it may hold another version's file).
    const response = await fetch(new Request(key, { cache: 'no-cache' }));
    if (await keepResponse(cache, key, response) && response.ok) return ++held;
    if (strict) throw new Error(`${key}: not this version's file (the site changed meanwhile)`);
    self.registration.update().catch(() => {});  // a later deployment is there: install it
    return held;
  }));
  return held;
}

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const { files } = await manifest();
    const cache = await caches.open(CACHE);
    // What the version before this one kept: the same pages' files of this version, or the whole site.
    const before = [];
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && name !== CACHE) before.push(...(await (await caches.open(name)).keys()).map((r) => r.url));
    }
    const whole = before.includes(WHOLE_SITE);
    await keep(cache, whole ? files : before, { strict: true });
    if (whole) await cache.put(WHOLE_SITE, new Response('whole site'));
    await manifest();  // still this version after the download
  })());
});

self.addEventListener('message', (event) => {
  const { type, urls } = event.data ?? {};
  const reply = (answer) => event.ports[0]?.postMessage(answer);
  if (type === 'take-over') self.skipWaiting();  // a page asked for the new version
  else if (type === 'keep' && Array.isArray(urls)) {
    // A page's files, as it loaded them before this worker controlled it (its first visit).
    event.waitUntil((async () => reply({ held: await keep(await caches.open(CACHE), urls.filter((u) => typeof u === 'string').slice(0, 1000)) }))()
      .catch((error) => reply({ error: error.message })));
  } else if (type === 'whole-site') {
    event.waitUntil((async () => {
      const { files } = await manifest();
      const cache = await caches.open(CACHE);
      const held = await keep(cache, files);
      if (held === files.length) await cache.put(WHOLE_SITE, new Response('whole site'));
      reply({ held, total: files.length });
    })().catch((error) => reply({ error: error.message })));
  } else if (type === 'status') {
    event.waitUntil((async () => {
      const cache = await caches.open(CACHE);
      reply({ whole: Boolean(await cache.match(WHOLE_SITE)), held: (await cache.keys()).length });
    })());
  }
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
    const cached = await cache.match(keyOf(request.url).key);
    if (cached) return cached;
    try {
      const response = await fetch(request);
      // Kept as it passes, when it is this version's (a later deployment's is not: install that one).
      if (response.ok && !request.headers.has('range')) {
        event.waitUntil(keepResponse(cache, request.url, response.clone())
          .then((ours) => ours || self.registration.update())
          .catch(() => {}));
      }
      return response;
    } catch (error) {
      if (request.mode === 'navigate') {
        const index = await cache.match(new URL('index.html', SCOPE).href);
        if (index) return index;
      }
      throw error;
    }
  })());
});
