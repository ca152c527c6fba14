// A small static server for the built site (correct MIME types for wasm and modules, no
// caching, and by default the strict Content-Security-Policy that course sites use).
//   node tools/serve.mjs [--root build/site] [--port 8080] [--host 127.0.0.1] [--no-csp] [--isolated]
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// base-uri and object-src close the two holes default-src leaves open. No frame-ancestors: the
// studies are meant to be embedded in course sites on any origin, so it could only say '*'.
export const STRICT_CSP =
  "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; base-uri 'self'; object-src 'none'";

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.wgsl': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.bin': 'application/octet-stream',
  '.nrai': 'application/octet-stream',
  '.webmanifest': 'application/manifest+json',
};

/**
 * The file a request path names inside `base`, or an HTTP status when it names none: 400 for a
 * path that is not valid percent-encoding or holds a NUL byte (the fs calls would throw), 403 for
 * one that leaves the folder. The check is against `base` plus a separator, so `/..%2fsite2`
 * cannot reach a sibling folder whose name starts with the site's.
 */
export function resolveRequestPath(base, url) {
  let pathname;
  try {
    pathname = decodeURIComponent(new URL(url, 'http://x').pathname);
  } catch {
    return 400;
  }
  if (pathname.includes('\0')) return 400;
  const file = path.join(base, pathname);
  if (file !== base && !file.startsWith(base + path.sep)) return 403;
  return file;
}

/**
 * A link of `bytesPerSecond` shared by every response and `latencyMs` before each (bench/load.mjs:
 * a phone's mobile data, for the page, its workers and its service worker alike): a write function
 * that sends `body` on `res` in paced chunks, then ends it.
 */
function pacedLink({ bytesPerSecond, latencyMs }) {
  let free = 0;  // when the link is next free (ms, performance.now's clock)
  const CHUNK = 16384;
  return (res, body) => {
    const chunks = [];
    for (let i = 0; i < (body?.length ?? 0); i += CHUNK) chunks.push(body.subarray(i, i + CHUNK));
    const next = () => {
      const chunk = chunks.shift();
      if (!chunk) return res.end();
      const start = Math.max(free, performance.now());
      free = start + (chunk.length / bytesPerSecond) * 1000;
      setTimeout(() => { res.write(chunk); next(); }, free - performance.now());
    };
    setTimeout(next, latencyMs);
  };
}

/**
 * Starts a server; resolves to {server, url, port, bytesSent()}. port 0 picks a free port. isolated:
 * the pages are cross-origin isolated (COOP same-origin, COEP require-corp: SharedArrayBuffer, so
 * threaded wasm such as TensorFlow.js's, in bench/vit-threads.mjs); the site itself needs no
 * isolation. throttle: {bytesPerSecond, latencyMs}, a paced link (pacedLink).
 */
export function startServer({ root, port = 8080, host = '127.0.0.1', csp = STRICT_CSP, quiet = true, isolated = false, throttle = null } = {}) {
  const paced = throttle ? pacedLink(throttle) : null;
  // Each file's validator, computed once per version of the file (its size and time stamp).
  const etags = new Map();
  const etagOf = (file, stat, body) => {
    const stamp = `${stat.size} ${stat.mtimeMs}`;
    const known = etags.get(file);
    if (known?.stamp === stamp) return known.etag;
    const etag = `"${crypto.createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    etags.set(file, { stamp, etag });
    return etag;
  };
  const base = path.resolve(root);
  // Every response, errors included, carries the same security headers. CORS and CORP let a course
  // page on another origin load the site's element, its workers' modules, the wasm and the assets
  // (docs/embedding.md); the site is public and sets no cookies, so any origin may read it.
  const headersFor = (type) => ({
    'Content-Type': type,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    'Access-Control-Allow-Origin': '*',
    'Cross-Origin-Resource-Policy': 'cross-origin',
    ...(csp ? { 'Content-Security-Policy': csp } : {}),
    ...(isolated ? { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' } : {}),
  });
  const send = (req, res, status, type, body, extra = {}) => {
    if (!quiet) console.log(`${req.method} ${req.url} ${status}`);
    res.writeHead(status, { ...headersFor(type), ...extra });
    if (paced) paced(res, req.method === 'HEAD' || body === undefined ? null : Buffer.from(body));
    else res.end(req.method === 'HEAD' ? undefined : body);
  };
  const fail = (req, res, status, text, extra) => send(req, res, status, 'text/plain; charset=utf-8', text, extra);

  const server = http.createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      fail(req, res, 405, 'method not allowed', { Allow: 'GET, HEAD' });
      return;
    }
    let file = resolveRequestPath(base, req.url);
    if (file === 400) return fail(req, res, 400, 'bad request');
    if (file === 403) return fail(req, res, 403, 'forbidden');
    fs.stat(file, (statErr, stat) => {
      if (!statErr && stat.isDirectory()) file = path.join(file, 'index.html');
      fs.readFile(file, (err, body) => {
        if (err) return fail(req, res, 404, 'not found');
        const type = MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
        // A validator, so that a revalidation (Cache-Control: no-cache) costs a 304, not the file again.
        const etag = etagOf(file, stat.isDirectory() ? fs.statSync(file) : stat, body);  // a folder: its index.html
        if (req.headers['if-none-match'] === etag) return send(req, res, 304, type, undefined, { ETag: etag });
        // The copy the assembler compressed beside the file (name.br, name.gz), where the browser takes it.
        const accepted = String(req.headers['accept-encoding'] ?? '');
        const encoding = ['br', 'gzip'].find((e) => new RegExp(`(^|[ ,])${e}($|[ ,;])`).test(accepted) &&
                                                   fs.existsSync(`${file}.${e === 'gzip' ? 'gz' : e}`));
        const headers = { ETag: etag, Vary: 'Accept-Encoding' };
        if (!encoding) return send(req, res, 200, type, body, headers);
        fs.readFile(`${file}.${encoding === 'gzip' ? 'gz' : encoding}`, (zErr, packed) => {
          if (zErr) return send(req, res, 200, type, body, headers);
          send(req, res, 200, type, packed, { ...headers, 'Content-Encoding': encoding });
        });
      });
    });
  });
  // What the server has sent, headers included (bench/load.mjs, the first-visit test).
  const sockets = new Set();
  server.on('connection', (socket) => sockets.add(socket));
  const bytesSent = () => [...sockets].reduce((n, s) => n + s.bytesWritten, 0);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const actual = server.address().port;
      resolve({ server, port: actual, url: `http://${host === '0.0.0.0' ? 'localhost' : host}:${actual}/`, bytesSent });
    });
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const opt = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
  const root = opt('--root', path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../build/site'));
  const host = opt('--host', '127.0.0.1');
  const csp = args.includes('--no-csp') ? null : STRICT_CSP;
  let port = Number(opt('--port', 8080));
  if (!fs.existsSync(path.join(root, 'index.html'))) {
    console.error(`serve: ${root}/index.html not found; run tools/setup first`);
    process.exit(1);
  }
  for (let attempt = 0; ; attempt++) {
    try {
      const { url } = await startServer({ root, port, host, csp, quiet: !args.includes('--verbose'), isolated: args.includes('--isolated') });
      console.log(`\nNeuroAI Playground is being served at ${url}`);
      console.log(`(site folder: ${root}${csp ? '; strict CSP on' : ''}). Press Ctrl+C to stop.\n`);
      break;
    } catch (e) {
      if (e.code !== 'EADDRINUSE' || attempt >= 20) throw e;
      port += 1;
    }
  }
}
