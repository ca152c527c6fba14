// PredNet through the wasm module: the JS API (shapes, the error split, extrapolation, weights),
// the shipped weights beating the baselines, parity with the native CLI, and bad input arriving as
// plain JS Errors that leave the module and the object usable.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

import { loadModule, nativeCli, root, using } from './load.mjs';
import { assertDataParallel } from './replicas.mjs';

let M;
let shared;  // one object that must survive every error below
before(async () => {
  M = await loadModule();
  shared = new M.PredNetLab({ size: 16, frames: 5, seed: 2 });
});
after(() => shared.delete());

const TINY = { size: 16, frames: 5, layers: 2, seed: 3 };
const PLANE = 16 * 16;
const relErr = (a, b) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);

function throwsError(f, re) {
  assert.throws(f, (e) => {
    assert.equal(e.constructor, Error, `expected a plain Error, got ${e.constructor.name}: ${e.message}`);
    assert.match(e.message, re);
    return true;
  });
}

function stillWorks(m = shared) {
  const steps = m.steps();
  const loss = m.trainSteps(1);
  assert.ok(Number.isFinite(loss) && loss > 0, `trainSteps after an error returned ${loss}`);
  assert.equal(m.steps(), steps + 1);
}

// ---- API ------------------------------------------------------------------------------------

test('describe() reports the geometry; the default is the shipped 3-layer model', () => {
  using(() => new M.PredNetLab(), (m) => {
    const d = m.describe();
    assert.equal(d.size, 32);
    assert.equal(d.frames, 10);
    assert.deepEqual(d.aChannels, [1, 8, 16]);
    assert.deepEqual(d.rChannels, [8, 16, 32]);
    assert.deepEqual(d.layerWeights, [1, 0, 0]);
    assert.equal(d.parameters, m.parameters().length);
  });
  using(() => new M.PredNetLab({ layers: 2, loss: 'Lall' }), (m) => {
    const d = m.describe();
    assert.deepEqual(d.aChannels, [1, 8]);
    assert.deepEqual(d.layerWeights.map((w) => +w.toFixed(3)), [1, 0.1]);
  });
});

test('run() returns predictions, E+/E- and R per layer with the documented shapes and split', () => {
  using(() => new M.PredNetLab(TINY), (m) => {
    m.trainSteps(3);
    const seqs = m.sample(2, 7);
    assert.equal(seqs.length, 2 * 5 * PLANE);
    const out = m.run(seqs);
    assert.equal(out.count, 2);
    assert.equal(out.predictions.length, 2 * 5 * PLANE);
    assert.equal(out.layerError.length, 5 * 2);
    assert.equal(out.error.length, 2);
    assert.equal(out.error[0].length, 2 * 5 * 2 * PLANE);
    assert.equal(out.error[1].length, 2 * 5 * 16 * 8 * 8);
    assert.equal(out.r[0].length, 2 * 5 * 8 * PLANE);
    assert.equal(out.r[1].length, 2 * 5 * 16 * 8 * 8);
    assert.equal(out.ahat[1].length, 2 * 5 * 8 * 8 * 8);
    // E+ = ReLU(x - x_hat) in the first channel, E- = ReLU(x_hat - x) in the second.
    for (let st = 0; st < 10; st++) {
      for (let i = 0; i < PLANE; i++) {
        const x = seqs[st * PLANE + i], p = out.predictions[st * PLANE + i];
        const ep = out.error[0][st * 2 * PLANE + i], em = out.error[0][st * 2 * PLANE + PLANE + i];
        assert.ok(ep >= 0 && em >= 0 && ep * em === 0);
        assert.ok(Math.abs(ep - em - (x - p)) < 1e-6);
      }
    }
    // predict() is the light version: the same predictions.
    assert.deepEqual(m.predict(seqs).predictions, out.predictions);
  });
});

test('extrapolation from a step zeroes the layer-0 error there and ignores later frames', () => {
  using(() => new M.PredNetLab(TINY), (m) => {
    m.trainSteps(2);
    const seq = m.surpriseSequence('none', 3, 5);
    const normal = m.run(seq, -1);
    const ex = m.run(seq, 3);
    for (let t = 3; t < 5; t++) assert.equal(ex.layerError[t * 2], 0);
    assert.ok(ex.layerError[2 * 2] > 0);
    assert.deepEqual(ex.predictions.subarray(0, 4 * PLANE), normal.predictions.subarray(0, 4 * PLANE));
    const changed = seq.slice();
    changed.fill(0.5, 3 * PLANE);
    assert.deepEqual(m.run(changed, 3).predictions, ex.predictions);
  });
});

