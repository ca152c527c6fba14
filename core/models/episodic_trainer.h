// The episodic-memory case study's live experiment: MFEC, the simple episodic agent and DQN from
// the same seed, each in its own copy of the same environment, stepped in lockstep.
#pragma once
#include <string>
#include <vector>

#include "models/dqn.h"
#include "models/episodic.h"
#include "models/runner.h"

namespace models {

struct EpisodicTrainerConfig {
  std::string env = "maze";  // "maze", "maze-moving" or "catch"
  MfecConfig mfec;
  SimpleEpisodicConfig simple;
  uint64_t seed = 1;  // overrides the agents' seeds
  void validate() const;
};

class EpisodicTrainer {
 public:
  static constexpr int kMfec = 0, kSimple = 1, kDqn = 2;

  explicit EpisodicTrainer(const EpisodicTrainerConfig& config);
  /// Advances every agent by `env_steps` environment steps.
  void step(int env_steps);

  /// MFEC's view of its current observation: Q per action and the table lookups behind it.
  struct Decision {
    std::vector<float> q;
    std::vector<EpisodicTable::Lookup> lookups;  // per action (empty table: no neighbors)
    int greedy = 0;
  };
  Decision mfec_decision();
  /// Forgets the episodic memories (MFEC's tables and the simple agent's store and Q-table).
  void clear_memory();

  envs::Env& env(int agent);
  const std::vector<float>& returns(int agent) const;
  const std::vector<float>& observation(int agent) const;
  Runner<MfecAgent>& mfec() { return mfec_; }
  Runner<SimpleEpisodicAgent>& simple() { return simple_; }
  DqnRunner& dqn() { return dqn_; }
  const EpisodicTrainerConfig& config() const { return config_; }

 private:
  EpisodicTrainerConfig config_;
  Runner<MfecAgent> mfec_;
  Runner<SimpleEpisodicAgent> simple_;
  DqnRunner dqn_;
};

}  // namespace models
