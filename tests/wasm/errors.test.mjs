// Bad input from JS: every call throws a plain JS Error whose message names the argument and
// what was expected, and afterwards the module and the same object keep working (the core
// validates before it mutates; js::guard turns the C++ exception into a JS Error).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';

import { loadModule, using } from './load.mjs';

let M;
let model; // one object shared by every test: it must survive all the errors below
before(async () => {
  M = await loadModule();
  model = new M.SpiralLab({ seed: 11 });
  model.trainSteps(10);
});
after(() => model.delete());

/** Asserts f throws a plain JS Error (not an embind BindingError, not a wasm trap) matching re. */
function throwsError(f, re) {
  assert.throws(f, (e) => {
    assert.ok(e instanceof Error, `expected an Error, got ${e}`);
    assert.equal(e.constructor, Error, `expected a plain Error, got ${e.constructor.name}: ${e.message}`);
    assert.match(e.message, re);
    return true;
  });
}

/** The module and the shared object still work: training returns a finite loss. */
function stillWorks(obj = model) {
  const steps = obj.steps();
  const loss = obj.trainSteps(2);
  assert.ok(Number.isFinite(loss) && loss > 0, `trainSteps after an error returned ${loss}`);
  assert.equal(obj.steps(), steps + 2);
  const info = M.buildInfo();
  assert.equal(info.simd128, true);
}

const newModel = (config) => () => {
  const m = new M.SpiralLab(config);
  m.delete(); // only reached if the constructor did not throw
};

// ---- constructor config -------------------------------------------------------------------

const configCases = [
  [{ hidden: 0 }, /hidden: expected an integer in \[1, 4096\], got 0/],
  [{ lr: NaN }, /config\.lr: expected a finite number, got nan/],
  [{ lr: 'x' }, /config\.lr: expected a number, got string/],
  [{ unknownKey: 1 }, /unknown field 'unknownKey' \(expected one of: classes, .*seed\)/],
  [5, /SpiralLab config: expected a config object, got number/],
  [{ activation: 'swish' }, /activation: expected "tanh" or "relu", got "swish"/],
  [{ seed: -1 }, /config\.seed: expected a non-negative integer, got -1/],
  // Extra cases beyond the brief's list.
  [{ hidden: 1.5 }, /config\.hidden: expected an integer, got 1\.5/],
  [{ activation: 3 }, /config\.activation: expected a string, got number/],
  [{ lr: 2 }, /lr: expected a number in \[1e-06, 1\], got 2/],
  [{ classes: 1 }, /classes: expected an integer in \[2, 8\], got 1/],
  ['tanh', /SpiralLab config: expected a config object, got string/],
];

for (const [config, re] of configCases) {
  test(`new SpiralLab(${inspect(config, { breakLength: Infinity })}) throws ${re}`, () => {
    throwsError(newModel(config), re);
    stillWorks();
    // A good config still constructs after the failure.
    using(() => new M.SpiralLab({ seed: 12 }), (m) => stillWorks(m));
  });
}

// ---- trainSteps ----------------------------------------------------------------------------

const trainCases = [
  [NaN, /trainSteps: steps: expected a finite number, got nan/],
  [-1, /trainSteps: steps: expected an integer in \[0, 100000\], got -1/],
  ['3', /trainSteps: steps: expected a number, got string/],
  [2.5, /trainSteps: steps: expected an integer, got 2\.5/],
  [undefined, /trainSteps: steps: expected a number, got undefined/],
];

for (const [steps, re] of trainCases) {
  test(`trainSteps(${typeof steps === 'string' ? `'${steps}'` : steps}) throws ${re}`, () => {
    const before = model.steps();
    throwsError(() => model.trainSteps(steps), re);
    assert.equal(model.steps(), before, 'a failed call trains nothing');
    stillWorks();
  });
}

// ---- predict -------------------------------------------------------------------------------

const predictCases = [
  ['new Float32Array(3)', () => new Float32Array(3), /predict: xy: expected a length divisible by 2, got length 3/],
  ['[1, 2]', () => [1, 2], /predict: xy: expected a Float32Array, got Array/],
  ['new Float32Array([NaN, 0])', () => new Float32Array([NaN, 0]), /predict: xy\[0\]: expected a finite number, got nan/],
  ['new Float32Array([0, Infinity])', () => new Float32Array([0, Infinity]), /predict: xy\[1\]: expected a finite number, got inf/],
  ['new Float64Array(2)', () => new Float64Array(2), /predict: xy: expected a Float32Array, got Float64Array/],
  ['null', () => null, /predict: xy: expected a Float32Array, got null/],
];

