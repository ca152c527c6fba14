// Which engine runs a job's batched forward passes, WebGPU or the wasm core, and why: the one
// policy every case study uses (ViT classification, LFADS over all trials, ...).
// mode: 'auto' (WebGPU when the adapter is a real GPU; a CPU software fallback adapter such as
// SwiftShader is slower than wasm, so it is not used), 'on' (WebGPU on any adapter), 'off' (wasm).
// Before the GPU path is used, a small forward runs on both paths (check): results that differ from
// the wasm core's keep the job on wasm ("a failed validation": a broken driver or kernel is caught
// before it draws anything). A device lost mid-session, or a failed GPU call, switches to wasm for
// good without a reload.
import { acquireDevice } from '../gpu/device.js';

export const GPU_MODES = ['auto', 'on', 'off'];

// One device per worker, shared by the jobs (a reset makes a new job); acquired again after a loss.
let devicePromise = null;
const lossListeners = new Set();
function sharedDevice() {
  devicePromise ??= acquireDevice({
    onLost: (reason) => {
      devicePromise = null;
      for (const f of lossListeners) f(reason);
    },
  });
  return devicePromise;
}

/**
 * A trained model's GPU forward, kept in step with training. create(device, plan, gemm) makes a
 * forward (gemm 'naive' on a CPU software adapter, where the plain GEMM kernel runs several times
 * faster than the tiled one); build(got) makes one from model.forwardPlan(), and fresh(forward)
 * re-uploads model.forwardPlan().weights when model.steps() moved since that forward's last upload.
 */
export function followWeights(model, create) {
  const uploaded = new WeakMap();  // forward -> model.steps() at its last upload
  return {
    async build(got) {
      const f = await create(got.device, model.forwardPlan(), got.software ? 'naive' : 'tiled');
      uploaded.set(f, model.steps());
      return f;
    },
    fresh(f) {
      if (uploaded.get(f) !== model.steps()) {
        f.setWeights(model.forwardPlan().weights);
        uploaded.set(f, model.steps());
      }
      return f;
    },
  };
}

/**
 * `promise`, or a rejection once `device` is lost: when the GPU process goes down (Chromium reports
 * it as 'destroyed'), pending pipeline compilations and read-backs may never settle.
 */
export function untilLost(device, promise) {
  const lost = device.lost.then((info) => { throw new Error(`the WebGPU device was lost (${info.message || info.reason})`); });
  lost.catch(() => {});  // only the race below reports it
  return Promise.race([promise, lost]);
}

/**
 * Chooses the path for one job. build(got) -> Promise<forward> makes the GPU forward on got.device
 * (got: {device, adapterName, software}; a forward has destroy()); active(adapterName) says
 * what runs on the GPU, for the page's line; check(forward) -> Promise<{items, maxAbsDiff,
 * tolerance}> runs a few items (e.g. '8 test images') on both paths. Resolves to {path, reason,
 * forward, got, run, fallBack, dispose}.
 */
export async function createGpuPath({ mode = 'auto', build, active, check = null }) {
  if (!GPU_MODES.includes(mode)) throw new Error(`gpu: expected one of ${GPU_MODES.join(', ')}, got ${mode}`);
  if (typeof build !== 'function') throw new Error('createGpuPath: build: expected a function got -> Promise<forward>');
  const state = { path: 'wasm', reason: '', forward: null };
  let disposed = false;
  const gotPromise = mode === 'off' ? null : sharedDevice();
  const got = await gotPromise;

  const fallBack = (why) => {
    state.forward?.destroy();
    state.forward = null;
    state.path = 'wasm';
    state.reason = why;
  };
  const onLost = (reason) => { if (state.forward) fallBack(`the WebGPU ${reason}; back on the wasm core`); };
  lossListeners.add(onLost);

  if (mode === 'off') state.reason = 'WebGPU is switched off (gpu=off in the link)';
  else if (!got.device) state.reason = `no WebGPU here: ${got.reason}`;
  else if (got.software && mode === 'auto') {
    state.reason = `the WebGPU adapter (${got.adapterName}) is a CPU software fallback, slower than wasm; gpu=on in the link uses it anyway`;
  } else {
    try {
      state.forward = await untilLost(got.device, build(got));
    } catch (error) {
      fallBack(`the WebGPU forward could not be built: ${error.message}`);
    }
    let checked = null;
    if (state.forward && check) {
      try {
        checked = await untilLost(got.device, check(state.forward));
      } catch (error) {
        fallBack(`the check against wasm failed: ${error.message}`);
      }
    }
    if (checked && !(checked.maxAbsDiff <= checked.tolerance)) {
      fallBack(`a failed validation: on ${checked.items} the WebGPU results differ from the wasm core's by up to ` +
        `${checked.maxAbsDiff.toExponential(1)} (tolerance ${checked.tolerance}); the wasm core runs`);
    } else if (state.forward) {
      state.path = 'webgpu';
      state.reason = active(got.adapterName) +
        (checked ? `; checked against wasm on ${checked.items}: largest difference ${checked.maxAbsDiff.toExponential(1)}` : '');
    }
  }

  return {
    get path() { return state.path; },
    get reason() { return state.reason; },
    /** The GPU forward while the WebGPU path is active, else null. */
    get forward() { return state.forward; },
    /** The device acquired ({device, adapterName, software, reason}), or null with gpu=off. */
    got,
    /**
     * gpuCall(forward) while the WebGPU path is active; when it throws (a lost device, a failed
     * call), the path falls back to wasm for good and wasmCall() answers instead.
     */
    async run(gpuCall, wasmCall) {
      if (state.forward) {
        try {
          return await untilLost(got.device, gpuCall(state.forward));
        } catch (error) {
          if (disposed) throw error;
          // The device may be gone (a loss without a lost event, e.g. destroyed): the next path acquires a new one.
          if (devicePromise === gotPromise) devicePromise = null;
          fallBack(`a WebGPU call failed (${error.message}); back on the wasm core`);
        }
      }
      return wasmCall();
    },
    fallBack,
    dispose() {
      disposed = true;
      lossListeners.delete(onLost);
      state.forward?.destroy();
      state.forward = null;
    },
  };
}
