// Worker-side job: MFEC, the simple episodic agent and DQN from one seed, in lockstep. Snapshots
// carry the three observations and returns, MFEC's decision for its current state and its
// best stored value per maze cell.
export const name = 'episodic';

export function create(neuroai, config) {
  const lab = new neuroai.EpisodicLab(config);
  const env = config?.env ?? 'maze';
  const maze = env.startsWith('maze') ? lab.maze() : null;
  const cells = maze ? maze.height * maze.width : 0;
  return {
    describe: () => ({ env, maze }),
    chunk: 2,
    train(steps) {
      lab.step(steps);
    },
    snapshot() {
      const agents = [0, 1, 2].map((k) => ({ stats: lab.stats(k), returns: lab.returns(k), observation: lab.observation(k) }));
      const decision = lab.mfecDecision();
      const memory = cells ? lab.memoryMap(cells) : null;
      const transfer = agents.flatMap((a) => [a.returns.buffer, a.observation.buffer]);
      if (memory) transfer.push(memory.buffer);
      return { data: { step: agents[0].stats.episodes, agents, decision, memory }, transfer };
    },
    calls: {
      clearMemory: () => {
        lab.clearMemory();
        return { result: true };
      },
    },
    dispose: () => lab.delete(),
  };
}
