// The ViT job's batched forward passes on WebGPU (web/js/gpu/vit-forward.js, run from the core's
// forward plan), with the wasm core as the fallback: which path runs, and why, for the page.
// mode: 'auto' (WebGPU when the adapter is a real GPU; a CPU software fallback adapter such as
// SwiftShader is slower than wasm, so it is not used), 'on' (WebGPU on any adapter), 'off' (wasm).
// A device lost mid-session, or a failed GPU call, switches to wasm for good without a reload.
import { acquireDevice } from '../../gpu/device.js';
import { fetchSource } from '../../gpu/kernels.js';
import { compareProbs, createVitForward } from '../../gpu/vit-forward.js';

const BATCH = 256;  // images per GPU pass

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
 * The compute path for `model` (a VitClassifier). Resolves to {path, reason, predict(images, mask)
 * -> Promise<Float32Array>, benchmark(images, wasmRate), dispose()}; predict uses WebGPU while it works.
 */
export async function createComputePath(model, mode = 'auto') {
  let forward = null;          // the GPU forward while the WebGPU path is active
  let benchForward = null;     // built on demand for the benchmark when the path is wasm
  let uploadedStep = -1;       // model.steps() when the weights were last uploaded
  let disposed = false;
  const state = { path: 'wasm', reason: '' };  // reason: why this path (for the page's line)
  const got = mode === 'off' ? null : await sharedDevice();

  const fallBack = (why) => {
    forward?.destroy();
    forward = null;
    state.path = 'wasm';
    state.reason = why;
  };
  const onLost = (reason) => { if (forward) fallBack(`the WebGPU ${reason}; back on the wasm core`); };
  lossListeners.add(onLost);

  // On a CPU software adapter the plain GEMM kernel runs several times faster than the tiled one.
  const build = async () => createVitForward(got.device, model.forwardPlan(),
    { loadSource: fetchSource, batch: BATCH, gemm: got.software ? 'naive' : 'tiled' });

  if (mode === 'off') state.reason = 'WebGPU is switched off (gpu=off in the link)';
  else if (!got.device) state.reason = `no WebGPU here: ${got.reason}`;
  else if (got.software && mode === 'auto') {
    state.reason = `the WebGPU adapter (${got.adapterName}) is a CPU software fallback, slower than wasm; gpu=on in the link uses it anyway`;
  } else {
    try {
      forward = await build();
      uploadedStep = model.steps();
      state.path = 'webgpu';
      state.reason = `${got.adapterName}: batched classification and evaluation run on WGSL kernels`;
    } catch (error) {
      fallBack(`the WebGPU forward could not be built: ${error.message}`);
    }
  }

  /** Brings the GPU's weights up to the model's (training moves them). */
  const fresh = (f) => {
    const step = model.steps();
    if (step !== uploadedStep) {
      f.setWeights(model.forwardPlan().weights);
      uploadedStep = step;
    }
    return f;
  };

  return {
    get path() { return state.path; },
    get reason() { return state.reason; },
    /** Class probabilities for n images: WebGPU while it works, else the wasm core. */
    async predict(images, mask) {
      if (forward) {
        try {
          return await fresh(forward).classify(images, mask ?? null);
        } catch (error) {
          if (disposed) throw error;
          fallBack(`a WebGPU call failed (${error.message}); back on the wasm core`);
        }
      }
      return model.predict(images, mask ?? null);
    },
    /**
     * images/s of both paths on `images` (n * 784): wasm up to ~3 s, WebGPU on a first 64 images,
     * then on all of them if that looks like ~5 s or less. The GPU side is skipped (null) without a device.
     */
    async benchmark(images) {
      const { image, channels, classes } = model.config();
      const pixels = image * image * channels;
      const n = images.length / pixels;
      const slice = (a, b) => images.subarray(a * pixels, b * pixels);
      let t0 = performance.now(), done = 0;
      while (done < n && performance.now() - t0 < 3000) {
        const k = Math.min(100, n - done);
        model.predict(slice(done, done + k), null);
        done += k;
      }
      const wasm = { images: done, perSecond: done / ((performance.now() - t0) / 1000) };
      if (!got?.device) return { wasm, gpu: null, note: state.reason };
      let f = forward;
      if (!f) {
        benchForward ??= await build();
        uploadedStep = -1;
        f = benchForward;
      }
      f = fresh(f);
      await f.classify(slice(0, 1), null);  // warm-up
      t0 = performance.now();
      const first = Math.min(64, n);
      const probs = [await f.classify(slice(0, first), null)];
      let gpuDone = first;
      const rate = first / ((performance.now() - t0) / 1000);
      if (gpuDone < n && (n - gpuDone) / rate <= 5) {
        probs.push(await f.classify(slice(gpuDone, n), null));
        gpuDone = n;
      }
      const seconds = (performance.now() - t0) / 1000;
      const gpuProbs = new Float32Array(gpuDone * classes);
      let at = 0;
      for (const p of probs) { gpuProbs.set(p, at); at += p.length; }
      const agreement = compareProbs(gpuProbs, model.predict(slice(0, gpuDone), null), classes);
      return { wasm, gpu: { images: gpuDone, perSecond: gpuDone / seconds, adapter: got.adapterName, agreement }, note: state.reason };
    },
    dispose() {
      disposed = true;
      lossListeners.delete(onLost);
      forward?.destroy();
      benchForward?.destroy();
    },
  };
}
