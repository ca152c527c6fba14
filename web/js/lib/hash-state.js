// Page state in the URL hash (#key=value&...), validated against a schema. A link reproduces
// the state; unknown keys or bad values fall back to defaults and are reported, never rendered
// as HTML.
//
// schema: { key: {type: 'int'|'number'|'enum'|'bool', default, min?, max?, options?, formerly?} }
// formerly: the knob's old name; links that use it keep working (the new name wins when both come).
//
// A link is untrusted input: the whole hash and every value have a length cap, and every
// pattern is linear-time (no two adjacent quantifiers can share a character, so a failing match
// never backtracks: Firefox, Safari and Node have no fallback for runaway patterns).

/** Longer hashes are not read at all (every knob's link together is a few hundred characters). */
export const MAX_HASH_CHARS = 4096;
/** Longer values are rejected unread (a number knob needs at most ~24 characters). */
export const MAX_VALUE_CHARS = 64;
/** At most this many rejected entries are listed; the rest are counted. */
const MAX_REJECTED_LISTED = 8;

const INT = /^-?\d+$/;
// Digits, then an optional fraction, then an optional exponent: each part starts with a character
// the previous one cannot match ('.', 'e'), so there is one way to read any text.
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?$/i;

function parseValue(spec, raw) {
  if (raw.length > MAX_VALUE_CHARS) return undefined;
  switch (spec.type) {
    case 'int': {
      if (!INT.test(raw)) return undefined;
      const v = Number(raw);
      return v >= spec.min && v <= spec.max ? v : undefined;
    }
    case 'number': {
      if (!NUMBER.test(raw)) return undefined;
      const v = Number(raw);
      return Number.isFinite(v) && v >= spec.min && v <= spec.max ? v : undefined;
    }
    case 'enum':
      return spec.options.includes(raw) ? raw : undefined;
    case 'bool':
      return raw === '1' || raw === 'true' ? true : raw === '0' || raw === 'false' ? false : undefined;
    default:
      throw new Error(`hash-state: unknown type '${spec.type}'`);
  }
}

export function defaults(schema) {
  return Object.fromEntries(Object.entries(schema).map(([k, spec]) => [k, spec.default]));
}

/** Returns {state, rejected}: state has every schema key; rejected lists 'key=value' that were ignored. */
export function readHash(schema, hash = location.hash) {
  const state = defaults(schema);
  const text = String(hash ?? '');
  if (text.length > MAX_HASH_CHARS)
    return { state, rejected: [`the whole link state (${text.length} characters, at most ${MAX_HASH_CHARS} are read)`] };
  const rejected = [];
  let unlisted = 0;
  const entries = [...new URLSearchParams(text.replace(/^#/, ''))];
  const given = new Set(entries.map(([key]) => key));
  const formerly = new Map(Object.entries(schema).filter(([, spec]) => spec.formerly).map(([key, spec]) => [spec.formerly, key]));
  for (const [name, raw] of entries) {
    const renamed = formerly.get(name);
    if (renamed && given.has(renamed)) continue;  // the new name wins
    const key = renamed ?? name;
    const spec = Object.hasOwn(schema, key) ? schema[key] : null;
    const value = spec ? parseValue(spec, raw) : undefined;
    if (value !== undefined) state[key] = value;
    else if (rejected.length < MAX_REJECTED_LISTED) rejected.push(`${name}=${raw}`.slice(0, 80));
    else unlisted += 1;
  }
  if (unlisted) rejected.push(`${unlisted} more`);
  return { state, rejected };
}

/** The state as hash text: only the keys that differ from their defaults ('' when none do). */
export function formatHash(schema, state) {
  const params = new URLSearchParams();
  for (const [key, spec] of Object.entries(schema)) {
    const v = state[key];
    if (v !== spec.default) params.set(key, spec.type === 'bool' ? (v ? '1' : '0') : String(v));
  }
  return params.toString();
}

/** Writes the state into the page's URL hash without adding history entries. */
export function writeHash(schema, state) {
  const hash = formatHash(schema, state);
  history.replaceState(null, '', hash ? `#${hash}` : location.pathname + location.search);
}

/**
 * A panel's state and where it lives. By default that is the page's URL hash; an embedded panel
 * (the <neuroai-study> element) passes its own text and a save function instead, so several
 * panels on one page never fight over the URL.
 *   { state, rejected, write(), text() }
 */
export function createStore(schema, { text = location.hash, save = null } = {}) {
  const { state, rejected } = readHash(schema, text);
  return {
    schema,
    state,
    rejected,
    text: () => formatHash(schema, state),
    write() {
      if (save) save(formatHash(schema, state));
      else writeHash(schema, state);
    },
  };
}

/**
 * The visible note about what a link asked for and did not get: a <p class="note hash-note">
 * (its text is set as text, never parsed as HTML), or null when nothing was rejected.
 */
export function rejectedNote(rejected) {
  if (!rejected.length) return null;
  const p = document.createElement('p');
  p.className = 'note hash-note';
  p.textContent = `Ignored in the link: ${rejected.join(', ')} (defaults used instead).`;
  return p;
}
