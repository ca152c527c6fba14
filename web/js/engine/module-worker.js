// A module worker from a script that may be on another origin than the page: a course site that
// loads <neuroai-study> from the playground's origin runs the playground's workers. A worker's
// script must be of the page's origin, so a cross-origin one starts from a blob of the page's
// origin whose one line imports it (the playground's server answers with CORS; the host page's
// CSP must allow blob: workers and the playground's origin, docs/embedding.md). Inside, the
// worker's modules resolve their files against their own URLs, on the playground's origin.

/** new Worker(url, {type: 'module', ...options}), through a same-origin blob when `url` is cross-origin. */
export function moduleWorker(url, options = {}) {
  const script = new URL(url, globalThis.location?.href);
  if (script.origin === globalThis.location?.origin) return new Worker(script, { ...options, type: 'module' });
  const blob = URL.createObjectURL(new Blob([`import ${JSON.stringify(script.href)};\n`], { type: 'text/javascript' }));
  const worker = new Worker(blob, { ...options, type: 'module' });
  // The worker has fetched its blob by the time it answers or fails; the URL is not needed after.
  const revoke = () => URL.revokeObjectURL(blob);
  worker.addEventListener('message', revoke, { once: true });
  worker.addEventListener('error', revoke, { once: true });
  return worker;
}
