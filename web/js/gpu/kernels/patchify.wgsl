// The ViT's patch embedding input (core/models/vit.cpp, forward): images standardized as the core
// does (x * scale + shift with scale = 1 / std, shift = -mean / std) and cut into P x P patches, so
// that the conv2d with kernel = stride = P becomes one GEMM with the weight (D, C*P*P) transposed.
//   src = images (B, C, S, S)  ->  dst = patches (B, N, C*P*P), N = (S / P)^2
//   patch n = gy * G + gx (G = S / P); column q = (c, py, px), as the weight's (C, P, P) layout.
// One thread per output element, 256 per workgroup; dispatch (min(groups, 65535), ceil(groups / 65535)).
struct Params {
  count: u32,     // B * N * C * P * P
  image: u32,     // S
  side: u32,      // P (the patch side; `patch` is reserved in WGSL)
  channels: u32,  // C
  scale: f32,
  shift: f32,
};

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read> unused: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let e = g.y * nw.x * 256u + g.x;
  if (e >= p.count) { return; }
  let grid = p.image / p.side;
  let pp = p.side * p.side;
  let row = p.channels * pp;            // C * P * P
  let per_image = grid * grid * row;
  let b = e / per_image;
  let n = (e % per_image) / row;
  let q = e % row;
  let ch = q / pp;
  let py = (q % pp) / p.side;
  let px = q % p.side;
  let y = (n / grid) * p.side + py;
  let x = (n % grid) * p.side + px;
  dst[e] = src[((b * p.channels + ch) * p.image + y) * p.image + x] * p.scale + p.shift;
}
