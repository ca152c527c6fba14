// The golden spiral trajectory (tests/golden/spiral.txt, checked bit for bit natively by
// tests/native/test_golden.cpp) computed by the wasm module. The GEMM is the same packed kernel
// in both builds, with the same order of every sum, and the double-precision transcendental
// functions are the core's own (util/det_math.h); only the float expf/logf of the C library differ
// (emscripten's musl against glibc), by an ulp now and then. Stated tolerance: 1e-6 relative on
// each of the 60 losses, and most of them exactly equal.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';

import { loadModule, root, using } from './load.mjs';

let M;
before(async () => {
  M = await loadModule();
});

/** The float values of a golden file: "bits value" per line, from the bits. */
function readGolden(name) {
  const view = new DataView(new ArrayBuffer(4));
  return fs.readFileSync(path.join(root, 'tests', 'golden', `${name}.txt`), 'utf8').split('\n')
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      view.setUint32(0, parseInt(line.slice(0, 8), 16));
      return view.getFloat32(0);
    });
}

test('wasm reproduces the golden spiral trajectory within 1e-6, mostly to the bit', () => {
  const golden = readGolden('spiral');
  assert.equal(golden.length, 60);
  const losses = using(() => new M.SpiralClassifier({ seed: 3 }), (m) => golden.map(() => m.trainSteps(1)));
  let exact = 0;
  losses.forEach((loss, i) => {
    const relative = Math.abs(loss - golden[i]) / Math.abs(golden[i]);
    assert.ok(relative <= 1e-6, `step ${i + 1}: wasm ${loss} vs native ${golden[i]} (relative ${relative.toExponential(2)})`);
    if (Math.fround(loss) === golden[i]) exact++;
  });
  assert.ok(exact >= 30, `only ${exact} of 60 losses are bit-identical`);
});
