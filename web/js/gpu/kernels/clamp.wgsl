// y[i] = clamp(x[i], lo, hi) over n values (as nn::clamp; PredNet's min(Ahat_0, pixel_max) after
// its ReLU). One thread per element, 256 per workgroup; dispatch (min(groups, 65535), ceil(groups / 65535)).
struct Params {
  n: u32,
  lo: f32,
  hi: f32,
  _pad: u32,
};

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> unused: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = g.y * nw.x * 256u + g.x;
  if (i >= p.n) { return; }
  y[i] = min(max(x[i], p.lo), p.hi);
}
