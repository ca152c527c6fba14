// A spike raster: neurons top to bottom, bins left to right, one dot per bin with spikes (larger for
// more), with the true rate of the selected neuron behind its row.
export function drawRaster(canvas, trial, neuron) {
  const ctx = canvas.getContext('2d');
  const W = canvas.width, H = canvas.height, T = trial.bins, N = trial.neurons;
  const cw = W / T, rh = H / N;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  ctx.fillStyle = 'rgba(230,159,0,0.25)';
  ctx.fillRect(0, neuron * rh, W, rh);
  ctx.fillStyle = '#1d2330';
  for (let n = 0; n < N; n++)
    for (let t = 0; t < T; t++) {
      const k = trial.spikes[t * N + n];
      if (k > 0) ctx.fillRect(t * cw + cw * 0.1, n * rh + rh * 0.15, Math.max(1.5, cw * 0.8), rh * Math.min(0.7, 0.35 + 0.2 * k));
    }
}

export function describeRaster(trial) {
  let spikes = 0;
  for (const k of trial.spikes) spikes += k;
  return `Trial ${trial.index + 1} (condition ${trial.condition + 1}): ${spikes} spikes from ${trial.neurons} neurons over ${trial.bins} bins of 10 ms.`;
}
