#include "replay_trainer.h"

#include <limits>

namespace models {

ReplayTrainer::ReplayTrainer(const ReplayTrainerConfig& config) : config_(config) {
  for (int k = 0; k < 2; ++k) {
    last_loss_[k] = std::numeric_limits<float>::quiet_NaN();
    DqnConfig c = config.dqn;
    c.replay.kind = k == kVariant ? config.variant : ReplayKind::kUniform;
    agents_[k] = std::make_unique<DqnRunner>(envs::make_env(config.env, c.seed), c);
    agents_[k]->agent().replay().track_sampling(config.histogram_bins);
    agents_[k]->agent().replay().set_record_paths(k == kVariant);
  }
}

void ReplayTrainer::step(int env_steps) {
  nn::require_int_range(env_steps, 0, 1 << 20, "ReplayTrainer::step: env_steps");
  for (int s = 0; s < env_steps; ++s)
    for (int k = 0; k < 2; ++k) last_loss_[k] = agents_[k]->step().info;
}

float ReplayTrainer::last_loss(int which) const {
  nn::require(which == kUniform || which == kVariant,
              "ReplayTrainer::last_loss: which: expected 0 (uniform) or 1 (the variant), got ", which);
  return last_loss_[which];
}

DqnRunner& ReplayTrainer::agent(int which) {
  nn::require(which == kUniform || which == kVariant,
              "ReplayTrainer::agent: which: expected 0 (uniform) or 1 (the variant), got ", which);
  return *agents_[which];
}

}  // namespace models
