// The landing page's live demo: an MLP learning to separate 2-D spirals with Adam.
// It exercises the whole path (tape, ops, optimizer, weights) at a size that trains in seconds.
#pragma once
#include <cstdint>
#include <vector>

#include "data/spiral.h"
#include "mlp.h"
#include "nn/optim.h"
#include "nn/rng.h"

namespace models {

struct SpiralClassifierConfig {
  data::SpiralConfig data;
  int hidden = 32;
  int layers = 2;
  std::string activation = "tanh";
  float lr = 0.01f;
  int batch = 64;
  uint64_t seed = 1;
  void validate() const;
};

class SpiralClassifier {
 public:
  explicit SpiralClassifier(const SpiralClassifierConfig& config);

  /// One Adam step on a random minibatch; returns its loss.
  float train_step();
  /// `steps` Adam steps; returns the mean minibatch loss.
  float train(int steps);
  /// Cross-entropy and accuracy over the whole data set.
  float loss();
  float accuracy();
  /// Class probabilities for n points xy (n, 2) into probs (n, classes).
  void predict(const float* xy, int n, float* probs);
  /// Probabilities on a res x res grid over [-extent, extent]^2, rows from top (y = +extent)
  /// to bottom: out (res * res, classes).
  void decision_grid(int res, float extent, float* out);

  long long steps() const { return steps_; }
  const data::Points2D& points() const { return points_; }
  const SpiralClassifierConfig& config() const { return config_; }
  Mlp& mlp() { return mlp_; }

 private:
  SpiralClassifierConfig config_;
  data::Points2D points_;
  Mlp mlp_;
  nn::Adam adam_;
  nn::Rng rng_;
  nn::Tape tape_;
  std::vector<float> batch_x_;
  std::vector<int> batch_y_;
  long long steps_ = 0;
};

}  // namespace models
