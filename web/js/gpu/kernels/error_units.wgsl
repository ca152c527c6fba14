// PredNet's error units (models::prednet_error_units): E = [ReLU(A - Ahat) ; ReLU(Ahat - A)] along
// channels. a, ahat (B, C, H, W) -> y (B, 2C, H, W): per item the positive part, then the negative.
// One thread per element of y, 256 per workgroup; dispatch (min(groups, 65535), ceil(groups / 65535)).
struct Params {
  count: u32,  // B * 2C * H * W
  block: u32,  // C * H * W: one item of a
};

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> ahat: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = g.y * nw.x * 256u + g.x;
  if (i >= p.count) { return; }
  let b = i / (2u * p.block);
  let k = i % (2u * p.block);
  let j = b * p.block + k % p.block;
  let d = a[j] - ahat[j];
  y[i] = select(max(-d, 0.0), max(d, 0.0), k < p.block);
}
