// The replay page's link cannot ask for more memory than its slider offers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readHash } from '../../web/js/lib/hash-state.js';
import { SCHEMA } from '../../web/js/studies/replay/schema.js';

test('capacity in a link is held to the slider\'s range (10^6 grew the wasm heap to 917 MB)', () => {
  assert.equal(readHash(SCHEMA, '#capacity=100000').state.capacity, 100000);
  const big = readHash(SCHEMA, '#capacity=1000000');
  assert.equal(big.state.capacity, SCHEMA.capacity.default);
  assert.deepEqual(big.rejected, ['capacity=1000000']);
});
