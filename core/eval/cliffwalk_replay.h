// The tabular replay experiment on Blind Cliffwalk (Schaul et al. 2016, section 3.1): a replay
// memory holds the transitions of random-policy episodes, collected until the one rewarding
// transition has been seen; a tabular Q-learner then learns only from replay. We count the replay
// updates until the mean squared error of Q against Q* falls below a fraction of its start, for
// uniform and for proportional prioritized replay drawn from the same memory.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace eval {

struct CliffwalkReplayConfig {
  int n = 10;                 // states
  bool prioritized = true;
  float alpha = 0.6f;         // priority exponent (proportional PER, the paper's value)
  float beta = 0.0f;          // importance-sampling exponent (fixed; 0: plain Q-learning steps)
  float step_size = 0.25f;    // Q-learning step size eta
  float threshold = 0.01f;    // stop when MSE(Q, Q*) < threshold * MSE at the start
  long long max_updates = 50'000'000;
  void validate() const;
};

struct CliffwalkReplayResult {
  long long updates = 0;      // replay updates used (max_updates when not converged)
  bool converged = false;
  int memory = 0;             // transitions in the replay memory
  double initial_error = 0, final_error = 0;
  std::vector<double> error_curve;  // MSE after each power-of-two number of updates (1, 2, 4, ...)
};

/// Runs one seed: the memory, the right actions and the replay order all follow `seed`.
CliffwalkReplayResult run_cliffwalk_replay(const CliffwalkReplayConfig& config, uint64_t seed);

/// Median number of updates over seeds [first_seed, first_seed + seeds).
double median_cliffwalk_updates(const CliffwalkReplayConfig& config, int seeds, uint64_t first_seed = 1);

}  // namespace eval
