#include "replay_lab.h"

namespace models {

ReplayLab::ReplayLab(const ReplayLabConfig& config) : config_(config) {
  for (int k = 0; k < 2; ++k) {
    DqnConfig c = config.dqn;
    c.replay.kind = k == kVariant ? config.variant : ReplayKind::kUniform;
    agents_[k] = std::make_unique<DqnRunner>(envs::make_env(config.env, c.seed), c);
    agents_[k]->agent().replay().track_sampling(config.histogram_bins);
    agents_[k]->agent().replay().set_record_paths(k == kVariant);
  }
}

void ReplayLab::step(int env_steps) {
  nn::require_int_range(env_steps, 0, 1 << 20, "ReplayLab::step: env_steps");
  for (int s = 0; s < env_steps; ++s)
    for (auto& a : agents_) a->step();
}

DqnRunner& ReplayLab::agent(int which) {
  nn::require(which == kUniform || which == kVariant, "ReplayLab::agent: which: expected 0 (uniform) or 1 (the variant), got ",
              which);
  return *agents_[which];
}

}  // namespace models
