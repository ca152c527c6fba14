// Data-parallel training (web/js/engine/replicas.js) in one process: replicas that are labs of this
// module instance, stepped as the pages' replica workers step them (replica-worker.js). Shared by
// the labs' tests.
import { parallelStep } from '../../web/js/engine/replicas.js';

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
  for (let s = 0; s < steps; ++s) losses.push(threads > 1 ? await parallelStep(owner, pool, owner.batchSize()) : owner.trainSteps(1));
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
