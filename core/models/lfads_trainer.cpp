#include "lfads_trainer.h"

#include <algorithm>
#include <cmath>

#include "nn/weights.h"
#include "util/det_math.h"

namespace models {

void LfadsTrainConfig::validate() const {
  nn::require_range(lr, 1e-7, 1.0, "LfadsTrainConfig.lr");
  nn::require_int_range(lr_half_life, 1, 1 << 30, "LfadsTrainConfig.lr_half_life");
  nn::require_range(lr_floor, 0.0, 1.0, "LfadsTrainConfig.lr_floor");
  nn::require_int_range(batch, 1, 4096, "LfadsTrainConfig.batch");
  nn::require_range(grad_clip, 1e-3, 1e9, "LfadsTrainConfig.grad_clip");
  nn::require_range(kl_weight, 0.0, 1e3, "LfadsTrainConfig.kl_weight");
  nn::require_range(l2_weight, 0.0, 1e3, "LfadsTrainConfig.l2_weight");
  nn::require_int_range(ramp_start, 0, 1 << 30, "LfadsTrainConfig.ramp_start");
  nn::require_int_range(ramp_steps, 1, 1 << 30, "LfadsTrainConfig.ramp_steps");
  nn::require_range(coordinated_dropout, 0.0, 0.9, "LfadsTrainConfig.coordinated_dropout");
}

LfadsTrainer::LfadsTrainer(const LfadsConfig& model, const LfadsTrainConfig& train)
    : train_((train.validate(), train)),
      model_(model, train.seed),
      adam_(nn::Params{}, nn::AdamConfig{}),
      rng_(train.seed, 0x1fad5) {
  nn::AdamConfig ac;
  ac.lr = train_.lr;
  ac.eps = 1e-8f;
  adam_ = nn::Adam(model_.params(), ac);
}

std::vector<uint8_t> LfadsTrainer::export_weights() const {
  return nn::encode_weights(model_.params(), "lfads", model_.config().to_text());
}

void LfadsTrainer::load_weights(const uint8_t* bytes, size_t size) {
  const nn::WeightsFile file = nn::decode_weights(bytes, size, "lfads");
  const LfadsConfig c = LfadsConfig::from_text(file.config);
  const LfadsConfig& ours = model_.config();
  nn::require(c.neurons == ours.neurons && c.out_neurons() == ours.out_neurons(), "the file's model reads ", c.neurons,
              " neurons and reads out ", c.out_neurons(), "; the data has ", ours.neurons, " held-in of ",
              ours.out_neurons(), " neurons");
  Lfads fresh(c, train_.seed);
  nn::assign_weights(fresh.params(), file, "lfads");
  model_ = std::move(fresh);
  nn::AdamConfig ac = adam_.config();
  adam_ = nn::Adam(model_.params(), ac);
  schedule_offset_ = std::max<long long>(0, schedule_end() - steps_);
}

long long LfadsTrainer::schedule_end() const {
  // 0.5^(s / half_life) <= floor  <=>  s >= half_life * log2(1 / floor); without a floor the step
  // size halves on for ever, and the schedule ends with the ramp.
  const double floor_at =
      train_.lr_floor > 0 ? std::min(std::ceil(train_.lr_half_life * std::log2(1.0 / train_.lr_floor)), 1e12) : 0.0;
  return std::max<long long>(train_.ramp_start + train_.ramp_steps, static_cast<long long>(floor_at));
}

float LfadsTrainer::ramp() const {
  const double s = static_cast<double>(steps_ + schedule_offset_ - train_.ramp_start) / train_.ramp_steps;
  return static_cast<float>(std::min(1.0, std::max(0.0, s)));
}

float LfadsTrainer::learning_rate() const {
  const double halvings = static_cast<double>(steps_ + schedule_offset_) / train_.lr_half_life;
  return train_.lr * std::max(train_.lr_floor, static_cast<float>(util::det_pow(0.5, halvings)));
}

LfadsLosses LfadsTrainer::train_step(const float* trials, int T_in, int T_out, const std::vector<int>& batch) {
  const LfadsConfig& config = model_.config();
  nn::Params& params = model_.params();
  const int B = static_cast<int>(batch.size()), N = config.out_neurons();
  nn::require(B >= 1, "LfadsTrainer::train_step: expected a non-empty batch");
  nn::require(T_in >= 2 && T_out >= T_in, "LfadsTrainer::train_step: expected 2 <= T_in <= T_out, got ", T_in, " and ",
              T_out);
  // (K, T_out, N_out) trial-major -> (T_out, B, N_out) time-major.
  batch_x_.resize(static_cast<size_t>(T_out) * B * N);
  for (int b = 0; b < B; ++b)
    for (int s = 0; s < T_out; ++s)
      std::copy_n(trials + (static_cast<size_t>(batch[static_cast<size_t>(b)]) * T_out + s) * N, N,
                  batch_x_.begin() + (static_cast<std::ptrdiff_t>(s) * B + b) * N);
  const bool dropout = train_.coordinated_dropout > 0;
  if (dropout) {
    batch_mask_.resize(static_cast<size_t>(T_in) * B * config.neurons);
    for (float& m : batch_mask_) m = rng_.uniform() < train_.coordinated_dropout ? 0.0f : 1.0f;
  }
  const float r = ramp();
  tape_.reset();
  params.zero_grad();
  LfadsPass pass;
  pass.noise = &rng_;
  pass.drop_mask = dropout ? batch_mask_.data() : nullptr;
  pass.keep = 1.0f - train_.coordinated_dropout;
  pass.kl_weight = r * train_.kl_weight;
  pass.l2_weight = r * train_.l2_weight;
  Lfads::Graph g = model_.build(tape_, batch_x_.data(), T_in, T_out, B, pass);
  tape_.backward(g.total);
  nn::clip_grad_norm(params, train_.grad_clip);
  adam_.config().lr = learning_rate();
  adam_.step(params);
  model_.normalize_factor_readout();
  ++steps_;
  return {g.total.item(), g.reconstruction.item(), g.kl_ic.item(), g.kl_inputs.item(), g.l2.item(), r};
}

}  // namespace models
