// A small seeded generator (PCG32, O'Neill 2014). Every source of randomness takes one
// explicitly: no global state, no time-based seeds. Same seed, same build: same numbers.
#pragma once
#include <cmath>
#include <cstdint>

#include "util/det_math.h"

namespace nn {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0x853c49e6748fea9bULL, uint64_t stream = 0xda3e39cb94b95bdbULL) { reseed(seed, stream); }

  void reseed(uint64_t seed, uint64_t stream = 0xda3e39cb94b95bdbULL) {
    state_ = 0;
    inc_ = (stream << 1u) | 1u;
    next_u32();
    state_ += seed;
    next_u32();
    has_spare_ = false;
  }

  /// Uniform 32-bit integer.
  uint32_t next_u32() {
    uint64_t old = state_;
    state_ = old * 6364136223846793005ULL + inc_;
    uint32_t xorshifted = static_cast<uint32_t>(((old >> 18u) ^ old) >> 27u);
    uint32_t rot = static_cast<uint32_t>(old >> 59u);
    return (xorshifted >> rot) | (xorshifted << ((-rot) & 31));
  }

  /// Uniform float in [0, 1) with 24 random bits.
  float uniform() { return static_cast<float>(next_u32() >> 8) * (1.0f / 16777216.0f); }
  /// Uniform float in [lo, hi).
  float uniform(float lo, float hi) { return lo + (hi - lo) * uniform(); }
  /// Uniform integer in [0, n), n > 0 (Lemire's nearly-divisionless method, unbiased).
  uint32_t below(uint32_t n) {
    uint64_t m = static_cast<uint64_t>(next_u32()) * n;
    uint32_t low = static_cast<uint32_t>(m);
    if (low < n) {
      uint32_t threshold = static_cast<uint32_t>(-n) % n;
      while (low < threshold) {
        m = static_cast<uint64_t>(next_u32()) * n;
        low = static_cast<uint32_t>(m);
      }
    }
    return static_cast<uint32_t>(m >> 32);
  }
  /// Standard normal (Box-Muller in double precision, the second value cached).
  float normal() {
    if (has_spare_) {
      has_spare_ = false;
      return spare_;
    }
    double u1 = (static_cast<double>(next_u32()) + 1.0) * (1.0 / 4294967296.0);  // (0, 1]
    double u2 = static_cast<double>(next_u32()) * (1.0 / 4294967296.0);
    double r = std::sqrt(-2.0 * util::det_log(u1));
    double theta = 6.283185307179586 * u2;
    spare_ = static_cast<float>(r * util::det_sin(theta));
    has_spare_ = true;
    return static_cast<float>(r * util::det_cos(theta));
  }
  float normal(float mean, float stddev) { return mean + stddev * normal(); }
  /// Poisson sample (Knuth for small means, a rounded normal approximation above 30).
  int poisson(double mean) { return poisson(mean, mean > 0 && mean <= 30 ? util::det_exp(-mean) : 0.0); }
  /// The same draw, with exp(-mean) (util::det_exp) from the caller: many draws of one mean share it.
  int poisson(double mean, double exp_neg_mean) {
    if (mean <= 0) return 0;
    if (mean > 30) {
      double v = std::round(mean + std::sqrt(mean) * normal());
      return v < 0 ? 0 : static_cast<int>(v);
    }
    double limit = exp_neg_mean, p = 1.0;
    int k = 0;
    do {
      ++k;
      p *= (static_cast<double>(next_u32()) + 0.5) * (1.0 / 4294967296.0);
    } while (p > limit);
    return k - 1;
  }

 private:
  uint64_t state_ = 0, inc_ = 0;
  bool has_spare_ = false;
  float spare_ = 0;
};

}  // namespace nn
