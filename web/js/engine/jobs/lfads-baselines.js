// Worker-side job: the Neural Latents Benchmark's baselines for the LFADS case study (spike
// smoothing + Poisson GLM, the smoothed PSTH, GPFA), fitted once on the training trials of the same
// seeded Lorenz data and split the LFADS job uses, then scored on whatever trials an LFADS
// evaluation covered (its metrics.counts), so that the page's table compares like with like.
// It runs in a worker of its own: the fit holds its worker for as long as it takes (GPFA's
// cross-validation is the bulk), and the baselines do not depend on the LFADS model, so one fit
// serves every restart of the model while the training worker stays responsive.
//
// calls: fit() -> {state: 'done', settings, seconds} (progress notices {kind: 'baselines', status}
//        along the way, posted at once by the worker); scores(counts) -> baselineScores(counts)
//        plus the seconds it took (cached per counts); status() -> the latest status.
export const name = 'lfads-baselines';

const PROGRESS_MS = 100;  // at most this often a progress notice for one stage of the fit

export function create(neuroai, config, { notify = () => {} } = {}) {
  const lab = new neuroai.LfadsLab({});  // only its data and split are used
  const info = lab.config();
  let status = { state: 'waiting' }, fitted = null;
  const cache = new Map();
  const report = (next) => {
    status = next;
    notify({ kind: 'baselines', status });
  };

  const fit = () => {
    if (fitted) return status;
    const started = performance.now();
    let last = 0, lastWhat = '';
    report({ state: 'fitting', what: 'starting', done: 0, of: 1, seconds: 0, train: info.train });
    try {
      fitted = lab.fitBaselines((what, done, of) => {
        const now = performance.now();
        if (what === lastWhat && now - last < PROGRESS_MS && done < of) return;
        last = now;
        lastWhat = what;
        report({ state: 'fitting', what, done, of, seconds: (now - started) / 1000, train: info.train });
      });
    } catch (error) {
      report({ state: 'failed', error: error.message });
      throw error;
    }
    report({ state: 'done', settings: fitted, seconds: fitted.seconds, train: info.train });
    return status;
  };

  /** The baselines' scores on the trials an LFADS evaluation covered ({train, heldOut, conditions} counts). */
  const scores = (counts) => {
    if (!fitted) throw new Error('scores: the baselines are not fitted yet (call fit first)');
    const sets = { train: counts?.train, heldOut: counts?.heldOut, conditions: counts?.conditions };
    const key = JSON.stringify(sets);
    if (!cache.has(key)) {
      const t0 = performance.now();
      const s = lab.baselineScores(sets);
      cache.set(key, { ...s, seconds: (performance.now() - t0) / 1000 });
    }
    return cache.get(key);
  };

  return {
    describe: () => ({ config: info }),
    calls: {
      fit: () => ({ result: fit() }),
      scores: (counts) => ({ result: scores(counts) }),
      status: () => ({ result: status }),
    },
    dispose: () => lab.delete(),
  };
}
