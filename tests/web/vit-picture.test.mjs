// A picture converted the way Fashion-MNIST was made (web/js/studies/vit/picture.js): the object
// trimmed, its longest side at 28, centred, light backgrounds negated, 8-bit grayscale.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { toFashionMnist } from '../../web/js/studies/vit/picture.js';
import { loadModule, root } from '../wasm/load.mjs';

/** A width x height RGBA picture filled with gray `bg` (0..255). */
function canvas(width, height, bg) {
  const rgba = new Uint8ClampedArray(width * height * 4).fill(bg);
  for (let i = 3; i < rgba.length; i += 4) rgba[i] = 255;
  return { rgba, width, height, set(x, y, g) { const i = 4 * (y * width + x); rgba[i] = rgba[i + 1] = rgba[i + 2] = g; rgba[i + 3] = 255; } };
}

const correlation = (a, b) => {
  const n = a.length, ma = a.reduce((s, v) => s + v, 0) / n, mb = b.reduce((s, v) => s + v, 0) / n;
  let ab = 0, aa = 0, bb = 0;
  for (let i = 0; i < n; i++) { ab += (a[i] - ma) * (b[i] - mb); aa += (a[i] - ma) ** 2; bb += (b[i] - mb) ** 2; }
  return ab / Math.sqrt(aa * bb);
};

test('a dark box off-centre on white: trimmed, longest side 28, centred, negated', () => {
  const c = canvas(300, 200, 255);
  for (let y = 20; y < 80; y++) for (let x = 200; x < 290; x++) c.set(x, y, 30);  // 90 x 60, top right
  const { image, inverted, box } = toFashionMnist(c.rgba, c.width, c.height);
  assert.equal(inverted, true);
  assert.deepEqual(box, { x: 200, y: 20, width: 90, height: 60 });
  // 90 -> 28 wide, 60 -> 19 high (rounded), centred with the odd margin's extra row on top: rows 5..23.
  const rows = [...Array(28).keys()].filter((y) => image[y * 28 + 14] > 0.5);
  assert.deepEqual([rows[0], rows.at(-1)], [5, 23]);
  assert.ok(image[14 * 28] > 0.8 && image[14 * 28 + 27] > 0.8, 'the box spans the width');
  assert.equal(image[0], 0, 'the background is black');
  assert.ok(Math.abs(image[14 * 28 + 14] - (1 - 30 / 255)) < 0.01, 'the ink negated');
  for (const v of image) assert.ok(Math.abs(v * 255 - Math.round(v * 255)) < 1e-4, `8-bit levels: ${v * 255}`);
});

test('a light object on a dark background stays as it is', () => {
  const c = canvas(50, 50, 10);
  for (let y = 10; y < 40; y++) for (let x = 10; x < 40; x++) c.set(x, y, 220);
  const { image, inverted } = toFashionMnist(c.rgba, 50, 50);
  assert.equal(inverted, false);
  assert.ok(image[14 * 28 + 14] > 0.85);
});

test('a Fashion-MNIST test image, photographed dark on white and off-centre, comes back as itself', async () => {
  const M = await loadModule();
  const subset = M.decodeFashionSubset(new Uint8Array(fs.readFileSync(path.join(root, 'assets/vit/fashion-subset.bin'))));
  for (const index of [0, 1, 7, 42]) {
    const original = subset.test.pixels.subarray(index * 784, (index + 1) * 784);
    // Scaled 9x (each pixel a 9 x 9 block), negated, at (130, 40) on a 480 x 360 white picture with noise.
    const c = canvas(480, 360, 255);
    let seed = index + 1;
    const noise = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return (seed / 2147483648) * 8; };
    for (let y = 0; y < 360; y++) for (let x = 0; x < 480; x++) c.set(x, y, Math.round(250 - noise()));
    for (let y = 0; y < 28 * 9; y++) for (let x = 0; x < 28 * 9; x++) c.set(130 + x, 40 + y, 255 - original[Math.floor(y / 9) * 28 + Math.floor(x / 9)]);
    const { image } = toFashionMnist(c.rgba, c.width, c.height);
    const r = correlation(image, Float32Array.from(original, (v) => v / 255));
    // 1 where the garment's edges are crisp; a faint edge column (image 42) falls under the trim threshold.
    assert.ok(r > 0.85, `test image ${index}: correlation ${r.toFixed(3)}`);
  }
});

test('sizes that do not match are refused with the argument named', () => {
  assert.throws(() => toFashionMnist(new Uint8Array(10), 2, 2), /rgba: expected 16 bytes \(2 x 2 RGBA\), got 10/);
  assert.throws(() => toFashionMnist(new Uint8Array(0), 0, 5), /expected a positive integer width and height, got 0 x 5/);
  assert.throws(() => toFashionMnist(null, 1, 1), /rgba: expected 4 bytes/);
  // A blank picture: all of it, no crash.
  const { image } = toFashionMnist(new Uint8Array(4 * 9).fill(255), 3, 3);
  assert.equal(image.length, 784);
});
