// Worker-side job: PredNet on the camera (the predictive-coding page's #data=camera). The page sends
// the camera's frames, downsampled to the model's 32 x 32 grayscale, as they come; each is
// predicted from the frames before it (the model runs over the last `frames` of the stream, the
// length of the sequences it was trained on) and answered with the prediction and the layer-0
// error units E+ and E-. Training, while the page runs it, is online: each step takes windows of
// consecutive frames from the last seconds of the stream. The frames stay in this worker's memory
// (the last STREAM_FRAMES) and go nowhere else.
import { fetchBytes } from '../fetch-bytes.js';
import { TRAINING_PASS_BYTES } from '../memory-budget.js';

export const name = 'prednet-camera';

const WEIGHTS_URL = new URL('../../../assets/prednet/prednet-blobs.nrai', import.meta.url);
const SIZE = 32, FRAMES = 10, LAYERS = 3;  // the shipped model's geometry
const STREAM_FRAMES = 150;  // the stream kept for training windows: 15 s at the page's 10 frames a second
const WAIT_FOR_FRAMES_MS = 100;  // a training call with too few frames waits this long instead of spinning

const shippedBytes = await fetchBytes(WEIGHTS_URL);

/**
 * @param {object} neuroai the wasm module
 * @param {object} config {init: 'shipped' | 'scratch', lr, batch (windows per step), seed}
 */
export async function create(neuroai, { init = 'shipped', lr = 0.0005, batch = 2, seed = 1 } = {}) {
  const model = new neuroai.PredNetLab({ size: SIZE, frames: FRAMES, layers: LAYERS, lr, batch, seed, passBytes: TRAINING_PASS_BYTES });
  try {
    if (init === 'shipped') {
      if (shippedBytes instanceof Error) throw new Error(`the shipped weights: ${shippedBytes.message}`);
      model.loadWeights(shippedBytes);
    }
  } catch (error) {
    model.delete();
    throw error;
  }
  const pixels = SIZE * SIZE;
  const stream = new Float32Array(STREAM_FRAMES * pixels);  // a ring of the latest frames
  let received = 0;  // frames received so far; frame k lives at (k % STREAM_FRAMES)
  let recentLoss = NaN;
  let lastSnapshot = { time: performance.now(), step: 0 };
  // Windows are drawn with a seeded generator (mulberry32): the same stream trains the same way.
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  /** Frames [first, first + FRAMES) of the stream, oldest first, into out at offset. */
  const windowInto = (out, offset, first) => {
    for (let k = 0; k < FRAMES; ++k) {
      const at = ((first + k) % STREAM_FRAMES) * pixels;
      out.set(stream.subarray(at, at + pixels), offset + k * pixels);
    }
  };

  /** The newest frame's readout: {prediction, ePlus, eMinus, error (the mean |E| of layer 0), frame}. */
  function readout() {
    const frames = new Float32Array(FRAMES * pixels);
    windowInto(frames, 0, received - FRAMES);
    const out = model.run(frames, -1);
    const last = FRAMES - 1;
    const e0 = out.error[0];  // (1, T, 2, H, W): E+ then E-
    return {
      frame: received - 1,
      prediction: out.predictions.slice(last * pixels, (last + 1) * pixels),
      ePlus: e0.slice((2 * last) * pixels, (2 * last + 1) * pixels),
      eMinus: e0.slice((2 * last + 1) * pixels, (2 * last + 2) * pixels),
      error: out.layerError[last * LAYERS],
    };
  }

  return {
    describe: () => ({ init, size: SIZE, frames: FRAMES, layers: LAYERS, batch, lr, streamFrames: STREAM_FRAMES,
                       initNote: init === 'shipped' ? 'the shipped weights (trained natively on bouncing blobs)' : 'random initial weights' }),
    chunk: 1,
    async train(steps) {
      // A window needs FRAMES frames; more than a few windows' worth keeps the batch varied.
      const held = Math.min(received, STREAM_FRAMES);
      if (held < FRAMES + batch) {
        await new Promise((resolve) => setTimeout(resolve, WAIT_FOR_FRAMES_MS));
        return;
      }
      for (let s = 0; s < steps; ++s) {
        const x = new Float32Array(batch * FRAMES * pixels);
        for (let b = 0; b < batch; ++b) windowInto(x, b * FRAMES * pixels, received - held + Math.floor(random() * (held - FRAMES + 1)));
        recentLoss = model.trainOn(x);
      }
    },
    snapshot() {
      const now = performance.now(), step = model.steps();
      const windowsPerSecond = ((step - lastSnapshot.step) * batch) / Math.max(1e-3, (now - lastSnapshot.time) / 1000);
      lastSnapshot = { time: now, step };
      return { data: { step, loss: recentLoss, windowsPerSecond, received }, transfer: [] };
    },
    calls: {
      /**
       * Takes the camera's newest frames (a Float32Array of n * 32 * 32 pixels in [0, 1], oldest
       * first) and answers the readout of each once the stream holds a whole window, else null.
       */
      frames(batchOfFrames) {
        if (!(batchOfFrames instanceof Float32Array) || batchOfFrames.length === 0 || batchOfFrames.length % pixels !== 0)
          throw new Error(`frames: expected a Float32Array of n * ${pixels} pixels, got ${batchOfFrames?.length ?? typeof batchOfFrames}`);
        const readouts = [];
        for (let at = 0; at < batchOfFrames.length; at += pixels) {
          const frame = batchOfFrames.subarray(at, at + pixels);
          for (const v of frame) if (!(v >= 0 && v <= 1)) throw new Error(`frames: expected pixels in [0, 1], got ${v}`);
          stream.set(frame, (received % STREAM_FRAMES) * pixels);
          received += 1;
          readouts.push(received >= FRAMES ? readout() : null);
        }
        const transfer = readouts.filter(Boolean).flatMap((r) => [r.prediction.buffer, r.ePlus.buffer, r.eMinus.buffer]);
        return { result: readouts, transfer };
      },
    },
    dispose: () => model.delete(),
  };
}
