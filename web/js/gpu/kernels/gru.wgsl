// One GRU step from its projections (models::gru_gates in core/models/lfads.cpp), one thread per
// element of the new state h' (rows, H), 256 per workgroup; dispatch (min(groups, 65535),
// ceil(groups / 65535)) with groups = ceil(rows * H / 256).
//   xp: input projections x W_x + b, (rows, steps, 3H): row b's step `step` is read, so an encoder
//       reads all its steps from one (B, T, 3H) projection; steps = 1 for a one-step projection
//   hp: h W_h (rows, 3H);  h: the previous state (rows, H);  both unused when first = 1 (h = 0)
//   z = sigmoid(xz + hz), r = sigmoid(xr + hr), n = tanh(xn + r hn), h' = clamp(n + z (h - n), +-clip)
// Gate order [z | r | n] along the 3H axis, as the core's.
struct Params {
  rows: u32,
  hidden: u32,
  steps: u32,
  step: u32,
  first: u32,   // 1: the previous state is zero (no hp, h bound)
  clip: f32,
  _pad0: u32,
  _pad1: u32,
};

@group(0) @binding(0) var<storage, read> xp: array<f32>;
@group(0) @binding(1) var<storage, read> hp: array<f32>;
@group(0) @binding(2) var<storage, read> h: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

// 1 / (1 + e^-x), as the core's; exp(-x) overflows to +inf for x < -88, giving 0 as it should.
fn sigmoid(x: f32) -> f32 {
  return 1.0 / (1.0 + exp(-x));
}

// tanh from e^(-2|x|) (no overflow for any x; some WGSL tanh builtins return NaN for large |x|).
fn tanh_safe(x: f32) -> f32 {
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = g.y * nw.x * 256u + g.x;
  let H = p.hidden;
  if (i >= p.rows * H) { return; }
  let b = i / H;
  let j = i % H;
  let xrow = (b * p.steps + p.step) * 3u * H;
  var hz = 0.0;
  var hr = 0.0;
  var hn = 0.0;
  var prev = 0.0;
  if (p.first == 0u) {
    let hrow = b * 3u * H;
    hz = hp[hrow + j];
    hr = hp[hrow + H + j];
    hn = hp[hrow + 2u * H + j];
    prev = h[i];
  }
  let z = sigmoid(xp[xrow + j] + hz);
  let r = sigmoid(xp[xrow + H + j] + hr);
  let n = tanh_safe(xp[xrow + 2u * H + j] + r * hn);
  y[i] = clamp(n + z * (prev - n), -p.clip, p.clip);
}
