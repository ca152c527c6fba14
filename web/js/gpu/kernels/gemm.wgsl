// Tiled GEMM: C (M, N) = op(A) op(B) (+ bias along N), row-major float32.
// op(A) is (M, K): A stored (M, K), or (K, M) when flags & 1 (transA).
// op(B) is (K, N): B stored (K, N), or (N, K) when flags & 2 (transB).
// flags & 4: add bias (N) to every row of C.
// Each workgroup computes a 64 x 64 tile of C with 16 x 16 threads; each thread a 4 x 4
// micro-tile at rows ty + 16 r and columns tx + 16 c (strided, so the shared-memory reads of a
// row of threads are contiguous and the stores to C coalesce). K advances in steps of 16 through
// workgroup tiles of op(A) (16 x 64) and op(B) (16 x 64); out-of-range elements load as 0.
// Dispatch: (ceil(N / 64), ceil(M / 64)).
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

const TILE: u32 = 64u;  // output tile edge
const BK: u32 = 16u;    // depth of one shared-memory step
const T: u32 = 16u;     // threads per tile edge; TILE / T = 4 outputs per thread per edge

// Rows padded to 65 floats: the loads that walk kk fastest store with a stride of 65 words, so
// they spread over the shared-memory banks instead of hitting one (a stride of 64 would).
var<workgroup> tile_a: array<array<f32, 65>, 16>;  // [kk][row in tile]: op(A) transposed
var<workgroup> tile_b: array<array<f32, 65>, 16>;  // [kk][col in tile]

fn load_a(row: u32, kk: u32) -> f32 {
  if (row >= p.m || kk >= p.k) { return 0.0; }
  if ((p.flags & 1u) != 0u) { return a[kk * p.m + row]; }
  return a[row * p.k + kk];
}

fn load_b(kk: u32, col: u32) -> f32 {
  if (kk >= p.k || col >= p.n) { return 0.0; }
  if ((p.flags & 2u) != 0u) { return b[col * p.k + kk]; }
  return b[kk * p.n + col];
}

@compute @workgroup_size(16, 16)
fn main(@builtin(workgroup_id) wg: vec3u, @builtin(local_invocation_id) l: vec3u) {
  let row0 = wg.y * TILE;
  let col0 = wg.x * TILE;
  let tid = l.y * T + l.x;  // 0..255
  var acc: array<array<f32, 4>, 4>;
  for (var k0 = 0u; k0 < p.k; k0 += BK) {
    // 1024 elements per tile, 4 per thread. For op(A) the thread walks the tile's rows with
    // kk fastest when A is (M, K) (contiguous in K); transposed A is contiguous in M.
    for (var i = 0u; i < 4u; i++) {
      let e = tid + i * 256u;
      if ((p.flags & 1u) != 0u) {
        let r = e % TILE; let kk = e / TILE;
        tile_a[kk][r] = load_a(row0 + r, k0 + kk);
      } else {
        let kk = e % BK; let r = e / BK;
        tile_a[kk][r] = load_a(row0 + r, k0 + kk);
      }
      if ((p.flags & 2u) != 0u) {
        let kk = e % BK; let cc = e / BK;
        tile_b[kk][cc] = load_b(k0 + kk, col0 + cc);
      } else {
        let cc = e % TILE; let kk = e / TILE;
        tile_b[kk][cc] = load_b(k0 + kk, col0 + cc);
      }
    }
    workgroupBarrier();
    for (var kk = 0u; kk < BK; kk++) {
      var av: array<f32, 4>;
      var bv: array<f32, 4>;
      for (var r = 0u; r < 4u; r++) { av[r] = tile_a[kk][l.y + r * T]; }
      for (var cc = 0u; cc < 4u; cc++) { bv[cc] = tile_b[kk][l.x + cc * T]; }
      for (var r = 0u; r < 4u; r++) {
        for (var cc = 0u; cc < 4u; cc++) { acc[r][cc] = fma(av[r], bv[cc], acc[r][cc]); }
      }
    }
    workgroupBarrier();
  }
  for (var r = 0u; r < 4u; r++) {
    let row = row0 + l.y + r * T;
    if (row >= p.m) { continue; }
    for (var cc = 0u; cc < 4u; cc++) {
      let col = col0 + l.x + cc * T;
      if (col >= p.n) { continue; }
      var v = acc[r][cc];
      if ((p.flags & 4u) != 0u) { v += bias[col]; }
      c[row * p.n + col] = v;
    }
  }
}
