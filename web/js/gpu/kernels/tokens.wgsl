// The ViT's token sequence (core/models/vit.cpp, forward). Entry points, one thread per output
// element, 256 per workgroup; dispatch (min(groups, 65535), ceil(groups / 65535)):
//   add_tokens:  x = patch tokens (B, N, D), cls (D), pos (T, D) -> y = z0 (B, T, D), T = N + 1:
//                y[b, 0] = cls + pos[0];  y[b, t] = x[b, t - 1] + pos[t]   (z0 = [x_cls ; p] + E_pos)
//   class_token: x = z (B, T, D) -> y (B, D) = z[b, 0], the class token's final state
//                (cls and pos are not read).
struct Params {
  count: u32,   // elements of y
  tokens: u32,  // T
  dim: u32,     // D
  _pad: u32,
};

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> cls: array<f32>;
@group(0) @binding(2) var<storage, read> pos: array<f32>;
@group(0) @binding(3) var<storage, read_write> y: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(256)
fn add_tokens(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let e = g.y * nw.x * 256u + g.x;
  if (e >= p.count) { return; }
  let b = e / (p.tokens * p.dim);
  let t = (e / p.dim) % p.tokens;
  let d = e % p.dim;
  var v = cls[d];
  if (t > 0u) { v = x[(b * (p.tokens - 1u) + t - 1u) * p.dim + d]; }
  y[e] = v + pos[t * p.dim + d];
}

@compute @workgroup_size(256)
fn class_token(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let e = g.y * nw.x * 256u + g.x;
  if (e >= p.count) { return; }
  y[e] = x[(e / p.dim) * p.tokens * p.dim + e % p.dim];
}