for (const [label, arg, re] of predictCases) {
  test(`predict(${label}) throws ${re}`, () => {
    const xy = new Float32Array([0.1, 0.2]);
    const reference = model.predict(xy);
    throwsError(() => model.predict(arg()), re);
    assert.deepEqual(model.predict(xy), reference, 'the model is unchanged');
    stillWorks();
  });
}

// ---- decisionGrid --------------------------------------------------------------------------

const gridCases = [
  [1, 1, /decisionGrid: res: expected an integer in \[2, 1024\], got 1/],
  [8, NaN, /decisionGrid: extent: expected a finite number, got nan/],
  [8, 0, /extent: expected a number in \[0\.001, 100\], got 0/],
  ['8', 1, /decisionGrid: res: expected a number, got string/],
];

for (const [res, extent, re] of gridCases) {
  test(`decisionGrid(${typeof res === 'string' ? `'${res}'` : res}, ${extent}) throws ${re}`, () => {
    throwsError(() => model.decisionGrid(res, extent), re);
    stillWorks();
    assert.equal(model.decisionGrid(4, 1).length, 4 * 4 * 3);
  });
}

// ---- loadWeights -------------------------------------------------------------------------

/** Asserts loadWeights(bytes) fails with re and leaves the model's weights untouched. */
function loadFails(bytes, re) {
  const xy = model.points();
  const before = model.predict(xy);
  const params = model.parameters().slice();
  throwsError(() => model.loadWeights(bytes), re);
  assert.deepEqual(model.parameters().slice(), params, 'a failed import changes no parameter');
  assert.deepEqual(model.predict(xy), before);
  stillWorks();
}

test('loadWeights(new Uint8Array(10)) throws: truncated', () => {
  loadFails(new Uint8Array(10), /weights file is truncated: 10 bytes is shorter than the smallest header/);
});

test('loadWeights of an exported file cut short throws: truncated', () => {
  const bytes = model.exportWeights();
  loadFails(bytes.slice(0, bytes.length - 100), /weights file is truncated/);
});

test('loadWeights of an exported file with one byte flipped in the middle throws: checksum', () => {
  const bytes = model.exportWeights();
  const bad = bytes.slice();
  bad[bad.length >> 1] ^= 0x40;
  loadFails(bad, /checksum/);
  // The unaltered file still imports.
  model.loadWeights(bytes);
  stillWorks();
});

test('loadWeights with a bad magic number throws', () => {
  const bad = model.exportWeights();
  bad[0] = 'X'.charCodeAt(0);
  loadFails(bad, /bad magic number \(expected 'NRAI'\)/);
});

test('loadWeights adopts the hidden size and depth of the file: the model that wrote it, prediction for prediction', () => {
  for (const knobs of [{ hidden: 16 }, { layers: 1 }, { hidden: 8, layers: 3, activation: 'relu' }]) {
    using(() => new M.SpiralLab({ ...knobs, seed: 11 }), (writer) => using(() => new M.SpiralLab({ seed: 3 }), (reader) => {
      writer.trainSteps(20);
      reader.loadWeights(writer.exportWeights());
      assert.deepEqual(reader.predict(writer.points()), writer.predict(writer.points()), JSON.stringify(knobs));
      assert.equal(reader.parameters().length, writer.parameters().length);
      assert.ok(Number.isFinite(reader.trainSteps(5)), 'and it trains');
    }));
  }
});

test('loadWeights of a network for another number of classes throws, naming the data\'s', () => {
  const other = using(() => new M.SpiralLab({ classes: 4, seed: 11 }), (m) => m.exportWeights());
  loadFails(other, /loadWeights: weights file: holds a network of 2 inputs and 4 classes; the spirals have 2 inputs and 3 classes/);
});

test('loadWeights of a non-Uint8Array throws', () => {
  loadFails([1, 2, 3], /loadWeights: bytes: expected a Uint8Array, got Array/);
  loadFails(new Float32Array(4), /loadWeights: bytes: expected a Uint8Array, got Float32Array/);
  loadFails(model.exportWeights().buffer, /loadWeights: bytes: expected a Uint8Array/);
});

test('loadWeights accepts a Uint8Array view with a byte offset', () => {
  const bytes = model.exportWeights();
  const padded = new Uint8Array(bytes.length + 13);
  padded.set(bytes, 7);
  const xy = model.points();
  const before = model.predict(xy);
  model.loadWeights(padded.subarray(7, 7 + bytes.length));
  assert.deepEqual(model.predict(xy), before);
  stillWorks();
});

// ---- gemm ----------------------------------------------------------------------------------

