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

test('the rank variant: heap read-outs, positions, segments and beta over the planned run', () => {
  const rank = new M.ReplayLab({ env: 'catch', variant: 'rank', alpha: 0.7, beta0: 0.5, seed: 3, learningStarts: 64, planSteps: 400 });
  try {
    assert.equal(rank.variant(), 'rank');
    rank.step(200);
    const stats = rank.stats(1);
    assert.equal(stats.variant, 'rank');
    assert.equal(rank.stats(0).variant, 'uniform');
    assert.equal(stats.planSteps, 400);
    assert.equal(stats.plannedTrainSteps, 400 - 64 + 1);
    const b = rank.lastBatch();
    assert.equal(b.variant, 'rank');
    assert.equal(b.positions.length, 32);
    assert.equal(b.segments.length, 33);
    assert.equal(b.segments[0], 0);
    assert.equal(b.segments[32], b.size);
    for (let k = 1; k <= 32; k++) assert.ok(b.segments[k] >= b.segments[k - 1], 'segments ascend');
    for (let k = 0; k < 32; k++) {
      assert.ok(b.positions[k] >= b.segments[k] && b.positions[k] <= b.segments[k + 1], `draw ${k} inside its segment`);
      assert.ok(b.positions[k] < b.size);
    }
    const top = rank.heapTop(31);
    assert.equal(top.size, b.size);
    for (let p = 1; p < top.priorities.length; p++) assert.ok(top.priorities[(p - 1) >> 1] >= top.priorities[p], `heap at ${p}`);
    assert.equal(rank.heapBins(16).length, 16);
    assert.ok(Math.max(...b.weights) <= 1 && Math.min(...b.weights) > 0);
    assert.throws(() => rank.treeTop(5), /treeTop: the variant agent has no sum tree \(its replay is rank, not proportional\)/);
    assert.throws(() => lab.heapTop(5), /heapTop: the variant agent has no rank heap \(its replay is proportional, not rank\)/);
    rank.step(200);  // past the plan: beta has reached 1
    assert.equal(rank.lastBatch().beta, 1);
    assert.equal(rank.sampling(1).drawn.length, 32);
  } finally {
    rank.delete();
  }
  const rb = new M.ReplayBuffer({ capacity: 16, kind: 'rank', alpha: 0.7, observationSize: 1, seed: 2 });
  try {
    assert.equal(rb.kind(), 'rank');
    for (let i = 0; i < 5; i++) rb.add(new Float32Array([i]), 0, 0, new Float32Array([i]), false);
    rb.setPriorities(new Int32Array([0, 1, 2, 3, 4]), new Float32Array([5, 4, 3, 2, 1]));
    const z = [1, 2, 3, 4, 5].reduce((a, r) => a + r ** -0.7, 0);
    assert.ok(Math.abs(rb.total() - z) < 1e-5);
    const s = rb.sample(5);
    assert.equal(s.positions.length, 5);
  } finally {
    rb.delete();
  }
  const old = new M.ReplayBuffer({ prioritized: false });
  assert.equal(old.kind(), 'uniform', 'the older option still works');
  old.delete();
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
    [() => new M.ReplayLab({ variant: 'ranked' }), /ReplayLab config.variant: expected "uniform", "proportional" or "rank", got "ranked"/],
    [() => new M.ReplayLab({ planSteps: 0 }), /ReplayLab config.planSteps: expected a positive integer, got 0/],
    [() => new M.ReplayBuffer({ kind: 'heap' }), /ReplayBuffer config.kind: expected "uniform", "proportional" or "rank", got "heap"/],
    [() => lab.heapBins(0), /heapBins: bins/],
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
