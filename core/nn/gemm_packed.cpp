// A packed, register-blocked GEMM written with generic vector extensions (GCC/Clang), so one
// source compiles to WebAssembly SIMD (two f32x4 per f32x8) under -msimd128, to SSE2 on any
// x86-64 and to AVX2 where the CPU has it, with the same result bits on all of them. It is what
// gemm() uses everywhere (Eigen 3.4 has no wasm SIMD packets, and Eigen's own GEMM rounds
// differently with each instruction set and cache size).
//
// Goto/BLIS structure: C (M x N) += op(A) (M x K) op(B) (K x N) is cut into K-blocks of kKc;
// B's block is packed into column panels of kNr (k-major, kNr floats per k), A's rows into
// panels of MR (k-major, MR floats per k), and an MR x kNr micro-kernel keeps its tile of C in
// MR eight-wide accumulators: per k it loads one row of B's panel, splats MR values of A and does
// MR vector multiply-adds. MR is 8 with AVX2 (eight independent sums hide the add latency in 16
// ymm registers) and 4 elsewhere (8 spills SSE's and V8's 16 registers). Edges are zero-padded in
// the packs and stored through a small tile.
#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "gemm.h"

// f32x8 values pass between inlined helpers only; GCC's note that their ABI differs with and
// without AVX does not concern code that is never called across that boundary.
#pragma GCC diagnostic ignored "-Wpsabi"

