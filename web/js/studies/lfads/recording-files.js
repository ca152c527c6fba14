// Spike recordings from files, for LFADS on your own data: NWB (HDF5, read with h5wasm: the units
// table's spike times and the trials table's times), NumPy .npy / .npz arrays and CSV of counts
// (trials x bins x neurons). Each reader returns plain arrays or throws an Error that names the
// file and what is missing. The h5wasm module is passed in (the browser's or Node's build), so
// this file runs in a worker, a page or a Node test alike. Nothing here touches the network.

/** What a file's name says it is: 'nwb', 'npy', 'npz' or 'csv' (by extension), or null. */
export function fileKind(name) {
  const m = /\.(nwb|h5|hdf5|npy|npz|csv)$/i.exec(name ?? '');
  if (!m) return null;
  const ext = m[1].toLowerCase();
  return ext === 'h5' || ext === 'hdf5' ? 'nwb' : ext;
}

// ---------------------------------------------------------------- NWB (HDF5)

const HDF5_SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];
let scratchFiles = 0;

/**
 * An NWB file's sorted spikes and trials: {kind: 'spike-times', name, units: [Float64Array of
 * spike times per unit, seconds], trials: {count, columns: {name: Float64Array}}} where the
 * columns are the trials table's per-trial times (start_time, stop_time and any others, e.g. a
 * go cue). h5wasm: the module (h5wasm's default export, ready).
 */
export async function readNwb(h5wasm, bytes, name = 'the file') {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  // HDF5's signature sits at 0 or at a user block of 512, 1024, 2048... bytes.
  const signed = [0, 512, 1024, 2048, 4096].some((at) => HDF5_SIGNATURE.every((b, i) => u8[at + i] === b));
  if (!signed) throw new Error(`${name} is not an HDF5 file (NWB files are HDF5): its first bytes are not HDF5's signature`);
  const { FS } = await h5wasm.ready;
  const path = `/recording-${++scratchFiles}.nwb`;
  FS.writeFile(path, u8);
  let file;
  try {
    file = new h5wasm.File(path, 'r');
    const need = (p, why) => {
      const item = file.get(p);
      if (!item) throw new Error(`${name} has no ${p}: ${why}`);
      return item;
    };
    need('units', 'an NWB file with sorted spikes has a units table (/units)');
    const times = toFloat64(need('units/spike_times', 'the units table holds each unit\u2019s spike times there').value);
    const index = need('units/spike_times_index', 'the units table says where each unit\u2019s spike times end there').value;
    const ends = Array.from(index, Number);
    if (!ends.length) throw new Error(`${name}: the units table has no units`);
    const units = [];
    let from = 0;
    for (const [n, end] of ends.entries()) {
      if (!(end >= from && end <= times.length)) throw new Error(`${name}: units/spike_times_index[${n}] is ${end}, outside ${from}..${times.length}`);
      units.push(times.slice(from, end));
      from = end;
    }
    const trialsGroup = need('intervals/trials', 'LFADS reads trials: the trials table (/intervals/trials) gives their start and stop times');
    const columns = {};
    let count = -1;
    for (const key of trialsGroup.keys()) {
      const item = file.get(`intervals/trials/${key}`);
      if (!item || item.type !== 'Dataset' || key.endsWith('_index') || key === 'id') continue;
      if (item.shape?.length !== 1 || !/^[<>=|]?[fd]$/.test(item.dtype)) continue;  // per-trial times are float seconds ('<d', '<f')
      const v = toFloat64(item.value);
      if (count >= 0 && v.length !== count) continue;
      count = v.length;
      columns[key] = v;
    }
    for (const key of ['start_time', 'stop_time'])
      if (!columns[key]) throw new Error(`${name}: the trials table (/intervals/trials) has no ${key} column`);
    return { kind: 'spike-times', name, units, trials: { count: columns.start_time.length, columns } };
  } finally {
    file?.close();
    FS.unlink(path);
  }
}

const toFloat64 = (v) => (v instanceof Float64Array ? v : Float64Array.from(v, Number));

// ---------------------------------------------------------------- NumPy

const NPY_MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59];  // \x93NUMPY
// dtype (without byte order) -> [typed array, bytes per element]
const NPY_TYPES = {
  f4: [Float32Array, 4], f8: [Float64Array, 8], i1: [Int8Array, 1], i2: [Int16Array, 2], i4: [Int32Array, 4], i8: [BigInt64Array, 8],
  u1: [Uint8Array, 1], u2: [Uint16Array, 2], u4: [Uint32Array, 4], u8: [BigUint64Array, 8], b1: [Uint8Array, 1],
};

/**
 * A .npy array: {shape, values (Float32Array, C order)}. Numbers of any NumPy integer, float or
 * bool type (little-endian); refuses big-endian, Fortran order and object arrays by name.
 */
