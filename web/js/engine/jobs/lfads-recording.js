// Worker-side job: LFADS on a recording of your own (the LFADS page's "Your data"). The page hands
// over the file's bytes; this worker reads them (NWB through h5wasm, loaded only for an NWB file;
// .npz through fflate; .npy and CSV directly: ../../studies/lfads/recording-files.js), bins spike
// times per trial as the page's knobs say, and trains an LfadsRecordingLab on the counts: a fifth
// of the neurons held out, every 5th trial held out, co-bps on those beside spike smoothing. The
// file stays in this worker: nothing is sent anywhere.
import { countsShape, fileKind, readCsv, readNpy, readNpz, readNwb } from '../../studies/lfads/recording-files.js';

export const name = 'lfads-recording';

const EVAL_EVERY_MS = 3000;     // co-bps and the 3-D factors of the held-out trials: a forward pass over them
const TRIAL_EVERY_MS = 400;     // the shown trial's read-outs while training
const TRAJECTORY_TRIALS = 12;   // held-out trials drawn in 3-D
const MAX_FILE_BYTES = 512 * 1024 * 1024;

/** The file's counts: {counts, trials, bins, neurons, binSeconds, source: what the page shows of the file}. */
async function countsOf(neuroai, file, binning) {
  const kind = fileKind(file.name);
  if (!kind) throw new Error(`${file.name}: expected an NWB (.nwb), NumPy (.npy, .npz) or CSV (.csv) file`);
  if (!(file.bytes instanceof ArrayBuffer)) throw new Error('file.bytes: expected an ArrayBuffer');
  if (file.bytes.byteLength > MAX_FILE_BYTES) throw new Error(`${file.name}: ${(file.bytes.byteLength / 1e6).toFixed(0)} MB is more than this page reads (${MAX_FILE_BYTES / 1e6} MB)`);
  const bytes = new Uint8Array(file.bytes);
  if (kind === 'nwb') {
    const { default: h5wasm } = await import('../../../vendor/h5wasm/hdf5_hl.js');
    await h5wasm.ready;
    const nwb = await readNwb(h5wasm, bytes, file.name);
    const columns = Object.keys(nwb.trials.columns).filter((c) => c !== 'stop_time');
    const align = binning.align && columns.includes(binning.align) ? binning.align : 'start_time';
    const c = neuroai.binSpikeTimes({ units: nwb.units, align: nwb.trials.columns[align], stop: nwb.trials.columns.stop_time,
                                      binSeconds: binning.binMs / 1000, start: binning.startMs / 1000, bins: binning.bins });
    return { ...c, source: { kind, units: nwb.units.length, trials: nwb.trials.count, columns, align } };
  }
  let array;
  if (kind === 'npy') array = readNpy(bytes, file.name);
  else if (kind === 'npz') array = readNpz((await import('../../../vendor/fflate.js')).unzipSync, bytes, file.name);
  else array = readCsv(new TextDecoder().decode(bytes), file.name);
  return { counts: array.values, ...countsShape(array, file.name), binSeconds: binning.binMs / 1000, source: { kind, array: array.array ?? null } };
}

/**
 * @param {object} neuroai the wasm module
 * @param {object} config {file: {name, bytes (ArrayBuffer)}, binning: {binMs, align, startMs, bins}
 *   (spike times only), model: the LFADS knobs (factors, generator, controller, lr, batch, seed, ...)}
 */
export async function create(neuroai, { file, binning = {}, model = {} } = {}, { notify = () => {} } = {}) {
  if (!file) throw new Error('no file: pick or drop a recording first');
  const b = { binMs: 20, align: 'start_time', startMs: 0, bins: 0, ...binning };
  const data = await countsOf(neuroai, file, b);
  const lab = new neuroai.LfadsRecordingLab({ counts: data.counts, trials: data.trials, bins: data.bins, neurons: data.neurons,
                                              binSeconds: data.binSeconds, ...model });
  try {
    notify({ kind: 'status', text: 'Fitting the spike-smoothing baseline on the training trials…' });
    lab.fitSmoothing();
  } catch (error) {
    lab.delete();
    throw error;
  }
  const info = { name: file.name, ...data.source, trials: data.trials, bins: data.bins, neurons: data.neurons, binSeconds: data.binSeconds,
                 config: lab.config(), spikes: data.counts.reduce((s, v) => s + v, 0) };
  // co-bps and the 3-D factors both run the model over every held-out trial: together, every few
  // seconds; the shown trial's read-outs (one trial) more often.
  let scores, trajectories, scoredAt;
  const score = () => {
    scores = { step: lab.steps(), ...lab.evaluate() };
    trajectories = lab.factorTrajectories(Math.min(TRAJECTORY_TRIALS, info.config.heldOut));
    scoredAt = performance.now();
  };
  score();
  let shown = 0, trial = null, trialAt = -Infinity, loss = NaN;
  const readouts = (force) => {
    const now = performance.now();
    if (!force && now - trialAt < TRIAL_EVERY_MS) return false;
    trial = lab.trial(shown);
    trialAt = now;
    return true;
  };
  readouts(true);
  return {
    describe: () => info,
    chunk: 1,
    async train(steps) {
      loss = lab.trainSteps(steps).total;
      if (performance.now() - scoredAt >= EVAL_EVERY_MS) score();
    },
    snapshot() {
      const fresh = readouts(false);
      const data = { step: lab.steps(), loss, scores, shown };
      if (!fresh) return { data, transfer: [] };
      data.trial = trial;
      data.trajectories = trajectories;
      return { data, transfer: [] };  // copies: the same read-outs may go out again
    },
    calls: {
      /** Shows held-out trial i (read-outs at once). */
      show(i) {
        if (!Number.isInteger(i) || i < 0 || i >= info.config.heldOut) throw new Error(`show: expected a held-out trial in [0, ${info.config.heldOut - 1}], got ${i}`);
        shown = i;
        readouts(true);
        return { result: { trial, trajectories, shown } };
      },
      /** co-bps now (LFADS and smoothing) on the held-out trials. */
      evaluate() {
        score();
        return { result: scores };
      },
    },
    dispose: () => lab.delete(),
  };
}
