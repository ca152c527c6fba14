// Pure functions over one image's read-outs: the heat map a view shows, and its summary.
// attention: (depth, heads, T, T) flattened; rollout: (T, T); token 0 is the class token,
// token 1 + p is patch p (row-major on the grid x grid patch grid).

/** The attention row of `token` in block `layer` (0-based), for one head or the mean of all (head < 0). */
export function attentionRow(attention, config, layer, head, token) {
  const { heads, tokens: T } = config;
  const row = new Float32Array(T);
  const first = head < 0 ? 0 : head, last = head < 0 ? heads - 1 : head;
  for (let hd = first; hd <= last; hd++) {
    const base = ((layer * heads + hd) * T + token) * T;
    for (let j = 0; j < T; j++) row[j] += attention[base + j] / (last - first + 1);
  }
  return row;
}

/**
 * What the view shows for view state s = {view: 'cls' | 'query' | 'rollout', layer (1-based), head (0 = mean),
 * query (patch index)}: {patches: Float32Array(N) weights on the patches, toCls: weight on the class token,
 * source: token whose row is shown}.
 */
export function heatFor(inspection, config, s) {
  const T = config.tokens;
  let row, source;
  if (s.view === 'rollout') {
    source = 0;
    row = inspection.rollout.subarray(0, T);
  } else {
    source = s.view === 'query' ? 1 + s.query : 0;
    row = attentionRow(inspection.attention, config, s.layer - 1, s.head - 1, source);
  }
  return { patches: Float32Array.from(row.subarray(1)), toCls: row[0], source };
}

/** "row 3, column 5" of patch p (1-based for people). */
export const patchName = (p, grid) => `row ${Math.floor(p / grid) + 1}, column ${(p % grid) + 1}`;

/** A sentence for screen readers and the caption: where the shown token looks most. */
export function describeHeat(heat, config, s) {
  const { grid } = config;
  const order = [...heat.patches.keys()].sort((a, b) => heat.patches[b] - heat.patches[a]);
  const top = order[0];
  const top3 = order.slice(0, 3).reduce((acc, p) => acc + heat.patches[p], 0);
  const pct = (x) => `${(100 * x).toFixed(1)}%`;
  const where = s.view === 'rollout' ? 'Attention rollout through all blocks: the class token draws most'
    : `Block ${s.layer}, ${s.head === 0 ? 'mean of the heads' : `head ${s.head}`}: ${s.view === 'query' ? `the patch at ${patchName(s.query, grid)}` : 'the class token'} attends most`;
  return `${where} from the patch at ${patchName(top, grid)} (${pct(heat.patches[top])}); the top three patches hold ` +
    `${pct(top3)}, the class token ${pct(heat.toCls)}.`;
}
