// The TensorFlow.js peer of the ViT benchmarks (bench/vit.mjs in Node, one thread;
// bench/vit-threads.mjs in Chromium, on threads): the same network op for op as this project's
// ViT: patch embedding (a kernel = stride = P convolution, written as patch extraction + one matmul
// because tfjs-backend-wasm has no Conv2DBackpropFilter kernel), class token, position
// embeddings, pre-norm blocks with fused qkv, softmax attention, exact GELU (erf), final LayerNorm
// on the class token, linear head, softmax cross-entropy; the same optimizer (Adam with decoupled
// weight decay, global gradient-norm clip 1, constant learning rate). Where tfjs has a faster
// formulation of the same function, the peer uses it (see q, k, v below).
export const LR = 1e-3, WEIGHT_DECAY = 0.05, CLIP = 1, IMAGE = 28, CLASSES = 10;
const PIXEL_MEAN = 0.2860, PIXEL_STD = 0.3530;

/**
 * The ViT of `c` ({patch, dim, depth, heads, mlp}) in TensorFlow.js `tf` (its wasm backend set),
 * initialised from `seed`; Adam at LR with decoupled weight decay and a global gradient-norm clip.
 * Returns {params, step({x, y}) -> loss, load(flat), probs(x), dispose()}.
 */
