// The replay case study through wasm: the ReplayLab API, the Cliffwalk experiment, errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadModule } from './load.mjs';

let M, lab;
before(async () => {
  M = await loadModule();
  lab = new M.ReplayLab({ env: 'catch', seed: 3, learningStarts: 64 });
});
after(() => lab?.delete());

test('both agents step in lockstep and read out boards, returns and Q-values', () => {
  lab.step(300);
  const [u, p] = [lab.stats(0), lab.stats(1)];
  assert.equal(u.envSteps, 300);
  assert.equal(p.envSteps, 300);
  assert.ok(u.trainSteps > 200 && p.trainSteps > 200);
  assert.ok(p.beta > 0.4 && p.beta < 1);
  assert.equal(lab.returns(0).length, u.episodes);
  for (const r of lab.returns(1)) assert.ok(r === 1 || r === -1, 'Catch returns are +-1');
  const board = lab.observation(0);
  assert.equal(board.length, 50);
  assert.equal(board.reduce((a, b) => a + b, 0), 2, 'one ball and one paddle');
  assert.equal(lab.qValues(1).length, 3);
});

test('the tree read-outs are consistent: sums of children, leaves, batch paths and weights', () => {
  const top = lab.treeTop(5);
  const s = top.sums;
  for (let i = 1; i < s.length / 2; i++) assert.ok(Math.abs(s[i] - s[2 * i] - s[2 * i + 1]) <= 1e-3 * s[i] + 1e-6, `node ${i}`);
  const leaves = lab.leafBins(16);
  const batch = lab.lastBatch();
  assert.ok(Math.abs(leaves.reduce((a, b) => a + b, 0) - batch.total) <= 1e-3 * batch.total);
  assert.ok(Math.abs(s[1] - batch.total) <= 1e-3 * batch.total, 'the shown subtree holds every stored transition');
  assert.equal(batch.indices.length, 32);
  assert.equal(batch.paths.length, 32 * (batch.depth + 1));
  for (let d = 0; d < 32; d++) {
    const path = batch.paths.subarray(d * (batch.depth + 1), (d + 1) * (batch.depth + 1));
    assert.equal(path[0], 1);
    for (let l = 1; l < path.length; l++) assert.equal(path[l] >> 1, path[l - 1], 'each step goes to a child');
    assert.equal(path.at(-1) - batch.leaves, batch.indices[d], 'the path ends at the drawn slot');
  }
  assert.ok(Math.max(...batch.weights) <= 1 && Math.min(...batch.weights) > 0);
  const sampling = lab.sampling(1);
  assert.equal(sampling.drawn.length, 32);
  const drawn = sampling.drawn.reduce((a, b) => a + b, 0), expected = sampling.expected.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(drawn - expected) < 1e-3 * drawn);
  lab.resetSampling();
  assert.equal(lab.sampling(1).drawn.reduce((a, b) => a + b, 0), 0);
});

test('the uniform agent draws uniformly: its sampling histogram matches slot counts', () => {
  lab.step(100);
  const after = lab.sampling(0);
  const drawn = after.drawn.reduce((a, b) => a + b, 0);
  assert.ok(drawn > 1000);
  for (let k = 0; k < after.drawn.length; k++) assert.ok(Math.abs(after.drawn[k] - after.expected[k]) < 0.5 * after.expected[k] + 20);
});

test('the Blind Cliffwalk experiment: prioritized replay needs fewer updates', () => {
  const r = M.cliffwalkMedians(8, 5, 0.6);
  assert.ok(r.prioritized < 0.5 * r.uniform, JSON.stringify(r));
  const same = M.cliffwalkMedians(8, 5, 0.6);
  assert.deepEqual(same, r, 'deterministic');
  assert.ok(M.cliffwalkMedians(6, 3, 0).prioritized > 0);
});

