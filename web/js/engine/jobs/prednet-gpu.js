// The PredNet job's measurement rollouts on WebGPU (web/js/gpu/prednet-forward.js, run from the
// core's plan) over many held-out sequences, with the wasm core over fewer as the fallback; the
// path policy (gpu=auto|on|off, software adapters skipped in auto, a check against wasm first,
// fallback on a lost device or a failed call) is ../gpu-path.js.
import { fetchSource } from '../../gpu/kernels.js';
import { maxAbsDiff } from '../../gpu/plan-runner.js';
import { createPredNetForward } from '../../gpu/prednet-forward.js';
import { createGpuPath, followWeights } from '../gpu-path.js';

// Held-out sequences behind the measurement on the WebGPU path; on a CPU software adapter (only
// used with gpu=on: SwiftShader runs a sequence in seconds) fewer, so the page stays usable.
const GPU_SEQUENCES = { gpu: 128, software: 4 };
const COMPARE_SEQUENCES = { gpu: 64, software: 1 };  // comparePaths' default
const GPU_BATCH = 32;       // sequences per GPU pass
const CHECK = { sequences: 1, tolerance: 1e-4 };  // held-out sequences both paths predict before WebGPU is used; max |d pixel|

/**
 * The compute path of `model` (a PredNet) in `mode` (auto | on | off). Resolves to {path, reason,
 * info(wasmSequences), evaluate(wasmSequences) (the measurement: PredNet and the baselines on the
 * held-out sequences), comparePaths(sequences), dispose()}.
 */
export async function createComputePath(model, mode) {
  const { build, fresh } = followWeights(model, (device, plan, gemm) =>
    createPredNetForward(device, plan, { loadSource: fetchSource, batch: GPU_BATCH, gemm }));

  /**
   * The first `sequences` held-out sequences on both paths: {wasm: {sequences, ms}, gpu: {sequences,
   * ms, maxAbsDiff}} (predicted frames; gpu null when f is null: no device). warmUp: one sequence on
   * the GPU first, for timings.
   */
  const compareOn = async (f, sequences, { warmUp = false } = {}) => {
    const frames = model.heldOut(sequences);
    let t0 = performance.now();
    const want = model.predict(frames).predictions;
    const wasm = { sequences, ms: performance.now() - t0 };
    if (!f) return { wasm, gpu: null };
    if (warmUp) await f.predict(frames.subarray(0, frames.length / sequences), 1);
    t0 = performance.now();
    const got = await f.predict(frames, sequences);
    const ms = performance.now() - t0;
    const d = maxAbsDiff(got, want);
    return { wasm, gpu: { sequences, ms, maxAbsDiff: Number.isNaN(d) ? Infinity : d } };
  };

  let gpuSequences = GPU_SEQUENCES.gpu, compareSequences = COMPARE_SEQUENCES.gpu;
  const gpu = await createGpuPath({
    mode,
    build: (got) => {
      const kind = got.software ? 'software' : 'gpu';
      gpuSequences = GPU_SEQUENCES[kind];
      compareSequences = COMPARE_SEQUENCES[kind];
      return build(got);
    },
    active: (adapter) => `${adapter}: the measurement's rollouts of ${gpuSequences} held-out sequences run on WGSL kernels` +
      (gpuSequences < GPU_SEQUENCES.gpu ? ' (fewer on a CPU software adapter)' : ''),
    check: async (f) => {
      const { gpu: g } = await compareOn(f, CHECK.sequences);
      return { items: `${CHECK.sequences} held-out sequence${CHECK.sequences === 1 ? '' : 's'}`, maxAbsDiff: g.maxAbsDiff, tolerance: CHECK.tolerance };
    },
  });

  let benchForward = null;  // built for comparePaths when the path is wasm but a device exists
  return {
    get path() { return gpu.path; },
    get reason() { return gpu.reason; },
    /** The path, why, and the held-out sequences a measurement covers (wasmSequences on wasm). */
    info: (wasmSequences) => ({ path: gpu.path, reason: gpu.reason, sequences: gpu.path === 'webgpu' ? gpuSequences : wasmSequences }),
    /** PredNet and the baselines (MSE, SSIM) on the held-out sequences: their rollouts on WebGPU, or on wasm over wasmSequences. */
    evaluate: (wasmSequences) => gpu.run(async (f) => {
      const frames = model.heldOut(gpuSequences);
      return model.evaluatePredictions(gpuSequences, await fresh(f).predict(frames, gpuSequences), true);
    }, () => model.evaluate(wasmSequences, true)),
    /**
     * Both paths on the first `sequences` held-out sequences (default: 64, or 1 on a CPU software
     * adapter): {wasm, gpu} with milliseconds and the largest difference between the predicted
     * frames; gpu is null without a device.
     */
    async comparePaths(sequences = gpu.got?.software ? COMPARE_SEQUENCES.software : compareSequences) {
      const f = gpu.got?.device ? fresh(gpu.forward ?? (benchForward ??= await build(gpu.got))) : null;
      const { wasm, gpu: g } = await compareOn(f, sequences, { warmUp: true });
      return { wasm, gpu: g && { ...g, adapter: gpu.got.adapterName } };
    },
    dispose() {
      gpu.dispose();
      benchForward?.destroy();
    },
  };
}
