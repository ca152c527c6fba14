// A WebGPU device in Node for the GPU benchmarks: Dawn (npm `webgpu`) looked up in
// $NEUROAI_WEBGPU (a path to its index.js), then .gpu/pkg/index.js (packed by
// /work/shared/gpu/pack.sh), then node_modules; the kernels' WGSL read from web/js/gpu/kernels/.
// Exits 2 when there is no package or no device, 3 when the device is lost mid-run.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { acquireDevice } from '../web/js/gpu/device.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

async function importWebgpu(tool) {
  const candidates = [process.env.NEUROAI_WEBGPU, path.join(root, '.gpu/pkg/index.js')].filter(Boolean);
  for (const file of candidates) if (fs.existsSync(file)) return import(pathToFileURL(path.resolve(file)).href);
  try {
    return await import('webgpu');
  } catch {
    console.error(`${tool}: the npm package webgpu (Dawn for Node) was not found: set NEUROAI_WEBGPU, pack .gpu/ ` +
      '(/work/shared/gpu/pack.sh) or npm i -D webgpu');
    process.exit(2);
  }
}

/** {device, adapterName, software, loadSource} for benchmark `tool` (its name prefixes the messages). */
export async function openNodeDevice(tool, { requiredLimits } = {}) {
  const { create, globals } = await importWebgpu(tool);
  Object.assign(globalThis, globals);  // GPUBufferUsage, GPUMapMode, GPUShaderStage, ...
  const got = await acquireDevice({
    gpu: create([]),
    requiredLimits,
    onLost: (reason) => { console.error(`${tool}: ${reason}`); process.exit(3); },
  });
  if (!got.device) {
    console.error(`${tool}: no WebGPU device: ${got.reason}`);
    process.exit(2);
  }
  const loadSource = (name) => fs.readFileSync(path.join(root, 'web/js/gpu/kernels', `${name}.wgsl`), 'utf8');
  return { device: got.device, adapterName: got.adapterName, software: got.software, loadSource };
}