test('surprise sequences share their past and differ at the surprise frame', () => {
  using(() => new M.PredNetLab(TINY), (m) => {
    const none = m.surpriseSequence('none', 3, 9);
    for (const kind of ['reverse', 'appear', 'occluder']) {
      const s = m.surpriseSequence(kind, 3, 9);
      assert.deepEqual(s.subarray(0, 3 * PLANE), none.subarray(0, 3 * PLANE), kind);
      assert.notDeepEqual(s.subarray(3 * PLANE, 4 * PLANE), none.subarray(3 * PLANE, 4 * PLANE), kind);
    }
    const score = m.surpriseScore('appear', 3, 4, 1);
    assert.equal(score.errorPerStep.length, 5);
    assert.equal(score.controlErrorPerStep.length, 5);
    // The control is the same sequences without the event: the same errors before the event frame.
    assert.deepEqual(score.controlErrorPerStep.slice(0, 3), score.errorPerStep.slice(0, 3));
    assert.ok(Math.abs(score.surpriseVsControl - score.errorAtSurprise / score.controlErrorAtFrame) < 1e-9);
    // The other frames are t in [3, T) except the event frame: here t = 4 alone.
    assert.equal(score.errorOtherFrames, score.errorPerStep[4]);
    assert.ok(Math.abs(score.surpriseVsOtherFrames - score.errorAtSurprise / score.errorOtherFrames) < 1e-9);
    assert.throws(() => m.surpriseScore('none', 3, 4, 1), /expected a surprise kind/);
  });
});

