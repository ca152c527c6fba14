// Multi-head self-attention of the ViT (core/models/vit.cpp, attention_block; nn/ops_vit.h):
// from the fused projection qkv (B, T, 3D) = [q | k | v] (head h owns columns h*dh .. h*dh + dh - 1
// of each part, dh = D / H), per image b, head h and query token i:
//   s_j = (q_i . k_j) / sqrt(dh),  a_j = softmax_j(s),  out[b, i, h*dh + d] = m_h * sum_j a_j v_j[d]
// with m_h = mask[mask_offset + h] when has_mask != 0 (a lesion factor in [0, 1]), else 1.
// out (B, T, D) holds the heads side by side, ready for the output projection.
// Entry point `weights` writes the probabilities a_j themselves instead, out (B, H, T, T) (the
// plan's attention_weights read-out; mask unused): the maps the page draws, for many images at once.
// One thread per (b, h, i): the first pass finds the row max, the second accumulates
// exp(s_j - max) and exp(s_j - max) v_j straight into the thread's own dh outputs, which are
// then divided by the sum (so no per-thread array of T scores is needed; any T and dh work).
// 256 threads per workgroup; dispatch (min(groups, 65535), ceil(groups / 65535)) over B * H * T.
struct Params {
  rows: u32,         // B * H * T
  tokens: u32,       // T
  dim: u32,          // D
  heads: u32,        // H
  mask_offset: u32,  // index of this block's head 0 in mask
  has_mask: u32,
  scale: f32,        // 1 / sqrt(dh)
  _pad: u32,
};

@group(0) @binding(0) var<storage, read> qkv: array<f32>;
@group(0) @binding(1) var<storage, read> mask: array<f32>;
@group(0) @binding(2) var<storage, read_write> out: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

// Thread e's query: image b, head h, token i; where image b's rows of qkv start, and its q and k.
struct Query {
  b: u32,
  h: u32,
  i: u32,
  img: u32,    // image b's first element of qkv
  qbase: u32,  // q_i of head h
  kcol: u32,   // head h's first column of k in a row
  dh: u32,
  ld: u32,     // 3D, the length of a qkv row
};

fn query(e: u32) -> Query {
  let T = p.tokens;
  let D = p.dim;
  let dh = D / p.heads;
  let i = e % T;
  let h = (e / T) % p.heads;
  let b = e / (T * p.heads);
  let ld = 3u * D;
  let img = b * T * ld;
  return Query(b, h, i, img, img + i * ld + h * dh, D + h * dh, dh, ld);
}

// s_j = (q_i . k_j) / sqrt(dh)
fn score(q: Query, j: u32) -> f32 {
  let kbase = q.img + j * q.ld + q.kcol;
  var s = 0.0;
  for (var d = 0u; d < q.dh; d++) { s = fma(qkv[q.qbase + d], qkv[kbase + d], s); }
  return s * p.scale;
}

@compute @workgroup_size(256)
fn main(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let e = g.y * nw.x * 256u + g.x;
  if (e >= p.rows) { return; }
  let q = query(e);
  let T = p.tokens;
  let dh = q.dh;
  let vcol = 2u * p.dim + q.h * dh;
  let obase = (q.b * T + q.i) * p.dim + q.h * dh;

  var m = -3.402823e38;
  for (var j = 0u; j < T; j++) { m = max(m, score(q, j)); }

  for (var d = 0u; d < dh; d++) { out[obase + d] = 0.0; }
  var z = 0.0;
  for (var j = 0u; j < T; j++) {
    let w = exp(score(q, j) - m);
    z += w;
    let vbase = q.img + j * q.ld + vcol;
    for (var d = 0u; d < dh; d++) { out[obase + d] = fma(w, qkv[vbase + d], out[obase + d]); }
  }
  var factor = 1.0 / z;
  if (p.has_mask != 0u) { factor *= mask[p.mask_offset + q.h]; }
  for (var d = 0u; d < dh; d++) { out[obase + d] *= factor; }
}

@compute @workgroup_size(256)
fn weights(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let e = g.y * nw.x * 256u + g.x;  // = (b * H + h) * T + i, the row of out
  if (e >= p.rows) { return; }
  let q = query(e);
  let T = p.tokens;
  let obase = e * T;

  var m = -3.402823e38;
  for (var j = 0u; j < T; j++) {
    let s = score(q, j);
    out[obase + j] = s;
    m = max(m, s);
  }
  var z = 0.0;
  for (var j = 0u; j < T; j++) {
    let w = exp(out[obase + j] - m);
    out[obase + j] = w;
    z += w;
  }
  let inv = 1.0 / z;
  for (var j = 0u; j < T; j++) { out[obase + j] *= inv; }
}
