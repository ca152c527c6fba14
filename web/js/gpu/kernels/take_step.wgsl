// One time step of a batch of sequences: x (B, steps, inner) -> y (B, inner) = x[:, step] (e.g.
// PredNet's input frame t of (B, T, C, H, W)). A copy: exact. One thread per element of y, 256 per
// workgroup; dispatch (min(groups, 65535), ceil(groups / 65535)).
struct Params {
  count: u32,  // B * inner
  inner: u32,
  steps: u32,
  step: u32,
};

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> unused: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = g.y * nw.x * 256u + g.x;
  if (i >= p.count) { return; }
  let b = i / p.inner;
  y[i] = x[(b * p.steps + p.step) * p.inner + i % p.inner];
}
