// A spike raster: neurons top to bottom, bins left to right, one dot per bin with spikes (larger for
// more), the selected neuron's row highlighted. What no method reads is marked: the held-out neurons
// (below a dashed line, their dots in a paler colour) and the forward bins (shaded, after the
// observed window). trial: {spikes (T x N), bins, observedBins, neurons, heldin}.
const INK = '#1d2330', UNREAD = '#8a6a9e';

export function drawRaster(canvas, trial, neuron) {
  const ctx = canvas.getContext('2d');
  const W = canvas.width, H = canvas.height, T = trial.bins, N = trial.neurons;
  const Tin = trial.observedBins ?? T, heldin = trial.heldin ?? N;
  // Text at about 12 CSS pixels however wide the canvas is drawn.
  const px = W / (canvas.clientWidth || W);
  const font = Math.round(12 * px), top = Math.round(17 * px);  // a strip for the labels
  const cw = W / T, rh = (H - top) / N;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, W, H);
  // What no method reads: the forward bins (all neurons) and the held-out neurons (observed bins).
  ctx.fillStyle = 'rgba(120,120,140,0.14)';
  ctx.fillRect(Tin * cw, top, W - Tin * cw, H - top);
  ctx.fillStyle = 'rgba(138,106,158,0.10)';
  ctx.fillRect(0, top + heldin * rh, Tin * cw, H - top - heldin * rh);
  if (neuron >= 0) {  // the selected neuron's row (none: -1)
    ctx.fillStyle = 'rgba(230,159,0,0.3)';
    ctx.fillRect(0, top + neuron * rh, W, rh);
  }
  for (let n = 0; n < N; n++)
    for (let t = 0; t < T; t++) {
      const k = trial.spikes[t * N + n];
      if (k > 0) {
        ctx.fillStyle = n >= heldin || t >= Tin ? UNREAD : INK;
        ctx.fillRect(t * cw + cw * 0.1, top + n * rh + rh * 0.15, Math.max(1.5, cw * 0.8), rh * Math.min(0.7, 0.35 + 0.2 * k));
      }
    }
  // The edges, and labels in the top strip.
  ctx.strokeStyle = '#5a4a6a';
  ctx.lineWidth = 1.5;
  ctx.setLineDash([6, 4]);
  ctx.beginPath();
  ctx.moveTo(0, top + heldin * rh);
  ctx.lineTo(W, top + heldin * rh);
  ctx.moveTo(Tin * cw, top);
  ctx.lineTo(Tin * cw, H);
  ctx.stroke();
  ctx.setLineDash([]);
  ctx.fillStyle = '#333';
  ctx.font = `${font}px sans-serif`;
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  ctx.fillText(`read: ${heldin} held-in neurons × ${Tin} bins`, 4, top / 2);
  ctx.textAlign = 'right';
  if (T > Tin) ctx.fillText('forward', W - 4, top / 2);
  ctx.textAlign = 'left';
  if (N > heldin) {
    const y = top + heldin * rh + (N - heldin) * rh / 2;
    const label = `${N - heldin} held out`;
    const w = ctx.measureText(label).width;
    ctx.fillStyle = 'rgba(255,255,255,0.85)';
    ctx.fillRect(2, y - font * 0.65, w + 6, font * 1.3);
    ctx.fillStyle = '#5a4a6a';
    ctx.fillText(label, 5, y);
  }
}

export function describeRaster(trial) {
  let spikes = 0, unread = 0;
  const T = trial.bins, N = trial.neurons, Tin = trial.observedBins ?? T, heldin = trial.heldin ?? N;
  for (let t = 0; t < T; t++) for (let n = 0; n < N; n++) {
    const k = trial.spikes[t * N + n];
    spikes += k;
    if (t >= Tin || n >= heldin) unread += k;
  }
  const which = trial.set === 'conditions' ? `Trial ${trial.index + 1} of the held-out conditions` : `Held-out trial ${trial.index + 1}`;
  return `${which} (condition ${trial.condition + 1}): ${spikes} spikes from ${N} neurons over ${T} bins of 10 ms; ` +
    `${unread} of them (held-out neurons, or after bin ${Tin}) are never read by LFADS or any baseline, only scored.`;
}
