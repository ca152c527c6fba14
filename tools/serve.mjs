// A small static server for the built site (correct MIME types for wasm and modules, no
// caching, and by default the strict Content-Security-Policy that course sites use).
//   node tools/serve.mjs [--root build/site] [--port 8080] [--host 127.0.0.1] [--no-csp]
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const STRICT_CSP = "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'";

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

/** Starts a server; resolves to {server, url, port}. port 0 picks a free port. */
export function startServer({ root, port = 8080, host = '127.0.0.1', csp = STRICT_CSP, quiet = true } = {}) {
  const base = path.resolve(root);
  const server = http.createServer((req, res) => {
    let pathname;
    try {
      pathname = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    } catch {
      res.writeHead(400).end('bad request');
      return;
    }
    let file = path.join(base, pathname);
    if (!file.startsWith(base)) {
      res.writeHead(403).end('forbidden');
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (!quiet) console.log(`${req.method} ${req.url} ${err ? 404 : 200}`);
      if (err) {
        res.writeHead(404, { 'Content-Type': 'text/plain' }).end('not found');
        return;
      }
      const headers = {
        'Content-Type': MIME[path.extname(file).toLowerCase()] ?? 'application/octet-stream',
        'Cache-Control': 'no-cache',
        'X-Content-Type-Options': 'nosniff',
      };
      if (csp) headers['Content-Security-Policy'] = csp;
      res.writeHead(200, headers).end(body);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const actual = server.address().port;
      resolve({ server, port: actual, url: `http://${host === '0.0.0.0' ? 'localhost' : host}:${actual}/` });
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
      const { url } = await startServer({ root, port, host, csp, quiet: !args.includes('--verbose') });
      console.log(`\nNeuroAI Playground is being served at ${url}`);
      console.log(`(site folder: ${root}${csp ? '; strict CSP on' : ''}). Press Ctrl+C to stop.\n`);
      break;
    } catch (e) {
      if (e.code !== 'EADDRINUSE' || attempt >= 20) throw e;
      port += 1;
    }
  }
}
