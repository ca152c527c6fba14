// Assembles the static site in build/site from web/, the wasm build, assets/ and the vendor
// files in node_modules. Any static host can serve the result.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { transform } from 'esbuild';

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
  'fflate/esm/browser.js': 'fflate.js',  // .npz archives: loaded when one is opened
  // HDF5 (NWB files), loaded when one is opened: its module and the wasm it carries (already
  // minified: copied as it is).
  'h5wasm/dist/esm/hdf5_hl.js': 'h5wasm/hdf5_hl.js',
  'h5wasm/dist/esm/hdf5_util.js': 'h5wasm/hdf5_util.js',
};
const PREMINIFIED = new Set(['h5wasm/hdf5_util.js']);
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
// The vendor modules minified by esbuild (three's builds ship unminified: 4.5 MB of them), cached
// by content in build/.assembly-cache like the compressed copies below.
const cacheDir = path.join(root, 'build/.assembly-cache');
fs.mkdirSync(cacheDir, { recursive: true });
const cached = async (key, make) => {
  const file = path.join(cacheDir, crypto.createHash('sha256').update(key).digest('hex').slice(0, 32));
  if (fs.existsSync(file)) return fs.readFileSync(file);
  const made = await make();
  fs.writeFileSync(file, made);
  return made;
};
const minified = (code) => cached(`minify ${code}`, async () => Buffer.from((await transform(code, { minify: true, format: 'esm', legalComments: 'inline' })).code));
for (const [src, name] of Object.entries(VENDOR)) {
  const from = need(path.join(root, 'node_modules', src), 'run npm ci');
  fs.mkdirSync(path.dirname(path.join(out, 'vendor', name)), { recursive: true });
  if (name.endsWith('.js') && !PREMINIFIED.has(name)) fs.writeFileSync(path.join(out, 'vendor', name), await minified(fs.readFileSync(from, 'utf8')));
  else fs.copyFileSync(from, path.join(out, 'vendor', name));
}
for (const [src, name] of Object.entries(THREE_ADDONS)) {
  const code = fs.readFileSync(need(path.join(root, 'node_modules', src), 'run npm ci'), 'utf8');
  fs.writeFileSync(path.join(out, 'vendor', name), await minified(code.replace(/from\s+['"]three['"]/g, "from './three.module.js'")));
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
// The Fashion-MNIST subset ships as its two splits (the wasm module's splitFashionSubset): a page
// fetches the held-out images it shows at once, the training images only when it trains (2 of
// the ViT page's 2.5 MB). fashion-subset.json names them, with their image counts.
{
  const subsetFile = path.join(out, 'assets/vit/fashion-subset.bin');
  if (fs.existsSync(subsetFile)) {
    const { default: createNeuroAI } = await import(pathToFileURL(path.join(wasmDir, 'neuroai.mjs')).href);
    const neuroai = await createNeuroAI({ wasmBinary: fs.readFileSync(path.join(wasmDir, 'neuroai.wasm')) });
    const bytes = fs.readFileSync(subsetFile);
    const { rows, cols, train, test } = neuroai.decodeFashionSubset(bytes);
    const files = neuroai.splitFashionSubset(bytes);
    const manifest = { rows, cols };
    for (const split of ['train', 'test']) {
      const name = `fashion-${split}.bin`;
      fs.writeFileSync(path.join(out, 'assets/vit', name), files[split]);
      manifest[split] = { file: name, images: (split === 'train' ? train : test).count, bytes: files[split].length };
    }
    fs.writeFileSync(path.join(out, 'assets/vit/fashion-subset.json'), JSON.stringify(manifest));
    fs.rmSync(subsetFile);
  }
}

// Each page's static module graph announced in its head (<link rel="modulepreload">), so that the
// browser fetches it all at once instead of one level of imports per round trip: on a phone's
// 150 ms link the landing page's nine levels cost more than its bytes. (Dynamic imports and the
// workers' modules are left to load when they are asked for.)
const STATIC_IMPORT = /(?:import|export)[^'"();]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\s*['"](\.{1,2}\/[^'"]+)['"]/g;
function moduleGraph(file, seen = new Set()) {
  for (const m of fs.readFileSync(file, 'utf8').matchAll(STATIC_IMPORT)) {
    const dep = path.resolve(path.dirname(file), m[1] ?? m[2]);
    if (seen.has(dep) || !fs.existsSync(dep)) continue;
    seen.add(dep);
    moduleGraph(dep, seen);
  }
  return seen;
}
for (const html of fs.readdirSync(out).filter((f) => f.endsWith('.html'))) {
  const file = path.join(out, html);
  const page = fs.readFileSync(file, 'utf8');
  const entries = [...page.matchAll(/<script type="module" src="([^"]+)"><\/script>/g)].map((m) => path.join(out, m[1]));
  const deps = new Set();
  for (const entry of entries) for (const dep of moduleGraph(entry)) if (!entries.includes(dep)) deps.add(dep);
  if (!deps.size) continue;
  const links = [...deps].sort().map((d) => `  <link rel="modulepreload" href="${path.relative(out, d).split(path.sep).join('/')}">`).join('\n');
  fs.writeFileSync(file, page.replace(/( *)<script type="module"/, `${links}\n$1<script type="module"`));
}

// The service worker's list (precache.json): every file and a hash of its bytes (the worker keeps
// a file only when its bytes are this version's), with a version that changes with any content.
const listed = [];
const hashes = {};
const hash = crypto.createHash('sha256');
(function walk(dir) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else {
      const rel = path.relative(out, p).split(path.sep).join('/');
      const body = fs.readFileSync(p);
      hash.update(rel).update(body);
      if (rel === 'sw.js') continue;  // the browser fetches the worker's script itself, never from its cache
      listed.push(rel);
      hashes[rel] = crypto.createHash('sha256').update(body).digest('hex').slice(0, 16);
    }
  }
})(out);
const version = hash.digest('hex').slice(0, 16);
hashes['./'] = hashes['index.html'];
fs.writeFileSync(path.join(out, 'precache.json'), JSON.stringify({ version, files: ['./', ...listed], hashes }));
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
// Precompressed copies beside the files (name.br, name.gz) for static hosts that serve them
// (nginx's gzip_static and brotli_static, tools/serve.mjs): where they save a tenth or more.
// Not in the precache list: the browser asks for the file and the server picks the encoding.
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.wasm', '.bin', '.nrai', '.md']);
const brotli = promisify(zlib.brotliCompress), gzip = promisify(zlib.gzip);
let compressed = 0;
await Promise.all(['sw.js', 'precache.json', ...listed].filter((f) => COMPRESSIBLE.has(path.extname(f))).map(async (f) => {
  const file = path.join(out, f), body = fs.readFileSync(file);
  const big = body.length > 2e6;  // the highest settings take half a minute on a 4.7 MB data file
  const digest = crypto.createHash('sha256').update(body).digest('hex');
  const br = await cached(`br ${big} ${digest}`,
    () => brotli(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: big ? 5 : 9, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: body.length } }));
  if (br.length > 0.9 * body.length) return;
  const gz = await cached(`gz ${big} ${digest}`, () => gzip(body, { level: big ? 6 : 9 }));
  fs.writeFileSync(`${file}.br`, br);
  fs.writeFileSync(`${file}.gz`, gz);
  compressed += br.length;
}));
let files = listed.length + 2, bytes = listed.reduce((n, f) => n + fs.statSync(path.join(out, f)).size, 0);
console.log(`site assembled in ${path.relative(process.cwd(), out) || '.'}: ${files} files, ${(bytes / 1e6).toFixed(1)} MB (${(compressed / 1e6).toFixed(1)} MB of it precompressed with brotli)`);
