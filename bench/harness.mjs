// Shared helpers for the Node benchmarks: load the wasm module, time things, print tables.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Loads build/wasm/neuroai.{mjs,wasm} (Node passes the binary: no fetch on file paths). */
export async function loadNeuroAI(dir = process.env.NEUROAI_BUILD_WASM ?? path.join(root, 'build/wasm')) {
  const mjs = path.resolve(dir, 'neuroai.mjs');  // NEUROAI_BUILD_WASM may be relative
  if (!fs.existsSync(mjs)) throw new Error(`${mjs} not found: build the wasm module first (tools/setup)`);
  const { default: createNeuroAI } = await import(pathToFileURL(mjs).href);
  return createNeuroAI({ wasmBinary: fs.readFileSync(path.join(dir, 'neuroai.wasm')) });
}

/** Loads TensorFlow.js with its wasm backend (single-threaded in Node), from node_modules. */
export async function loadTfWasm() {
  const tf = await import('@tensorflow/tfjs-core');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(path.join(root, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + '/');
  await tf.setBackend('wasm');
  await tf.ready();
  return tf;
}

export const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/**
 * Median seconds per call of run(calls) over `repeats` timed batches; the batch size is
 * calibrated so that each batch takes at least minSeconds. run(calls) returns elapsed
 * seconds when it times itself (inside wasm), or undefined to be timed here.
 */
export function timePerCall(run, { repeats = 7, minSeconds = 0.05 } = {}) {
  const once = (calls) => {
    const t0 = performance.now();
    const inner = run(calls);
    return typeof inner === 'number' ? inner : (performance.now() - t0) / 1000;
  };
  let calls = 1;
  while (once(calls) < minSeconds) calls *= 2;
  const samples = [];
  for (let r = 0; r < repeats; r++) samples.push(once(calls) / calls);
  return median(samples);
}

export function printTable(title, columns, rows) {
  // Each column is 16 wide, or as wide as its longest cell and a gap: cells never run together.
  const widths = columns.map((c) => Math.max(16, ...[c, ...rows.map((row) => String(row[c]))].map((s) => s.length + 2)));
  console.log(title);
  console.log(columns.map((c, i) => c.padStart(widths[i])).join(''));
  for (const row of rows) console.log(columns.map((c, i) => String(row[c]).padStart(widths[i])).join(''));
}
