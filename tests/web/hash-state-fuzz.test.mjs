// The link parser under a seeded random mutator: valid links cut, spliced, grown and sprinkled
// with the characters that matter to URLSearchParams and the number patterns. For every input
// readHash must not throw, must return quickly, and must return only values the schema allows.
// A failure prints the seed and the iteration, so it replays exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readHash, formatHash } from '../../web/js/lib/hash-state.js';

const SEED = 0x5eed1e55;
const ITERATIONS = 4000;
const MS_PER_CALL = 50; // linear time: even the longest inputs here (~10^5 characters) take ~1 ms

const schema = {
  lr: { type: 'number', default: 0.001, min: 1e-6, max: 1 },
  gain: { type: 'number', default: 0, min: -5, max: 5 },
  steps: { type: 'int', default: 100, min: 1, max: 100000 },
  offset: { type: 'int', default: 0, min: -10, max: 10 },
  variant: { type: 'enum', default: 'proportional', options: ['uniform', 'proportional', 'rank'] },
  gpu: { type: 'bool', default: true },
};

/** mulberry32: a small seeded generator, so every run sees the same inputs. */
function generator(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const seeds = [
  '', '#', '#lr=2.5e-4&steps=300&variant=rank&gpu=0', '#gain=-1.5&offset=-3&gpu=true', 'lr=.5&steps=1',
  '#lr=1e%2B0&variant=uniform', '#steps=100000&offset=10&gain=5', '#x=1&lr=&=&&steps',
];
// Characters that change how a link reads: separators, escapes, signs, number parts, other scripts.
const atoms = ['&', '=', '#', '?', '%', '%2B', '%26', '%3D', '%00', '%ZZ', '%E2%82', '+', '-', '.', 'e', 'E', '0', '9',
  '1e-7', 'Infinity', 'NaN', '0x10', ' ', '\u00e9', '\u{1F600}', '\ud800', 'lr', 'steps', 'gpu', 'variant', 'rank',
  'true', '__proto__', 'constructor', 'hasOwnProperty', '<b>'];

function mutate(rand, text) {
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const at = () => Math.floor(rand() * (text.length + 1));
  switch (Math.floor(rand() * 7)) {
    case 0: { const i = at(); return text.slice(0, i) + pick(atoms) + text.slice(i); }
    case 1: { const i = at(), j = at(); return text.slice(0, Math.min(i, j)) + text.slice(Math.max(i, j)); }
    case 2: { const i = at(); return text.slice(0, i) + pick(seeds).replace(/^#/, '&') + text.slice(i); }
    case 3: { // repeat a piece: long digit runs, many keys, hashes far past any cap
      const i = at(), j = Math.min(text.length, i + 1 + Math.floor(rand() * 8));
      const times = rand() < 0.1 ? 10000 : 1 + Math.floor(rand() * 50);
      return text.slice(0, j) + text.slice(i, j).repeat(times) + text.slice(j);
    }
    case 4: { const i = at(); return text.slice(0, i) + String.fromCharCode(Math.floor(rand() * 0x10000)) + text.slice(i); }
    case 5: { const i = at(); return text.slice(0, i) + '9'.repeat(1 + Math.floor(rand() * 400)) + pick(['', 'x', '.', 'e']) + text.slice(i); }
    default: return `${pick(['#', ''])}${pick(Object.keys(schema))}=${pick(atoms)}${text}`;
  }
}

/** Every value in `state` is one the schema allows, and there is nothing else in it. */
function assertWithinSchema(state) {
  assert.deepEqual(Object.keys(state).sort(), Object.keys(schema).sort());
  for (const [key, spec] of Object.entries(schema)) {
    const v = state[key];
    switch (spec.type) {
      case 'int': assert.ok(Number.isInteger(v) && v >= spec.min && v <= spec.max, `${key}=${v}`); break;
      case 'number': assert.ok(Number.isFinite(v) && v >= spec.min && v <= spec.max, `${key}=${v}`); break;
      case 'enum': assert.ok(spec.options.includes(v), `${key}=${v}`); break;
      case 'bool': assert.equal(typeof v, 'boolean', `${key}=${v}`); break;
    }
  }
}

test(`readHash on ${ITERATIONS} mutated links (seed ${SEED}): no throw, under ${MS_PER_CALL} ms, values within the schema`, () => {
  const rand = generator(SEED);
  let text = seeds[0], longest = 0, accepted = 0;
  for (let i = 0; i < ITERATIONS; i++) {
    // Mostly keep mutating (inputs grow and drift); sometimes start again from a seed.
    text = rand() < 0.2 ? seeds[Math.floor(rand() * seeds.length)] : mutate(rand, text);
    if (text.length > 200000) text = text.slice(0, 1000);
    longest = Math.max(longest, text.length);
    const where = `iteration ${i}, ${text.length} characters: ${JSON.stringify(text.slice(0, 120))}`;
    let out;
    const t0 = performance.now();
    try {
      out = readHash(schema, text);
    } catch (e) {
      assert.fail(`readHash threw ${e} at ${where}`);
    }
    let ms = performance.now() - t0;
    // A slow call is timed twice more: a busy machine or a GC pause is slow once, a runaway
    // pattern every time.
    for (let again = 0; again < 2 && ms >= MS_PER_CALL; again++) {
      const t1 = performance.now();
      readHash(schema, text);
      ms = Math.min(ms, performance.now() - t1);
    }
    assert.ok(ms < MS_PER_CALL, `readHash took ${ms.toFixed(1)} ms at ${where}`);
    assertWithinSchema(out.state);
    assert.ok(Array.isArray(out.rejected) && out.rejected.every((r) => typeof r === 'string'), where);
    // What was read writes back to a link that reads the same.
    assert.deepEqual(readHash(schema, formatHash(schema, out.state)).state, out.state, where);
    if (out.rejected.length === 0) accepted += 1;
  }
  assert.ok(longest > 10000, `the mutator reached ${longest} characters`);
  assert.ok(accepted > 0, 'some mutated links were still read whole');
});
