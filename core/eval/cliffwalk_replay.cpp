#include "cliffwalk_replay.h"

#include <algorithm>
#include <cmath>

#include "envs/cliffwalk.h"
#include "models/replay.h"
#include "nn/check.h"

namespace eval {

void CliffwalkReplayConfig::validate() const {
  nn::require_int_range(n, 2, 16, "CliffwalkReplayConfig.n");
  nn::require_range(alpha, 0.0, 1.0, "CliffwalkReplayConfig.alpha");
  nn::require_range(beta, 0.0, 1.0, "CliffwalkReplayConfig.beta");
  nn::require_range(step_size, 1e-4, 1.0, "CliffwalkReplayConfig.step_size");
  nn::require_range(threshold, 1e-6, 0.99, "CliffwalkReplayConfig.threshold");
  nn::require(max_updates >= 1, "CliffwalkReplayConfig.max_updates: expected >= 1, got ", max_updates);
}

CliffwalkReplayResult run_cliffwalk_replay(const CliffwalkReplayConfig& c, uint64_t seed) {
  c.validate();
  envs::BlindCliffwalk env(c.n, seed);
  nn::Rng policy(seed, 0x9011c);
  // The memory: random-policy episodes until the rewarding transition has been stored once.
  struct Transition { int s, a; float r; int s2; bool terminal; };
  std::vector<Transition> memory;
  bool rewarded = false;
  while (!rewarded) {
    env.reset();
    for (bool over = false; !over;) {
      const int s = env.state(), a = static_cast<int>(policy.below(2));
      const envs::Step st = env.step(a);
      memory.push_back({s, a, st.reward, env.state(), st.terminal});
      rewarded = rewarded || st.reward > 0;
      over = st.terminal;
    }
  }
  models::ReplayConfig rc;
  rc.capacity = static_cast<int>(memory.size());
  rc.prioritized = c.prioritized;
  rc.alpha = c.alpha;
  rc.beta0 = c.beta;
  rc.beta_steps = 1 << 30;  // beta stays at c.beta
  models::ReplayBuffer replay(rc, 1, seed);
  for (const auto& t : memory) {
    const float s = static_cast<float>(t.s), s2 = static_cast<float>(t.s2);
    replay.add(&s, t.a, t.r, &s2, t.terminal);
  }

  const double gamma = 1.0 - 1.0 / c.n;  // as in the paper's tabular experiments
  std::vector<double> q(static_cast<size_t>(2 * c.n), 0.0), q_star(q.size());
  for (int s = 0; s < c.n; ++s)
    for (int a = 0; a < 2; ++a) q_star[static_cast<size_t>(2 * s + a)] = env.optimal_q(s, a, gamma);
  auto error = [&] {
    double e = 0;
    for (size_t i = 0; i < q.size(); ++i) e += (q[i] - q_star[i]) * (q[i] - q_star[i]);
    return e / static_cast<double>(q.size());
  };

  CliffwalkReplayResult result;
  result.memory = static_cast<int>(memory.size());
  result.initial_error = error();
  const double target = c.threshold * result.initial_error;
  std::vector<int> index(1);
  std::vector<float> td(1);
  long long next_curve_point = 1;
  double current = result.initial_error;
  for (long long u = 1; u <= c.max_updates; ++u) {
    const models::ReplayBatch& b = replay.sample(1);
    const Transition& t = memory[static_cast<size_t>(b.indices[0])];
    const double next_value =
        t.terminal ? 0.0 : std::max(q[static_cast<size_t>(2 * t.s2)], q[static_cast<size_t>(2 * t.s2 + 1)]);
    double& qsa = q[static_cast<size_t>(2 * t.s + t.a)];
    const double delta = t.r + gamma * next_value - qsa;
    // Only Q(s, a) moves, so the error is updated in O(1) from the two squared terms.
    const double before = (qsa - q_star[static_cast<size_t>(2 * t.s + t.a)]);
    qsa += c.step_size * b.weights[0] * delta;
    const double after = (qsa - q_star[static_cast<size_t>(2 * t.s + t.a)]);
    current += (after * after - before * before) / static_cast<double>(q.size());
    index[0] = b.indices[0];
    td[0] = static_cast<float>(delta);
    replay.update_priorities(index, td);
    if (u == next_curve_point) {
      result.error_curve.push_back(current);
      next_curve_point *= 2;
    }
    if (current < target) {
      result.updates = u;
      result.converged = true;
      break;
    }
  }
  if (!result.converged) result.updates = c.max_updates;
  result.final_error = error();
  return result;
}

double median_cliffwalk_updates(const CliffwalkReplayConfig& config, int seeds, uint64_t first_seed) {
  nn::require_int_range(seeds, 1, 10000, "median_cliffwalk_updates: seeds");
  std::vector<double> updates;
  for (int k = 0; k < seeds; ++k)
    updates.push_back(static_cast<double>(run_cliffwalk_replay(config, first_seed + static_cast<uint64_t>(k)).updates));
  std::sort(updates.begin(), updates.end());
  const size_t m = updates.size() / 2;
  return updates.size() % 2 ? updates[m] : 0.5 * (updates[m - 1] + updates[m]);
}

}  // namespace eval