namespace nn {

namespace {

constexpr int kNr = 8;    // columns of the micro-tile (one f32x8)
constexpr int kKc = 256;  // depth of a packed block: a kNr panel of B stays in L1
constexpr int kMc = 64;   // rows of A packed at once (a multiple of every MR)

typedef float f32x8 __attribute__((vector_size(32)));

inline f32x8 load8(const float* p) {
  f32x8 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline void store8(float* p, const f32x8& v) { std::memcpy(p, &v, sizeof v); }

// Packs rows [i0, i0 + mc) x depth [k0, k0 + kc) of op(A) into mr-row panels, k-major.
void pack_a(bool trans, const float* A, int lda, int i0, int mc, int k0, int kc, int mr, float* out) {
  for (int ip = 0; ip < mc; ip += mr) {
    const int rows = std::min(mr, mc - ip);
    for (int k = 0; k < kc; ++k) {
      for (int r = 0; r < rows; ++r) {
        const int i = i0 + ip + r, kk = k0 + k;
        out[r] = trans ? A[static_cast<size_t>(kk) * lda + i] : A[static_cast<size_t>(i) * lda + kk];
      }
      for (int r = rows; r < mr; ++r) out[r] = 0.0f;
      out += mr;
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

// The arithmetic of every element of C is fixed by the source, not by the machine: acc starts at
// zero, takes a[k] * b[k] for k in order within one K-block (a multiply, then an add: no fused
// multiply-add, see -ffp-contract=off), and C = alpha * acc + beta * C closes the block. Vector
// lanes and MR only decide which elements are computed together, so the hardware changes the
// speed, never a bit: SSE2, AVX2 and wasm SIMD give the same numbers (the golden tests hold us to it).

// acc + a * b, lane by lane. NEUROAI_RELAXED_MADD (bench/gemm-relaxed.mjs's build only, never the
// shipped module) makes it relaxed SIMD's f32x4.relaxed_madd, one rounding where the hardware
// fuses (its bits then depend on the machine). Clang 14 knows only the proposal's earlier opcode,
// whose operands meant c + a * b: the call passes (a, b, acc), and the bench rewrites each such
// instruction to relaxed_madd, a * b + c, after the build.
__attribute__((always_inline)) inline f32x8 multiply_add(f32x8 acc, float a, const f32x8& b) {
#if defined(NEUROAI_RELAXED_MADD)
  typedef float f32x4 __attribute__((vector_size(16)));
  const f32x4 splat = {a, a, a, a};
  const f32x4 lo = __builtin_wasm_fma_f32x4(splat, __builtin_shufflevector(b, b, 0, 1, 2, 3),
                                            __builtin_shufflevector(acc, acc, 0, 1, 2, 3));
  const f32x4 hi = __builtin_wasm_fma_f32x4(splat, __builtin_shufflevector(b, b, 4, 5, 6, 7),
                                            __builtin_shufflevector(acc, acc, 4, 5, 6, 7));
  return __builtin_shufflevector(lo, hi, 0, 1, 2, 3, 4, 5, 6, 7);
#else
  return acc + a * b;
#endif
}

// acc = Ap (MR x kc) * Bp (kc x kNr); then C tile = alpha * acc + beta * C (rows x cols valid).
// Bp's rows are ldbp apart: kNr in a packed panel, B's own row stride where B is read in place.
template <int MR>
__attribute__((always_inline)) inline void micro_kernel(int kc, const float* Ap, const float* Bp, int ldbp, float alpha,
                                                        float beta, float* C, int ldc, int rows, int cols) {
  f32x8 acc[MR];
  for (int r = 0; r < MR; ++r) acc[r] = f32x8{};
  for (int k = 0; k < kc; ++k) {
    const f32x8 b = load8(Bp);
    for (int r = 0; r < MR; ++r) acc[r] = multiply_add(acc[r], Ap[r], b);
    Ap += MR;
    Bp += ldbp;
  }
  if (rows == MR && cols == kNr) {
    for (int r = 0; r < MR; ++r) {
      float* row = C + static_cast<size_t>(r) * ldc;
      store8(row, beta == 0.0f ? alpha * acc[r] : alpha * acc[r] + beta * load8(row));
    }
    return;
  }
  float tile[MR * kNr];
  for (int r = 0; r < MR; ++r) store8(tile + r * kNr, acc[r]);
  for (int r = 0; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      float& out = C[static_cast<size_t>(r) * ldc + c];
      out = alpha * tile[r * kNr + c] + (beta == 0.0f ? 0.0f : beta * out);
    }
}

// One K-block's op(B): its kNr-column panels packed (Bp, panel jp at Bp + jp * kc, rows kNr
// apart), or B's rows read in place (B + k0 * ldb, rows ldb apart) with only a ragged last panel
// packed (Bp, one panel).
struct BlockB {
  const float* packed;
  const float* in_place;  // null: every panel packed
  int ldb;
  int full_panels_end;  // columns [0, full_panels_end) read in place
  const float* panel(int jp, int kc) const {
    if (in_place == nullptr) return packed + static_cast<size_t>(jp) * kc;
    return jp < full_panels_end ? in_place + jp : packed;
  }
  int stride(int jp) const { return in_place != nullptr && jp < full_panels_end ? ldb : kNr; }
};

// Every micro-tile of one packed block: rows [0, mc) of Ap against all N columns of op(B).
template <int MR>
__attribute__((always_inline)) inline void macro_kernel(int kc, int mc, int N, const float* Ap, const BlockB& b,
                                                        float alpha, float beta, float* C, int ldc) {
  for (int jp = 0; jp < N; jp += kNr) {
    const float* Bp = b.panel(jp, kc);
    const int ldbp = b.stride(jp);
    for (int ip = 0; ip < mc; ip += MR)
      micro_kernel<MR>(kc, Ap + static_cast<size_t>(ip) * kc, Bp, ldbp, alpha, beta,
                       C + static_cast<size_t>(ip) * ldc + jp, ldc, std::min(MR, mc - ip), std::min(kNr, N - jp));
  }
}

void macro_kernel_generic(int kc, int mc, int N, const float* Ap, const BlockB& b, float alpha, float beta, float* C,
                          int ldc) {
  macro_kernel<4>(kc, mc, N, Ap, b, alpha, beta, C, ldc);
}

#if defined(__x86_64__) && defined(__GNUC__)
// One build for every x86-64: this AVX2 copy runs where the CPU has AVX2 (checked at run time).
#define NEUROAI_GEMM_AVX2 1
__attribute__((target("avx2"))) void macro_kernel_avx2(int kc, int mc, int N, const float* Ap, const BlockB& b,
                                                       float alpha, float beta, float* C, int ldc) {
  macro_kernel<8>(kc, mc, N, Ap, b, alpha, beta, C, ldc);
}
#endif

}  // namespace

bool gemm_packed_uses_avx2() {
#ifdef NEUROAI_GEMM_AVX2
  // NEUROAI_GEMM_NO_AVX2=1 runs the SSE2 path on any CPU: the golden tests use it to show that
  // both paths give the same bits.
  static const bool use_avx2 = [] {
    const char* off = std::getenv("NEUROAI_GEMM_NO_AVX2");
    if (off && std::string(off) == "1") return false;
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") != 0;
  }();
  return use_avx2;
#else
  return false;
#endif
}

namespace {

// C = alpha op(A) op(B) + beta C for one K-block's op(B) at a time (b_block(k0, kc) returns it).
template <class BlockOfB>
void gemm_blocks(bool trans_a, int M, int N, int K, float alpha, const float* A, int lda, BlockOfB b_block, float beta,
                 float* C, int ldc) {
  const bool avx2 = gemm_packed_uses_avx2();
  const int mr = avx2 ? 8 : 4;
  static thread_local std::vector<float> packed_a;  // never shrinks
  packed_a.resize(static_cast<size_t>(kMc) * kKc);
  for (int k0 = 0; k0 < K; k0 += kKc) {
    const int kc = std::min(kKc, K - k0);
    const float beta_k = k0 == 0 ? beta : 1.0f;  // later K-blocks accumulate onto C
    const BlockB b = b_block(k0, kc);
    for (int i0 = 0; i0 < M; i0 += kMc) {
      const int mc = std::min(kMc, M - i0);
      pack_a(trans_a, A, lda, i0, mc, k0, kc, mr, packed_a.data());
      float* c_block = C + static_cast<size_t>(i0) * ldc;
#ifdef NEUROAI_GEMM_AVX2
      if (avx2) {
        macro_kernel_avx2(kc, mc, N, packed_a.data(), b, alpha, beta_k, c_block, ldc);
        continue;
      }
#endif
      macro_kernel_generic(kc, mc, N, packed_a.data(), b, alpha, beta_k, c_block, ldc);
    }
  }
}

bool scale_only(int M, int N, int K, float beta, float* C, int ldc) {
  if (M == 0 || N == 0) return true;
  if (K != 0) return false;
  for (int i = 0; i < M; ++i)
    for (int j = 0; j < N; ++j)
      C[static_cast<size_t>(i) * ldc + j] = beta == 0.0f ? 0.0f : beta * C[static_cast<size_t>(i) * ldc + j];
  return true;
}

}  // namespace

size_t gemm_packed_b_size(int N, int K) {
  return static_cast<size_t>((N + kNr - 1) / kNr) * kNr * static_cast<size_t>(std::max(K, 0));
}

void gemm_pack_b(bool trans_b, int N, int K, const float* B, int ldb, float* out) {
  // Block k0's panels start after the earlier blocks' n_panels * kNr * k0 floats.
  const size_t per_k = static_cast<size_t>((N + kNr - 1) / kNr) * kNr;
  for (int k0 = 0; k0 < K; k0 += kKc) pack_b(trans_b, B, ldb, N, k0, std::min(kKc, K - k0), out + per_k * k0);
}

void gemm_prepacked_b(bool trans_a, int M, int N, int K, float alpha, const float* A, int lda, const float* packed_b,
                      float beta, float* C, int ldc) {
  if (scale_only(M, N, K, beta, C, ldc)) return;
  const size_t per_k = static_cast<size_t>((N + kNr - 1) / kNr) * kNr;
  gemm_blocks(
      trans_a, M, N, K, alpha, A, lda,
      [&](int k0, int) {
        return BlockB{packed_b + per_k * k0, nullptr, 0, 0};
      },
      beta, C, ldc);
}

void gemm_packed(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
                 int ldb, float beta, float* C, int ldc) {
  if (scale_only(M, N, K, beta, C, ldc)) return;
  static thread_local std::vector<float> packed_b;  // never shrinks
  // With one block of A's rows, each panel of B is read once: packing it would copy B for
  // nothing, so B's rows are read in place (the same products, summed in the same order). Only
  // a ragged last panel, which the micro-kernel reads kNr wide, is packed.
  if (!trans_b && M <= kMc) {
    const int full = N / kNr * kNr;
    packed_b.resize(static_cast<size_t>(kNr) * kKc);
    gemm_blocks(
        trans_a, M, N, K, alpha, A, lda,
        [&](int k0, int kc) {
          if (full < N) pack_b(false, B + full, ldb, N - full, k0, kc, packed_b.data());
          return BlockB{packed_b.data(), B + static_cast<size_t>(k0) * ldb, ldb, full};
        },
        beta, C, ldc);
    return;
  }
  const int n_panels = (N + kNr - 1) / kNr;
  packed_b.resize(static_cast<size_t>(n_panels) * kNr * kKc);
  gemm_blocks(
      trans_a, M, N, K, alpha, A, lda,
      [&](int k0, int kc) {
        pack_b(trans_b, B, ldb, N, k0, kc, packed_b.data());
        return BlockB{packed_b.data(), nullptr, 0, 0};
      },
      beta, C, ldc);
}

}  // namespace nn
