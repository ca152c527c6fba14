// The wasm twin of `neuroai bench lfads`: LFADS training trials per second in the wasm module
// (single thread, batch 32, the default model), median of timed batches of steps.
// Usage: node bench/lfads.mjs [--json] [--controller 0|1]
import { loadNeuroAI, timePerCall } from './harness.mjs';

const args = process.argv.slice(2);
const controller = !(args.includes('--controller') && args[args.indexOf('--controller') + 1] === '0');
const batch = 32;
const neuroai = await loadNeuroAI();
const lab = new neuroai.LfadsLab({ batch, controller, seed: 1 });
lab.trainSteps(1);  // warm-up: sizes the tape's arena
const secondsPerStep = timePerCall((calls) => { lab.trainSteps(calls); }, { repeats: 5, minSeconds: 0.3 });
lab.delete();
const result = { bench: 'lfads-wasm', batch, controller, train_trials_per_s: +(batch / secondsPerStep).toFixed(1) };
if (args.includes('--json')) console.log(JSON.stringify(result));
else console.log(`wasm LFADS training: ${result.train_trials_per_s} trials/s (batch ${batch}, controller ${controller ? 'on' : 'off'})`);
