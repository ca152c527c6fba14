// Interleaved 2-D spirals, one arm per class (the classic toy problem for a small MLP).
#pragma once
#include <cstdint>
#include <vector>

namespace data {

struct SpiralConfig {
  int classes = 3;
  int points_per_class = 100;
  float noise = 0.2f;   // std of the angle noise (radians)
  float turns = 0.65f;  // turns of each arm
  void validate() const;
};

struct Points2D {
  std::vector<float> xy;   // (N, 2), inside [-1, 1]^2
  std::vector<int> label;  // (N)
  int size() const { return static_cast<int>(label.size()); }
};

/// Arm j: radius r in [0.05, 1], angle 2 pi (turns r + j / classes) plus Gaussian noise.
Points2D make_spiral(const SpiralConfig& config, uint64_t seed);

}  // namespace data
