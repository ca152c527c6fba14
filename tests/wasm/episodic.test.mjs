// The episodic-memory case study through wasm: EpisodicLab, EpisodicTable, errors.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { loadModule } from './load.mjs';

let M, lab;
before(async () => {
  M = await loadModule();
  lab = new M.EpisodicLab({ env: 'maze', seed: 2 });
});
after(() => lab?.delete());

test('the three agents step in lockstep; MFEC learns the maze and remembers where it stored what', () => {
  lab.step(3000);
  const mfec = lab.returns(0);
  assert.ok(mfec.length > 50);
  const last = mfec.subarray(-20);
  assert.ok(last.reduce((a, b) => a + b, 0) / 20 > 0.9, 'MFEC reaches the goal in its last 20 episodes');
  for (const k of [0, 1, 2]) assert.equal(lab.observation(k).length, 2 * 7 * 7);
  const maze = lab.maze();
  assert.equal(maze.walls.length, maze.height * maze.width);
  const map = lab.memoryMap(maze.height * maze.width);
  for (let i = 0; i < map.length; i++) if (maze.walls[i]) assert.ok(Number.isNaN(map[i]), 'nothing is stored from a wall');
  assert.ok(map[maze.start] > 0.5, 'the start cell has a good stored return');
  const d = lab.mfecDecision();
  assert.equal(d.q.length, 4);
  assert.equal(d.lookups.length, 4);
  const l = d.lookups[d.greedy];
  assert.ok(l.tags.length >= 1 && l.values.length === l.tags.length);
  assert.ok(lab.stats(0).memory > 10 && lab.stats(2).memory > 1000);
});

test('clearing the memory empties MFEC and the simple agent, not DQN', () => {
  const dqnMemory = lab.stats(2).memory;
  lab.clearMemory();
  assert.equal(lab.stats(0).memory, 0);
  assert.equal(lab.stats(1).memory, 0);
  assert.equal(lab.stats(2).memory, dqnMemory);
  const map = lab.memoryMap(49);
  assert.ok(map.every((v) => Number.isNaN(v)));
  lab.step(10);  // and it keeps running
});

test('EpisodicTable: nearest neighbours, exact matches and least-recently-used eviction', () => {
  const t = new M.EpisodicTable({ capacity: 3, keySize: 2 });
  try {
    t.update(new Float32Array([0, 0]), 1, 10);
    t.update(new Float32Array([5, 0]), 2, 11);
    t.update(new Float32Array([0, 5]), 3, 12);
    const near = t.lookup(new Float32Array([4, 1]), 1);
    assert.equal(near.exact, false);
    assert.equal(near.value, 2);
    assert.ok(t.lookup(new Float32Array([0, 0]), 2).exact);
    // [0,5] is now the least recently used: inserting evicts it.
    t.update(new Float32Array([9, 9]), 4, 13);
    assert.equal(t.size(), 3);
    const tags = [0, 1, 2].map((i) => t.entry(i).tag).sort();
    assert.deepEqual(tags, [10, 11, 13]);
    const mean = t.lookup(new Float32Array([1, 1]), 3);
    assert.ok(Math.abs(mean.value - (1 + 2 + 4) / 3) < 1e-6);
  } finally {
    t.delete();
  }
});

test('bad input is a JS Error naming the argument, and objects stay usable', () => {
  const t = new M.EpisodicTable({ capacity: 4, keySize: 3 });
  try {
    const cases = [
      [() => new M.EpisodicLab({ k: 0 }), /MfecConfig.k: expected an integer in \[1, 1000\], got 0/],
      [() => new M.EpisodicLab({ k: 20, capacity: 10 }), /MfecConfig.k: expected at most the capacity \(10\), got 20/],
      [() => new M.EpisodicLab({ capacity: 0 }), /MfecConfig.capacity/],
      [() => new M.EpisodicLab({ env: 'pong' }), /EpisodicTrainerConfig.env: expected "maze", "maze-moving" or "catch", got "pong"/],
      [() => new M.EpisodicLab({ epsilon: NaN }), /EpisodicLab config.epsilon: expected a finite number/],
      [() => new M.EpisodicTable({ capacity: 0 }), /EpisodicTable: capacity/],
      [() => t.lookup(new Float32Array(3), 1), /the table is empty/],
      [() => t.update(new Float32Array(2), 1, 0), /update: key: expected a Float32Array of length 3, got length 2/],
      [() => t.update(new Float32Array(3), NaN, 0), /update: value: expected a finite number/],
      [() => t.lookup(new Float32Array(3), 0), /lookup: k: expected an integer in \[1, 4\], got 0/],
      [() => t.lookup(new Float32Array(3), 5), /lookup: k: expected an integer in \[1, 4\], got 5/],
      [() => lab.step(-3), /step: steps/],
      [() => lab.stats(3), /agent: expected an integer in \[0, 2\], got 3/],
    ];
    for (const [f, re] of cases) assert.throws(f, (e) => e instanceof Error && re.test(e.message), re.toString());
    const catchLab = new M.EpisodicLab({ env: 'catch' });
    assert.throws(() => catchLab.maze(), /maze: this lab runs 'catch', not a maze/);
    catchLab.step(30);
    assert.ok(catchLab.returns(0).length >= 3);
    catchLab.delete();
    t.update(new Float32Array([1, 2, 3]), 0.5, 1);
    assert.equal(t.lookup(new Float32Array([1, 2, 3]), 1).value, 0.5);
  } finally {
    t.delete();
  }
});
