// The models' forward plans (core/nn/plan.h: an ordered list of ops over named activations, which
// each model's forwardPlan() exports) run in plain JS, in float64, on the CPU: the reference the
// plan tests hold each plan to (run here, it must reproduce the model's own inference), as
// web/js/gpu/plan-runner.js runs the same plans on WebGPU. The ops every model may use come first,
// then each model's own.
//
//   const run = runPlan(plan, {images: [pixels, ['B', 1, 28, 28]]}, n, {mask});
//   const probs = readOut(plan, run, 'probs');   // the read-out's steps stacked, step-major

const per = (shape) => shape.slice(1).reduce((a, b) => a * b, 1);
const sigmoid = (x) => 1 / (1 + Math.exp(-x));
const hardSigmoid = (x) => Math.min(1, Math.max(0, 0.2 * x + 0.5));

// ---------------------------------------------------------------- ops of every model
// Each op gets (out, ctx): out is the op's zeroed output (n items of its shape); ctx has the op,
// its first input `x`, `input(i)`, `shapeOf(name)`, the weights `W`, n and the run's options.

const COMMON = {
  /** x (rows, k) times W (k, out), or W (out, k) with transposeWeight; plus the bias when given. */
  linear(out, { op, x, W }) {
    const [w, bias] = op.weights.map((k) => W[k]);
    const last = op.shape.at(-1), rows = out.length / last, k = x.length / rows;
    for (let r = 0; r < rows; ++r) for (let j = 0; j < last; ++j) {
      let s = bias ? bias[j] : 0;
      for (let i = 0; i < k; ++i) s += x[r * k + i] * (op.attrs?.transposeWeight ? w[j * k + i] : w[i * last + j]);
      out[r * last + j] = s;
    }
  },
  /** Along the axis after the batch: per item, each input's block in turn. */
  concat(out, { op, input, shapeOf, n }) {
    let o = 0;
    for (let b = 0; b < n; ++b) {
      op.inputs.forEach((name, i) => {
        const v = input(i), len = per(shapeOf(name));
        for (let e = 0; e < len; ++e) out[o++] = v[b * len + e];
      });
    }
  },
  zeros() {},  // the output starts at zero
  add(out, { x, input }) {
    const y = input(1);
    for (let e = 0; e < out.length; ++e) out[e] = x[e] + y[e];
  },
  relu(out, { x }) {
    for (let e = 0; e < out.length; ++e) out[e] = Math.max(0, x[e]);
  },
  clamp(out, { op, x }) {
    for (let e = 0; e < out.length; ++e) out[e] = Math.min(op.attrs.hi, Math.max(op.attrs.lo, x[e]));
  },
  softmax(out, { op, x }) {
    const last = op.shape.at(-1);
    for (let r = 0; r < out.length / last; ++r) {
      const row = x.subarray(r * last, (r + 1) * last), mx = Math.max(...row);
      let z = 0;
      for (let j = 0; j < last; ++j) z += Math.exp(row[j] - mx);
      for (let j = 0; j < last; ++j) out[r * last + j] = Math.exp(row[j] - mx) / z;
    }
  },
  layernorm(out, { op, x, W }) {
    const [g, be] = op.weights.map((k) => W[k]);
    const last = op.shape.at(-1);
    for (let r = 0; r < out.length / last; ++r) {
      let mu = 0, v = 0;
      for (let j = 0; j < last; ++j) mu += x[r * last + j] / last;
      for (let j = 0; j < last; ++j) v += (x[r * last + j] - mu) ** 2 / last;
      for (let j = 0; j < last; ++j) out[r * last + j] = (x[r * last + j] - mu) / Math.sqrt(v + op.attrs.eps) * g[j] + be[j];
    }
  },
  gelu(out, { x }) {
    for (let e = 0; e < out.length; ++e) out[e] = 0.5 * x[e] * (1 + erf(x[e] / Math.SQRT2));
  },
};

