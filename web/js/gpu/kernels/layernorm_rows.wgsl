// Layer normalization over the last axis of x (rows, cols), one thread per row: for the short rows
// of a small transformer (cols <= 256, e.g. the ViT's 64-wide tokens), where layernorm.wgsl's
// workgroup of 256 threads per row would leave most threads idle and wait at every barrier.
// Same math as layernorm.wgsl and the core's nn::layernorm: mean, then the biased variance of
// (x - mean) (two passes), y = (x - mean) / sqrt(var + eps) * gamma + beta.
// Same bindings and params as layernorm.wgsl. 64 threads per workgroup;
// dispatch (min(groups, 65535), ceil(groups / 65535)) with groups = ceil(rows / 64).
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

@compute @workgroup_size(64)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let row = g.y * nw.x * 64u + g.x;
  if (row >= p.rows) { return; }
  let base = row * p.cols;
  let d = f32(p.cols);
  var s = 0.0;
  for (var j = 0u; j < p.cols; j++) { s += x[base + j]; }
  let mean = s / d;
  var q = 0.0;
  for (var j = 0u; j < p.cols; j++) { let c = x[base + j] - mean; q += c * c; }
  let rstd = 1.0 / sqrt(q / d + p.eps);
  for (var j = 0u; j < p.cols; j++) {
    y[base + j] = (x[base + j] - mean) * rstd * gamma[j] + beta[j];
  }
}
