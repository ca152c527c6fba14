// Layer normalization over the last axis of x (rows, cols) with gamma, beta (cols), as in the
// core's nn::layernorm: mean, then the biased variance of (x - mean) (two passes), then
// y = (x - mean) / sqrt(var + eps) * gamma + beta. The core's default eps is 1e-5.
// One workgroup of 256 threads per row with tree reductions in workgroup memory.
// Dispatch: (min(rows, 65535), ceil(rows / 65535)).
struct Params {
  rows: u32,
  cols: u32,
  eps: f32,
  _pad: u32,
};

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> gamma: array<f32>;
@group(0) @binding(2) var<storage, read> beta: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

const WG: u32 = 256u;
var<workgroup> red: array<f32, 256>;

// Sum of v over the workgroup; every thread gets the result.
fn workgroup_sum(t: u32, v: f32) -> f32 {
  red[t] = v;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) { red[t] += red[t + s]; }
    workgroupBarrier();
  }
  let total = red[0];
  workgroupBarrier();
  return total;
}

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) l: vec3u,
        @builtin(num_workgroups) nw: vec3u) {
  let row = wg.y * nw.x + wg.x;  // uniform across the workgroup
  if (row >= p.rows) { return; }
  let base = row * p.cols;
  let t = l.x;
  let d = f32(p.cols);

  var s = 0.0;
  for (var j = t; j < p.cols; j += WG) { s += x[base + j]; }
  let mean = workgroup_sum(t, s) / d;

  var q = 0.0;
  for (var j = t; j < p.cols; j += WG) { let c = x[base + j] - mean; q += c * c; }
  let rstd = 1.0 / sqrt(workgroup_sum(t, q) / d + p.eps);

  for (var j = t; j < p.cols; j += WG) {
    y[base + j] = (x[base + j] - mean) * rstd * gamma[j] + beta[j];
  }
}