// ---------------------------------------------------------------- the ViT's own

/** Query i's attention probabilities over the T tokens in head h of image b, from qkv (n, T, 3D). */
function attentionRow(qkv, { b, h, i, T, D, H }) {
  const dh = D / H, s = new Float64Array(T);
  for (let j = 0; j < T; ++j) {
    for (let d = 0; d < dh; ++d) s[j] += qkv[(b * T + i) * 3 * D + h * dh + d] * qkv[(b * T + j) * 3 * D + D + h * dh + d];
    s[j] /= Math.sqrt(dh);
  }
  const mx = Math.max(...s);
  let z = 0;
  for (let j = 0; j < T; ++j) z += (s[j] = Math.exp(s[j] - mx));
  for (let j = 0; j < T; ++j) s[j] /= z;
  return s;
}

const VIT = {
  patchify(out, { op, x }) {
    const { image: S, patch: P, channels: C, mean, std } = op.attrs;
    const G = S / P, row = C * P * P;
    for (let e = 0; e < out.length; ++e) {
      const b = Math.floor(e / (G * G * row)), p = Math.floor(e / row) % (G * G), q = e % row;
      const ch = Math.floor(q / (P * P)), py = Math.floor(q / P) % P, px = q % P;
      const yy = Math.floor(p / G) * P + py, xx = (p % G) * P + px;
      out[e] = (x[((b * C + ch) * S + yy) * S + xx] - mean) / std;
    }
  },
  tokens(out, { op, x, W, n }) {
    const [cls, pos] = op.weights.map((k) => W[k]);
    const T = op.shape[1], D = op.shape.at(-1);
    for (let b = 0; b < n; ++b) for (let t = 0; t < T; ++t) for (let d = 0; d < D; ++d) {
      out[(b * T + t) * D + d] = (t === 0 ? cls[d] : x[(b * (T - 1) + t - 1) * D + d]) + pos[t * D + d];
    }
  },
  /** Heads side by side; each head's output times its factor in the run's lesion mask. */
  attention(out, { op, x, n, mask }) {
    const [, T, D] = op.shape, H = op.attrs.heads, dh = D / H;
    for (let b = 0; b < n; ++b) for (let h = 0; h < H; ++h) for (let i = 0; i < T; ++i) {
      const w = attentionRow(x, { b, h, i, T, D, H });
      const f = mask ? mask[op.attrs.maskOffset + h] : 1;
      for (let d = 0; d < dh; ++d) {
        let o = 0;
        for (let j = 0; j < T; ++j) o += w[j] * x[(b * T + j) * 3 * D + 2 * D + h * dh + d];
        out[(b * T + i) * D + h * dh + d] = o * f;
      }
    }
  },
  attention_weights(out, { op, x, n }) {
    const [, H, T] = op.shape, D = x.length / n / T / 3;
    for (let b = 0; b < n; ++b) for (let h = 0; h < H; ++h) for (let i = 0; i < T; ++i) {
      out.set(attentionRow(x, { b, h, i, T, D, H }), ((b * H + h) * T + i) * T);
    }
  },
  /** Per (image, head): the mean over query patches of the attention-weighted distance to the key patches. */
  attention_distance(out, { op, x }) {
    const { grid: G, patch: P } = op.attrs, N = G * G, T = N + 1;
    for (let bh = 0; bh < out.length; ++bh) {
      let sum = 0;
      for (let i = 0; i < N; ++i) {
        let weighted = 0, mass = 0;
        for (let j = 0; j < N; ++j) {
          const w = x[(bh * T + 1 + i) * T + 1 + j];
          weighted += w * P * Math.hypot(Math.floor(i / G) - Math.floor(j / G), (i % G) - (j % G));
          mass += w;
        }
        sum += mass > 0 ? weighted / mass : 0;
      }
      out[bh] = sum / N;
    }
  },
  class_token(out, { op, x, n }) {
    const D = op.shape.at(-1), T = x.length / n / D;
    for (let b = 0; b < n; ++b) for (let d = 0; d < D; ++d) out[b * D + d] = x[b * T * D + d];
  },
};

