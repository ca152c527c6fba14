// The packed GEMM alone, as a small wasm module for bench/gemm-relaxed.mjs, which builds it twice:
// plain SIMD (the shipped kernel) and with relaxed SIMD's multiply-add (-DNEUROAI_RELAXED_MADD).
#include <emscripten/emscripten.h>

#include <vector>

#include "nn/gemm.h"

namespace {
std::vector<float> a, b, c;
}

extern "C" {

/// n x n operands filled with a fixed pattern in [-1, 1]; returns C's address (n * n floats).
EMSCRIPTEN_KEEPALIVE float* setup(int n) {
  const size_t count = static_cast<size_t>(n) * n;
  a.resize(count);
  b.resize(count);
  c.assign(count, 0.0f);
  unsigned state = 12345u;
  const auto next = [&] {
    state = state * 1664525u + 1013904223u;
    return static_cast<float>(state >> 8) / 8388608.0f - 1.0f;
  };
  for (float& x : a) x = next();
  for (float& x : b) x = next();
  return c.data();
}

/// C = A B, `calls` times (setup first).
EMSCRIPTEN_KEEPALIVE void multiply(int n, int calls) {
  for (int i = 0; i < calls; ++i)
    nn::gemm_packed(false, false, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
}
}
