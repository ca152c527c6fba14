// Recordings from files for LFADS on your own data (web/js/studies/lfads/recording-files.js): an
// NWB file the test writes with h5wasm (a units table of spike times drawn from known latent
// dynamics, a trials table with a go cue) read back and binned by the module to exactly the counts
// it was drawn from; .npy (several dtypes), .npz (stored and deflated) and CSV; and files that are
// not what they claim, refused with what is missing.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, test } from 'node:test';
import { unzipSync, zipSync } from 'fflate';
import h5wasm from 'h5wasm/node';
import { countsShape, fileKind, readCsv, readNpy, readNpz, readNwb } from '../../web/js/studies/lfads/recording-files.js';
import { loadModule } from '../wasm/load.mjs';
import { BIN, BINS, NEURONS, TRIALS, recording, writeNwb } from './nwb-fixture.mjs';

let M;
before(async () => {
  M = await loadModule();
  await h5wasm.ready;
});

const tmp = () => path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'neuroai-nwb-')), 'recording.nwb');

test('an NWB file: its units\' spike times, binned on the go cue, are the counts they were drawn from', async () => {
  const r = recording();
  const bytes = await writeNwb(tmp(), r);
  const nwb = await readNwb(h5wasm, bytes, 'recording.nwb');
  assert.equal(nwb.units.length, NEURONS);
  assert.equal(nwb.trials.count, TRIALS);
  assert.deepEqual(Object.keys(nwb.trials.columns).sort(), ['go_cue_time', 'start_time', 'stop_time']);
  const c = M.binSpikeTimes({ units: nwb.units, align: nwb.trials.columns.go_cue_time, stop: nwb.trials.columns.stop_time, binSeconds: BIN, bins: BINS });
  assert.deepEqual([c.trials, c.bins, c.neurons], [TRIALS, BINS, NEURONS]);
  assert.deepEqual(c.counts, r.counts);
  // Aligned on the trial starts instead, the window holds other bins: not the same counts.
  const s = M.binSpikeTimes({ units: nwb.units, align: nwb.trials.columns.start_time, stop: nwb.trials.columns.stop_time, binSeconds: BIN, bins: BINS });
  assert.notDeepEqual(s.counts, r.counts);
});

test('files that are not what they claim are refused with what is missing', async () => {
  const r = recording();
  await assert.rejects(readNwb(h5wasm, new TextEncoder().encode('trial,bin,n0\n0,0,1\n'), 'notes.nwb'), /notes\.nwb is not an HDF5 file \(NWB files are HDF5\)/);
  await assert.rejects(readNwb(h5wasm, await writeNwb(tmp(), r, { skip: ['trials'] }), 'a.nwb'), /a\.nwb has no intervals\/trials: LFADS reads trials/);
  await assert.rejects(readNwb(h5wasm, await writeNwb(tmp(), r, { skip: ['spike_times'] }), 'b.nwb'), /b\.nwb has no units\/spike_times/);
});

