// `neuroai train lfads --data FILE`: the native CLI reads the recordings the page reads (an NWB
// file through libhdf5, a .npy, a CSV), bins an NWB file's spike times on a trials column, trains
// LFADS and scores co-bps on held-out neurons beside spike smoothing; bad files and options are
// refused with what is wrong (exit status 2). (.npz through minizip.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { zipSync } from 'fflate';
import { nativeCli } from './load.mjs';
import { BINS, NEURONS, TRIALS, recording, writeNwb } from '../web/nwb-fixture.mjs';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'neuroai-lfads-cli-'));
const SMALL = ['--steps', '60', '--eval-every', '30', '--factors', '4', '--generator', '16', '--encoder', '16', '--ic', '8', '--controller', '0', '--batch', '8', '--json'];

function run(...args) {
  const r = spawnSync(nativeCli(), args, { encoding: 'utf8', timeout: 120000 });
  return { status: r.status, out: r.stdout, err: r.stderr };
}

test('an NWB file, binned on its go cue: the shape, the split and co-bps beside smoothing', async () => {
  const file = path.join(dir, 'session.nwb');
  await writeNwb(file, recording());
  const r = run('train', 'lfads', '--data', file, '--align', 'go_cue_time', '--bins', String(BINS), ...SMALL);
  assert.equal(r.status, 0, r.err);
  const j = JSON.parse(r.out);
  assert.deepEqual([j.trials, j.bins, j.neurons, j.bin_seconds, j.heldout_neurons, j.heldout_trials, j.steps], [TRIALS, BINS, NEURONS, 0.02, 2, 5, 60]);
  assert.ok(Number.isFinite(j.co_bps) && Number.isFinite(j.co_bps_smoothing), r.out);
  assert.match(r.err, new RegExp(`session\\.nwb: ${NEURONS} units, ${TRIALS} trials, aligned on go_cue_time, 20 ms bins -> ${TRIALS} trials x ${BINS} bins x ${NEURONS} neurons`));
});

test('on 100 trials of known dynamics, LFADS predicts the held-out neurons better than spike smoothing', async () => {
  const file = path.join(dir, 'hundred.nwb');
  await writeNwb(file, recording({ trials: 100 }));
  const r = run('train', 'lfads', '--data', file, '--align', 'go_cue_time', '--bins', String(BINS), '--steps', '600', '--eval-every', '300',
    '--factors', '4', '--generator', '24', '--encoder', '24', '--ic', '8', '--controller', '0', '--batch', '16', '--lr', '0.01',
    '--ramp-start', '300', '--ramp-steps', '300', '--json');
  assert.equal(r.status, 0, r.err);
  const j = JSON.parse(r.out);
  assert.equal(j.heldout_trials, 20);
  assert.ok(j.co_bps > j.co_bps_smoothing && j.co_bps_smoothing > 0, `LFADS ${j.co_bps}, smoothing ${j.co_bps_smoothing}`);  // 0.314 against 0.287
});

