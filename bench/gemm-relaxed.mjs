// Relaxed SIMD's fused multiply-add in the packed GEMM against the shipped kernel, side by side
// in headless Chromium, single-threaded. Builds bench/gemm-relaxed.cpp (the packed GEMM alone)
// twice with Emscripten into build/bench-relaxed/: plain SIMD, as the site's module runs it, and
// with -mrelaxed-simd -DNEUROAI_RELAXED_MADD. Debian's Clang 14 emits the relaxed-SIMD proposal's
// early multiply-add opcode (0xfd 0xaf 0x01, operands c + a * b), which today's browsers reject;
// each such instruction, located by llvm-objdump's disassembly (not by searching the bytes), is
// rewritten to the standard f32x4.relaxed_madd (0xfd 0x85 0x02, a * b + c; the source passes its
// operands in that order). The page validates the module (feature detection: without relaxed
// SIMD the bench says so and stops), checks both products against each other, then times them
// alternately. A benchmark, not a test: it prints what it measured.
//
//   node bench/gemm-relaxed.mjs [--json] [--sizes 64,128,256,512] [--repeats 7]
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { launch, openPage, root } from '../tests/browser/browser.mjs';
import { printTable } from './harness.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? args[args.indexOf(name) + 1] : fallback);
const sizes = option('--sizes', '64,128,256,512').split(',').map(Number);
const repeats = Number(option('--repeats', 7));
if (!sizes.every((n) => Number.isInteger(n) && n >= 8 && n <= 2048)) throw new Error(`--sizes: expected integers in [8, 2048], got ${option('--sizes')}`);
if (!Number.isInteger(repeats) || repeats < 1) throw new Error(`--repeats: expected a positive integer, got ${option('--repeats')}`);

const OLD_MADD = [0xfd, 0xaf, 0x01];       // the proposal's f32x4.fma (llvm-objdump 14 calls it so)
const RELAXED_MADD = [0xfd, 0x85, 0x02];   // f32x4.relaxed_madd in the standard
// Every relaxed-SIMD mnemonic llvm-objdump 14 knows: any but f32x4.fma in the build is refused.
const RELAXED_MNEMONICS = /\b(f32x4\.fm[as]|f64x2\.fm[as]|i(8x16|16x8|32x4|64x2)\.laneselect|i8x16\.relaxed_swizzle|relaxed_)/;

function build(dir, relaxed) {
  const out = path.join(dir, relaxed ? 'gemm-relaxed.wasm' : 'gemm-simd128.wasm');
  const flags = ['-O3', '-msimd128', '-ffp-contract=off', '-std=c++17', `-I${path.join(root, 'core')}`, '-fno-exceptions',
    ...(relaxed ? ['-mrelaxed-simd', '-DNEUROAI_RELAXED_MADD'] : [])];
  execFileSync('em++', [...flags, path.join(root, 'bench/gemm-relaxed.cpp'), path.join(root, 'core/nn/gemm_packed.cpp'),
    '-o', out, '--no-entry', '-sALLOW_MEMORY_GROWTH=1'], { env: { ...process.env, NODE_PATH: process.env.NODE_PATH ?? '/usr/share/nodejs' }, stdio: 'inherit' });
  return out;
}

/** The code section's payload offset in a wasm binary. */
function codeSectionStart(bytes) {
  let i = 8;
  while (i < bytes.length) {
    const id = bytes[i++];
    let size = 0, shift = 0, b;
    do { b = bytes[i++]; size += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
    if (id === 10) return i;
    i += size;
  }
  throw new Error('no code section');
}

/** Rewrites each early multiply-add instruction of `file` to relaxed_madd, in place; returns how many. */
function rewriteMadd(file) {
  const bytes = fs.readFileSync(file);
  const code = codeSectionStart(bytes);
  let count = 0;
  for (const line of execFileSync('llvm-objdump', ['-d', file]).toString().split('\n')) {
    const m = /^\s*([0-9a-f]+):\s+((?:[0-9a-f]{2} )+)\s*(\S+)/.exec(line);
    if (!m || !RELAXED_MNEMONICS.test(m[3])) continue;
    if (m[3] !== 'f32x4.fma') throw new Error(`${file}: unexpected relaxed instruction ${m[3]}`);
    const at = code + parseInt(m[1], 16);
    if (!OLD_MADD.every((b, k) => bytes[at + k] === b)) throw new Error(`${file}: f32x4.fma at ${m[1]} is not 0xfd 0xaf 0x01`);
    RELAXED_MADD.forEach((b, k) => { bytes[at + k] = b; });
    ++count;
  }
  if (count === 0) throw new Error(`${file}: no multiply-add found: was it built with -DNEUROAI_RELAXED_MADD?`);
  fs.writeFileSync(file, bytes);
  return count;
}

for (const tool of ['em++', 'llvm-objdump']) {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
  } catch {
    throw new Error(`${tool} not found: tools/setup installs Emscripten and LLVM (Debian's emscripten and llvm packages)`);
  }
}
const dir = path.join(root, 'build/bench-relaxed');
fs.mkdirSync(dir, { recursive: true });
const plainFile = build(dir, false);
const relaxedFile = build(dir, true);
const rewritten = rewriteMadd(relaxedFile);

