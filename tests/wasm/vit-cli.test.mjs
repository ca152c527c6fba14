// The attention case study's native commands (neuroai train vit / eval vit / export fashion-subset):
// the shipped image subset is reproducible from the Debian files by its documented command, and
// bad arguments, missing files and corrupt gzip'd IDX data give clear errors (exit status 2).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';

import { nativeCli, root } from './load.mjs';

const DEBIAN = '/usr/share/datasets/fashion-mnist';
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'neuroai-vit-cli-'));

function run(...args) {
  const r = spawnSync(nativeCli(), args, { encoding: 'utf8', timeout: 120000 });
  return { status: r.status, out: r.stdout + r.stderr };
}

function fails(args, re) {
  const r = run(...args);
  assert.equal(r.status, 2, `neuroai ${args.join(' ')} should fail with status 2: ${r.out}`);
  assert.match(r.out, re);
}

test('export fashion-subset reproduces the shipped subset byte for byte', { skip: !fs.existsSync(DEBIAN) && 'no Debian dataset' }, () => {
  const out = path.join(tmp(), 'subset.bin');
  const r = run('export', 'fashion-subset', '--out', out, '--json');
  assert.equal(r.status, 0, r.out);
  assert.deepEqual(JSON.parse(r.out), { out, train_images: 5000, test_images: 1000, bytes: 4710028 });
  assert.ok(fs.readFileSync(out).equals(fs.readFileSync(path.join(root, 'assets/vit/fashion-subset.bin'))));
});

test('bad options are refused with the option named', () => {
  fails(['train', 'vit', '--patch', '5', '--steps', '1'], /VitConfig\.patch: expected a divisor of the image size 28, got 5/);
  fails(['train', 'vit', '--heads', '3', '--steps', '1'], /VitConfig\.heads: expected a divisor of dim 64, got 3/);
  fails(['train', 'vit', '--epochs', 'many'], /--epochs: expected an integer, got 'many'/);
  fails(['train', 'vit', '--dropout', '0.1'], /unknown option --dropout/);
  fails(['eval', 'vit', '--weights', '/nonexistent/w.nrai'], /--weights: cannot open '\/nonexistent\/w\.nrai'/);
  fails(['train', 'vit', '--subset', '/nonexistent.bin'], /--subset: cannot open '\/nonexistent\.bin'/);
  fails(['eval', 'vitt'], /neuroai eval: expected one of: .*vit.*got 'vitt'/);
});

test('missing, corrupt and truncated Fashion-MNIST files give clear errors', () => {
  const dir = tmp();
  fails(['train', 'vit', '--data', dir, '--steps', '1'], new RegExp(`cannot open '${dir}/train-images-idx3-ubyte.gz'.*dataset-fashion-mnist`));
  // A gzip'd IDX image file cut in the middle of its gzip stream.
  const images = Buffer.alloc(16 + 4 * 784);
  images.writeUInt32BE(2051, 0); images.writeUInt32BE(4, 4); images.writeUInt32BE(28, 8); images.writeUInt32BE(28, 12);
  const gz = zlib.gzipSync(images);
  fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte.gz'), gz.subarray(0, gz.length - 12));
  fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte.gz'), zlib.gzipSync(Buffer.from([0, 0, 8, 1, 0, 0, 0, 4, 1, 2, 3, 4])));
  fails(['train', 'vit', '--data', dir, '--steps', '1'], /train-images-idx3-ubyte\.gz': (corrupt|IDX images: truncated)/);
  // Valid gzip, but the IDX header promises more images than the file holds.
  const short = Buffer.from(images);
  short.writeUInt32BE(5, 4);
  fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte.gz'), zlib.gzipSync(short));
  fails(['train', 'vit', '--data', dir, '--steps', '1'], /IDX images: truncated: expected 3920 bytes of data after the header, got 3136/);
  // A label out of range.
  fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte.gz'), zlib.gzipSync(images));
  fs.writeFileSync(path.join(dir, 'train-labels-idx1-ubyte.gz'), zlib.gzipSync(Buffer.from([0, 0, 8, 1, 0, 0, 0, 4, 1, 2, 11, 4])));
  fails(['train', 'vit', '--data', dir, '--steps', '1'], /train: label 2 is 11, expected a class in \[0, 9\]/);
  // Swapped files: labels where images belong.
  fs.writeFileSync(path.join(dir, 'train-images-idx3-ubyte.gz'), zlib.gzipSync(Buffer.from([0, 0, 8, 1, 0, 0, 0, 1, 1])));
  fails(['train', 'vit', '--data', dir, '--steps', '1'], /magic number 2049 is an IDX label file, expected 2051/);
});
