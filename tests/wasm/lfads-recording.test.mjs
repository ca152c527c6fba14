// LFADS on a recording of your own through wasm: spike times binned per trial (binSpikeTimes),
// LfadsRecordingLab's split, training, co-bps beside spike smoothing, read-outs, and errors that
// name what is wrong while the module stays usable.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadModule } from './load.mjs';

let M;
before(async () => { M = await loadModule(); });

const named = (f, re) => assert.throws(f, (e) => e instanceof Error && re.test(e.message), re.toString());

/** A seeded recording with known dynamics: a latent rotating at one speed per trial, 24 neurons reading it, Poisson counts. */
function rotatingRecording({ trials = 60, bins = 30, neurons = 24, seed = 7 } = {}) {
  let s = seed;
  const uniform = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
  const poisson = (rate) => { let k = 0, p = Math.exp(-rate), f = p, u = uniform(); while (u > f && k < 50) { k++; p *= rate / k; f += p; } return k; };
  const w = Array.from({ length: neurons }, () => [uniform() * 2 - 1, uniform() * 2 - 1]);
  const counts = new Float32Array(trials * bins * neurons);
  for (let k = 0; k < trials; k++) {
    const phase = uniform() * 2 * Math.PI, speed = 0.15 + 0.1 * uniform();
    for (let t = 0; t < bins; t++) {
      const z = [Math.cos(phase + speed * t), Math.sin(phase + speed * t)];
      for (let n = 0; n < neurons; n++) counts[(k * bins + t) * neurons + n] = poisson(Math.exp(0.2 + 1.2 * (w[n][0] * z[0] + w[n][1] * z[1])));
    }
  }
  return { counts, trials, bins, neurons };
}

test('binSpikeTimes: spike times per unit, counted in bins of each trial', () => {
  const c = M.binSpikeTimes({ units: [new Float64Array([0.01, 0.12, 0.15, 1.05]), new Float64Array([0.31, 1.2])],
                              align: new Float64Array([0, 1]), stop: new Float64Array([0.4, 1.4]), binSeconds: 0.1 });
  assert.deepEqual([c.trials, c.bins, c.neurons, c.binSeconds], [2, 4, 2, 0.1]);
  // trial 0: unit 0 in bins 0, 1, 1; unit 1 in bin 3. trial 1: unit 0 in bin 0; unit 1 in bin 2.
  assert.deepEqual(Array.from(c.counts), [1, 0, 2, 0, 0, 0, 0, 1, 1, 0, 0, 0, 0, 1, 0, 0]);
  named(() => M.binSpikeTimes({ units: new Float64Array(3), align: new Float64Array([0]), stop: new Float64Array([1]) }), /binSpikeTimes\.units: expected an array of Float64Arrays/);
  named(() => M.binSpikeTimes({ units: [new Float32Array([0.1])], align: new Float64Array([0]), stop: new Float64Array([1]) }), /binSpikeTimes\.units\[0\]: expected a Float64Array, got Float32Array/);
  named(() => M.binSpikeTimes({ units: [new Float64Array([0.1])], align: new Float64Array([0]), stop: new Float64Array([1]), binSeconds: -1 }), /bin width/);
  named(() => M.binSpikeTimes({ units: [new Float64Array([0.1])], align: new Float64Array([0]), stop: new Float64Array([1]), binz: 1 }), /binz/);
});

let lab;
after(() => lab?.delete());

test('LfadsRecordingLab: the split, training, co-bps beside smoothing, read-outs', () => {
  const r = rotatingRecording();
  lab = new M.LfadsRecordingLab({ ...r, binSeconds: 0.02, factors: 4, generator: 24, encoder: 24, ic: 8, controller: false, batch: 12, lr: 0.01, seed: 2 });
  const c = lab.config();
  assert.deepEqual([c.neuronsIn, c.neurons, c.bins, c.trials, c.train, c.heldOut, c.factors], [19, 24, 30, 60, 48, 12, 4]);
  assert.deepEqual([...c.neuronOrder].sort((a, b) => a - b), Array.from({ length: 24 }, (_, i) => i));
  const before = lab.evaluate();
  assert.ok(Number.isNaN(before.coBpsSmoothing), 'no smoothing before it is fitted');
  const l = lab.trainSteps(300);
  assert.ok(Number.isFinite(l.total) && l.steps === 300);
  lab.fitSmoothing();
  const after = lab.evaluate();
  assert.equal(after.trials, 12);
  assert.ok(after.coBps > before.coBps, `co-bps ${before.coBps} -> ${after.coBps}`);
  assert.ok(after.coBps > 0 && Number.isFinite(after.coBpsSmoothing), `LFADS ${after.coBps}, smoothing ${after.coBpsSmoothing}`);
  const t = lab.trial(0);
  assert.deepEqual([t.bins, t.neurons, t.neuronsIn, t.spikes.length, t.rates.length, t.factors.length, t.inputs.length], [30, 24, 19, 720, 720, 120, 0]);
  assert.ok(t.rates.every((v) => v > 0 && Number.isFinite(v)));
  named(() => lab.trial(12), /trial: index: expected an integer in \[0, 11\]/);
});

test('bad recordings are refused by name, and the module stays usable', () => {
  const r = rotatingRecording({ trials: 20 });
  const bad = r.counts.slice();
  bad[5] = 0.5;
  named(() => new M.LfadsRecordingLab({ ...r, counts: bad }), /LfadsRecordingLab config\.counts: trial 0, bin 0, neuron 5: expected a non-negative integer count, got 0\.5/);
  named(() => new M.LfadsRecordingLab({ ...r, bins: 31 }), /LfadsRecordingLab config\.counts: expected 20 x 31 x 24 = 14880 counts, got 14400/);
  named(() => new M.LfadsRecordingLab({ ...r, trials: 6, counts: r.counts.subarray(0, 6 * 30 * 24) }), /6 trials leave too few/);
  named(() => new M.LfadsRecordingLab({ ...r, counts: Array.from(r.counts) }), /config\.counts: expected a Float32Array/);
  const ok = new M.LfadsRecordingLab({ ...r, factors: 2, generator: 8, encoder: 8, ic: 4, controller: false, batch: 4 });
  assert.ok(Number.isFinite(ok.trainSteps(1).total));
  ok.delete();
});
