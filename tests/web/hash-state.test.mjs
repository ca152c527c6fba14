// The link parser on hostile links: linear time, capped, and never a value outside the schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readHash, formatHash, MAX_HASH_CHARS, MAX_VALUE_CHARS } from '../../web/js/lib/hash-state.js';

const schema = {
  lr: { type: 'number', default: 0.001, min: 1e-6, max: 1 },
  steps: { type: 'int', default: 100, min: 1, max: 100000 },
  variant: { type: 'enum', default: 'proportional', options: ['uniform', 'proportional', 'rank'] },
  gpu: { type: 'bool', default: true },
};

function timed(fn) {
  const t0 = performance.now();
  const out = fn();
  return { out, ms: performance.now() - t0 };
}

test('a million-character link is read (and refused) in under 50 ms', () => {
  for (const hash of [
    `#lr=${'1'.repeat(1e6)}x`,
    `#lr=${'1'.repeat(1e6)}.`,
    `#lr=.${'1'.repeat(1e6)}e`,
    `#${'lr=1&'.repeat(2e5)}`,
  ]) {
    const { out, ms } = timed(() => readHash(schema, hash));
    assert.ok(ms < 50, `${hash.length} characters took ${ms.toFixed(1)} ms`);
    assert.equal(out.state.lr, 0.001);
    assert.equal(out.rejected.length, 1);
    assert.match(out.rejected[0], /at most 4096/);
  }
});

test('the number pattern is linear: a long value just under the hash cap is refused quickly', () => {
  // Below the whole-hash cap, each value still has its own cap; and the pattern itself must not
  // backtrack (the old one took seconds on 10^5 digits and a trailing 'x').
  const digits = '9'.repeat(MAX_HASH_CHARS - 10);
  const { out, ms } = timed(() => readHash(schema, `#lr=${digits}x`));
  assert.ok(ms < 50, `took ${ms.toFixed(1)} ms`);
  assert.equal(out.state.lr, 0.001);
  assert.equal(out.rejected.length, 1);
});

test('valid links still read, and what formatHash writes reads back', () => {
  const { state, rejected } = readHash(schema, '#lr=2.5e-4&steps=300&variant=rank&gpu=0');
  assert.deepEqual(rejected, []);
  assert.deepEqual(state, { lr: 2.5e-4, steps: 300, variant: 'rank', gpu: false });
  for (const lr of [1e-6, 1e-5, 0.5, 1, 0.000123]) {
    const text = formatHash(schema, { ...state, lr });
    assert.equal(readHash(schema, `#${text}`).state.lr, lr, text);
  }
  assert.equal(readHash(schema, '#lr=.5').state.lr, 0.5);
  assert.equal(readHash(schema, '#lr=1.').state.lr, 1);
  assert.equal(readHash(schema, '#lr=1e%2B0').state.lr, 1);
});

test('bad values fall back to defaults and are reported, a bounded list', () => {
  const { state, rejected } = readHash(schema, '#lr=2&steps=1.5&variant=<b>&gpu=maybe&x=1');
  assert.deepEqual(state, { lr: 0.001, steps: 100, variant: 'proportional', gpu: true });
  assert.equal(rejected.length, 5);
  const many = readHash(schema, `#${Array.from({ length: 500 }, (_, i) => `k${i}=1`).join('&')}`);
  assert.equal(many.rejected.length, 9);
  assert.equal(many.rejected.at(-1), '492 more');
  const long = readHash(schema, `#steps=${'0'.repeat(MAX_VALUE_CHARS)}7`);
  assert.equal(long.state.steps, 100);
});

test('a renamed knob reads its old name too; the new name wins when a link has both', () => {
  const RENAMED = { init: { type: 'enum', default: 'shipped', options: ['shipped', 'scratch'], formerly: 'start' }, seed: schema.steps };
  assert.equal(readHash(RENAMED, '#start=scratch').state.init, 'scratch');
  assert.deepEqual(readHash(RENAMED, '#start=scratch').rejected, []);
  assert.equal(readHash(RENAMED, '#init=shipped&start=scratch').state.init, 'shipped');
  assert.equal(readHash(RENAMED, '#start=scratch&init=shipped').state.init, 'shipped');
  assert.deepEqual(readHash(RENAMED, '#start=sideways').rejected, ['start=sideways']);
  assert.equal(formatHash(RENAMED, readHash(RENAMED, '#start=scratch').state), 'init=scratch', 'written under the new name');
});
