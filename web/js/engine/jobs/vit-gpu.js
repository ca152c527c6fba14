// The ViT job's batched forward passes on WebGPU (web/js/gpu/vit-forward.js, run from the core's
// forward plan), with the wasm core as the fallback; the path policy (gpu=auto|on|off, software
// adapters skipped in auto, a check against wasm first, fallback on a lost device or a failed
// call) is ../gpu-path.js.
import { fetchSource } from '../../gpu/kernels.js';
import { compareProbs, createVitForward } from '../../gpu/vit-forward.js';
import { createGpuPath, followWeights } from '../gpu-path.js';

const BATCH = 256;  // images per GPU pass
const CHECK_TOLERANCE = 1e-4;  // max |p_gpu - p_wasm| of the check before the GPU path is used

/**
 * The compute path for `model` (a VitLab); checkImages: a few images (n * pixels) that both
 * paths classify before WebGPU is used. Resolves to {path, reason, predict(images, mask),
 * attentionMaps(images, mask), meanAttentionDistance(many, few), benchmark(images), dispose()};
 * the batched calls use WebGPU while it works.
 */
export async function createComputePath(model, mode, checkImages) {
  let benchForward = null;     // built on demand for the benchmark when the path is wasm
  const { build, fresh } = followWeights(model, (device, plan, gemm) =>
    createVitForward(device, plan, { loadSource: fetchSource, batch: BATCH, gemm }));
  const gpu = await createGpuPath({
    mode,
    build,
    active: (adapter) => `${adapter}: batched classification, evaluation and attention maps run on WGSL kernels`,
    check: async (f) => {
      const { images, maxAbsDiff } = compareProbs(await f.classify(checkImages, null), model.predict(checkImages, null), model.config().classes);
      return { items: `${images} test images`, maxAbsDiff, tolerance: CHECK_TOLERANCE };
    },
  });
  const got = gpu.got;

  return {
    get path() { return gpu.path; },
    get reason() { return gpu.reason; },
    /** Class probabilities for n images: WebGPU while it works, else the wasm core. */
    predict(images, mask) {
      return gpu.run((f) => fresh(f).classify(images, mask ?? null), () => model.predict(images, mask ?? null));
    },
    /** Every head's attention maps of n images, {probs, attention}, as VitLab.attentionMaps. */
    attentionMaps(images, mask) {
      return gpu.run((f) => fresh(f).attentionMaps(images, mask ?? null), () => model.attentionMaps(images, mask ?? null));
    },
    /**
     * Mean attention distance per head {distance (depth * heads), images, path}: over the images
     * `many` on a GPU, over `few` on the wasm core and on a CPU software adapter (as slow as wasm or slower).
     */
    async meanAttentionDistance(many, few) {
      const { image, channels } = model.config();
      const pixels = image * image * channels;
      const onGpu = got?.software ? few : many;
      return gpu.run(async (f) => ({ distance: await fresh(f).meanAttentionDistance(onGpu), images: onGpu.length / pixels, path: 'webgpu' }),
        () => ({ distance: model.meanAttentionDistance(few), images: few.length / pixels, path: 'wasm' }));
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
      if (!got?.device) return { wasm, gpu: null, note: gpu.reason };
      const f = fresh(gpu.forward ?? (benchForward ??= await build(got)));
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
      return { wasm, gpu: { images: gpuDone, perSecond: gpuDone / seconds, adapter: got.adapterName, agreement }, note: gpu.reason };
    },
    dispose() {
      gpu.dispose();
      benchForward?.destroy();
    },
  };
}
