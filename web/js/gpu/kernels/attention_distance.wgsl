// Mean attention distance of one ViT block (models::vit_attention_distance in core/models/vit.cpp):
// from the attention probabilities a (B, H, T, T) (T = N + 1, token 0 the class token, token 1 + p
// patch p of a G x G grid), per image b and head h:
//   out[b, h] = (1 / N) sum_i (sum_j a_ij d_ij) / (sum_j a_ij),  i, j over the N patches,
//   d_ij = P * |centre_i - centre_j| (pixels; P the patch side)
// (the class token left out and the weights renormalized over the patches; a query whose patch
// weights are all zero contributes 0). One thread per (b, h): N * N terms, summed in f32 per query.
// 256 threads per workgroup; dispatch (min(groups, 65535), ceil(groups / 65535)) over B * H.
struct Params {
  rows: u32,   // B * H
  grid: u32,   // G
  side: f32,   // P, the patch side in pixels
  _pad: u32,
};

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> unused: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let e = g.y * nw.x * 256u + g.x;
  if (e >= p.rows) { return; }
  let G = p.grid;
  let N = G * G;
  let T = N + 1u;
  var total = 0.0;
  for (var i = 0u; i < N; i++) {
    let row = (e * T + 1u + i) * T + 1u;  // query patch i, keys 1 .. T - 1
    let yi = f32(i / G);
    let xi = f32(i % G);
    var weighted = 0.0;
    var mass = 0.0;
    for (var j = 0u; j < N; j++) {
      let w = a[row + j];
      let dy = yi - f32(j / G);
      let dx = xi - f32(j % G);
      weighted = fma(w, sqrt(dx * dx + dy * dy), weighted);
      mass += w;
    }
    if (mass > 0.0) { total += p.side * weighted / mass; }
  }
  out[e] = total / f32(N);
}