const f32 = (n) => new Float32Array(n).fill(1);
const gemmCases = [
  ['a wrong-length A', () => M.gemm(false, false, 2, 3, 4, 1, f32(7), f32(12), 0, null),
    /gemm: A: expected a Float32Array of length 8, got length 7/],
  ['a wrong-length B', () => M.gemm(false, false, 2, 3, 4, 1, f32(8), f32(11), 0, null),
    /gemm: B: expected a Float32Array of length 12, got length 11/],
  ['a wrong-length C', () => M.gemm(false, false, 2, 3, 4, 1, f32(8), f32(12), 0.5, f32(5)),
    /gemm: C: expected a Float32Array of length 6, got length 5/],
  ['A as an Array', () => M.gemm(false, false, 1, 1, 1, 1, [1], f32(1), 0, null),
    /gemm: A: expected a Float32Array, got Array/],
  ['a negative M', () => M.gemm(false, false, -1, 3, 4, 1, f32(0), f32(12), 0, null),
    /gemm: M: expected an integer in \[0, 16384\], got -1/],
  ['a non-boolean transA', () => M.gemm(1, false, 2, 3, 4, 1, f32(8), f32(12), 0, null),
    /gemm: transA: expected true or false/],
  ['a NaN alpha', () => M.gemm(false, false, 2, 3, 4, NaN, f32(8), f32(12), 0, null),
    /gemm: alpha: expected a finite number, got nan/],
];

for (const [label, f, re] of gemmCases) {
  test(`gemm with ${label} throws ${re}`, () => {
    throwsError(f, re);
    const c = M.gemm(false, false, 2, 3, 4, 1, f32(8), f32(12), 0, null);
    assert.deepEqual(c, new Float32Array(6).fill(4), 'gemm still works');
    stillWorks();
  });
}

test('many errors in a row leak neither wasm heap nor emval handles', () => {
  const burst = () => {
    for (let i = 0; i < 200; i++) {
      assert.throws(() => model.predict(new Float32Array(3)));
      assert.throws(() => model.predict(new Float32Array([0, NaN])));
      assert.throws(() => model.trainSteps(-1));
      assert.throws(() => model.loadWeights(new Uint8Array(10)));
      assert.throws(() => new M.SpiralLab({ hidden: 0 }));
      assert.throws(() => M.gemm(false, false, 2, 2, 2, 1, f32(3), f32(4), 0, null));
    }
  };
  // A large allocation lands at the top of the heap: if the error paths leaked, the blocks
  // piled up below it would move it. Warm up first (the pending-message buffer grows once).
  const probe = () => {
    const p = M._malloc(1 << 20);
    M._free(p);
    return p;
  };
  burst();
  const handles = M.count_emval_handles();
  const heap = M.HEAPU8.length;
  const top = probe();
  burst();
  assert.equal(M.count_emval_handles(), handles, 'emval handles');
  assert.equal(M.HEAPU8.length, heap, 'wasm memory size');
  assert.equal(probe(), top, 'a 1 MiB allocation moved: the error paths leak heap memory');
  stillWorks();
});

// ---- sizes whose product overflows -----------------------------------------------------------
// Sizes from JS are multiplied in overflow-safe arithmetic before anything is allocated: a
// product that wrapped (in 64 bits, or in wasm32's 32-bit size_t) once let a 1-element array
// through and the op wrote past its buffer until the module trapped.

const huge = [65536, 65536, 65536, 32768]; // n * c * h * w = 2^63
const tooMany = (what, dims) => new RegExp(`${what}: expected at most \\d+ elements, got ${dims.join(' x ')}`);
const sizeCases = [
  ['upsample2x', () => M.upsample2x(f32(1), ...huge), tooMany('upsample2x: n \\* c \\* h \\* w', huge)],
  ['maxPool2x2', () => M.maxPool2x2(f32(1), ...huge), tooMany('maxPool2x2: n \\* c \\* h \\* w', huge)],
  ['errorUnits', () => M.errorUnits(f32(1), f32(1), ...huge), tooMany('errorUnits: n \\* c \\* h \\* w', huge)],
  ['convLstm', () => M.convLstm(f32(1), f32(1), ...huge),
    tooMany('convLstm: n \\* 4r \\* h \\* w', [65536, 4 * 65536, 65536, 32768])],
  ['conv2d3x3', () => M.conv2d3x3(f32(1), 65536, 65536, 65536, 65536, f32(9), 1, null),
    tooMany('conv2d3x3: n \\* c \\* h \\* w', [65536, 65536, 65536, 65536])],
  ['gemm', () => M.gemm(false, false, 16384, 16384, 0, 1, f32(0), f32(0), 0, null),
    tooMany('gemm: M \\* N', [16384, 16384])],
];

