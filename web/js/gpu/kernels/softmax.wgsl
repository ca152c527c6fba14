// Softmax over the last axis of x (rows, cols), numerically stable (the row max is subtracted
// before exp, as in the core's nn::softmax). One workgroup of 256 threads per row: each thread
// strides over the row, then a tree reduction in workgroup memory gives the max, then the sum.
// Dispatch: (min(rows, 65535), ceil(rows / 65535)).
struct Params {
  rows: u32,
  cols: u32,
};

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read_write> y: array<f32>;
@group(0) @binding(2) var<uniform> p: Params;

const WG: u32 = 256u;
var<workgroup> red: array<f32, 256>;

@compute @workgroup_size(256)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) l: vec3u,
        @builtin(num_workgroups) nw: vec3u) {
  let row = wg.y * nw.x + wg.x;  // uniform across the workgroup
  if (row >= p.rows) { return; }
  let base = row * p.cols;
  let t = l.x;

  var m = -3.402823e38;
  for (var j = t; j < p.cols; j += WG) { m = max(m, x[base + j]); }
  red[t] = m;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) { red[t] = max(red[t], red[t + s]); }
    workgroupBarrier();
  }
  let row_max = red[0];
  workgroupBarrier();

  var z = 0.0;
  for (var j = t; j < p.cols; j += WG) { z += exp(x[base + j] - row_max); }
  red[t] = z;
  workgroupBarrier();
  for (var s = WG / 2u; s > 0u; s >>= 1u) {
    if (t < s) { red[t] += red[t + s]; }
    workgroupBarrier();
  }
  let inv = 1.0 / red[0];

  for (var j = t; j < p.cols; j += WG) { y[base + j] = exp(x[base + j] - row_max) * inv; }
}
