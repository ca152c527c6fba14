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

struct SpiralTrainerConfig {
  data::SpiralConfig data;
  int hidden = 32;
  int layers = 2;
  std::string activation = "tanh";
  float lr = 0.01f;
  int batch = 64;
  uint64_t seed = 1;
  void validate() const;
};

class SpiralTrainer {
 public:
  explicit SpiralTrainer(const SpiralTrainerConfig& config);

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
  /// The weights file of the network (kind "mlp", its config as text).
  std::vector<uint8_t> export_weights() const;
  /// Loads a weights file made by export_weights or `neuroai train spiral` and adopts its
  /// hidden layers and activation; its inputs (2) and classes must be the data's. Checked before
  /// anything changes; Adam's moments start over.
  void load_weights(const uint8_t* bytes, size_t size);

  const SpiralTrainerConfig& config() const { return config_; }
  Mlp& model() { return mlp_; }

 private:
  SpiralTrainerConfig config_;
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
