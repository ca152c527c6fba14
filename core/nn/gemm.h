// Single-precision GEMM, row-major: C = alpha * op(A) * op(B) + beta * C.
// Every matmul and convolution in the core goes through here. Natively that is Eigen's blocked
// GEMM; in the wasm build it is gemm_packed(), a register-blocked kernel on 4-wide vectors (Eigen
// 3.4 has no wasm SIMD kernels). gemm_reference() is a plain loop that the tests compare with both.
#pragma once

namespace nn {

/// op(A) is (M x K): A is (M x K) with row stride lda, or (K x M) when trans_a.
/// op(B) is (K x N): B is (K x N) with row stride ldb, or (N x K) when trans_b.
/// C is (M x N) with row stride ldc. beta == 0 ignores C's old contents (NaN included).
void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc);

/// Eigen's GEMM (the native default).
void gemm_eigen(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
                const float* B, int ldb, float beta, float* C, int ldc);

/// The packed vector-extension kernel (the wasm default); compiled and tested natively too.
void gemm_packed(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
                 const float* B, int ldb, float beta, float* C, int ldc);

/// The same contract as gemm(), computed by a plain loop in double precision.
void gemm_reference(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
                    const float* B, int ldb, float beta, float* C, int ldc);

/// Which kernel gemm() uses in this build ("eigen" or "packed-simd128").
const char* gemm_kernel_name();

}  // namespace nn