// ---------------------------------------------------------------- LFADS's own

const LFADS = {
  /** One GRU step: x holds every step's input projections (n, steps, 3H); inputs 1 and 2 the
   * recurrent projection and the state before (absent at the first step: zeros). */
  gru(out, { op, x, input, n }) {
    const H = op.shape.at(-1), { step, steps, clip } = op.attrs;
    const hp = input(1), h = input(2);
    for (let b = 0; b < n; ++b) for (let j = 0; j < H; ++j) {
      const at = (b * steps + step) * 3 * H, p = b * 3 * H;
      const z = sigmoid(x[at + j] + (hp ? hp[p + j] : 0));
      const r = sigmoid(x[at + H + j] + (hp ? hp[p + H + j] : 0));
      const c = Math.tanh(x[at + 2 * H + j] + r * (hp ? hp[p + 2 * H + j] : 0));
      const prev = h ? h[b * H + j] : 0;
      out[b * H + j] = Math.min(clip, Math.max(-clip, c + z * (prev - c)));
    }
  },
  bias_rows(out, { op, W }) {
    const bias = W[op.weights[0]], last = op.shape.at(-1);
    for (let e = 0; e < out.length; ++e) out[e] = bias[e % last];
  },
};

// ---------------------------------------------------------------- PredNet's own

const PREDNET = {
  /** Step `step` of the frames input (n, steps, ...). */
  frame(out, { op, x, n }) {
    const inner = per(op.shape);
    for (let b = 0; b < n; ++b) for (let e = 0; e < inner; ++e) out[b * inner + e] = x[(b * op.attrs.steps + op.attrs.step) * inner + e];
  },
  upsample2x(out, { op, x, n }) {
    const [, c, h, w] = op.shape;
    for (let b = 0; b < n * c; ++b) for (let yy = 0; yy < h; ++yy) for (let xx = 0; xx < w; ++xx) {
      out[(b * h + yy) * w + xx] = x[(b * (h / 2) + (yy >> 1)) * (w / 2) + (xx >> 1)];
    }
  },
  maxpool2x2(out, { op, x, n }) {
    const [, c, h, w] = op.shape;
    for (let b = 0; b < n * c; ++b) for (let yy = 0; yy < h; ++yy) for (let xx = 0; xx < w; ++xx) {
      const i = (b * 2 * h + 2 * yy) * 2 * w + 2 * xx;
      out[(b * h + yy) * w + xx] = Math.max(x[i], x[i + 1], x[i + 2 * w], x[i + 2 * w + 1]);
    }
  },
  /** 3x3 convolution, padding 1, weights (out, in, 3, 3). */
  conv3x3(out, { op, x, W, shapeOf, n }) {
    const [wt, bias] = op.weights.map((k) => W[k]);
    const [, c, h, w] = op.shape, ci = shapeOf(op.inputs[0])[1];
    for (let b = 0; b < n; ++b) for (let o = 0; o < c; ++o) for (let yy = 0; yy < h; ++yy) for (let xx = 0; xx < w; ++xx) {
      let s = bias[o];
      for (let k = 0; k < ci; ++k) for (let dy = -1; dy <= 1; ++dy) for (let dx = -1; dx <= 1; ++dx) {
        const sy = yy + dy, sx = xx + dx;
        if (sy < 0 || sy >= h || sx < 0 || sx >= w) continue;
        s += x[((b * ci + k) * h + sy) * w + sx] * wt[((o * ci + k) * 3 + dy + 1) * 3 + dx + 1];
      }
      out[((b * c + o) * h + yy) * w + xx] = s;
    }
  },
  /** From the gate pre-activations z (n, 4r, h, w) as [i, f, o, g]: C' = hσ(f) C + hσ(i) tanh(g). */
  convlstm_cell(out, { op, x, input }) {
    const [, c, h, w] = op.shape, block = c * h * w, cell = input(1);
    for (let e = 0; e < out.length; ++e) {
      const b = Math.floor(e / block), j = e % block, z = (g) => x[(4 * b + g) * block + j];
      out[e] = hardSigmoid(z(1)) * cell[e] + hardSigmoid(z(0)) * Math.tanh(z(3));
    }
  },
  /** R' = hσ(o) tanh(C'). */
  convlstm_hidden(out, { op, x, input }) {
    const [, c, h, w] = op.shape, block = c * h * w, cell = input(1);
    for (let e = 0; e < out.length; ++e) {
      const b = Math.floor(e / block), j = e % block;
      out[e] = hardSigmoid(x[(4 * b + 2) * block + j]) * Math.tanh(cell[e]);
    }
  },
  /** [ReLU(A - Â), ReLU(Â - A)] along the channels. */
  error_units(out, { op, x, input, n }) {
    const [, c, h, w] = op.shape, block = (c / 2) * h * w, ahat = input(1);
    for (let b = 0; b < n; ++b) for (let j = 0; j < block; ++j) {
      const d = x[b * block + j] - ahat[b * block + j];
      out[b * 2 * block + j] = Math.max(d, 0);
      out[b * 2 * block + block + j] = Math.max(-d, 0);
    }
  },
};

