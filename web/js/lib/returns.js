// Episode-return statistics for the reinforcement-learning pages.

/** Mean of the last `window` returns ending at each episode (NaN before `window` episodes). */
export function movingAverage(returns, window) {
  const out = new Float64Array(returns.length).fill(NaN);
  let sum = 0;
  for (let i = 0; i < returns.length; i++) {
    sum += returns[i];
    if (i >= window) sum -= returns[i - window];
    if (i >= window - 1) out[i] = sum / window;
  }
  return out;
}

/** The first episode count at which the moving average reaches `target` (null if never). */
export function episodesToReach(returns, target, window) {
  const avg = movingAverage(returns, window);
  for (let i = 0; i < avg.length; i++) if (avg[i] >= target) return i + 1;
  return null;
}
