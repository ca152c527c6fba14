// The memory budget of a page: 256 MiB of wasm heap, all its workers together, what a mid-range
// phone affords a tab (docs/memory.md; tests/browser/memory.test.mjs holds every page to it at
// its knobs' largest values). A worker's heap never shrinks, so its peak is what counts.
export const PAGE_BUDGET_BYTES = 256 * 2 ** 20;

// A training step of a large model or batch runs in passes whose tapes stay within this
// (the C++ trainers' pass_bytes: gradients summed over the passes, the same step up to rounding).
export const TRAINING_PASS_BYTES = 96 * 2 ** 20;  // the default ViT (batch 64) and PredNet (batch 4) steps take one pass

// Each page's memory-relevant knobs at the top of their ranges: where the budget is checked.
export const LARGEST_KNOBS = {
  vit: 'init=scratch&patch=4&dim=128&depth=6&heads=8&batch=256&threads=4',  // threads: a copy of the model each (../replicas.js)
  prednet: 'init=scratch&layers=4&batch=16&threads=4',
  replay: 'capacity=100000&batch=256',
  episodic: 'capacity=50000&projection=64&k=50&speed=max',
  lfads: 'init=scratch&factors=32&generator=128&threads=4',  // (LFADS caps its threads at 2: jobs/lfads.js)
};
