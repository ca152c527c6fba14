// Worker-side job: two DQN agents (uniform and prioritized replay) from one seed, in lockstep.
// Snapshots carry both boards, their returns, and the prioritized agent's tree, batch and
// sampling statistics.
export const name = 'replay';

const TREE_LEVELS = 5;  // the top of the sum tree that the page draws (31 nodes)
const LEAF_BINS = 64;   // leaf priorities summed into this many slot ranges

export function create(neuroai, config) {
  const lab = new neuroai.ReplayLab(config);
  const env = config?.env ?? 'catch';
  return {
    describe: () => ({ env, treeLevels: TREE_LEVELS, leafBins: LEAF_BINS }),
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
      const tree = lab.treeTop(TREE_LEVELS);
      const leaves = lab.leafBins(LEAF_BINS);
      const transfer = [tree.sums.buffer, leaves.buffer, batch.indices.buffer, batch.weights.buffer, batch.paths.buffer,
        batch.tdErrors.buffer];
      for (const a of agents) transfer.push(a.returns.buffer, a.observation.buffer, a.q.buffer, a.sampling.drawn.buffer,
        a.sampling.expected.buffer);
      return { data: { step: agents[0].stats.envSteps, agents, batch, tree, leaves }, transfer };
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
