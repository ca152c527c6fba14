#!/usr/bin/env node
// The LFADS page's from-scratch training defaults (learning rate, batch), chosen for time to
// insight on other data: each candidate trains in the wasm module, one thread, as the page's worker
// does (LfadsLab, its default model), on Lorenz data sets made from other seeds (dataSeed: other
// conditions, other neurons, the same shape), until the held-out rate R² of that data set reaches
// the page's milestone (0.75). The case study's data (the page's, behind its milestone) is never
// read here. Seconds are the training steps' own time (the evaluations between them are not
// timed: the page's cadence of evaluation is the same for every candidate).
//
//   node tools/lfads-scratch-select.mjs [--candidates 0,2] [--max-steps 1500] [--json]
import { parseArgs } from 'node:util';
import { loadNeuroAI, median, printTable } from '../bench/harness.mjs';

const { values: opts } = parseArgs({ options: {
  candidates: { type: 'string', default: '' }, 'max-steps': { type: 'string', default: '1500' }, json: { type: 'boolean', default: false },
} });
const maxSteps = Number(opts['max-steps']);
if (!(Number.isInteger(maxSteps) && maxSteps > 0)) throw new Error(`--max-steps: expected a positive integer, got '${opts['max-steps']}'`);

const TARGET = 0.75;          // the page's milestone: held-out rate R²
const EVAL_EVERY = 25;        // training steps between two measurements
const DATA_SEEDS = [1, 2, 3];  // other data sets; the case study's is eval::kLfadsDataSeed (2016)
const HELD_OUT = { train: 2, heldOut: 260, conditions: 2 };  // the held-out trials behind the milestone (the others are not read for it)
const CANDIDATES = [
  { lr: 0.005, batch: 16 },  // the page's defaults before this selection
  { lr: 0.01, batch: 16 },
  { lr: 0.02, batch: 16 },
  { lr: 0.005, batch: 8 },
  { lr: 0.01, batch: 8 },
  { lr: 0.01, batch: 32 },
  { lr: 0.02, batch: 32 },
];
const picked = opts.candidates ? opts.candidates.split(',').map(Number) : CANDIDATES.map((_, i) => i);
for (const i of picked) if (!CANDIDATES[i]) throw new Error(`--candidates: expected indices in 0-${CANDIDATES.length - 1}, got ${i}`);

const neuroai = await loadNeuroAI();

/** Steps and training seconds until the held-out rate R² of data set `dataSeed` reaches TARGET (seconds null: not within maxSteps). */
function timeToTarget(c, dataSeed) {
  const lab = new neuroai.LfadsLab({ ...c, dataSeed, seed: 1 });
  try {
    let seconds = 0, r2 = -Infinity;
    while (lab.steps() < maxSteps) {
      const t0 = performance.now();
      lab.trainSteps(EVAL_EVERY);
      seconds += (performance.now() - t0) / 1000;
      r2 = lab.evaluate(HELD_OUT).heldOutTrials.rateR2;
      if (r2 >= TARGET) return { seconds, steps: lab.steps(), r2 };
    }
    return { seconds: null, steps: lab.steps(), r2 };
  } finally {
    lab.delete();
  }
}

const rows = [];
for (const i of picked) {
  const c = CANDIDATES[i];
  const runs = DATA_SEEDS.map((s) => timeToTarget(c, s));
  const reached = runs.every((r) => r.seconds !== null);
  const row = { candidate: i, ...c, seconds: reached ? +median(runs.map((r) => r.seconds)).toFixed(1) : null,
                steps: runs.map((r) => r.steps).join(' '), runs: runs.map((r) => (r.seconds === null ? `>${maxSteps} steps` : r.seconds.toFixed(1))).join(' ') };
  rows.push(row);
  if (!opts.json) console.error(`candidate ${i} ${JSON.stringify(c)}: ${row.runs} s (steps ${row.steps})`);
}
if (opts.json) console.log(JSON.stringify({ tool: 'lfads-scratch-select', target: TARGET, dataSeeds: DATA_SEEDS, results: rows }));
else printTable(`training seconds to held-out rate R² ${TARGET} on other data sets (dataSeed ${DATA_SEEDS.join(', ')}), wasm, one thread, median`,
  ['candidate', 'lr', 'batch', 'seconds', 'runs', 'steps'], rows.map((r) => ({ ...r, seconds: r.seconds ?? 'not reached' })));
