// What a course page's Content-Security-Policy must allow for <neuroai-study> loaded from the
// playground's origin (docs/embedding.md): its scripts and wasm compilation, its workers (started
// from blobs of the page's origin, importing the playground's modules: module workers' imports are
// checked against worker-src), its fetches (the wasm, the assets), its styles and its icon font.

/** The CSP directives for the element served from `origin`, the host's own files ('self') kept. */
export const hostPolicy = (origin) =>
  `script-src 'self' ${origin} 'wasm-unsafe-eval'; worker-src 'self' blob: ${origin}; connect-src 'self' ${origin}; ` +
  `style-src 'self' ${origin}; font-src 'self' ${origin}`;
