// neuroai bench gemm: GFLOP/s of nn::gemm (the kernel behind matmul and conv2d) beside Eigen's
// GEMM in the same build, timed alternately so that the ratio shares the machine's noise.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <vector>

#include "commands.h"
#include "nn/eigen.h"
#include "nn/gemm.h"
#include "nn/rng.h"
#include "util/json.h"

namespace cli {

namespace {

/// Median seconds per call of f over `repeats` timed batches, each at least ~40 ms long.
template <class F>
double median_seconds(F&& f, int repeats) {
  using clock = std::chrono::steady_clock;
  int calls = 1;
  for (;;) {  // calibrate the batch size
    auto t0 = clock::now();
    for (int i = 0; i < calls; ++i) f();
    const double s = std::chrono::duration<double>(clock::now() - t0).count();
    if (s > 0.04) break;
    calls *= 2;
  }
  std::vector<double> per_call;
  for (int r = 0; r < repeats; ++r) {
    auto t0 = clock::now();
    for (int i = 0; i < calls; ++i) f();
    per_call.push_back(std::chrono::duration<double>(clock::now() - t0).count() / calls);
  }
  std::sort(per_call.begin(), per_call.end());
  return per_call[per_call.size() / 2];
}

}  // namespace

int bench_gemm(Args& args) {
  const auto sizes = args.get_int_list("sizes", {64, 128, 256, 512}, 1, 4096);
  const int repeats = args.get_int("repeats", 7, 1, 101);
  const bool json = args.flag("json");
  args.finish("bench gemm");
  nn::Rng rng(42);
  util::Json out;
  out.begin_object().field("bench", "gemm").field("kernel", nn::gemm_kernel_name()).field("threads", 1);
  out.field("peer", "eigen").field("repeats", repeats).key("results").begin_array();
  if (!json)
    std::printf(
        "neuroai bench gemm (kernel: %s vs Eigen %d.%d.%d in this build, 1 thread, median of %d)\n"
        "%6s %10s %10s %8s\n",
        nn::gemm_kernel_name(), EIGEN_WORLD_VERSION, EIGEN_MAJOR_VERSION, EIGEN_MINOR_VERSION, repeats, "n", "GFLOP/s",
        "Eigen", "ratio");
  for (int n : sizes) {
    // A, B, C side by side in one buffer, as the tape's arena lays tensors out.
    const size_t nn2 = static_cast<size_t>(n) * n, gap = 16;
    std::vector<float> buffer(3 * (nn2 + gap));
    float *a = buffer.data(), *b = a + nn2 + gap, *c = b + nn2 + gap;
    for (size_t i = 0; i < nn2; ++i) {
      a[i] = rng.uniform(-1, 1);
      b[i] = rng.uniform(-1, 1);
    }
    std::vector<double> ours, eigen;
    for (int r = 0; r < repeats; ++r) {
      ours.push_back(median_seconds([&] { nn::gemm(false, false, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n); }, 1));
      eigen.push_back(median_seconds([&] { nn::gemm_eigen(false, false, n, n, n, 1.0f, a, n, b, n, 0.0f, c, n); }, 1));
    }
    std::sort(ours.begin(), ours.end());
    std::sort(eigen.begin(), eigen.end());
    const double flop = 2.0 * n * n * n, s = ours[ours.size() / 2], s_eigen = eigen[eigen.size() / 2];
    out.begin_object().field("n", n).field("gflops", flop / s / 1e9).field("ms", s * 1e3);
    out.field("eigen_gflops", flop / s_eigen / 1e9).field("ratio_vs_eigen", s_eigen / s).end_object();
    if (!json) std::printf("%6d %10.2f %10.2f %8.2f\n", n, flop / s / 1e9, flop / s_eigen / 1e9, s_eigen / s);
  }
  out.end_array().end_object();
  if (json) std::printf("%s\n", out.str().c_str());
  return 0;
}

}  // namespace cli
