// Plain GEMM, the reference for the tiled kernel (gemm.wgsl) in benchmarks: one thread per
// element of C, reading A and B straight from storage. Same bindings, params and flags as
// gemm.wgsl: C (M, N) = op(A) op(B) (+ bias along N); flags & 1 transA, & 2 transB, & 4 bias.
// Dispatch: (ceil(N / 16), ceil(M / 16)).
struct Params {
  m: u32,
  n: u32,
  k: u32,
  flags: u32,
};

@group(0) @binding(0) var<storage, read> a: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> c: array<f32>;
@group(0) @binding(3) var<storage, read> bias: array<f32>;
@group(0) @binding(4) var<uniform> p: Params;

@compute @workgroup_size(16, 16)
fn main(@builtin(global_invocation_id) g: vec3u) {
  let row = g.y;
  let col = g.x;
  if (row >= p.m || col >= p.n) { return; }
  // Element strides of op(A) along K and of op(B) along K, and the start of each walk.
  let ta = (p.flags & 1u) != 0u;
  let tb = (p.flags & 2u) != 0u;
  let a_step = select(1u, p.m, ta);
  let b_step = select(p.n, 1u, tb);
  var ia = select(row * p.k, row, ta);
  var ib = select(col, col * p.k, tb);
  var s = 0.0;
  for (var kk = 0u; kk < p.k; kk++) {
    s = fma(a[ia], b[ib], s);
    ia += a_step;
    ib += b_step;
  }
  if ((p.flags & 4u) != 0u) { s += bias[col]; }
  c[row * p.n + col] = s;
}
