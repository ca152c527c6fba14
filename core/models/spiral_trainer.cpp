#include "spiral_trainer.h"

#include <algorithm>
#include <cmath>

#include "nn/weights.h"

namespace models {

namespace {
MlpConfig mlp_config(const SpiralTrainerConfig& c) {
  MlpConfig m;
  m.inputs = 2;
  m.hidden = c.hidden;
  m.layers = c.layers;
  m.outputs = c.data.classes;
  m.activation = c.activation;
  return m;
}
nn::AdamConfig adam_config(const SpiralTrainerConfig& c) {
  nn::AdamConfig a;
  a.lr = c.lr;
  return a;
}
}  // namespace

void SpiralTrainerConfig::validate() const {
  data.validate();
  mlp_config(*this).validate();
  nn::require_range(lr, 1e-6, 1.0, "SpiralTrainerConfig.lr");
  nn::require_int_range(batch, 1, 4096, "SpiralTrainerConfig.batch");
}

SpiralTrainer::SpiralTrainer(const SpiralTrainerConfig& config)
    : config_((config.validate(), config)),
      points_(data::make_spiral(config.data, config.seed)),
      mlp_(mlp_config(config), config.seed),
      adam_(mlp_.params(), adam_config(config)),
      rng_(config.seed, 0xba7c4) {}

std::vector<uint8_t> SpiralTrainer::export_weights() const {
  return nn::encode_weights(mlp_.params(), "mlp", mlp_.config().to_text());
}

void SpiralTrainer::load_weights(const uint8_t* bytes, size_t size) {
  const nn::WeightsFile file = nn::decode_weights(bytes, size, "mlp");
  const MlpConfig theirs = MlpConfig::from_text(file.config);
  nn::require(theirs.inputs == 2 && theirs.outputs == config_.data.classes, "weights file: holds a network of ",
              theirs.inputs, " inputs and ", theirs.outputs, " classes; the spirals have 2 inputs and ",
              config_.data.classes, " classes");
  SpiralTrainerConfig c = config_;
  c.hidden = theirs.hidden;
  c.layers = theirs.layers;
  c.activation = theirs.activation;
  c.validate();
  Mlp fresh(mlp_config(c), c.seed);
  nn::assign_weights(fresh.params(), file, "mlp");
  config_ = c;
  mlp_ = std::move(fresh);
  adam_ = nn::Adam(mlp_.params(), adam_config(config_));
}

float SpiralTrainer::train_step() {
  const int B = config_.batch;
  batch_x_.resize(static_cast<size_t>(2 * B));
  batch_y_.resize(static_cast<size_t>(B));
  for (int i = 0; i < B; ++i) {
    const int j = static_cast<int>(rng_.below(static_cast<uint32_t>(points_.size())));
    batch_x_[2 * i] = points_.xy[2 * j];
    batch_x_[2 * i + 1] = points_.xy[2 * j + 1];
    batch_y_[i] = points_.label[j];
  }
  tape_.reset();
  mlp_.params().zero_grad();
  nn::Var x = tape_.constant(batch_x_.data(), nn::Shape{B, 2});
  nn::Var loss = nn::cross_entropy_logits(mlp_.forward(tape_, x), batch_y_.data(), B);
  tape_.backward(loss);
  adam_.step(mlp_.params());
  ++steps_;
  return loss.item();
}

float SpiralTrainer::train(int steps) {
  nn::require_int_range(steps, 0, 1000000, "SpiralTrainer.train: steps");
  double total = 0;
  for (int s = 0; s < steps; ++s) total += train_step();
  return steps > 0 ? static_cast<float>(total / steps) : 0.0f;
}

float SpiralTrainer::loss() {
  tape_.reset();
  nn::NoGradScope no_grad(tape_);
  nn::Var x = tape_.constant(points_.xy.data(), nn::Shape{points_.size(), 2});
  return nn::cross_entropy_logits(mlp_.forward(tape_, x), points_.label.data(), points_.size()).item();
}

float SpiralTrainer::accuracy() {
  const int n = points_.size(), C = config_.data.classes;
  std::vector<float> probs(static_cast<size_t>(n * C));
  predict(points_.xy.data(), n, probs.data());
  int correct = 0;
  for (int i = 0; i < n; ++i) {
    const float* p = probs.data() + i * C;
    correct += static_cast<int>(std::max_element(p, p + C) - p) == points_.label[i];
  }
  return static_cast<float>(correct) / static_cast<float>(n);
}

void SpiralTrainer::predict(const float* xy, int n, float* probs) {
  nn::require(n >= 0, "SpiralTrainer.predict: n: expected >= 0, got ", n);
  for (int i = 0; i < 2 * n; ++i)
    nn::require(std::isfinite(xy[i]), "SpiralTrainer.predict: xy[", i, "]: expected a finite number, got ", xy[i]);
  if (n == 0) return;
  tape_.reset();
  nn::NoGradScope no_grad(tape_);
  nn::Var p = nn::softmax(mlp_.forward(tape_, tape_.constant(xy, nn::Shape{n, 2})));
  std::copy(p.data(), p.data() + p.numel(), probs);
}

void SpiralTrainer::decision_grid(int res, float extent, float* out) {
  nn::require_int_range(res, 2, 1024, "SpiralTrainer.decision_grid: res");
  nn::require_range(extent, 1e-3, 100.0, "SpiralTrainer.decision_grid: extent");
  std::vector<float> xy(static_cast<size_t>(2 * res * res));
  for (int r = 0; r < res; ++r)
    for (int c = 0; c < res; ++c) {
      xy[2 * (r * res + c)] = -extent + 2 * extent * c / (res - 1);
      xy[2 * (r * res + c) + 1] = extent - 2 * extent * r / (res - 1);
    }
  predict(xy.data(), res * res, out);
}

}  // namespace models
