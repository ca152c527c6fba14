// A multilayer perceptron: (Linear -> activation) x layers -> Linear. Dense weights are (in, out).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nn/ops.h"
#include "nn/params.h"

namespace models {

struct MlpConfig {
  int inputs = 2;
  int hidden = 32;
  int layers = 2;  // hidden layers
  int outputs = 3;
  std::string activation = "tanh";  // "tanh" or "relu"
  void validate() const;
  std::string to_text() const;
  static MlpConfig from_text(const std::string& text);
};

class Mlp {
 public:
  Mlp(const MlpConfig& config, uint64_t seed);

  /// x (B, inputs) -> logits (B, outputs).
  nn::Var forward(nn::Tape& tape, nn::Var x);

  const MlpConfig& config() const { return config_; }
  nn::Params& params() { return params_; }
  const nn::Params& params() const { return params_; }

 private:
  MlpConfig config_;
  nn::Params params_;
  std::vector<int> weight_, bias_;  // parameter indices per layer
};

}  // namespace models
