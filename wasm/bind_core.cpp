// Module-level bindings: build facts, the core GEMM (also the reference for WebGPU kernels),
// and a GEMM timing loop for the Node benchmark.
#include <chrono>

#include "js_interop.h"
#include "nn/gemm.h"
#include "nn/rng.h"

using emscripten::val;

namespace {

val build_info() {
  val info = val::object();
  info.set("version", "0.1.0");
  info.set("gemmKernel", nn::gemm_kernel_name());
#ifdef __wasm_simd128__
  info.set("simd128", true);
#else
  info.set("simd128", false);
#endif
  info.set("emscripten", std::to_string(__EMSCRIPTEN_major__) + "." + std::to_string(__EMSCRIPTEN_minor__) + "." +
                             std::to_string(__EMSCRIPTEN_tiny__));
  return info;
}

/// C = alpha op(A) op(B) + beta C, row-major; returns a new Float32Array (M x N).
val gemm(val trans_a, val trans_b, val m, val n, val k, val alpha, val a, val b, val beta, val c) {
  return js::guard([&] {
    const int M = js::integer(m, "gemm: M", 0, 1 << 14), N = js::integer(n, "gemm: N", 0, 1 << 14),
              K = js::integer(k, "gemm: K", 0, 1 << 14);
    nn::require(trans_a.isTrue() || trans_a.isFalse(), "gemm: transA: expected true or false");
    nn::require(trans_b.isTrue() || trans_b.isFalse(), "gemm: transB: expected true or false");
    const float al = static_cast<float>(js::number(alpha, "gemm: alpha"));
    const float be = static_cast<float>(js::number(beta, "gemm: beta"));
    const auto A = js::float32_array(a, "gemm: A", static_cast<long long>(M) * K);
    const auto B = js::float32_array(b, "gemm: B", static_cast<long long>(K) * N);
    std::vector<float> C = c.isUndefined() || c.isNull() ? std::vector<float>(static_cast<size_t>(M) * N, 0.0f)
                                                         : js::float32_array(c, "gemm: C", static_cast<long long>(M) * N);
    const bool ta = trans_a.as<bool>(), tb = trans_b.as<bool>();
    nn::gemm(ta, tb, M, N, K, al, A.data(), ta ? M : K, B.data(), tb ? K : N, be, C.data(), N);
    return js::to_float32_array(C.data(), C.size());
  });
}

/// Runs `calls` n x n x n GEMMs on random data; returns the elapsed seconds.
double bench_gemm(val n_arg, val calls_arg) {
  return js::guard([&] {
    const int n = js::integer(n_arg, "benchGemm: n", 1, 4096);
    const int calls = js::integer(calls_arg, "benchGemm: calls", 1, 1 << 20);
    nn::Rng rng(42);
    std::vector<float> a(static_cast<size_t>(n) * n), b(a.size()), c(a.size());
    for (auto& v : a) v = rng.uniform(-1, 1);
    for (auto& v : b) v = rng.uniform(-1, 1);
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) nn::gemm(false, false, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(neuroai_core) {
  emscripten::function("buildInfo", &build_info);
  emscripten::function("gemm", &gemm);
  emscripten::function("benchGemm", &bench_gemm);
}
