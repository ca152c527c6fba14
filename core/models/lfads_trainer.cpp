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
  begin_step(trials, T_in, T_out, batch);
  accumulate(0, static_cast<int>(batch.size()));
  return finish_step();
}

void LfadsTrainer::begin_step(const float* trials, int T_in, int T_out, const std::vector<int>& batch) {
  const LfadsConfig& config = model_.config();
  const int B = static_cast<int>(batch.size()), N = config.out_neurons();
  nn::require(B >= 1, "LfadsTrainer::train_step: expected a non-empty batch");
  nn::require(T_in >= 2 && T_out >= T_in, "LfadsTrainer::train_step: expected 2 <= T_in <= T_out, got ", T_in, " and ",
              T_out);
  step_ = StepState{};
  step_.B = B;
  step_.T_in = T_in;
  step_.T_out = T_out;
  // (K, T_out, N_out) trial-major -> (T_out, B, N_out) time-major.
  batch_x_.resize(static_cast<size_t>(T_out) * B * N);
  for (int b = 0; b < B; ++b)
    for (int s = 0; s < T_out; ++s)
      std::copy_n(trials + (static_cast<size_t>(batch[static_cast<size_t>(b)]) * T_out + s) * N, N,
                  batch_x_.begin() + (static_cast<std::ptrdiff_t>(s) * B + b) * N);
  // Everything the batch samples, in the order one pass over it would draw it: the dropout mask,
  // then the initial conditions' noise, then the inferred inputs' bin by bin.
  batch_mask_.clear();
  if (train_.coordinated_dropout > 0) {
    batch_mask_.resize(static_cast<size_t>(T_in) * B * config.neurons);
    for (float& m : batch_mask_) m = rng_.uniform() < train_.coordinated_dropout ? 0.0f : 1.0f;
  }
  ic_noise_.resize(static_cast<size_t>(B) * config.ic);
  for (float& e : ic_noise_) e = rng_.normal();
  input_noise_.resize(config.controller ? static_cast<size_t>(T_out) * B * config.inputs : 0);
  for (float& e : input_noise_) e = rng_.normal();
  model_.params().zero_grad();
  step_.kl_weight = ramp() * train_.kl_weight;
}

LfadsTrainer::Share LfadsTrainer::batch_share(int first, int n) const {
  const LfadsConfig& c = model_.config();
  const int B = step_.B;
  nn::require(B > 0, "LfadsTrainer::batch_share: call begin_step first");
  nn::require(first >= 0 && n >= 1 && first + n <= B, "LfadsTrainer: share [", first, ", ", first + n,
              "): expected trials within the batch of ", B);
  // Rows [first, first + n) of each (steps, B, width) time-major array.
  const auto rows = [&](const std::vector<float>& a, int steps, int width) {
    std::vector<float> out(static_cast<size_t>(steps) * n * width);
    for (int s = 0; s < steps; ++s)
      std::copy_n(a.begin() + (static_cast<std::ptrdiff_t>(s) * B + first) * width, static_cast<size_t>(n) * width,
                  out.begin() + static_cast<std::ptrdiff_t>(s) * n * width);
    return out;
  };
  Share share;
  share.T_in = step_.T_in;
  share.T_out = step_.T_out;
  share.n = n;
  share.kl_weight = step_.kl_weight;
  share.x = rows(batch_x_, step_.T_out, c.out_neurons());
  if (!batch_mask_.empty()) share.mask = rows(batch_mask_, step_.T_in, c.neurons);
  share.ic_noise = rows(ic_noise_, 1, c.ic);
  if (!input_noise_.empty()) share.input_noise = rows(input_noise_, step_.T_out, c.inputs);
  return share;
}

LfadsLosses LfadsTrainer::share_gradient(const Share& share, int batch, bool weighs_l2) {
  const LfadsConfig& c = model_.config();
  nn::require(batch >= share.n, "LfadsTrainer: batch: expected at least the share's ", share.n, " trials, got ", batch);
  nn::require(share.T_in >= 2 && share.T_out >= share.T_in &&
                  share.x.size() == static_cast<size_t>(share.T_out) * share.n * c.out_neurons() &&
                  (share.mask.empty() || share.mask.size() == static_cast<size_t>(share.T_in) * share.n * c.neurons) &&
                  share.ic_noise.size() == static_cast<size_t>(share.n) * c.ic &&
                  share.input_noise.size() ==
                      (c.controller ? static_cast<size_t>(share.T_out) * share.n * c.inputs : size_t{0}),
              "LfadsTrainer: a share of ", share.n, " trials over ", share.T_out,
              " bins: expected counts, mask and noise of this model's sizes");
  tape_.reset();
  LfadsPass pass;
  pass.drop_mask = share.mask.empty() ? nullptr : share.mask.data();
  pass.keep = 1.0f - train_.coordinated_dropout;
  pass.kl_weight = share.kl_weight;
  pass.l2_weight = weighs_l2 ? ramp() * train_.l2_weight : 0.0f;
  pass.ic_noise = share.ic_noise.data();
  pass.input_noise = share.input_noise.empty() ? nullptr : share.input_noise.data();
  pass.rows = batch;
  Lfads::Graph g = model_.build(tape_, share.x.data(), share.T_in, share.T_out, share.n, pass);
  tape_.backward(g.total);
  // The L2 term counts once per step, in the share that weighs it.
  return {g.total.item(),     g.reconstruction.item(),        g.kl_ic.item(),
          g.kl_inputs.item(), weighs_l2 ? g.l2.item() : 0.0f, 0.0f};
}

LfadsLosses LfadsTrainer::accumulate(int first, int n) {
  // The owner's first share weighs the L2 term (which does not depend on the trials).
  const LfadsLosses l = share_gradient(batch_share(first, n), step_.B, first == 0);
  add_losses(l);
  return l;
}

LfadsLosses LfadsTrainer::replica_gradient(const Share& share, int batch) {
  model_.params().zero_grad();
  return share_gradient(share, batch, false);
}

void LfadsTrainer::add_gradients(const float* g, size_t count) {
  model_.params().add_grads(g, count, "LfadsTrainer.add_gradients");
}

void LfadsTrainer::add_losses(const LfadsLosses& l) {
  step_.losses.total += l.total;
  step_.losses.reconstruction += l.reconstruction;
  step_.losses.kl_ic += l.kl_ic;
  step_.losses.kl_inputs += l.kl_inputs;
  step_.losses.l2 += l.l2;
}

LfadsLosses LfadsTrainer::finish_step() {
  nn::require(stepping(), "LfadsTrainer::finish_step: call begin_step first");
  nn::Params& params = model_.params();
  LfadsLosses losses = step_.losses;
  losses.ramp = ramp();
  nn::clip_grad_norm(params, train_.grad_clip);
  adam_.config().lr = learning_rate();
  adam_.step(params);
  model_.normalize_factor_readout();
  ++steps_;
  step_ = StepState{};
  return losses;
}

}  // namespace models