export function readNpy(bytes, name = 'the array') {
  const u8 = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  if (!NPY_MAGIC.every((b, i) => u8[i] === b)) throw new Error(`${name} is not a .npy file: it does not start with \\x93NUMPY`);
  const major = u8[6];
  if (major < 1 || major > 3) throw new Error(`${name}: .npy format version ${major}, expected 1, 2 or 3`);
  const view = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  const headerLength = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  if (headerLength > 65536) throw new Error(`${name}: a header of ${headerLength} bytes is not a .npy header`);
  const headerStart = major === 1 ? 10 : 12, dataStart = headerStart + headerLength;
  if (dataStart > u8.length) throw new Error(`${name}: truncated in its header`);
  const header = new TextDecoder('latin1').decode(u8.subarray(headerStart, dataStart));
  const descr = /'descr'\s*:\s*'([^']{1,16})'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]{0,200})\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) throw new Error(`${name}: its header lacks descr, fortran_order or shape`);
  const shape = shapeText.split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (!shape.every((d) => Number.isInteger(d) && d >= 0)) throw new Error(`${name}: shape (${shapeText}) is not a tuple of sizes`);
  if (fortran === 'True') throw new Error(`${name} is stored in Fortran order: save it with np.ascontiguousarray(...) first`);
  const order = descr[0], code = descr.slice(1);
  if (order === '>') throw new Error(`${name} is big-endian (${descr}): save it as little-endian (arr.astype('<f4'))`);
  const type = NPY_TYPES[code];
  if (!type) throw new Error(`${name}: dtype ${descr} is not a number type (expected integers, floats or bools)`);
  const [Typed, size] = type;
  const count = shape.reduce((a, b) => a * b, 1);
  if (dataStart + count * size > u8.length) throw new Error(`${name}: truncated: its shape (${shape.join(', ')}) needs ${count * size} bytes of data, it has ${u8.length - dataStart}`);
  const raw = new Typed(u8.slice(dataStart, dataStart + count * size).buffer);
  return { shape, values: Float32Array.from(raw, Number) };
}

/**
 * The counts array of a .npz: the only array, else the one named counts, spikes or arr_0;
 * unzip: fflate's unzipSync.
 */
export function readNpz(unzip, bytes, name = 'the archive') {
  let entries;
  try {
    entries = unzip(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes));
  } catch (error) {
    throw new Error(`${name} is not a .npz (zip) archive: ${error.message}`);
  }
  const arrays = Object.keys(entries).filter((k) => k.endsWith('.npy'));
  if (!arrays.length) throw new Error(`${name} holds no .npy arrays`);
  const pick = arrays.length === 1 ? arrays[0] : ['counts.npy', 'spikes.npy', 'arr_0.npy'].find((k) => arrays.includes(k));
  if (!pick) throw new Error(`${name} holds ${arrays.length} arrays (${arrays.map((k) => k.slice(0, -4)).join(', ')}): name the counts "counts"`);
  return { ...readNpy(entries[pick], `${name}: ${pick.slice(0, -4)}`), array: pick.slice(0, -4) };
}

// ---------------------------------------------------------------- CSV

const MAX_CSV_CELLS = 50_000_000;

/**
 * Counts as CSV, one row per trial and bin: `trial,bin,` then one count per neuron, with an
 * optional header row (any first row whose first cell is not a number). Trials and bins are
 * integers from 0; every (trial, bin) once. Returns {shape: [trials, bins, neurons], values}.
 * Linear time in the file's length (no backtracking pattern runs on its text).
 */
export function readCsv(text, name = 'the table') {
  const lines = text.split('\n');
  let first = 0;
  while (first < lines.length && lines[first].trim() === '') first++;
  if (first < lines.length && !isNumber(lines[first].split(',')[0])) first++;  // the header row
  const rows = [];
  let neurons = -1;
  for (let i = first; i < lines.length; i++) {
    const line = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (line.trim() === '') continue;
    const cells = line.split(',');
    if (neurons < 0) neurons = cells.length - 2;
    if (neurons < 1) throw new Error(`${name}: line ${i + 1}: expected trial, bin and at least one neuron's count`);
    if (cells.length !== neurons + 2) throw new Error(`${name}: line ${i + 1} has ${cells.length} cells, expected ${neurons + 2} (trial, bin, ${neurons} neurons) as the first row`);
    if (rows.length * (neurons + 2) > MAX_CSV_CELLS) throw new Error(`${name}: more than ${MAX_CSV_CELLS.toLocaleString('en')} cells`);
    for (const [j, cell] of cells.entries())
      if (!isNumber(cell)) throw new Error(`${name}: line ${i + 1}, column ${j + 1}: '${cell.slice(0, 20)}' is not a number`);
    rows.push(cells.map(Number));
  }
  if (!rows.length) throw new Error(`${name} has no rows of counts`);
  let trials = 0, bins = 0;
  for (const [i, r] of rows.entries()) {
    if (!Number.isInteger(r[0]) || r[0] < 0 || !Number.isInteger(r[1]) || r[1] < 0) throw new Error(`${name}: row ${i + 1}: trial and bin must be integers from 0, got ${r[0]} and ${r[1]}`);
    trials = Math.max(trials, r[0] + 1);
    bins = Math.max(bins, r[1] + 1);
  }
  if (trials * bins !== rows.length) throw new Error(`${name}: ${rows.length} rows for ${trials} trials x ${bins} bins: expected one row for each trial and bin`);
  const values = new Float32Array(trials * bins * neurons);
  const seen = new Uint8Array(trials * bins);
  for (const r of rows) {
    const at = r[0] * bins + r[1];
    if (seen[at]) throw new Error(`${name}: trial ${r[0]}, bin ${r[1]} appears twice`);
    seen[at] = 1;
    values.set(r.slice(2), at * neurons);
  }
  return { shape: [trials, bins, neurons], values };
}

function isNumber(cell) {
  const s = cell.trim();
  return s !== '' && Number.isFinite(Number(s));
}

/** Counts {shape, values} as the 3 dimensions LFADS reads, or an Error that says what the shape is. */
export function countsShape({ shape }, name) {
  if (shape.length !== 3) {
    const hint = shape.length === 2 ? `: one trial? save it as shape (1, ${shape.join(', ')})` : '';
    throw new Error(`${name}: expected 3 dimensions (trials, bins, neurons), got shape (${shape.join(', ')})${hint}`);
  }
  const [trials, bins, neurons] = shape;
  return { trials, bins, neurons };
}