test('moving sprites come from the images given in the config', () => {
  const images = new Uint8Array(3 * 28 * 28);
  for (let i = 0; i < images.length; i++) images[i] = (i * 37) % 256;  // a texture
  using(() => new M.PredNetLab({ ...TINY, dataset: 'sprites', images }), (m) => {
    assert.equal(m.describe().dataset, 'sprites');
    const seq = m.sample(1, 3);
    assert.equal(seq.length, 5 * PLANE);
    let lit = 0;
    for (const v of seq) {
      assert.ok(v >= 0 && v <= 1);
      lit += v > 0.05;
    }
    assert.ok(lit > 5 * 100, `the 16x16 sprite covers the frame: ${lit} lit pixels`);
    assert.ok(Number.isFinite(m.trainSteps(1)));
    throwsError(() => m.surpriseSequence('appear', 3, 1), /surpriseSequence: surprises are injected into bouncing-blob sequences, but this model's data set is "sprites"/);
  });
  // heldOutImages: the held-out sequences move those images only (the page passes the test split).
  const black = new Uint8Array(28 * 28), white = new Uint8Array(28 * 28).fill(255);
  using(() => new M.PredNetLab({ ...TINY, dataset: 'sprites', images: black, heldOutImages: white }), (m) => {
    assert.ok(m.heldOut(1).some((v) => v > 0.5), 'held-out sprites come from heldOutImages');
    assert.ok(m.sample(2, 3).every((v) => v === 0), 'training sprites come from images');
  });
  throwsError(() => new M.PredNetLab({ ...TINY, dataset: 'sprites', images: black, heldOutImages: new Uint8Array(100) }),
    /config\.heldOutImages: expected a whole number of 28x28 images, got 100 bytes/);
});

test('exportWeights/loadWeights round trip; a file of another layer count is adopted, one of another frame size refused', () => {
  using(() => new M.PredNetLab(TINY), (a) => using(() => new M.PredNetLab({ ...TINY, seed: 8 }), (b) => {
    a.trainSteps(2);
    const seq = a.sample(1, 1);
    assert.notDeepEqual(b.predict(seq).predictions, a.predict(seq).predictions);
    b.loadWeights(a.exportWeights());
    assert.deepEqual(b.predict(seq).predictions, a.predict(seq).predictions);
    using(() => new M.PredNetLab({ ...TINY, layers: 3 }), (c) => {
      c.loadWeights(a.exportWeights());  // a's 2 layers replace c's 3
      assert.equal(c.describe().layers, a.describe().layers);
      assert.deepEqual(c.predict(seq).predictions, a.predict(seq).predictions);
      stillWorks(c);
    });
    using(() => new M.PredNetLab({ ...TINY, frames: TINY.frames + 1 }), (d) => {
      const params = d.parameters().slice();
      throwsError(() => d.loadWeights(a.exportWeights()), /loadWeights: weights file: holds a PredNet of 5 frames of 1x16x16; the data has 6 frames of 1x16x16/);
      assert.deepEqual(d.parameters().slice(), params, 'a refused file changes no parameter');
      stillWorks(d);
    });
  }));
});

test('the shipped weights beat copy-last by half and linear extrapolation on held-out blobs', () => {
  const file = path.join(root, 'assets/prednet/prednet-blobs.nrai');
  const bytes = new Uint8Array(fs.readFileSync(file));
  assert.ok(bytes.length < 1e6, `the shipped file is ${bytes.length} bytes`);
  using(() => new M.PredNetLab(), (m) => {
    m.loadWeights(bytes);
    const e = m.evaluate(24);
    assert.ok(e.prednetMse <= 0.5 * e.copyLastMse, `PredNet ${e.prednetMse} vs copy-last ${e.copyLastMse}`);
    assert.ok(e.prednetMse < e.linearMse, `PredNet ${e.prednetMse} vs linear ${e.linearMse}`);
    assert.ok(e.prednetSsim > e.copyLastSsim);
    const s = m.surpriseScore('appear', 6, 8, 4);
    assert.ok(s.surpriseVsControl > 2, `an appearing blob against the same sequences without it: ${s.surpriseVsControl}`);
  });
});

// ---- parity with native ---------------------------------------------------------------------

test('native CLI and wasm train the same PredNet run (seed 5, 6 steps)', () => {
  const args = ['train', 'prednet', '--steps', '6', '--seed', '5', '--size', '16', '--frames', '5', '--a-channels', '1,4',
    '--r-channels', '4,8', '--lr-drop', '1', '--eval-every', '0', '--eval-sequences', '2', '--json'];
  const native = JSON.parse(execFileSync(nativeCli(), args, { encoding: 'utf8', timeout: 60000, stdio: ['ignore', 'pipe', 'ignore'] }));
  assert.equal(native.losses.length, 6);
  const wasm = using(() => new M.PredNetLab({ size: 16, frames: 5, aChannels: [1, 4], rChannels: [4, 8], seed: 5 }), (m) => {
    assert.equal(m.describe().config, native.config);
    return Array.from({ length: 6 }, () => m.trainSteps(1));
  });
  // Same float32 algorithm on the same sequences with the same GEMM (every sum in the same order);
  // only the C library's float functions may differ in a last bit (musl against glibc). Measured:
  // all six losses bit-identical; held to 1e-6 relative.
  for (let s = 0; s < 6; s++) {
    const e = relErr(wasm[s], native.losses[s]);
    assert.ok(e <= 1e-6, `step ${s + 1}: wasm ${wasm[s]} vs native ${native.losses[s]} (relative ${e.toExponential(2)})`);
  }
});

test('wasm: the same seed twice gives bit-identical losses and weights', () => {
  const run = () => using(() => new M.PredNetLab(TINY), (m) => ({ losses: [m.trainSteps(1), m.trainSteps(1), m.trainSteps(1)], w: m.exportWeights() }));
  const a = run(), b = run();
  assert.deepEqual(b.losses, a.losses);
  assert.deepEqual(b.w, a.w);
  const c = using(() => new M.PredNetLab({ ...TINY, seed: 4 }), (m) => m.trainSteps(1));
  assert.notEqual(c, a.losses[0]);
});

// ---- the native CLI -------------------------------------------------------------------------

/** Runs the native CLI; returns {status, stdout, stderr}. */
function cli(args) {
  try {
    return { status: 0, stdout: execFileSync(nativeCli(), args, { encoding: 'utf8', timeout: 120000, stdio: ['ignore', 'pipe', 'pipe'] }) };
  } catch (e) {
    return { status: e.status, stdout: e.stdout, stderr: e.stderr };
  }
}

test('neuroai eval prednet --json prints the evidence keys for the shipped weights', () => {
  const r = cli(['eval', 'prednet', '--weights', path.join(root, 'assets/prednet/prednet-blobs.nrai'), '--sequences', '12',
    '--surprise-sequences', '6', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const e = JSON.parse(r.stdout);
  for (const key of ['prednet_mse', 'copy_last_mse', 'linear_mse', 'prednet_ssim', 'copy_last_ssim', 'surprise_vs_control',
    'surprise_vs_other_frames'])
    assert.ok(Number.isFinite(e[key]), `${key}: ${e[key]}`);
  assert.equal(e.sequences, 12);
  assert.deepEqual(e.surprise.map((s) => s.kind), ['reverse', 'appear', 'occluder']);
  for (const s of e.surprise) assert.deepEqual(s.control_error_per_step.slice(0, 6), s.error_per_step.slice(0, 6), s.kind);
  assert.equal(e.closed_loop_rollout.fine_tuned, false);
  assert.equal(e.prednet_mse_per_step.length, 10);
  assert.ok(e.prednet_mse < e.copy_last_mse);
  assert.equal(e.targets.prednet_mse_below_linear, e.prednet_mse < e.linear_mse);
});

test('neuroai bench prednet --json reports training and forward throughput', () => {
  const r = cli(['bench', 'prednet', '--size', '16', '--frames', '4', '--layers-unknown', '1']);
  assert.equal(r.status, 2);
  assert.match(r.stderr, /unknown option --layers-unknown/);
  const ok = cli(['bench', 'prednet', '--size', '16', '--frames', '4', '--repeats', '1', '--forward-sequences', '2', '--json']);
  assert.equal(ok.status, 0, ok.stderr);
  const b = JSON.parse(ok.stdout);
  assert.ok(b.train_sequences_per_second > 0 && b.forward_frames_per_second > 0);
  assert.match(b.config, /height=16/);
});

test('the native CLI refuses bad PredNet options with a clear message', () => {
  const cases = [
    [['train', 'prednet', '--size', '30', '--steps', '1'], /frame sides 30x30 must be divisible by 2\^\(layers-1\) = 4 for 3 layers/],
    [['train', 'prednet', '--loss', 'L3'], /loss: expected "L0" or "Lall", got "L3"/],
    [['train', 'prednet', '--r-channels', '8,16'], /r_channels: expected 3 values/],
    [['train', 'prednet', '--dataset', 'video'], /dataset: expected "blobs" or "sprites", got "video"/],
    [['eval', 'prednet', '--weights', '/nonexistent/p.nrai'], /--weights: cannot open '\/nonexistent\/p\.nrai'/],
    [['eval', 'prednet', '--surprise-frame', '1'], /--surprise-frame: expected an integer in \[2, 999\], got 1/],
  ];
  for (const [args, re] of cases) {
    const r = cli(args);
    assert.equal(r.status, 2, `${args.join(' ')} exits with status 2`);
    assert.match(r.stderr, re);
  }
});

// ---- bad input ------------------------------------------------------------------------------

const configCases = [
  [{ size: 30 }, /frame sides 30x30 must be divisible by 2\^\(layers-1\) = 4 for 3 layers/],
  [{ size: 16, layers: 0 }, /PredNetLab config\.layers: expected an integer in \[1, 6\], got 0/],
  [{ loss: 'L2' }, /loss: expected "L0" or "Lall", got "L2"/],
  [{ loss: 'L0', layerWeights: [1, 0, 0] }, /give loss or layerWeights, not both/],
  [{ layerWeights: [1, 0] }, /layer_weights: expected 3 values/],
  [{ aChannels: '1,8,16' }, /PredNetLab config\.aChannels: expected an array of integers, got string/],
  [{ rChannels: [8, 16.5, 32] }, /PredNetLab config\.rChannels\[1\]: expected an integer, got 16\.5/],
  [{ frames: 1 }, /PredNetConfig\.frames: expected an integer in \[2, 1000\], got 1/],
  [{ lr: NaN }, /config\.lr: expected a finite number, got nan/],
  [{ dataset: 'mnist' }, /dataset: expected "blobs" or "sprites", got "mnist"/],
  [{ dataset: 'sprites' }, /dataset "sprites" needs images/],
  [{ images: new Uint8Array(100) }, /config\.images: expected a whole number of 28x28 images, got 100 bytes/],
  [{ colour: 1 }, /unknown field 'colour' \(expected one of: size, frames, layers/],
  [7, /PredNetLab config: expected a config object, got number/],
];

for (const [config, re] of configCases) {
  test(`new PredNet(${JSON.stringify(config) ?? String(config)}) throws ${re}`, () => {
    throwsError(() => { const m = new M.PredNetLab(config); m.delete(); }, re);
    stillWorks();
  });
}

test('frames of the wrong length, outside [0, 1] or NaN are refused by name', () => {
  const seq = shared.sample(1, 1);
  throwsError(() => shared.run(seq.subarray(0, 4 * PLANE)),
    /run: frames: expected whole sequences of 5 frames of 1x16x16 \(1280 values each\), got 1024 values/);
  throwsError(() => shared.trainOn(new Float32Array(0)), /trainOn: frames: expected whole sequences .* got 0 values/);
  const bad = seq.slice();
  bad[300] = 1.25;
  throwsError(() => shared.trainOn(bad), /frames: expected pixel values in \[0, 1\], got 1\.25 at index 300/);
  bad[300] = NaN;
  throwsError(() => shared.lossOn(bad), /lossOn: frames\[300\]: expected a finite number, got nan/);
  throwsError(() => shared.run([0.5]), /run: frames: expected a Float32Array, got Array/);
  throwsError(() => shared.run(seq, 0), /extrapolate_from: expected -1 or a step in \[1, 5\], got 0/);
  stillWorks();
});

test('bad surprise requests, counts and weights files are refused by name', () => {
  throwsError(() => shared.surpriseSequence('explode', 3, 1), /surpriseSequence: kind: expected "none", "reverse", "appear" or "occluder", got "explode"/);
  throwsError(() => shared.surpriseSequence('reverse', 1, 1), /surpriseSequence: frame: expected an integer in \[2, 4\], got 1/);
  throwsError(() => shared.surpriseSequence(3, 3, 1), /kind: expected a string, got number/);
  throwsError(() => shared.sample(0, 1), /sample: count: expected an integer in \[1, 4096\], got 0/);
  throwsError(() => shared.trainSteps(-1), /trainSteps: steps: expected an integer in \[0, 100000\], got -1/);
  throwsError(() => shared.setLearningRate(0), /set_lr: lr: expected a number in/);
  throwsError(() => shared.loadWeights(new Uint8Array([1, 2, 3])), /weights file is truncated/);
  const w = shared.exportWeights();
  w[w.length - 10] ^= 0xff;
  throwsError(() => shared.loadWeights(w), /checksum mismatch/);
  throwsError(() => shared.loadWeights('weights'), /loadWeights: bytes: expected a Uint8Array, got string/);
  stillWorks();
});

test('a step split across replicas (web/js/engine/replicas.js) = the one-thread step up to rounding; deterministic per thread count', async () => {
  const config = { ...TINY, batch: 5 };
  await assertDataParallel(assert, () => new M.PredNetLab(config), () => new M.PredNetLab(config), 6);
  // Bad shares are refused by name; the lab stays usable.
  using(() => new M.PredNetLab(config), (m) => {
    throwsError(() => m.batchShare(0, 1), /batchShare: no batch drawn \(call beginStep first\)/);
    m.beginStep();
    throwsError(() => m.batchShare(2, 4), /batchShare: n: expected an integer in \[1, 3\], got 4/);
    const share = m.batchShare(0, 2);
    throwsError(() => m.replicaGradient({ frames: share.frames.subarray(1) }, 5), /replicaGradient: share\.frames: expected a length divisible by 1280/);
    throwsError(() => m.replicaGradient(share, 1), /replicaGradient: batch: expected an integer in \[2, 1024\], got 1/);
    throwsError(() => m.replicaGradient({ images: share.frames }, 5), /replicaGradient: share\.frames: expected a Float32Array, got undefined/);
    throwsError(() => m.addGradients(new Float32Array(2)), /addGradients: gradients: expected a Float32Array of length \d+, got length 2/);
    assert.ok(Number.isFinite(m.accumulate(0, 5)));
    m.finishStep();
    assert.equal(m.steps(), 1);
    stillWorks(m);
  });
});
