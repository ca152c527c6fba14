// An NWB-shaped recording for the tests of LFADS on your own data (tests/web/lfads-files.test.mjs,
// tests/browser/lfads-recording.test.mjs): counts drawn from known latent dynamics (a rotation at a
// phase per trial, read by 12 neurons), the spike times inside their bins, and an HDF5 file of them
// written with h5wasm as NWB lays them out.
import fs from 'node:fs';
import h5wasm from 'h5wasm/node';

export const BIN = 0.02, TRIALS = 25, BINS = 40, NEURONS = 12;

/** Counts from a latent rotating from a phase drawn per trial, read by 12 neurons, and spike times inside their bins. */
/** `trials` trials (TRIALS unless asked): {counts (trials, BINS, NEURONS), units (spike times per unit), start, stop, go}. */
export function recording({ trials = TRIALS } = {}) {
  let s = 3;
  const uniform = () => { s = (Math.imul(s, 1664525) + 1013904223) >>> 0; return s / 4294967296; };
  const poisson = (rate) => { let k = 0, p = Math.exp(-rate), f = p; const u = uniform(); while (u > f && k < 40) { k++; p *= rate / k; f += p; } return k; };
  const counts = new Float32Array(trials * BINS * NEURONS);
  const units = Array.from({ length: NEURONS }, () => []);
  const start = [], stop = [], go = [];
  for (let k = 0; k < trials; k++) {
    const t0 = 3 * k + 1, cue = t0 + 0.25 + 0.1 * uniform(), phase = 2 * Math.PI * uniform();
    start.push(t0); go.push(cue); stop.push(cue + BINS * BIN + 0.2);
    for (let b = 0; b < BINS; b++)
      for (let n = 0; n < NEURONS; n++) {
        const c = poisson(Math.exp(0.3 + Math.cos(phase + 0.2 * b + (n * Math.PI) / 6)));
        counts[(k * BINS + b) * NEURONS + n] = c;
        for (let i = 0; i < c; i++) units[n].push(cue + (b + 0.05 + 0.9 * uniform()) * BIN);
      }
    // Spikes outside the window (before the cue) that binning must leave out.
    units[k % NEURONS].push(cue - 0.1);
  }
  for (const u of units) u.sort((a, b) => a - b);
  return { counts, units, start, stop, go };
}

/** An NWB-shaped HDF5 file: /units (spike_times, spike_times_index, id), /intervals/trials (id, start_time, stop_time, go_cue_time). */
export async function writeNwb(file, r, { skip = [] } = {}) {
  await h5wasm.ready;
  const f = new h5wasm.File(file, 'w');
  f.create_attribute('nwb_version', '2.8.0');
  f.create_attribute('neurodata_type', 'NWBFile');
  const units = f.create_group('units');
  if (!skip.includes('spike_times')) units.create_dataset({ name: 'spike_times', data: Float64Array.from(r.units.flat()) });
  let end = 0n;
  units.create_dataset({ name: 'spike_times_index', data: BigInt64Array.from(r.units, (u) => (end += BigInt(u.length))) });
  units.create_dataset({ name: 'id', data: Int32Array.from(r.units, (_, i) => i) });
  if (!skip.includes('trials')) {
    const trials = f.create_group('intervals').create_group('trials');
    trials.create_dataset({ name: 'id', data: Int32Array.from(r.start, (_, i) => i) });
    trials.create_dataset({ name: 'start_time', data: Float64Array.from(r.start) });
    trials.create_dataset({ name: 'stop_time', data: Float64Array.from(r.stop) });
    trials.create_dataset({ name: 'go_cue_time', data: Float64Array.from(r.go) });
  }
  f.close();
  return fs.readFileSync(file);
}
