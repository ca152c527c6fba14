// Single-precision GEMM, row-major: C = alpha * op(A) * op(B) + beta * C.
// Every matmul and convolution in the core goes through here. The default path is Eigen's
// blocked GEMM; gemm_reference() is a plain triple loop kept for tests.
#pragma once

namespace nn {

/// op(A) is (M x K): A is (M x K) with row stride lda, or (K x M) when trans_a.
/// op(B) is (K x N): B is (K x N) with row stride ldb, or (N x K) when trans_b.
/// C is (M x N) with row stride ldc. beta == 0 ignores C's old contents (NaN included).
void gemm(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
          const float* B, int ldb, float beta, float* C, int ldc);

/// The same contract as gemm(), computed by a plain loop in double precision.
void gemm_reference(bool trans_a, bool trans_b, int M, int N, int K, float alpha, const float* A, int lda,
                    const float* B, int ldb, float beta, float* C, int ldc);

/// Which kernel gemm() uses in this build ("eigen" or "wasm-simd128").
const char* gemm_kernel_name();

}  // namespace nn
