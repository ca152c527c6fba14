// Assembles the static site in build/site from web/, the wasm build, assets/ and the vendor
// files in node_modules. Any static host can serve the result.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// Usage: node tools/assemble-site.mjs [--wasm build/wasm] [--out build/site] [--web web]
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? path.resolve(args[args.indexOf(name) + 1]) : fallback);
const out = option('--out', path.join(root, 'build/site'));
const wasmDir = option('--wasm', path.join(root, 'build/wasm'));
const webDir = option('--web', path.join(root, 'web'));  // another source tree (the update test deploys a changed copy)

// Third-party files the pages load (source in node_modules -> name in site/vendor).
const VENDOR = {
  'three/build/three.module.js': 'three.module.js',
  'three/build/three.core.js': 'three.core.js',
  'three/build/three.webgpu.js': 'three.webgpu.js',  // the WebGPU renderer, loaded only where it is used
  'three/build/three.tsl.js': 'three.tsl.js',
  'uplot/dist/uPlot.esm.js': 'uPlot.esm.js',
  'uplot/dist/uPlot.min.css': 'uPlot.min.css',
  'lil-gui/dist/lil-gui.esm.js': 'lil-gui.esm.js',
  'lil-gui/dist/lil-gui.css': 'lil-gui.css',
};
// three's add-ons import the bare specifier 'three'; with no import map (strict CSP, no inline
// script) they are copied with that import pointed at the vendored build.
const THREE_ADDONS = {
  'three/examples/jsm/controls/OrbitControls.js': 'OrbitControls.js',
};
const WASM = ['neuroai.mjs', 'neuroai.wasm'];

function need(file, hint) {
  if (!fs.existsSync(file)) {
    console.error(`assemble-site: missing ${path.relative(root, file)} (${hint})`);
    process.exit(1);
  }
  return file;
}

fs.rmSync(out, { recursive: true, force: true });
fs.cpSync(webDir, out, { recursive: true });
fs.mkdirSync(path.join(out, 'wasm'), { recursive: true });
for (const f of WASM) fs.copyFileSync(need(path.join(wasmDir, f), 'build the wasm preset first'), path.join(out, 'wasm', f));
fs.mkdirSync(path.join(out, 'vendor'), { recursive: true });
for (const [src, name] of Object.entries(VENDOR))
  fs.copyFileSync(need(path.join(root, 'node_modules', src), 'run npm ci'), path.join(out, 'vendor', name));
for (const [src, name] of Object.entries(THREE_ADDONS)) {
  const code = fs.readFileSync(need(path.join(root, 'node_modules', src), 'run npm ci'), 'utf8');
  fs.writeFileSync(path.join(out, 'vendor', name), code.replace(/from\s+['"]three['"]/g, "from './three.module.js'"));
}
// lil-gui embeds its icon font as a data: URL, which a strict CSP (font-src 'self') blocks:
// write the font to its own file and point the stylesheet at it.
{
  const cssFile = path.join(out, 'vendor/lil-gui.css');
  const css = fs.readFileSync(cssFile, 'utf8');
  const m = css.match(/url\("data:application\/font-woff2;charset=utf-8;base64,([^"]+)"\)/);
  if (m) {
    fs.writeFileSync(path.join(out, 'vendor/lil-gui-icons.woff2'), Buffer.from(m[1], 'base64'));
    fs.writeFileSync(cssFile, css.replace(m[0], 'url("lil-gui-icons.woff2")'));
  }
}
if (fs.existsSync(path.join(root, 'assets'))) fs.cpSync(path.join(root, 'assets'), path.join(out, 'assets'), { recursive: true });

// The service worker's precache list: every file, with a version that changes with any content.
const listed = [];
const hash = crypto.createHash('sha256');
(function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else {
      const rel = path.relative(out, p).split(path.sep).join('/');
      listed.push(rel);
      hash.update(rel).update(fs.readFileSync(p));
    }
  }
})(out);
const version = hash.digest('hex').slice(0, 16);
fs.writeFileSync(path.join(out, 'precache.json'), JSON.stringify({ version, files: ['./', ...listed] }));
// The worker carries the version too: a new deployment is then a new worker to the browser (see web/sw.js).
{
  const swFile = path.join(out, 'sw.js'), slot = "const VERSION = 'unassembled';";
  const sw = fs.readFileSync(swFile, 'utf8');
  if (!sw.includes(slot)) {
    console.error(`assemble-site: sw.js lacks the line ${slot}`);
    process.exit(1);
  }
  fs.writeFileSync(swFile, sw.replace(slot, `const VERSION = '${version}';`));
}
let files = listed.length + 1, bytes = listed.reduce((n, f) => n + fs.statSync(path.join(out, f)).size, 0);
console.log(`site assembled in ${path.relative(process.cwd(), out) || '.'}: ${files} files, ${(bytes / 1e6).toFixed(1)} MB`);
