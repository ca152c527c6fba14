// Concatenation along the last axis: y (rows, wa + wb + wc) = [a | b | c] with a (rows, wa),
// b (rows, wb), c (rows, wc); wc = 0 for two inputs (c not read). One thread per element of y,
// 256 per workgroup; dispatch (min(groups, 65535), ceil(groups / 65535)). A copy: exact.
struct Params {
  rows: u32,
  wa: u32,
  wb: u32,
  wc: u32,
};

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read> c: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = g.y * nw.x * 256u + g.x;
  let w = p.wa + p.wb + p.wc;
  if (i >= p.rows * w) { return; }
  let r = i / w;
  let k = i % w;
  if (k < p.wa) {
    y[i] = a[r * p.wa + k];
  } else if (k < p.wa + p.wb) {
    y[i] = b[r * p.wb + k - p.wa];
  } else {
    y[i] = c[r * p.wc + k - p.wa - p.wb];
  }
}
