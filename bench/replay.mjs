// The wasm twin of `neuroai bench replay`: sum-tree and rank-heap draws and priority updates per
// second at capacity 2^20 against a linear-scan sampler, measured inside the wasm module in one run.
// Usage: node bench/replay.mjs [--json] [--capacity 1048576] [--repeats 5]
import { loadNeuroAI, printTable } from './harness.mjs';

const args = process.argv.slice(2);
const option = (name, fallback) => (args.includes(name) ? Number(args[args.indexOf(name) + 1]) : fallback);
const capacity = option('--capacity', 1 << 20), repeats = option('--repeats', 5);

const neuroai = await loadNeuroAI();
const rows = neuroai.benchReplay(capacity, repeats).map((r) => ({
  operation: r.operation,
  tree_per_s: Math.round(r.treePerS),
  rank_per_s: Math.round(r.rankPerS),
  scan_per_s: Math.round(r.scanPerS),
  ratio: +(r.treePerS / r.scanPerS).toFixed(1),
  rank_ratio: +(r.rankPerS / r.treePerS).toFixed(2),
}));
if (args.includes('--json')) console.log(JSON.stringify({ bench: 'replay-wasm', capacity, repeats, results: rows }));
else printTable(`wasm replay sampling (capacity ${capacity}, median of ${repeats})`, ['operation', 'tree_per_s', 'rank_per_s', 'scan_per_s', 'ratio', 'rank_ratio'], rows);
