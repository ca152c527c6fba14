// A packed, register-blocked GEMM written with 4-wide vector extensions (GCC/Clang), so one
// source compiles to WebAssembly SIMD (f32x4) under -msimd128 and to SSE natively, where the
// tests check it against the reference. Eigen 3.4 has no wasm SIMD packets; this kernel is
// what gemm() uses in the wasm build.
//
// Goto/BLIS structure: C (M x N) += op(A) (M x K) op(B) (K x N) is cut into K-blocks of kKc;
// B's block is packed into column panels of kNr (k-major, kNr floats per k), A's rows into
// panels of kMr (k-major, kMr floats per k), and a kMr x kNr micro-kernel keeps its tile of C in
// 2 * kMr = 8 vector registers: per k it loads 2 vectors of B, splats kMr values of A and does
// 2 * kMr multiply-adds. Edges are zero-padded in the packs and stored through a small tile.
#include <algorithm>
#include <cstring>
#include <vector>

#include "gemm.h"

namespace nn {

namespace {

typedef float f32x4 __attribute__((vector_size(16)));

constexpr int kMr = 4;    // rows of the micro-tile (6 spills registers in V8 on x86-64)
constexpr int kNr = 8;    // columns of the micro-tile (two f32x4)
constexpr int kKc = 256;  // depth of a packed block: a kNr panel of B stays in L1
constexpr int kMc = 64;   // rows of A packed at once (a multiple of kMr)

inline f32x4 load4(const float* p) {
  f32x4 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store4(float* p, f32x4 v) { std::memcpy(p, &v, sizeof v); }

// Packs rows [i0, i0 + mc) x depth [k0, k0 + kc) of op(A) into kMr-row panels, k-major.
void pack_a(bool trans, const float* A, int lda, int i0, int mc, int k0, int kc, float* out) {
  for (int ip = 0; ip < mc; ip += kMr) {
    const int rows = std::min(kMr, mc - ip);
    for (int k = 0; k < kc; ++k) {
      for (int r = 0; r < rows; ++r) {
        const int i = i0 + ip + r, kk = k0 + k;
        out[r] = trans ? A[static_cast<size_t>(kk) * lda + i] : A[static_cast<size_t>(i) * lda + kk];
      }
      for (int r = rows; r < kMr; ++r) out[r] = 0.0f;
      out += kMr;
    }
  }
}

// Packs depth [k0, k0 + kc) x columns [0, N) of op(B) into kNr-column panels, k-major.
void pack_b(bool trans, const float* B, int ldb, int N, int k0, int kc, float* out) {
  for (int jp = 0; jp < N; jp += kNr) {
    const int cols = std::min(kNr, N - jp);
    for (int k = 0; k < kc; ++k) {
      const int kk = k0 + k;
      if (!trans && cols == kNr) {
        std::memcpy(out, B + static_cast<size_t>(kk) * ldb + jp, kNr * sizeof(float));
      } else {
        for (int c = 0; c < cols; ++c)
          out[c] = trans ? B[static_cast<size_t>(jp + c) * ldb + kk] : B[static_cast<size_t>(kk) * ldb + jp + c];
        for (int c = cols; c < kNr; ++c) out[c] = 0.0f;
      }
      out += kNr;
    }
  }
}

// acc = Ap (kMr x kc) * Bp (kc x kNr); then C tile = alpha * acc + beta * C (rows x cols valid).
void micro_kernel(int kc, const float* Ap, const float* Bp, float alpha, float beta, float* C, int ldc, int rows,
                  int cols) {
  f32x4 c0[kMr], c1[kMr];
  for (int r = 0; r < kMr; ++r) c0[r] = c1[r] = f32x4{0, 0, 0, 0};
  for (int k = 0; k < kc; ++k) {
    const f32x4 b0 = load4(Bp), b1 = load4(Bp + 4);
    for (int r = 0; r < kMr; ++r) {
      const float a = Ap[r];
      c0[r] += a * b0;
      c1[r] += a * b1;
    }
    Ap += kMr;
    Bp += kNr;
  }
  if (rows == kMr && cols == kNr) {
    for (int r = 0; r < kMr; ++r) {
      float* row = C + static_cast<size_t>(r) * ldc;
      if (beta == 0.0f) {
        store4(row, alpha * c0[r]);
        store4(row + 4, alpha * c1[r]);
      } else {
        store4(row, alpha * c0[r] + beta * load4(row));
        store4(row + 4, alpha * c1[r] + beta * load4(row + 4));
      }
    }
    return;
  }
  float tile[kMr * kNr];
  for (int r = 0; r < kMr; ++r) {
    store4(tile + r * kNr, c0[r]);
    store4(tile + r * kNr + 4, c1[r]);
  }
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      float& out = C[static_cast<size_t>(r) * ldc + c];
      out = alpha * tile[r * kNr + c] + (beta == 0.0f ? 0.0f : beta * out);
    }
}

}  // namespace

void gemm_packed(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
                 const float* B, int ldb, float beta, float* C, int ldc) {
  if (M == 0 || N == 0) return;
  if (K == 0) {
    for (int i = 0; i < M; ++i)
      for (int j = 0; j < N; ++j) C[static_cast<size_t>(i) * ldc + j] = beta == 0.0f ? 0.0f : beta * C[static_cast<size_t>(i) * ldc + j];
    return;
  }
  // Reused across calls: packing buffers never shrink (single-threaded by design).
  static thread_local std::vector<float> packed_a, packed_b;
  const int n_panels = (N + kNr - 1) / kNr;
  packed_b.resize(static_cast<size_t>(n_panels) * kNr * kKc);
  packed_a.resize(static_cast<size_t>(kMc) * kKc);
  for (int k0 = 0; k0 < K; k0 += kKc) {
    const int kc = std::min(kKc, K - k0);
    const float beta_k = k0 == 0 ? beta : 1.0f;  // later K-blocks accumulate onto C
    pack_b(trans_b, B, ldb, N, k0, kc, packed_b.data());
    for (int i0 = 0; i0 < M; i0 += kMc) {
      const int mc = std::min(kMc, M - i0);
      pack_a(trans_a, A, lda, i0, mc, k0, kc, packed_a.data());
      for (int jp = 0; jp < N; jp += kNr)
        for (int ip = 0; ip < mc; ip += kMr)
          micro_kernel(kc, packed_a.data() + static_cast<size_t>(ip) * kc, packed_b.data() + static_cast<size_t>(jp) * kc,
                       alpha, beta_k, C + static_cast<size_t>(i0 + ip) * ldc + jp, ldc, std::min(kMr, mc - ip),
                       std::min(kNr, N - jp));
    }
  }
}

}  // namespace nn
