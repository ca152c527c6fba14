// Shared helpers for the wasm tests: load build/wasm/neuroai.{mjs,wasm} and locate the native CLI.
// NEUROAI_BUILD_WASM / NEUROAI_BUILD_NATIVE point them at other build folders.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root (tests/wasm/../..). */
export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

const loaded = new Map(); // dir -> Promise<Module>

/**
 * Loads the Emscripten module, once per process (node --test runs each file in its own process).
 * Node is given the binary as `wasmBinary`: the loader would otherwise try fetch() on a file path.
 */
export async function loadModule(dir = process.env.NEUROAI_BUILD_WASM ?? path.join(root, 'build', 'wasm')) {
  if (loaded.has(dir)) return loaded.get(dir);
  const mjs = path.join(dir, 'neuroai.mjs');
  const wasm = path.join(dir, 'neuroai.wasm');
  for (const f of [mjs, wasm]) {
    if (!fs.existsSync(f)) {
      throw new Error(`${f} not found: build the wasm module first (emcmake cmake --preset wasm && cmake --build --preset wasm)`);
    }
  }
  const promise = (async () => {
    const { default: createNeuroAI } = await import(pathToFileURL(mjs).href);
    return createNeuroAI({ wasmBinary: fs.readFileSync(wasm) });
  })();
  loaded.set(dir, promise);
  return promise;
}

/** The path of the native CLI build/native/neuroai. */
export function nativeCli() {
  const dir = process.env.NEUROAI_BUILD_NATIVE ?? path.join(root, 'build', 'native');
  const exe = path.join(dir, process.platform === 'win32' ? 'neuroai.exe' : 'neuroai');
  if (!fs.existsSync(exe)) {
    throw new Error(`${exe} not found: build the native CLI first (cmake --preset native && cmake --build --preset native)`);
  }
  return exe;
}

/**
 * Runs f(obj) for a new embind object and always deletes it afterwards.
 * `make` builds the object; the result of f is returned.
 */
export function using(make, f) {
  const obj = make();
  try {
    return f(obj);
  } finally {
    obj.delete();
  }
}
