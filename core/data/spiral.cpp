#include "spiral.h"

#include <cmath>

#include "nn/check.h"
#include "nn/rng.h"
#include "util/det_math.h"

namespace data {

void SpiralConfig::validate() const {
  nn::require_int_range(classes, 2, 8, "SpiralConfig.classes");
  nn::require_int_range(points_per_class, 2, 5000, "SpiralConfig.points_per_class");
  nn::require_range(noise, 0.0, 2.0, "SpiralConfig.noise");
  nn::require_range(turns, 0.1, 3.0, "SpiralConfig.turns");
}

Points2D make_spiral(const SpiralConfig& c, uint64_t seed) {
  c.validate();
  nn::Rng rng(seed, 0x5b1a1);
  Points2D p;
  const int n = c.classes * c.points_per_class;
  p.xy.reserve(static_cast<size_t>(2 * n));
  p.label.reserve(static_cast<size_t>(n));
  constexpr double kTwoPi = 6.283185307179586;
  for (int j = 0; j < c.classes; ++j)
    for (int i = 0; i < c.points_per_class; ++i) {
      const double r = 0.05 + 0.95 * i / (c.points_per_class - 1);
      const double theta = kTwoPi * (c.turns * r + static_cast<double>(j) / c.classes) + c.noise * rng.normal() * r;
      p.xy.push_back(static_cast<float>(r * util::det_cos(theta)));
      p.xy.push_back(static_cast<float>(r * util::det_sin(theta)));
      p.label.push_back(j);
    }
  return p;
}

}  // namespace data
