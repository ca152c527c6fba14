// Resampling of (B, C, H, W) maps by 2 (as nn::upsample2x, nn::max_pool2x2). Entry points, one
// thread per output element, 256 per workgroup; dispatch (min(groups, 65535), ceil(groups / 65535)):
//   upsample2x: y (B, C, 2H, 2W), y[.., yy, xx] = x[.., yy / 2, xx / 2]   (nearest neighbour)
//   maxpool2x2: y (B, C, H/2, W/2) = the max of each 2x2 block of x (stride 2)
// h, w: the sides of y.
struct Params {
  count: u32,  // elements of y
  h: u32,
  w: u32,
  _pad: u32,
};

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> unused: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256)
fn upsample2x(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = g.y * nw.x * 256u + g.x;
  if (i >= p.count) { return; }
  let plane = i / (p.h * p.w);  // b * C + c
  let yy = (i / p.w) % p.h;
  let xx = i % p.w;
  let hi = p.h / 2u;
  let wi = p.w / 2u;
  y[i] = x[(plane * hi + yy / 2u) * wi + xx / 2u];
}

@compute @workgroup_size(256)
fn maxpool2x2(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = g.y * nw.x * 256u + g.x;
  if (i >= p.count) { return; }
  let plane = i / (p.h * p.w);
  let yy = (i / p.w) % p.h;
  let xx = i % p.w;
  let wi = 2u * p.w;
  let base = (plane * 2u * p.h + 2u * yy) * wi + 2u * xx;
  y[i] = max(max(x[base], x[base + 1u]), max(x[base + wi], x[base + wi + 1u]));
}