test('bad input is a JS Error naming the argument, and the lab keeps working', () => {
  const cases = [
    [() => new M.ReplayLab({ env: 'pong' }), /ReplayLab config.env: expected "catch" or "cartpole", got "pong"/],
    [() => new M.ReplayLab({ capacity: 0 }), /ReplayConfig.capacity: expected an integer in \[1, 16777216\], got 0/],
    [() => new M.ReplayLab({ capacity: 16000000 }), /ReplayConfig.capacity: .* more than the 1 GiB/],
    [() => new M.ReplayLab({ alpha: NaN }), /ReplayLab config.alpha: expected a finite number, got nan/],
    [() => new M.ReplayLab({ alpha: 1.5 }), /ReplayConfig.alpha: expected a number in \[0, 1\], got 1.5/],
    [() => new M.ReplayLab({ batch: 0 }), /DqnConfig.batch/],
    [() => new M.ReplayLab({ lr: 'fast' }), /ReplayLab config.lr: expected a number, got string/],
    [() => new M.ReplayLab({ colour: 1 }), /ReplayLab config: unknown field 'colour'/],
    [() => lab.step(-1), /step: steps: expected an integer in \[0, 100000\], got -1/],
    [() => lab.step(NaN), /step: steps: expected a finite number/],
    [() => lab.stats(2), /agent: expected an integer in \[0, 1\], got 2/],
    [() => lab.treeTop(0), /treeTop: levels/],
    [() => M.cliffwalkMedians(40, 3, 0.6), /cliffwalkMedians: n: expected an integer in \[2, 16\]/],
    [() => M.cliffwalkMedians(8, 3, NaN), /cliffwalkMedians: alpha: expected a finite number/],
  ];
  for (const [f, re] of cases) assert.throws(f, (e) => e instanceof Error && re.test(e.message), re.toString());
  const before = lab.stats(0).envSteps;
  lab.step(5);
  assert.equal(lab.stats(0).envSteps, before + 5);
});

test('a batch larger than the stored transitions is refused before training starts', () => {
  const small = new M.ReplayLab({ env: 'catch', batch: 64, learningStarts: 0, seed: 2 });
  try {
    small.step(10);  // 10 stored < 64: no training step yet, no error
    assert.equal(small.stats(1).trainSteps, 0);
    small.step(100);
    assert.ok(small.stats(1).trainSteps > 0);
  } finally {
    small.delete();
  }
});

test('CartPole runs with its own preset', () => {
  const cp = new M.ReplayLab({ env: 'cartpole', seed: 1 });
  try {
    cp.step(200);
    assert.equal(cp.observation(0).length, 4);
    assert.equal(cp.qValues(0).length, 2);
    for (const r of cp.returns(0)) assert.ok(r >= 1 && r <= 500);
  } finally {
    cp.delete();
  }
});

test('ReplayBuffer from JS: proportional sampling, and bad input refused with nothing lost', () => {
  const rb = new M.ReplayBuffer({ capacity: 8, prioritized: true, alpha: 1, observationSize: 2, seed: 4 });
  try {
    assert.throws(() => rb.sample(1), /sample: batch: 1 is more than the 0 transitions stored/);
    for (let i = 0; i < 4; i++) rb.add(new Float32Array([i, 0]), i % 3, i, new Float32Array([i + 1, 0]), i === 3);
    rb.setPriorities(new Int32Array([0, 1, 2, 3]), new Float32Array([1, 2, 3, 0]));
    assert.equal(rb.probability(3), 0);
    assert.ok(Math.abs(rb.probability(2) - 0.5) < 1e-9);
    const counts = [0, 0, 0, 0];
    for (let k = 0; k < 2000; k++) for (const i of rb.sample(3).indices) counts[i]++;
    assert.equal(counts[3], 0, 'zero priority is never drawn');
    assert.ok(Math.abs(counts[2] / 6000 - 0.5) < 0.03, JSON.stringify(counts));
    const total = rb.total();
    const refused = [
      [() => rb.sample(5), /5 is more than the 4 transitions stored/],
      [() => rb.setPriorities(new Int32Array([0, 1]), new Float32Array([1, -1])), /priorities\[1\]: expected a finite number >= 0, got -1/],
      [() => rb.setPriorities(new Int32Array([0]), new Float32Array([NaN])), /priorities\[0\]: expected a finite number >= 0, got nan/],
      [() => rb.updatePriorities(new Int32Array([9]), new Float32Array([1])), /indices\[0\]: expected a stored slot in \[0, 3\], got 9/],
      [() => rb.updatePriorities(new Int32Array([0]), new Float32Array([1, 2])), /expected as many td_errors \(2\) as indices \(1\)/],
      [() => rb.add(new Float32Array(3), 0, 0, new Float32Array(2), false), /add: obs: expected a Float32Array of length 2, got length 3/],
      [() => rb.add(new Float32Array(2), 0, NaN, new Float32Array(2), false), /add: reward: expected a finite number/],
      [() => new M.ReplayBuffer({ capacity: 0 }), /ReplayConfig.capacity/],
      [() => new M.ReplayBuffer({ capacity: 1 << 24, observationSize: 4096 }), /more than the 1 GiB/],
    ];
    for (const [f, re] of refused) assert.throws(f, (e) => e instanceof Error && re.test(e.message), re.toString());
    assert.equal(rb.size(), 4, 'nothing lost');
    assert.equal(rb.total(), total, 'no priority changed');
    const b = rb.sample(4);
    for (let k = 0; k < 4; k++) assert.equal(b.nextObs[2 * k], b.obs[2 * k] + 1, 'transitions intact');
  } finally {
    rb.delete();
  }
});
