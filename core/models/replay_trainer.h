// The replay case study's live experiment: two DQN agents from the same seed in two copies of
// the same environment, one replaying uniformly and one with the chosen variant (proportional,
// rank-based or, as a control, uniform too), stepped in lockstep.
#pragma once
#include <memory>
#include <string>

#include "models/dqn.h"

namespace models {

struct ReplayTrainerConfig {
  std::string env = "catch";                       // "catch" or "cartpole"
  DqnConfig dqn = dqn_preset("catch");             // replay.kind is set per agent
  ReplayKind variant = ReplayKind::kProportional;  // the second agent's replay
  int histogram_bins = 32;
};

class ReplayTrainer {
 public:
  static constexpr int kUniform = 0, kVariant = 1;
  static constexpr int kPrioritized = kVariant;  // the name from before the variant setting

  explicit ReplayTrainer(const ReplayTrainerConfig& config);
  /// Advances both agents by `env_steps` environment steps each.
  void step(int env_steps);
  DqnRunner& agent(int which);
  /// The training loss of agent `which`'s last environment step (NaN when that step did not train).
  float last_loss(int which) const;
  const ReplayTrainerConfig& config() const { return config_; }

 private:
  ReplayTrainerConfig config_;
  std::unique_ptr<DqnRunner> agents_[2];
  float last_loss_[2];
};

}  // namespace models