const OPS = { ...COMMON, ...VIT, ...LFADS, ...PREDNET };

/**
 * Runs `plan` on n items. inputs: {name: [values (n items), shape ['B', ...]]}; options.mask: the
 * ViT's head lesion mask (depth x heads factors) or null. Returns {acts, shapes}: every
 * activation (Float64Array) and its shape, by name.
 */
export function runPlan(plan, inputs, n, { mask = null } = {}) {
  const acts = new Map(), shapes = new Map();
  for (const [name, [values, shape]] of Object.entries(inputs)) {
    acts.set(name, values);
    shapes.set(name, shape);
  }
  const shapeOf = (name) => shapes.get(name);
  for (const op of plan.ops) {
    const run = OPS[op.op];
    if (!run) throw new Error(`runPlan: unknown op '${op.op}' (output ${op.output})`);
    const out = new Float64Array(n * per(op.shape));
    run(out, { op, x: acts.get(op.inputs[0]), input: (i) => acts.get(op.inputs[i]), shapeOf, W: plan.weights, n, mask });
    acts.set(op.output, out);
    shapes.set(op.output, op.shape);
  }
  return { acts, shapes };
}

/** The plan's read-out `name`: its steps (each n items) stacked, step-major. */
export function readOut(plan, { acts }, name) {
  const output = plan.outputs.find((o) => o.name === name);
  if (!output) throw new Error(`readOut: the plan has no read-out '${name}' (has: ${plan.outputs.map((o) => o.name).join(', ')})`);
  const steps = output.steps.map((s) => acts.get(s));
  const out = new Float64Array(steps.reduce((k, s) => k + s.length, 0));
  steps.reduce((at, s) => { out.set(s, at); return at + s.length; }, 0);
  return out;
}

// erf to ~1e-15 (Abramowitz-Stegun 7.1.26 is not enough here): the Taylor series below 3, the
// continued fraction of erfc above.
function erf(x) {
  const t = Math.abs(x);
  if (t < 3) {
    let sum = t, term = t;
    for (let k = 1; k < 100; ++k) {
      term *= -t * t / k;
      sum += term / (2 * k + 1);
      if (Math.abs(term) < 1e-17) break;
    }
    return Math.sign(x) * 2 / Math.sqrt(Math.PI) * sum;
  }
  let f = 0;
  for (let k = 60; k >= 1; --k) f = (k / 2) / (t + f);
  return Math.sign(x) * (1 - Math.exp(-t * t) / Math.sqrt(Math.PI) / (t + f));
}
