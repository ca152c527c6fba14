// Worker-side job of calls only: the tabular Blind Cliffwalk replay experiment (no training loop).
export const name = 'cliffwalk';

export function create(neuroai) {
  return {
    describe: () => ({}),
    train() {},
    calls: {
      /** {n, uniform, prioritized} per n: median replay updates over seeds 1..seeds. */
      medians(ns, seeds, alpha) {
        const rows = ns.map((n) => ({ n, ...neuroai.cliffwalkMedians(n, seeds, alpha) }));
        return { result: rows };
      },
    },
    dispose() {},
  };
}
