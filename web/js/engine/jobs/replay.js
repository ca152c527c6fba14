// Worker-side job: two DQN agents (uniform replay and a variant: proportional, rank-based or uniform)
// from one seed, in lockstep. Snapshots carry both boards, their returns, and the variant agent's
// batch and sampling statistics with its sum tree (proportional) or rank heap (rank-based).
export const name = 'replay';

const TREE_LEVELS = 5;  // the top of the sum tree that the page draws (31 nodes)
const LEAF_BINS = 64;   // leaf priorities summed into this many slot ranges
const HEAP_TOP = 31;    // the first heap positions drawn as a tree (5 levels)
const HEAP_BINS = 128;  // the heap array's priorities averaged over this many position ranges

export function create(neuroai, config) {
  const lab = new neuroai.ReplayLab(config);
  const env = config?.env ?? 'catch';
  const variant = lab.variant();
  return {
    describe: () => ({ env, variant, treeLevels: TREE_LEVELS, leafBins: LEAF_BINS, heapTop: HEAP_TOP, heapBins: HEAP_BINS }),
    chunk: 4,
    train(steps) {
      lab.step(steps);
    },
    snapshot() {
      const agents = [0, 1].map((k) => ({
        stats: lab.stats(k),
        returns: lab.returns(k),
        observation: lab.observation(k),
        q: lab.qValues(k),
        sampling: lab.sampling(k),
      }));
      const batch = lab.lastBatch();
      const transfer = [batch.indices.buffer, batch.weights.buffer, batch.tdErrors.buffer];
      const data = { step: agents[0].stats.envSteps, variant, agents, batch };
      if (variant === 'proportional') {
        data.tree = lab.treeTop(TREE_LEVELS);
        data.leaves = lab.leafBins(LEAF_BINS);
        transfer.push(data.tree.sums.buffer, data.leaves.buffer, batch.paths.buffer);
      } else if (variant === 'rank') {
        data.heap = lab.heapTop(HEAP_TOP);
        data.heapBins = lab.heapBins(HEAP_BINS);
        transfer.push(data.heap.priorities.buffer, data.heap.slots.buffer, data.heapBins.buffer, batch.positions.buffer,
          batch.segments.buffer);
      }
      for (const a of agents) transfer.push(a.returns.buffer, a.observation.buffer, a.q.buffer, a.sampling.drawn.buffer,
        a.sampling.expected.buffer);
      return { data, transfer };
    },
    calls: {
      resetSampling: () => {
        lab.resetSampling();
        return { result: true };
      },
    },
    dispose: () => lab.delete(),
  };
}
