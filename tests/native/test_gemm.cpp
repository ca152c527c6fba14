// gemm() against the double-precision reference: every transpose, odd sizes, alpha/beta, strides.
#include <algorithm>
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "nn/gemm.h"
#include "nn/rng.h"

using GemmFn = void (*)(bool, bool, int, int, int, float, const float*, int, const float*, int, float, float*, int);

TEST_CASE("gemm kernels match the reference on odd shapes, transposes, alpha and beta", "[gemm]") {
  nn::Rng rng(20);
  const std::pair<const char*, GemmFn> kernels[] = {{"eigen", nn::gemm_eigen}, {"packed", nn::gemm_packed}};
  for (const auto& [kernel, fn] : kernels) {
    const int shapes[][3] = {{1, 1, 1}, {3, 5, 7}, {17, 9, 33}, {64, 65, 63}, {5, 130, 2}, {70, 19, 300}, {9, 21, 300}};
    for (const auto& s : shapes)
      for (int ta = 0; ta < 2; ++ta)
        for (int tb = 0; tb < 2; ++tb)
          for (float beta : {0.0f, 1.0f, 0.5f}) {
            const int M = s[0], N = s[1], K = s[2];
            const int lda = (ta ? M : K) + 3, ldb = (tb ? K : N) + 1, ldc = N + 2;  // padded rows
            std::vector<float> A(static_cast<size_t>((ta ? K : M) * lda)), B(static_cast<size_t>((tb ? N : K) * ldb)),
                C(static_cast<size_t>(M * ldc)), R;
            for (auto& v : A) v = rng.uniform(-1, 1);
            for (auto& v : B) v = rng.uniform(-1, 1);
            for (auto& v : C) v = rng.uniform(-1, 1);
            R = C;
            fn(ta, tb, M, N, K, 0.75f, A.data(), lda, B.data(), ldb, beta, C.data(), ldc);
            nn::gemm_reference(ta, tb, M, N, K, 0.75f, A.data(), lda, B.data(), ldb, beta, R.data(), ldc);
            for (int i = 0; i < M; ++i)
              for (int j = 0; j < N; ++j) {
                INFO(kernel << " M=" << M << " N=" << N << " K=" << K << " ta=" << ta << " tb=" << tb
                            << " beta=" << beta);
                CHECK(C[i * ldc + j] == Approx(R[i * ldc + j]).margin(1e-4 * std::sqrt(K)));
              }
          }
  }
}

TEST_CASE("gemm with beta = 0 ignores NaN in C", "[gemm]") {
  for (GemmFn fn : {nn::gemm_eigen, nn::gemm_packed}) {
    std::vector<float> A = {1, 2}, B = {3, 4}, C = {NAN};
    fn(false, false, 1, 1, 2, 1.0f, A.data(), 2, B.data(), 1, 0.0f, C.data(), 1);
    CHECK(C[0] == 11.0f);
  }
}

// A product of few rows reads B in place (no packing) and a prepacked B^T skips the packing too;
// each element is still the same products summed in the same order, so the bits must be those of
// the packed path (which a product of more than 64 rows takes).
TEST_CASE("gemm reads B in place or prepacked with the packed path's bits", "[gemm]") {
  nn::Rng rng(21);
  for (const auto& s : {std::array<int, 2>{19, 40}, std::array<int, 2>{192, 300}, std::array<int, 2>{8, 5}}) {
    const int N = s[0], K = s[1], M_big = 130, M = 17;
    for (int ta = 0; ta < 2; ++ta)
      for (int tb = 0; tb < 2; ++tb) {
        const int lda = ta ? M_big : K, ldb = tb ? K : N;
        std::vector<float> A(static_cast<size_t>(M_big) * K), B(static_cast<size_t>(N) * K);
        std::vector<float> C_big(static_cast<size_t>(M_big) * N), C(static_cast<size_t>(M) * N),
            C_pre(static_cast<size_t>(M) * N);
        for (auto& v : A) v = rng.uniform(-1, 1);
        for (auto& v : B) v = rng.uniform(-1, 1);
        for (auto& v : C_big) v = rng.uniform(-1, 1);
        std::copy_n(C_big.begin(), C.size(), C.begin());
        C_pre = C;
        nn::gemm_packed(ta, tb, M_big, N, K, 0.75f, A.data(), lda, B.data(), ldb, 0.5f, C_big.data(), N);
        // The first M rows alone: op(A)'s rows [0, M) (with trans_a, the first M columns of A).
        nn::gemm_packed(ta, tb, M, N, K, 0.75f, A.data(), lda, B.data(), ldb, 0.5f, C.data(), N);
        std::vector<float> packed(nn::gemm_packed_b_size(N, K));
        nn::gemm_pack_b(tb, N, K, B.data(), ldb, packed.data());
        nn::gemm_prepacked_b(ta, M, N, K, 0.75f, A.data(), lda, packed.data(), 0.5f, C_pre.data(), N);
        INFO("N=" << N << " K=" << K << " ta=" << ta << " tb=" << tb);
        for (size_t i = 0; i < C.size(); ++i) {
          CHECK(C[i] == C_big[i]);
          CHECK(C_pre[i] == C_big[i]);
        }
      }
  }
}
