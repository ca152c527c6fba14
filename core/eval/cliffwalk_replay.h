// Replay experiments on Blind Cliffwalk (Schaul et al. 2016, section 3.1 and appendix B.1).
//
// 1. The page's light variant (run_cliffwalk_replay): a replay memory holds the transitions of
//    random-policy episodes, collected until the one rewarding transition has been seen; a tabular
//    Q-learner learns only from replay. We count the replay updates until the mean squared error of
//    Q against Q* falls below a fraction of its start, uniform vs proportional replay.
//
// 2. The paper's set-up (run_cliffwalk_paper), as appendix B.1 describes it: the memory is filled by
//    executing all 2^n action sequences until termination, in random order, so it holds 2^(n+1) - 2
//    transitions of which exactly one is rewarded, at the frequency a random policy meets them.
//    Q(s, a) = theta . phi(s, a), tabular (phi one-hot over (s, a)) or linear (phi = [one-hot(s); 1]
//    in action a's block; the right action alternates from state to state, so the linear learner
//    cannot generalize over which action is right); theta_i ~ N(0, 0.1^2); gamma = 1 - 1/n;
//    theta <- theta + eta w delta phi(s, a). A run counts learning steps (one transition replayed,
//    one update) until MSE(Q, Q*) over all 2n pairs is below 10^-3. Methods: uniform, the hindsight
//    oracle of Fig. 1 (at every step it tries the update of every transition in the memory and keeps
//    the one with the lowest resulting MSE; duplicates give identical updates, so it tries each
//    distinct transition once), proportional (alpha 0.6) and rank-based (alpha 0.7) prioritized replay
//    with priorities |delta| + eps, new transitions at the largest priority and no importance
//    correction (beta = 0: plain Q-learning updates). The paper fixes eta = 1/4; here each method's
//    step size can also be chosen from a grid by the same criterion (the median steps).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace eval {

struct CliffwalkReplayConfig {
  int n = 10;  // states
  bool prioritized = true;
  float alpha = 0.6f;       // priority exponent (proportional PER, the paper's value)
  float beta = 0.0f;        // importance-sampling exponent (fixed; 0: plain Q-learning steps)
  float step_size = 0.25f;  // Q-learning step size eta
  float threshold = 0.01f;  // stop when MSE(Q, Q*) < threshold * MSE at the start
  long long max_updates = 50'000'000;
  void validate() const;
};

struct CliffwalkReplayResult {
  long long updates = 0;  // replay updates used (max_updates when not converged)
  bool converged = false;
  int memory = 0;  // transitions in the replay memory
  double initial_error = 0, final_error = 0;
  std::vector<double> error_curve;  // MSE after each power-of-two number of updates (1, 2, 4, ...)
};

/// Runs one seed: the memory, the right actions and the replay order all follow `seed`.
CliffwalkReplayResult run_cliffwalk_replay(const CliffwalkReplayConfig& config, uint64_t seed);

/// Median number of updates over seeds [first_seed, first_seed + seeds).
double median_cliffwalk_updates(const CliffwalkReplayConfig& config, int seeds, uint64_t first_seed = 1);

// ---------------------------------------------------------------- the paper's set-up (appendix B.1)

struct CliffwalkTransition {
  int s = 0, a = 0;
  float r = 0;
  int s2 = 0;
  bool terminal = false;
};

/// The right action in state s: alternating, 1 in state 0 (appendix B.1).
inline int cliffwalk_right_action(int s) { return (s + 1) % 2; }

/// The paper's memory: each of the 2^n action sequences executed from state 0 until termination,
/// the sequences in an order shuffled by `seed`; 2^(n+1) - 2 transitions, one rewarded.
std::vector<CliffwalkTransition> cliffwalk_exhaustive_memory(int n, uint64_t seed);

enum class CliffwalkMethod { kUniform, kOracle, kProportional, kRank };
enum class CliffwalkModel { kTabular, kLinear };
const char* cliffwalk_method_name(CliffwalkMethod m);

struct CliffwalkPaperConfig {
  int n = 8;  // states, 2 .. 16 (the paper: 2 .. 16)
  CliffwalkMethod method = CliffwalkMethod::kUniform;
  CliffwalkModel model = CliffwalkModel::kTabular;
  double step_size = 0.25;  // eta (the paper's fixed value)
  double threshold = 1e-3;  // converged when MSE(Q, Q*) < threshold (the paper's)
  double init_std = 0.1;    // theta_i ~ N(0, init_std^2)
  float alpha_proportional = 0.6f, alpha_rank = 0.7f;
  long long max_steps = 20'000'000;  // a run that has not converged by then reports max_steps
  void validate() const;
};

struct CliffwalkPaperResult {
  long long steps = 0;  // learning steps until converged (max_steps when not)
  bool converged = false;
  int memory = 0;  // transitions in the memory
  double initial_error = 0, final_error = 0;
};

/// One run: the memory's order, the initial theta and the replay draws all follow `seed`.
CliffwalkPaperResult run_cliffwalk_paper(const CliffwalkPaperConfig& config, uint64_t seed);

/// Median learning steps over seeds [first_seed, first_seed + seeds).
double median_cliffwalk_steps(const CliffwalkPaperConfig& config, int seeds, uint64_t first_seed = 1);

struct TunedCliffwalk {
  double steps = 0;      // the smallest median over the grid
  double step_size = 0;  // where it was found (the larger step size on ties)
};
/// The median steps for each step size in `grid` (config.step_size ignored); keeps the best.
TunedCliffwalk tuned_cliffwalk_steps(CliffwalkPaperConfig config, const std::vector<double>& grid, int seeds,
                                     uint64_t first_seed = 1);

}  // namespace eval
