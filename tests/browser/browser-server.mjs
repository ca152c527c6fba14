// Starts the two headless Chromiums the browser tests share across files (one with WebGPU on
// SwiftShader, one with the GPU off) and prints `export NAME=ws://...` lines for their endpoints;
// runs until killed. tools/test starts it for the full run: each file launching its own browsers
// cost about 3 CPU-seconds per launch (two dozen launches in all) on a 2-core VM. A test that needs
// a browser to itself still gets one: launch({ own: true }) in browser.mjs.
import { chromium } from 'playwright-core';
import { CHROMIUM, chromiumArgs } from './browser.mjs';

const servers = await Promise.all([true, false].map((gpu) =>
  chromium.launchServer({ executablePath: CHROMIUM, headless: true, args: chromiumArgs({ gpu }) })));
console.log(`export NEUROAI_CHROMIUM_GPU=${servers[0].wsEndpoint()}`);
console.log(`export NEUROAI_CHROMIUM_NO_GPU=${servers[1].wsEndpoint()}`);
const stop = async () => {
  await Promise.all(servers.map((s) => s.close()));
  process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