test('counts as .npy, .npz and CSV', () => {
  const counts = Uint8Array.from({ length: 20 * 6 * 5 }, (_, i) => (i * 31) % 3);
  let header = "{'descr': '|u1', 'fortran_order': False, 'shape': (20, 6, 5), }";
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const npy = path.join(dir, 'counts.npy');
  const magic = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, header.length & 255, header.length >> 8];
  fs.writeFileSync(npy, Buffer.concat([Buffer.from(magic), Buffer.from(header), Buffer.from(counts)]));
  const a = run('train', 'lfads', '--data', npy, ...SMALL);
  assert.equal(a.status, 0, a.err);
  assert.deepEqual([JSON.parse(a.out).trials, JSON.parse(a.out).bins, JSON.parse(a.out).neurons], [20, 6, 5]);
  // The same counts as other NumPy types.
  for (const [descr, Typed] of [['<i8', BigInt64Array], ['<f4', Float32Array], ['<u2', Uint16Array]]) {
    const data = Typed === BigInt64Array ? BigInt64Array.from(counts, (c) => BigInt(c)) : Typed.from(counts);
    let hd = `{'descr': '${descr}', 'fortran_order': False, 'shape': (20, 6, 5), }`;
    hd += ' '.repeat(63 - ((10 + hd.length) % 64)) + '\n';
    const typed = path.join(dir, `counts-${descr.slice(1)}.npy`);
    fs.writeFileSync(typed, Buffer.concat([Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, hd.length & 255, hd.length >> 8]), Buffer.from(hd),
      Buffer.from(data.buffer)]));
    const t = run('train', 'lfads', '--data', typed, ...SMALL);
    assert.equal(t.status, 0, `${descr}: ${t.err}`);
    assert.deepEqual([JSON.parse(t.out).trials, JSON.parse(t.out).bins, JSON.parse(t.out).neurons], [20, 6, 5]);
  }
  // The same array in .npz archives, stored and deflated, beside another array.
  for (const level of [0, 6]) {
    const npz = path.join(dir, `session-${level}.npz`);
    fs.writeFileSync(npz, zipSync({ 'counts.npy': fs.readFileSync(npy), 'times.npy': fs.readFileSync(npy) }, { level }));
    const z = run('train', 'lfads', '--data', npz, ...SMALL);
    assert.equal(z.status, 0, z.err);
    assert.deepEqual([JSON.parse(z.out).trials, JSON.parse(z.out).bins, JSON.parse(z.out).neurons], [20, 6, 5]);
  }
  const rows = ['trial,bin,a,b,c'];
  for (let k = 0; k < 10; k++) for (let t = 0; t < 4; t++) rows.push(`${k},${t},${(k + t) % 3},${k % 2},${t % 2}`);
  const csv = path.join(dir, 'counts.csv');
  fs.writeFileSync(csv, rows.join('\n'));
  const b = run('train', 'lfads', '--data', csv, ...SMALL);
  assert.equal(b.status, 0, b.err);
  assert.deepEqual([JSON.parse(b.out).trials, JSON.parse(b.out).bins, JSON.parse(b.out).neurons], [10, 4, 3]);
});

test('bad files and options are refused with what is wrong', async () => {
  const fails = (args, re) => {
    const r = run('train', 'lfads', ...args);
    assert.equal(r.status, 2, `${args.join(' ')}: ${r.out}${r.err}`);
    assert.match(r.err, re);
  };
  const fake = path.join(dir, 'fake.nwb');
  fs.writeFileSync(fake, 'trial,bin,n0\n');
  fails(['--data', fake], /fake\.nwb is not an HDF5 file \(NWB files are HDF5\)/);
  const noTrials = path.join(dir, 'no-trials.nwb');
  await writeNwb(noTrials, recording(), { skip: ['trials'] });
  fails(['--data', noTrials], /no-trials\.nwb has no intervals\/trials: LFADS reads trials/);
  const file = path.join(dir, 'session.nwb');
  await writeNwb(file, recording());
  fails(['--data', file, '--align', 'reward_time'], /--align: the trials table has no column 'reward_time' to align on \(it has go_cue_time, start_time\)/);
  fails(['--data', path.join(dir, 'notes.txt')], /--data: expected an NWB \(\.nwb\), NumPy \(\.npy, \.npz\) or CSV \(\.csv\) file/);
  const two = path.join(dir, 'two.npz');
  fs.writeFileSync(two, zipSync({ 'a.npy': new Uint8Array(8), 'b.npy': new Uint8Array(8) }));
  fails(['--data', two], /two\.npz holds 2 arrays \(a, b\): name the counts "counts"/);
  fails(['--data', path.join(dir, 'missing.npy')], /--data: cannot open/);
  const bad = path.join(dir, 'bad.csv');
  fs.writeFileSync(bad, '0,0,1\n0,1\n');
  fails(['--data', bad], /bad\.csv: line 2 has 2 cells, expected 3/);
});