export function tfjsVit(tf, c, seed) {
  const D = c.dim, G = IMAGE / c.patch, N = G * G, T = N + 1, H = c.heads, dh = D / H, P = c.patch;
  const glorot = (shape, fanIn, fanOut) => tf.variable(tf.randomUniform(shape, -Math.sqrt(6 / (fanIn + fanOut)), Math.sqrt(6 / (fanIn + fanOut)), 'float32', seed++));
  const zeros = (shape) => tf.variable(tf.zeros(shape));
  const ones = (shape) => tf.variable(tf.ones(shape));
  const v = {
    patchW: tf.variable(tf.randomNormal([P * P, D], 0, Math.sqrt(1 / (P * P)), 'float32', seed++)), patchB: zeros([D]),
    cls: zeros([1, 1, D]), pos: tf.variable(tf.randomNormal([T, D], 0, 0.02, 'float32', seed++)),
    normG: ones([D]), normB: zeros([D]),
    headW: tf.variable(tf.truncatedNormal([D, CLASSES], 0, 0.02, 'float32', seed++)), headB: zeros([CLASSES]),
    blocks: [],
  };
  for (let l = 0; l < c.depth; l++)
    v.blocks.push({
      ln1G: ones([D]), ln1B: zeros([D]),
      qW: glorot([D, D], D, D), qB: zeros([D]), kW: glorot([D, D], D, D), kB: zeros([D]), vW: glorot([D, D], D, D), vB: zeros([D]),
      outW: glorot([D, D], D, D), outB: zeros([D]), ln2G: ones([D]), ln2B: zeros([D]),
      fc1W: glorot([D, c.mlp], D, c.mlp), fc1B: zeros([c.mlp]), fc2W: glorot([c.mlp, D], c.mlp, D), fc2B: zeros([D]),
    });
  const decayed = [v.patchW, v.headW, ...v.blocks.flatMap((b) => [b.qW, b.kW, b.vW, b.outW, b.fc1W, b.fc2W])];
  const all = [v.patchW, v.patchB, v.cls, v.pos, v.normG, v.normB, v.headW, v.headB, ...v.blocks.flatMap((b) => Object.values(b))];

  // (tf.moments is avoided: tfjs's SquaredDifference gradient does not reduce a broadcast input.)
  const layerNorm = (x, g, b) => {
    const centred = tf.sub(x, tf.mean(x, -1, true));
    const variance = tf.mean(tf.square(centred), -1, true);
    return tf.add(tf.mul(tf.mul(centred, tf.rsqrt(tf.add(variance, 1e-5))), g), b);
  };
  const gelu = (x) => tf.mul(tf.mul(x, tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)), 0.5);
  const dense = (x, w, b) => {  // x (B, T, in) -> (B, T, out)
    const [B, Tn, inDim] = x.shape;
    return tf.reshape(tf.add(tf.matMul(tf.reshape(x, [B * Tn, inDim]), w), b), [B, Tn, w.shape[1]]);
  };

  function logits(x) {  // x (B, 28, 28) pixels in [0, 1]
    const B = x.shape[0];
    const standardized = tf.mul(tf.sub(x, PIXEL_MEAN), 1 / PIXEL_STD);
    const patches = tf.reshape(tf.transpose(tf.reshape(standardized, [B, G, P, G, P]), [0, 1, 3, 2, 4]), [B * N, P * P]);
    const p = tf.reshape(tf.add(tf.matMul(patches, v.patchW), v.patchB), [B, N, D]);         // (B, N, D)
    let z = tf.add(tf.concat([tf.tile(v.cls, [B, 1, 1]), p], 1), v.pos);                    // (B, T, D)
    for (const b of v.blocks) {
      // q, k and v as three matmuls: the same parameters as one (D, 3D) matrix, and faster in
      // tfjs than one matmul and a split (SplitV is slow in its wasm backend).
      const h = layerNorm(z, b.ln1G, b.ln1B);
      const [q, k, vv] = [[b.qW, b.qB], [b.kW, b.kB], [b.vW, b.vB]].map(([w, bias]) =>
        tf.transpose(tf.reshape(dense(h, w, bias), [B, T, H, dh]), [0, 2, 1, 3]));             // (B, H, T, dh)
      const a = tf.softmax(tf.matMul(tf.mul(q, 1 / Math.sqrt(dh)), k, false, true));           // (B, H, T, T)
      const o = tf.reshape(tf.transpose(tf.matMul(a, vv), [0, 2, 1, 3]), [B, T, D]);           // (B, T, D)
      z = tf.add(z, dense(o, b.outW, b.outB));
      z = tf.add(z, dense(gelu(dense(layerNorm(z, b.ln2G, b.ln2B), b.fc1W, b.fc1B)), b.fc2W, b.fc2B));
    }
    const cls = layerNorm(tf.reshape(tf.slice(z, [0, 0, 0], [B, 1, D]), [B, D]), v.normG, v.normB);
    return tf.add(tf.matMul(cls, v.headW), v.headB);                                          // (B, K)
  }

  const optimizer = tf.train.adam(LR, 0.9, 0.999, 1e-8);
  return {
    params: all.reduce((n, t) => n + t.size, 0),
    step({ x, y }) {
      return tf.tidy(() => {
        const xs = tf.tensor(x, [x.length / (IMAGE * IMAGE), IMAGE, IMAGE]);
        const labels = tf.oneHot(tf.tensor1d(y, 'int32'), CLASSES);
        const crossEntropy = () => tf.neg(tf.mean(tf.sum(tf.mul(labels, tf.logSoftmax(logits(xs))), -1)));
        const { value, grads } = tf.variableGrads(crossEntropy, all);
        // The global norm read back once (one sync per gradient cost the threaded backend a wait each).
        const norm = Math.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))).dataSync()[0]);
        const scale = norm > CLIP ? CLIP / (norm + 1e-6) : 1;
        for (const w of decayed) w.assign(tf.mul(w, 1 - LR * WEIGHT_DECAY));  // decoupled weight decay
        optimizer.applyGradients(Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, scale)])));
        return value.dataSync()[0];
      });
    },
    /** Copies this project's parameters (flat, in its registration order, see core/models/vit.cpp). */
    load(flat) {
      let at = 0;
      const take = (n) => flat.subarray(at, (at += n));
      const set = (variable, values, shape = variable.shape) => variable.assign(tf.tensor(values, shape));
      // patch.weight (D, 1, P, P) -> (P*P, D)
      const pw = take(D * P * P), patchW = new Float32Array(P * P * D);
      for (let d = 0; d < D; d++) for (let k = 0; k < P * P; k++) patchW[k * D + d] = pw[d * P * P + k];
      set(v.patchW, patchW);
      set(v.patchB, take(D));
      set(v.cls, take(D));
      set(v.pos, take(T * D));
      for (const b of v.blocks) {
        set(b.ln1G, take(D));
        set(b.ln1B, take(D));
        const qkv = take(D * 3 * D), bias = take(3 * D);  // (D, 3D) = [q | k | v]
        [[b.qW, b.qB], [b.kW, b.kB], [b.vW, b.vB]].forEach(([w, wb], part) => {
          const m = new Float32Array(D * D);
          for (let r = 0; r < D; r++) for (let c2 = 0; c2 < D; c2++) m[r * D + c2] = qkv[r * 3 * D + part * D + c2];
          set(w, m);
          set(wb, bias.subarray(part * D, (part + 1) * D));
        });
        for (const name of ['outW', 'outB', 'ln2G', 'ln2B', 'fc1W', 'fc1B', 'fc2W', 'fc2B']) set(b[name], take(b[name].size));
      }
      for (const name of ['normG', 'normB', 'headW', 'headB']) set(v[name], take(v[name].size));
      if (at !== flat.length) throw new Error(`load: used ${at} of ${flat.length} parameters`);
    },
    probs: (x) => tf.tidy(() => tf.softmax(logits(tf.tensor(x, [x.length / (IMAGE * IMAGE), IMAGE, IMAGE]))).dataSync()),
    dispose() { tf.dispose(all); optimizer.dispose(); },
  };
}
