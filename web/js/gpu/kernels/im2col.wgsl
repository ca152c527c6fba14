// 3x3 "same" convolution (stride 1, pad 1) lowered to im2col + GEMM, as the core does
// (nn::conv2d): x (N, C, H, W) -> cols (C*9, N*H*W), then gemm.wgsl computes
// out (O, N*H*W) = weight (O, C*9) @ cols, and `to_nchw` moves it to (N, O, H, W), adding bias (O).
// Entry points (one thread per output element, 256 per workgroup; dispatch
// (min(groups, 65535), ceil(groups / 65535)) with groups = ceil(elements / 256)):
//   im2col:  src = x (N, C, H, W), dst = cols (C*9, N*H*W); row (c, kh, kw), column (n, h, w)
//            holds x[n, c, h + kh - 1, w + kw - 1], or 0 in the padding.
//   to_nchw: src = out (O, N*H*W), dst = y (N, O, H, W); adds bias[o] when has_bias != 0.
struct Params {
  n: u32,
  c: u32,
  h: u32,
  w: u32,
  o: u32,
  has_bias: u32,
};

@group(0) @binding(0) var<storage, read> src: array<f32>;
@group(0) @binding(1) var<storage, read> bias: array<f32>;
@group(0) @binding(2) var<storage, read_write> dst: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

fn flat_index(g: vec3u, groups: vec3u) -> u32 {
  return g.y * groups.x * 256u + g.x;
}

@compute @workgroup_size(256)
fn im2col(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let hw = p.h * p.w;
  let positions = p.n * hw;
  let e = flat_index(g, nw);
  if (e >= p.c * 9u * positions) { return; }
  let r = e / positions;   // patch row (c, kh, kw)
  let q = e % positions;   // column (n, h, w)
  let ch = r / 9u;
  let kh = (r % 9u) / 3u;
  let kw = r % 3u;
  let img = q / hw;
  let h = (q % hw) / p.w;
  let w = q % p.w;
  let ih = i32(h) + i32(kh) - 1;
  let iw = i32(w) + i32(kw) - 1;
  var v = 0.0;
  if (ih >= 0 && ih < i32(p.h) && iw >= 0 && iw < i32(p.w)) {
    v = src[((img * p.c + ch) * p.h + u32(ih)) * p.w + u32(iw)];
  }
  dst[e] = v;
}

@compute @workgroup_size(256)
fn to_nchw(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let hw = p.h * p.w;
  let e = flat_index(g, nw);  // index into y (N, O, H, W)
  if (e >= p.n * p.o * hw) { return; }
  let img = e / (p.o * hw);
  let oc = (e / hw) % p.o;
  let s = e % hw;
  var v = src[oc * (p.n * hw) + img * hw + s];
  if (p.has_bias != 0u) { v += bias[oc]; }
  dst[e] = v;
}
