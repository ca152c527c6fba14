// GEMM GFLOP/s: this project's wasm module vs TensorFlow.js's wasm backend (XNNPACK), side by
// side in one run, single-threaded. Usage: node bench/gemm.mjs [--json] [--sizes 64,128,256,512]
import { loadNeuroAI, loadTfWasm, timePerCall, printTable } from './harness.mjs';

const args = process.argv.slice(2);
const json = args.includes('--json');
const sizesArg = args.indexOf('--sizes');
const sizes = sizesArg >= 0 ? args[sizesArg + 1].split(',').map(Number) : [64, 128, 256, 512];

const neuroai = await loadNeuroAI();
const tf = await loadTfWasm();
const flops = (n) => 2 * n ** 3;

const results = [];
for (const n of sizes) {
  const ours = timePerCall((calls) => neuroai.benchGemm(n, calls));
  const a = tf.randomUniform([n, n], -1, 1), b = tf.randomUniform([n, n], -1, 1);
  const theirs = timePerCall((calls) => {
    for (let i = 0; i < calls; i++) {
      const c = tf.matMul(a, b);
      c.dataSync();  // the wasm backend is synchronous; this reads the result like ours does
      c.dispose();
    }
  });
  a.dispose();
  b.dispose();
  const row = { n, neuroai_gflops: +(flops(n) / ours / 1e9).toFixed(2), tfjs_gflops: +(flops(n) / theirs / 1e9).toFixed(2) };
  row.ratio = +(row.neuroai_gflops / row.tfjs_gflops).toFixed(2);
  results.push(row);
}

const info = neuroai.buildInfo();
if (json) {
  console.log(JSON.stringify({ bench: 'gemm-wasm', kernel: info.gemmKernel, peer: `tfjs-backend-wasm ${tf.version_core}`, threads: 1, results }));
} else {
  printTable(`wasm GEMM (kernel: ${info.gemmKernel}) vs TensorFlow.js ${tf.version_core} wasm backend, 1 thread, median of 7`,
             ['n', 'neuroai_gflops', 'tfjs_gflops', 'ratio'], results);
}