for (const [name, f, re] of sizeCases) {
  test(`${name} with sizes whose product overflows throws ${re}`, () => {
    throwsError(f, re);
    assert.deepEqual(M.upsample2x(new Float32Array([1, 2, 3, 4]), 1, 1, 2, 2),
      new Float32Array([1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]), 'the module still works');
    stillWorks();
  });
}

/** CRC-32 (IEEE 802.3), as the weights format stores it. */
function crc32(bytes) {
  let c = ~0;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return ~c >>> 0;
}

/** A well-formed weights file (core/nn/weights.h) of one tensor `dims` followed by `dataBytes` bytes. */
function weightsFile(kind, name, dims, dataBytes) {
  const enc = new TextEncoder();
  const parts = [];
  const u32 = (v) => parts.push(...new Uint8Array(new Uint32Array([v]).buffer));
  const str = (s) => { const b = enc.encode(s); u32(b.length); parts.push(...b); };
  parts.push(...enc.encode('NRAI'));
  u32(1);
  str(kind);
  str('');
  u32(1);
  str(name);
  u32(dims.length);
  dims.forEach(u32);
  const out = new Uint8Array(parts.length + dataBytes + 4);
  out.set(parts);
  new DataView(out.buffer).setUint32(out.length - 4, crc32(out.subarray(0, out.length - 4)), true);
  return out;
}

test('loadWeights of a (65536, 65537) tensor throws: its size wraps a 32-bit size_t', () => {
  // 65536 * 65537 floats is 2^34 + 2^18 bytes: in wasm32 that wrapped to 2^18, so 256 KiB of data decoded.
  loadFails(weightsFile('mlp', 'layer0.weight', [65536, 65537], 1 << 18),
    /weights file: tensor 'layer0\.weight': expected at most 268435456 elements, got 65536 x 65537/);
});

test('PredNet.sample and heldOut refuse a count whose sequences overflow', () => {
  // One 64-frame 256x256 sequence is 2^22 floats: 1024 of them are 2^32, which wrapped to 0.
  using(() => new M.PredNetLab({ size: 256, frames: 64, batch: 1 }), (p) => {
    throwsError(() => p.sample(1024, 1), /sample: count \* sequence size: expected at most \d+ elements, got 1024 x 4194304/);
    throwsError(() => p.heldOut(1024), /heldOut: count \* sequence size: expected at most \d+ elements, got 1024 x 4194304/);
    assert.equal(p.sample(1, 1).length, 64 * 256 * 256, 'the model still works');
  });
  stillWorks();
});

test('VitLab.attentionMaps refuses more attention weights than one call may allocate', () => {
  // depth 24 x heads 64 x 785^2 tokens: about 9.5e8 floats per image; three images overflow.
  using(() => new M.VitLab({ patch: 1, dim: 64, depth: 24, heads: 64, mlp: 8 }), (v) => {
    throwsError(() => v.attentionMaps(new Float32Array(3 * 784), null),
      /attentionMaps: images \* depth \* heads \* tokens\^2: expected at most \d+ elements, got 3 x 24 x 64 x 785 x 785/);
  });
  stillWorks();
});

test('LfadsLab.inferForward refuses trials * outBins whose read-out overflows', () => {
  // 1000 trials x 100000 bins x 50 neurons is 5e9 floats: 705032704 in a 32-bit size_t.
  using(() => new M.LfadsLab({ factors: 4, generator: 16, encoder: 16, ic: 8, batch: 8, seed: 2 }), (lab) => {
    const spikes = new Float32Array(1000 * 2 * 40);
    throwsError(() => lab.inferForward(spikes, 1000, 2, 100000),
      /infer: trials \* outBins \* neurons: expected at most \d+ elements, got 1000 x 100000 x 50/);
    assert.equal(lab.inferForward(spikes.subarray(0, 80), 1, 2, 3).length, 3 * 50, 'the lab still works');
  });
  stillWorks();
});

test('VitLab.setTrainData refuses labels * image size past the limit', () => {
  // 5478275 images of 784 pixels is 2^32 + 304 bytes: a 32-bit size_t took 304 bytes for all of them.
  using(() => new M.VitLab({ dim: 8, depth: 1, heads: 1, mlp: 8 }), (v) => {
    throwsError(() => v.setTrainData(new Uint8Array(304), new Uint8Array(5478275)),
      /setTrainData: pixels: images \* pixels per image: expected at most 2147483648 elements, got 5478275 x 784/);
  });
  stillWorks();
});
