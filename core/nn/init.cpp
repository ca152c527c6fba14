#include "init.h"

#include <cmath>

namespace nn {

std::pair<int, int> fans(const Shape& s) {
  if (s.rank == 2) return {s[0], s[1]};
  if (s.rank == 4) return {s[1] * s[2] * s[3], s[0] * s[2] * s[3]};
  const int n = static_cast<int>(s.numel());
  return {n, n};
}

void init_constant(Params& p, int i, float value) { std::fill_n(p.value(i), p.entry(i).shape.numel(), value); }

void init_uniform(Params& p, int i, Rng& rng, float lo, float hi) {
  float* v = p.value(i);
  for (int64_t k = 0; k < p.entry(i).shape.numel(); ++k) v[k] = rng.uniform(lo, hi);
}

void init_normal(Params& p, int i, Rng& rng, float mean, float stddev) {
  float* v = p.value(i);
  for (int64_t k = 0; k < p.entry(i).shape.numel(); ++k) v[k] = rng.normal(mean, stddev);
}

void init_xavier_uniform(Params& p, int i, Rng& rng) {
  auto [fan_in, fan_out] = fans(p.entry(i).shape);
  const float a = std::sqrt(6.0f / static_cast<float>(fan_in + fan_out));
  init_uniform(p, i, rng, -a, a);
}

void init_he_normal(Params& p, int i, Rng& rng) {
  const float stddev = std::sqrt(2.0f / static_cast<float>(fans(p.entry(i).shape).first));
  init_normal(p, i, rng, 0.0f, stddev);
}

void init_trunc_normal(Params& p, int i, Rng& rng, float stddev) {
  float* v = p.value(i);
  for (int64_t k = 0; k < p.entry(i).shape.numel(); ++k) {
    float z;
    do z = rng.normal();
    while (std::fabs(z) > 2.0f);
    v[k] = stddev * z;
  }
}

}  // namespace nn
