// Worker-side job: LFADS on the Lorenz spike data. Trains in small steps; snapshots carry the loss
// history, the selected held-out trial's read-outs and, every few seconds, held-out metrics.
export const name = 'lfads';

const SHIPPED = new URL('../../../assets/lfads/lfads-lorenz.nrai', import.meta.url);
const EVAL_EVERY_MS = 8000;  // evaluation costs a second or so in wasm: not every snapshot

export async function create(neuroai, config) {
  const { trial = 0, shipped = true, ...model } = config ?? {};
  const lab = new neuroai.LfadsLab(model);
  let shippedLoaded = false;
  if (shipped) {
    try {
      const response = await fetch(SHIPPED);
      if (response.ok) {
        lab.loadWeights(new Uint8Array(await response.arrayBuffer()));
        shippedLoaded = true;
      }
    } catch {
      // No shipped weights (e.g. opened from a checkout without assets): start from scratch.
    }
  }
  let selected = trial, losses = [], metrics = null, lastEval = -Infinity, dirty = true;
  const evaluate = () => {
    metrics = lab.evaluate(48, 96);
    lastEval = performance.now();
  };
  evaluate();
  return {
    describe: () => ({ config: lab.config(), shippedLoaded }),
    chunk: 1,
    train(steps) {
      const l = lab.trainSteps(steps);
      losses.push([l.steps, l.reconstruction, l.klIc + l.klInputs, l.ramp]);
      dirty = true;
    },
    snapshot() {
      if (dirty && performance.now() - lastEval > EVAL_EVERY_MS) evaluate();
      const t = lab.trial(selected);
      const data = { step: losses.length ? losses.at(-1)[0] : 0, losses, metrics, trial: { index: selected, ...t } };
      losses = [];
      return { data, transfer: [t.spikes.buffer, t.rates.buffer, t.inferred.buffer, t.factors.buffer, t.inputs.buffer, t.latent.buffer] };
    },
    calls: {
      select: (i) => { selected = i; return { result: true }; },
      trajectories: (count) => {
        const r = lab.trajectories(count);
        return { result: r, transfer: [r.fitted.buffer, r.latent.buffer, r.condition.buffer] };
      },
      evaluate: () => { evaluate(); return { result: metrics }; },
    },
    dispose: () => lab.delete(),
  };
}
