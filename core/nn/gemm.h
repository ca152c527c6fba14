// Single-precision GEMM, row-major: C = alpha * op(A) * op(B) + beta * C.
// Every matmul and convolution in the core goes through here: gemm_packed(), a register-blocked
// kernel whose result bits do not depend on the machine (natively and in wasm alike). Eigen's
// GEMM stays as the speed peer of `neuroai bench gemm`; gemm_reference() is a plain loop that the
// tests compare with both.
#pragma once

#include <cstddef>

namespace nn {

/// op(A) is (M x K): A is (M x K) with row stride lda, or (K x M) when trans_a.
/// op(B) is (K x N): B is (K x N) with row stride ldb, or (N x K) when trans_b.
/// C is (M x N) with row stride ldc. beta == 0 ignores C's old contents (NaN included).
void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
          int ldb, float beta, float* C, int ldc);

/// Eigen's GEMM: faster with -march=native, but its bits depend on the CPU (the benchmark's peer).
void gemm_eigen(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
                int ldb, float beta, float* C, int ldc);

/// The packed vector-extension kernel behind gemm().
void gemm_packed(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda, const float* B,
                 int ldb, float beta, float* C, int ldc);

/// op(B) packed once for many products that share it (a weight read at every time step):
/// gemm_pack_b() writes gemm_packed_b_size(N, K) floats; gemm_prepacked_b() is gemm() with them.
size_t gemm_packed_b_size(int N, int K);
void gemm_pack_b(bool trans_b, int N, int K, const float* B, int ldb, float* out);
void gemm_prepacked_b(bool trans_a, int M, int N, int K, float alpha, const float* A, int lda, const float* packed_b,
                      float beta, float* C, int ldc);

/// Whether gemm_packed() runs its AVX2 copy on this machine (same bits, more speed).
bool gemm_packed_uses_avx2();

/// The same contract as gemm(), computed by a plain loop in double precision.
void gemm_reference(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
                    const float* B, int ldb, float beta, float* C, int ldc);

/// Which kernel gemm() runs on this machine ("packed-avx2", "packed-sse2", "packed-simd128").
const char* gemm_kernel_name();

}  // namespace nn
