// The LFADS case study through wasm: training, read-outs, weights, errors on spike input.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadModule } from './load.mjs';

let M, lab;
before(async () => {
  M = await loadModule();
  lab = new M.LfadsLab({ factors: 4, generator: 16, encoder: 16, ic: 8, controller: true, batch: 8, seed: 2 });
});
after(() => lab?.delete());

test('training steps report the ELBO parts and the read-outs have the right shapes', () => {
  const first = lab.trainSteps(1), later = lab.trainSteps(5);
  for (const k of ['total', 'reconstruction', 'klIc', 'klInputs', 'l2']) assert.ok(Number.isFinite(later[k]), k);
  assert.equal(later.steps, 6);
  assert.ok(later.reconstruction < first.reconstruction, `${first.reconstruction} -> ${later.reconstruction}`);
  const c = lab.config();
  assert.deepEqual([c.factors, c.neurons, c.bins, c.heldOut], [4, 30, 100, 260]);
  const t = lab.trial(3);
  assert.equal(t.spikes.length, 100 * 30);
  assert.equal(t.inferred.length, 100 * 30);
  assert.equal(t.factors.length, 100 * 4);
  assert.equal(t.inputs.length, 100);
  assert.equal(t.latent.length, 300);
  for (const r of t.inferred) assert.ok(r > 0 && Number.isFinite(r));
  const traj = lab.trajectories(4);
  assert.equal(traj.fitted.length, 4 * 100 * 3);
  assert.equal(traj.condition.length, 4);
  const m = lab.evaluate(8, 16);
  for (const k of ['rateR2', 'factorR2', 'bitsPerSpike', 'decodeR2Smoothed', 'decodeR2Factors']) assert.ok(Number.isFinite(m[k]), k);
  assert.ok(m.rateR2SmoothedBaseline < 0, 'single-trial smoothing is a poor rate estimate on these sparse spikes');
});

test('weights round-trip; the loaded file sets the architecture', () => {
  const bytes = lab.exportWeights();
  const other = new M.LfadsLab({ seed: 9 });  // default sizes
  try {
    const before = other.trial(0).inferred;
    const cfg = other.loadWeights(bytes);
    assert.deepEqual([cfg.factors, cfg.generator], [4, 16]);
    assert.deepEqual(other.trial(0).inferred, lab.trial(0).inferred);
    assert.notDeepEqual(before, other.trial(0).inferred);
    const bad = bytes.slice();
    bad[bad.length >> 1] ^= 4;
    assert.throws(() => other.loadWeights(bad), /checksum mismatch/);
    assert.throws(() => other.loadWeights(new M.SpiralClassifier({}).exportWeights()), /holds a 'mlp' model, expected 'lfads'/);
    assert.deepEqual(other.trial(0).inferred, lab.trial(0).inferred, 'a refused file changes nothing');
  } finally {
    other.delete();
  }
});

test('spike counts of your own: inferred rates, and clear errors for bad counts and shapes', () => {
  const spikes = new Float32Array(2 * 20 * 30);
  for (let i = 0; i < spikes.length; i += 7) spikes[i] = 1;
  const rates = lab.infer(spikes, 2, 20);
  assert.equal(rates.length, spikes.length);
  const perTrial = lab.inferTrials([spikes.subarray(0, 600), spikes.subarray(600)]);
  assert.deepEqual(perTrial, rates);
  const bad = spikes.slice();
  bad[35] = -1;
  const cases = [
    [() => lab.infer(bad, 2, 20), /spikes: trial 0, bin 1, neuron 5: expected a non-negative integer count, got -1/],
    [() => { const b = spikes.slice(); b[700] = 0.5; lab.infer(b, 2, 20); }, /trial 1, bin 3, neuron 10: expected a non-negative integer count, got 0.5/],
    [() => { const b = spikes.slice(); b[9] = NaN; lab.infer(b, 2, 20); }, /infer: spikes\[9\]: expected a finite number/],
    [() => lab.infer(spikes, 2, 21), /infer: spikes: expected a Float32Array of length 1260, got length 1200/],
    [() => lab.inferTrials([spikes.subarray(0, 600), spikes.subarray(0, 630)]), /trials of unequal length/],
    [() => lab.inferTrials([]), /expected at least one trial/],
    [() => new M.LfadsLab({ factors: 0 }), /LfadsConfig.factors: expected an integer in \[1, 256\], got 0/],
    [() => new M.LfadsLab({ dropout: 0.95 }), /LfadsTrainConfig.coordinated_dropout/],
    [() => new M.LfadsLab({ neurons: 0 }), /LfadsLab config: unknown field 'neurons'/],
    [() => lab.trial(260), /trial: index: expected an integer in \[0, 259\], got 260/],
  ];
  for (const [f, re] of cases) assert.throws(f, (e) => e instanceof Error && re.test(e.message), re.toString());
  assert.ok(Number.isFinite(lab.trainSteps(1).total), 'still usable');
});
