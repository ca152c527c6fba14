// Golden trajectories (tests/golden/*.txt, checked bit for bit natively by
// tests/native/test_golden.cpp) computed by the wasm module: the spiral MLP's, the replay page's
// prioritized DQN agent's and the episodic page's MFEC agent's; LFADS's first steps against the
// native CLI's. (ViT and PredNet are compared with the native CLI run for run in
// vit-parity.test.mjs and prednet.test.mjs.) The GEMM is the same packed kernel
// in both builds, with the same order of every sum, and the double-precision transcendental
// functions are the core's own (util/det_math.h); only the float expf/logf of the C library differ
// (emscripten's musl against glibc), by an ulp now and then. Stated tolerance: 1e-6 relative on
// each value, and most of them exactly equal (measured: all 501 DQN losses, all 120 MFEC values and
// LFADS's fifth-step reconstruction loss).
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { loadModule, nativeCli, root, using } from './load.mjs';

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
  const losses = using(() => new M.SpiralLab({ seed: 3 }), (m) => golden.map(() => m.trainSteps(1)));
  let exact = 0;
  losses.forEach((loss, i) => {
    const relative = Math.abs(loss - golden[i]) / Math.abs(golden[i]);
    assert.ok(relative <= 1e-6, `step ${i + 1}: wasm ${loss} vs native ${golden[i]} (relative ${relative.toExponential(2)})`);
    if (Math.fround(loss) === golden[i]) exact++;
  });
  assert.ok(exact >= 30, `only ${exact} of 60 losses are bit-identical`);
});

test('wasm reproduces the golden DQN + prioritized replay trajectory on Catch (the replay page\'s agent)', () => {
  const golden = readGolden('dqn-per');
  assert.equal(golden.length, 501);
  const losses = using(() => new M.ReplayLab({ env: 'catch', variant: 'proportional', seed: 17 }), (lab) => {
    const out = [];
    for (let step = 0; step < 600; step++) {
      lab.step(1);
      const loss = lab.stats(1).lastLoss;  // NaN on the steps that do not train
      if (!Number.isNaN(loss)) out.push(loss);
    }
    return out;
  });
  assert.equal(losses.length, golden.length);
  let exact = 0;
  losses.forEach((loss, i) => {
    const relative = Math.abs(loss - golden[i]) / Math.abs(golden[i]);
    assert.ok(relative <= 1e-6, `training step ${i + 1}: wasm ${loss} vs native ${golden[i]} (relative ${relative.toExponential(2)})`);
    if (Math.fround(loss) === golden[i]) exact++;
  });
  assert.ok(exact >= losses.length / 2, `only ${exact} of ${losses.length} losses are bit-identical`);
});

test('wasm reproduces the golden episodic-control values on Catch (the episodic page\'s MFEC agent)', () => {
  const golden = readGolden('episodic');
  assert.equal(golden.length, 120);  // 3 actions after each of 40 episodes
  const values = using(() => new M.EpisodicLab({ env: 'catch', seed: 19 }), (lab) => {
    const out = [];
    for (let episode = 1; episode <= 40; episode++) {
      while (lab.stats(0).episodes < episode) lab.step(1);
      out.push(...lab.mfecDecision().q);  // MFEC's estimates for the next observation
    }
    return out;
  });
  assert.equal(values.length, golden.length);
  let exact = 0;
  values.forEach((v, i) => {
    const absolute = Math.abs(v - golden[i]);
    assert.ok(absolute <= 1e-6 * Math.max(1, Math.abs(golden[i])), `value ${i}: wasm ${v} vs native ${golden[i]}`);
    if (Math.fround(v) === golden[i]) exact++;
  });
  assert.ok(exact >= values.length / 2, `only ${exact} of ${values.length} values are bit-identical`);
});

test('wasm trains LFADS on the Lorenz spikes as the native CLI does (seed 1, batch 32, 5 steps)', () => {
  const native = JSON.parse(execFileSync(nativeCli(), ['train', 'lfads', '--steps', '5', '--seed', '1', '--json'],
    { encoding: 'utf8', timeout: 120000, stdio: ['ignore', 'pipe', 'ignore'] }).trim().split('\n').pop());
  assert.equal(native.steps, 5);
  // The page's LfadsLab trains with batch 16 by default; the CLI's default is 32.
  const last = using(() => new M.LfadsLab({ seed: 1, batch: 32 }), (lab) => {
    let losses;
    for (let step = 0; step < 5; step++) losses = lab.trainSteps(1);
    return losses;
  });
  const relative = Math.abs(last.reconstruction - native.reconstruction) / native.reconstruction;
  assert.ok(relative <= 1e-6, `reconstruction after 5 steps: wasm ${last.reconstruction} vs native ${native.reconstruction}`);
});
