// Data-parallel training (web/js/engine/replicas.js) in one process: replicas that are labs of this
// module instance, stepped as the pages' replica workers step them (replica-worker.js). Shared by
// the labs' tests.
import { parallelStep, stepLoss } from '../../web/js/engine/replicas.js';

/**
 * Trains `owner` for `steps` steps on `threads` threads (threads - 1 replicas from makeReplica());
 * one thread takes trainSteps(1), as a page does. Returns {losses, weights} and deletes the replicas.
 */
export async function trainOnThreads(owner, makeReplica, threads, steps) {
  const replicas = Array.from({ length: threads - 1 }, makeReplica);
  const pool = {
    size: threads - 1,
    gradient: async (i, params, share, batch) => {
      replicas[i].setParameters(params);
      return replicas[i].replicaGradient(share, batch);
    },
  };
  const losses = [];
  for (let s = 0; s < steps; ++s) losses.push(threads > 1 ? await parallelStep(owner, pool, owner.batchSize()) : stepLoss(owner.trainSteps(1)));
  for (const r of replicas) r.delete();
  return { losses, weights: owner.parameters().slice() };
}

/** Asserts that runs on more threads match the one-thread run: losses within lossTol (relative), weights within weightTol. */
export function assertSameTraining(assert, one, others, { lossTol = 1e-4, weightTol = 1e-3 } = {}) {
  for (const other of others) {
    for (let s = 0; s < one.losses.length; ++s)
      assert.ok(Math.abs(other.losses[s] - one.losses[s]) < lossTol * Math.max(1, Math.abs(one.losses[s])), `step ${s}: ${other.losses[s]} vs ${one.losses[s]}`);
    const dw = other.weights.reduce((m, v, i) => Math.max(m, Math.abs(v - one.weights[i])), 0);
    assert.ok(dw < weightTol, `weights within ${weightTol} of one thread's (${dw})`);
  }
}

/**
 * The checks every splittable lab gets: `steps` steps of a fresh owner (makeOwner()) on 1, 2 and 3
 * threads (replicas from makeReplica()) match within assertSameTraining's tolerances, and two runs
 * on 2 threads give the same losses and the same weights, bit for bit.
 */
export async function assertDataParallel(assert, makeOwner, makeReplica, steps) {
  const run = async (threads) => {
    const owner = makeOwner();
    const r = await trainOnThreads(owner, makeReplica, threads, steps);
    owner.delete();
    return r;
  };
  const one = await run(1), two = await run(2), three = await run(3), twoAgain = await run(2);
  assert.deepEqual(twoAgain.losses, two.losses, 'the same run twice on 2 threads: the same losses');
  assert.deepEqual(Array.from(twoAgain.weights), Array.from(two.weights), 'and the same weights, bit for bit');
  assertSameTraining(assert, one, [two, three]);
}
