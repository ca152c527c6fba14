// What this browser offers: WebAssembly SIMD (required by the module) and a WebGPU adapter.
import { describeAdapter, isSoftwareAdapter } from '../gpu/device.js';

// A minimal module using one v128 instruction (the probe of the wasm-feature-detect project).
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 123, 3, 2, 1, 0, 10, 10, 1, 8, 0, 65, 0, 253, 15, 253, 98, 11,
]);

export function hasWasmSimd() {
  try {
    return typeof WebAssembly === 'object' && WebAssembly.validate(SIMD_PROBE);
  } catch {
    return false;
  }
}

/**
 * Fills a page's "WebAssembly SIMD" badge; when SIMD is missing, says so in `host` (where the
 * model would have gone) and returns false.
 */
export function requireWasmSimd(badge, host) {
  const simd = hasWasmSimd();
  badge.textContent = simd ? 'WebAssembly SIMD: available' : 'WebAssembly SIMD: not available';
  badge.classList.add(simd ? 'ok' : 'missing');
  if (!simd)
    host.textContent = 'This browser lacks WebAssembly SIMD, which the model needs. Any current Chrome, Edge, Firefox or Safari (16.4 or later) has it.';
  return simd;
}

/**
 * Resolves to {available, reason, adapter}: reason says why not ("no navigator.gpu", "no adapter")
 * or describes the adapter found (and whether it is a CPU software fallback). Asks for an adapter
 * only, no device: gpu/device.js acquireDevice is for the pages that compute or draw with it.
 */
export async function probeWebGPU() {
  if (!globalThis.navigator?.gpu) return { available: false, reason: 'this browser exposes no navigator.gpu' };
  try {
    const adapter = await navigator.gpu.requestAdapter();
    if (!adapter) return { available: false, reason: 'navigator.gpu offered no adapter' };
    const name = describeAdapter(adapter);
    return { available: true, reason: isSoftwareAdapter(adapter, name) ? `${name} (a CPU software adapter)` : name, adapter };
  } catch (error) {
    return { available: false, reason: `requestAdapter failed: ${error.message}` };
  }
}