const env = await launch({ gpu: false });
let result;
try {
  const page = await openPage(env.browser, `${env.url}glossary.html`, { width: 800, height: 600 });
  result = await page.evaluate(async ({ plain, relaxed, sizes, repeats }) => {
    const bytes = (a) => new Uint8Array(a);
    if (!WebAssembly.validate(bytes(relaxed))) return { supported: false };
    const imports = { env: { emscripten_notify_memory_growth() {} }, wasi_snapshot_preview1: { proc_exit(code) { throw new Error(`exit ${code}`); } } };
    const load = async (b) => (await WebAssembly.instantiate(bytes(b), imports)).instance.exports;
    const kernels = { simd128: await load(plain), relaxed: await load(relaxed) };
    const rows = [];
    for (const n of sizes) {
      // The products of both, compared: fused rounding moves a last bit here and there, no more.
      const c = {};
      for (const [name, k] of Object.entries(kernels)) {
        const at = k.setup(n);
        k.multiply(n, 1);
        c[name] = new Float32Array(k.memory.buffer, at, n * n).slice();
      }
      let differ = 0, worst = 0, scale = 0;
      for (let i = 0; i < n * n; ++i) {
        scale = Math.max(scale, Math.abs(c.simd128[i]));
        if (c.simd128[i] !== c.relaxed[i]) ++differ;
        worst = Math.max(worst, Math.abs(c.simd128[i] - c.relaxed[i]));
      }
      // Calls per sample: at least 0.2 s of the plain kernel; then the two alternate.
      let calls = 1;
      for (;;) {
        const t0 = performance.now();
        kernels.simd128.multiply(n, calls);
        if (performance.now() - t0 > 200) break;
        calls *= 2;
      }
      const times = { simd128: [], relaxed: [] };
      for (let r = 0; r < repeats; ++r) {
        for (const [name, k] of Object.entries(kernels)) {
          const t0 = performance.now();
          k.multiply(n, calls);
          times[name].push((performance.now() - t0) / 1000 / calls);
        }
      }
      const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];
      const gflops = (s) => (2 * n ** 3) / s / 1e9;
      rows.push({ n, simd128: gflops(median(times.simd128)), relaxed: gflops(median(times.relaxed)), differ: differ / (n * n), worst: worst / scale });
    }
    return { supported: true, rows, browser: navigator.userAgent };
  }, { plain: [...fs.readFileSync(plainFile)], relaxed: [...fs.readFileSync(relaxedFile)], sizes, repeats });
  if (page.problems.length) throw new Error(page.problems.join('; '));
} finally {
  await env.close();
}

if (!result.supported) {
  console.log('This Chromium does not validate relaxed SIMD (f32x4.relaxed_madd): nothing to compare; the pages run plain SIMD everywhere.');
  process.exit(0);
}
const rows = result.rows.map((r) => ({
  n: r.n, simd128_gflops: r.simd128.toFixed(2), relaxed_gflops: r.relaxed.toFixed(2), ratio: (r.relaxed / r.simd128).toFixed(2),
  'bits differ': `${(100 * r.differ).toFixed(1)}%`, 'max rel diff': r.worst.toExponential(1),
}));
if (args.includes('--json')) console.log(JSON.stringify({ bench: 'gemm-relaxed', rewritten, repeats, results: rows }));
else printTable(`wasm GEMM: packed kernel with relaxed_madd (${rewritten} instructions rewritten) vs plain SIMD, headless Chromium, 1 thread, median of ${repeats}`,
  ['n', 'simd128_gflops', 'relaxed_gflops', 'ratio', 'bits differ', 'max rel diff'], rows);
