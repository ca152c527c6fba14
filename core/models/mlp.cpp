#include "mlp.h"

#include "nn/init.h"
#include "nn/rng.h"
#include "util/kv.h"

namespace models {

void MlpConfig::validate() const {
  nn::require_int_range(inputs, 1, 1 << 16, "MlpConfig.inputs");
  nn::require_int_range(hidden, 1, 4096, "MlpConfig.hidden");
  nn::require_int_range(layers, 0, 16, "MlpConfig.layers");
  nn::require_int_range(outputs, 1, 1 << 16, "MlpConfig.outputs");
  nn::require(activation == "tanh" || activation == "relu",
              "MlpConfig.activation: expected \"tanh\" or \"relu\", got \"", activation, "\"");
}

std::string MlpConfig::to_text() const {
  return util::format_kv({{"inputs", std::to_string(inputs)},
                          {"hidden", std::to_string(hidden)},
                          {"layers", std::to_string(layers)},
                          {"outputs", std::to_string(outputs)},
                          {"activation", activation}});
}

MlpConfig MlpConfig::from_text(const std::string& text) {
  const auto kv = util::parse_kv(text);
  MlpConfig c;
  c.inputs = util::kv_int(kv, "inputs", c.inputs);
  c.hidden = util::kv_int(kv, "hidden", c.hidden);
  c.layers = util::kv_int(kv, "layers", c.layers);
  c.outputs = util::kv_int(kv, "outputs", c.outputs);
  c.activation = util::kv_string(kv, "activation", c.activation);
  c.validate();
  return c;
}

Mlp::Mlp(const MlpConfig& config, uint64_t seed) : config_(config) {
  config_.validate();
  nn::Rng rng(seed, 0x31f);
  int in = config_.inputs;
  for (int l = 0; l <= config_.layers; ++l) {
    const int out = l == config_.layers ? config_.outputs : config_.hidden;
    const std::string tag = "layer" + std::to_string(l);
    weight_.push_back(params_.add(tag + ".weight", nn::Shape{in, out}));
    bias_.push_back(params_.add(tag + ".bias", nn::Shape{out}, /*decay=*/false));
    if (config_.activation == "relu" && l < config_.layers)
      nn::init_he_normal(params_, weight_.back(), rng);
    else
      nn::init_xavier_uniform(params_, weight_.back(), rng);
    in = out;
  }
}

nn::Var Mlp::forward(nn::Tape& tape, nn::Var x) {
  nn::require(x.shape().rank == 2 && x.shape()[1] == config_.inputs, "Mlp::forward: x: expected (B, ", config_.inputs,
              "), got shape ", x.shape());
  nn::Var h = x;
  for (int l = 0; l <= config_.layers; ++l) {
    h = nn::matmul(h, params_.on(tape, weight_[l])) + params_.on(tape, bias_[l]);  // (B, out)
    if (l < config_.layers) h = config_.activation == "relu" ? nn::relu(h) : nn::tanh(h);
  }
  return h;
}

}  // namespace models
