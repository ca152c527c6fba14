// The static server against hostile requests: it stays up, stays inside its folder, and every
// answer carries the security headers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { startServer, STRICT_CSP } from '../../tools/serve.mjs';

let server, port, dir;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'serve-test-'));
  fs.mkdirSync(path.join(dir, 'site'));
  fs.mkdirSync(path.join(dir, 'site2'));
  fs.writeFileSync(path.join(dir, 'site', 'index.html'), '<p>home</p>');
  fs.writeFileSync(path.join(dir, 'site2', 'secret'), 'the secret');
  fs.writeFileSync(path.join(dir, 'secret'), 'the parent secret');
  ({ server, port } = await startServer({ root: path.join(dir, 'site'), port: 0 }));
});
after(() => {
  server?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

// A raw request: the path goes out exactly as written (fetch would normalise it).
function request(method, rawPath) {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path: rawPath }, (res) => {
      let body = '';
      res.on('data', (d) => { body += d; });
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

function assertSecurityHeaders(r) {
  assert.equal(r.headers['x-content-type-options'], 'nosniff');
  assert.equal(r.headers['content-security-policy'], STRICT_CSP);
  // A course page on another origin may load the element, its modules, the wasm and the assets.
  assert.equal(r.headers['access-control-allow-origin'], '*');
  assert.equal(r.headers['cross-origin-resource-policy'], 'cross-origin');
}

test('a NUL byte in the path is a 400 and the server keeps serving', async () => {
  for (const p of ['/%00', '/index.html%00.png', '/%E0%A4%A']) {
    const r = await request('GET', p);
    assert.equal(r.status, 400, p);
    assertSecurityHeaders(r);
  }
  const home = await request('GET', '/');
  assert.equal(home.status, 200);
  assert.equal(home.body, '<p>home</p>');
  assertSecurityHeaders(home);
});

test('no path leaves the site folder, sibling folders with the same prefix included', async () => {
  for (const p of ['/..%2fsite2%2fsecret', '/..%2f..%2fsecret', '/%2e%2e/secret', '/..%5csite2%5csecret']) {
    const r = await request('GET', p);
    assert.ok(r.status === 403 || r.status === 404, `${p}: ${r.status}`);
    assert.doesNotMatch(r.body, /secret/, p);
    assertSecurityHeaders(r);
  }
});

test('only GET and HEAD are served', async () => {
  for (const m of ['POST', 'PUT', 'DELETE', 'OPTIONS']) {
    const r = await request(m, '/');
    assert.equal(r.status, 405, m);
    assert.equal(r.headers.allow, 'GET, HEAD');
    assertSecurityHeaders(r);
  }
  const head = await request('HEAD', '/');
  assert.equal(head.status, 200);
  assert.equal(head.body, '');
  const missing = await request('GET', '/nope.js');
  assert.equal(missing.status, 404);
  assertSecurityHeaders(missing);
});

test('the policy closes base-uri and object-src and does not forbid framing', () => {
  assert.match(STRICT_CSP, /base-uri 'self'/);
  assert.match(STRICT_CSP, /object-src 'none'/);
  assert.doesNotMatch(STRICT_CSP, /frame-ancestors/);
});