/** A .npy file of `data` (a typed array) with NumPy's header for `descr` and `shape`. */
function npy(descr, shape, data, { fortran = false } = {}) {
  let header = `{'descr': '${descr}', 'fortran_order': ${fortran ? 'True' : 'False'}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}

test('.npy and .npz: counts of any number type, by name in an archive', () => {
  const values = Float32Array.from({ length: 2 * 3 * 4 }, (_, i) => i % 5);
  for (const [descr, Typed] of [['<f4', Float32Array], ['<f8', Float64Array], ['<i8', BigInt64Array], ['|u1', Uint8Array], ['<i2', Int16Array]]) {
    const data = Typed === BigInt64Array ? BigInt64Array.from(values, (v) => BigInt(v)) : Typed.from(values);
    const a = readNpy(npy(descr, [2, 3, 4], data), `spikes (${descr}).npy`);
    assert.deepEqual(a.shape, [2, 3, 4]);
    assert.deepEqual(a.values, values);
    assert.deepEqual(countsShape(a, 'x'), { trials: 2, bins: 3, neurons: 4 });
  }
  const one = npy('<f4', [2, 3, 4], values);
  for (const level of [0, 6]) {
    const archive = zipSync({ 'counts.npy': one, 'times.npy': npy('<f8', [3], new Float64Array(3)) }, { level });
    const z = readNpz(unzipSync, archive, 'session.npz');
    assert.equal(z.array, 'counts');
    assert.deepEqual(z.values, values);
  }
  assert.throws(() => readNpz(unzipSync, zipSync({ 'a.npy': one, 'b.npy': one }), 'two.npz'), /two\.npz holds 2 arrays \(a, b\): name the counts "counts"/);
  assert.throws(() => readNpz(unzipSync, new Uint8Array([1, 2, 3, 4]), 'bad.npz'), /bad\.npz is not a \.npz \(zip\) archive/);
  assert.throws(() => readNpy(npy('>f4', [2], new Float32Array(2)), 'be.npy'), /be\.npy is big-endian/);
  assert.throws(() => readNpy(npy('<f4', [2, 2], new Float32Array(4), { fortran: true }), 'f.npy'), /Fortran order/);
  assert.throws(() => readNpy(npy('|O', [2], new Uint8Array(16)), 'o.npy'), /dtype \|O is not a number type/);
  assert.throws(() => readNpy(npy('<f4', [2, 3, 4], values).subarray(0, 100), 't.npy'), /t\.npy: truncated/);
  assert.throws(() => readNpy(new Uint8Array(20), 'z.npy'), /z\.npy is not a \.npy file/);
  assert.throws(() => countsShape(readNpy(npy('<f4', [3, 4], new Float32Array(12)), 'two.npy'), 'two.npy'), /expected 3 dimensions \(trials, bins, neurons\), got shape \(3, 4\): one trial\? save it as shape \(1, 3, 4\)/);
});

test('CSV: one row per trial and bin, a header or none; rows that do not fit are named', () => {
  const csv = 'trial,bin,n0,n1\n0,0,1,2\n0,1,0,3\n1,1,4,0\r\n1,0,5,1\n\n';
  const a = readCsv(csv, 'c.csv');
  assert.deepEqual(a.shape, [2, 2, 2]);
  assert.deepEqual(Array.from(a.values), [1, 2, 0, 3, 5, 1, 4, 0]);
  assert.deepEqual(readCsv('0,0,7\n', 'one.csv').shape, [1, 1, 1]);
  assert.throws(() => readCsv('trial,bin,n0\n0,0,1\n0,0,2\n1,0,1\n1,1,1\n', 'd.csv'), /d\.csv: trial 0, bin 0 appears twice/);
  assert.throws(() => readCsv('0,0,1\n0,1\n', 'short.csv'), /short\.csv: line 2 has 2 cells, expected 3/);
  assert.throws(() => readCsv('0,0,x\n', 'x.csv'), /x\.csv: line 1, column 3: 'x' is not a number/);
  assert.throws(() => readCsv('0,0,1\n1,1,1\n', 'gap.csv'), /gap\.csv: 2 rows for 2 trials x 2 bins/);
  assert.throws(() => readCsv('0.5,0,1\n', 'frac.csv'), /frac\.csv: row 1: trial and bin must be integers from 0/);
  assert.throws(() => readCsv('trial,bin,n0\n', 'empty.csv'), /empty\.csv has no rows of counts/);
  // A long hostile line is refused in linear time.
  assert.throws(() => readCsv(`0,0,${'1,'.repeat(200000)}x\n`, 'long.csv'), /long\.csv: line 1, column 200003/);
});

test('file kinds by name', () => {
  assert.deepEqual(['a.nwb', 'b.NWB', 'c.h5', 'd.npy', 'e.npz', 'f.csv', 'g.txt', undefined].map(fileKind), ['nwb', 'nwb', 'nwb', 'npy', 'npz', 'csv', null, null]);
});
