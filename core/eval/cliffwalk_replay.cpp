#include "cliffwalk_replay.h"

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>

#include "envs/cliffwalk.h"
#include "models/replay.h"
#include "nn/check.h"
#include "util/det_math.h"

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
  struct Transition {
    int s, a;
    float r;
    int s2;
    bool terminal;
  };
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
  rc.kind = c.prioritized ? models::ReplayKind::kProportional : models::ReplayKind::kUniform;
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

// ---------------------------------------------------------------- the paper's set-up (appendix B.1)

std::vector<CliffwalkTransition> cliffwalk_exhaustive_memory(int n, uint64_t seed) {
  nn::require_int_range(n, 1, 20, "cliffwalk_exhaustive_memory: n");
  // Sequence k's action at step t is bit t of k; the sequences run in a seeded random order.
  std::vector<uint32_t> order(size_t{1} << n);
  for (size_t k = 0; k < order.size(); ++k) order[k] = static_cast<uint32_t>(k);
  nn::Rng rng(seed, 0x5e9e);
  for (size_t k = order.size(); k > 1; --k) std::swap(order[k - 1], order[rng.below(static_cast<uint32_t>(k))]);
  std::vector<CliffwalkTransition> memory;
  memory.reserve((size_t{2} << n) - 2);
  for (uint32_t sequence : order) {
    for (int s = 0;; ++s) {
      const int a = static_cast<int>((sequence >> s) & 1u);
      CliffwalkTransition t;
      t.s = s;
      t.a = a;
      if (a != cliffwalk_right_action(s)) {
        t.terminal = true;  // the wrong action ends the episode with 0
        t.s2 = s;
      } else if (s == n - 1) {
        t.terminal = true;  // the right action in the last state: reward 1
        t.r = 1.0f;
        t.s2 = s;
      } else {
        t.s2 = s + 1;
      }
      memory.push_back(t);
      if (t.terminal) break;
    }
  }
  NN_ASSERT(memory.size() == (size_t{2} << n) - 2);
  return memory;
}

const char* cliffwalk_method_name(CliffwalkMethod m) {
  switch (m) {
    case CliffwalkMethod::kUniform:
      return "uniform";
    case CliffwalkMethod::kOracle:
      return "oracle";
    case CliffwalkMethod::kProportional:
      return "proportional";
    case CliffwalkMethod::kRank:
      return "rank";
  }
  return "?";
}

void CliffwalkPaperConfig::validate() const {
  nn::require_int_range(n, 2, 16, "CliffwalkPaperConfig.n");
  nn::require_range(step_size, 1e-6, 2.0, "CliffwalkPaperConfig.step_size");
  nn::require_range(threshold, 1e-12, 1.0, "CliffwalkPaperConfig.threshold");
  nn::require_range(init_std, 0.0, 10.0, "CliffwalkPaperConfig.init_std");
  nn::require_range(alpha_proportional, 0.0, 1.0, "CliffwalkPaperConfig.alpha_proportional");
  nn::require_range(alpha_rank, 0.0, 1.0, "CliffwalkPaperConfig.alpha_rank");
  nn::require(max_steps >= 1 && max_steps <= (1LL << 40), "CliffwalkPaperConfig.max_steps: expected [1, 2^40], got ",
              max_steps);
}

namespace {

/// Q(s, a) = theta . phi(s, a) with Q kept for all 2n pairs and the squared error against Q*
/// kept beside it; q index 2 s + a.
class CliffwalkQ {
 public:
  CliffwalkQ(int n, CliffwalkModel model, double init_std, nn::Rng& rng)
      : n_(n), linear_(model == CliffwalkModel::kLinear) {
    const double gamma = 1.0 - 1.0 / n;
    q_star_.resize(static_cast<size_t>(2 * n));
    for (int s = 0; s < n; ++s)
      for (int a = 0; a < 2; ++a)
        q_star_[static_cast<size_t>(2 * s + a)] =
            a == cliffwalk_right_action(s) ? util::det_pow(gamma, n - 1 - s) : 0.0;
    // Tabular: theta (2n), one per pair. Linear: theta (2, n + 1), per action n state weights and a bias.
    theta_.resize(linear_ ? static_cast<size_t>(2 * (n + 1)) : static_cast<size_t>(2 * n));
    for (double& t : theta_) t = init_std * rng.normal();
    q_.resize(q_star_.size());
    refresh();
  }

  double q(int s, int a) const { return q_[static_cast<size_t>(2 * s + a)]; }
  double error_sum() const { return error_sum_; }
  double mse() const { return error_sum_ / static_cast<double>(q_.size()); }

  /// The squared-error sum after theta += d phi(s, a), without applying it.
  double error_sum_after(int s, int a, double d) const {
    if (!linear_) {
      const double e = q(s, a) - star(s, a);
      return error_sum_ + (e + d) * (e + d) - e * e;
    }
    // Every Q(., a) moves by d (the bias), Q(s, a) by 2d (its state weight too).
    double sum = error_sum_;
    for (int t = 0; t < n_; ++t) {
      const double e = q(t, a) - star(t, a), step = t == s ? 2 * d : d;
      sum += (e + step) * (e + step) - e * e;
    }
    return sum;
  }

  /// theta += d phi(s, a).
  void add(int s, int a, double d) {
    error_sum_ = error_sum_after(s, a, d);
    if (!linear_) {
      theta_[static_cast<size_t>(2 * s + a)] += d;
      q_[static_cast<size_t>(2 * s + a)] += d;
    } else {
      theta_[static_cast<size_t>(a * (n_ + 1) + s)] += d;
      theta_[static_cast<size_t>(a * (n_ + 1) + n_)] += d;
      for (int t = 0; t < n_; ++t) q_[static_cast<size_t>(2 * t + a)] += t == s ? 2 * d : d;
    }
    if (++since_refresh_ == 4096) refresh();  // incremental sums drift; recompute now and then
  }

  /// Recomputes Q and the error from theta exactly.
  void refresh() {
    for (int s = 0; s < n_; ++s)
      for (int a = 0; a < 2; ++a)
        q_[static_cast<size_t>(2 * s + a)] =
            linear_ ? theta_[static_cast<size_t>(a * (n_ + 1) + s)] + theta_[static_cast<size_t>(a * (n_ + 1) + n_)]
                    : theta_[static_cast<size_t>(2 * s + a)];
    error_sum_ = 0;
    for (size_t i = 0; i < q_.size(); ++i) error_sum_ += (q_[i] - q_star_[i]) * (q_[i] - q_star_[i]);
    since_refresh_ = 0;
  }

  /// delta = r + gamma (1 - terminal) max_a' Q(s', a') - Q(s, a).
  double td_error(const CliffwalkTransition& t) const {
    const double gamma = 1.0 - 1.0 / n_;
    const double next = t.terminal ? 0.0 : std::max(q(t.s2, 0), q(t.s2, 1));
    return t.r + gamma * next - q(t.s, t.a);
  }

 private:
  double star(int s, int a) const { return q_star_[static_cast<size_t>(2 * s + a)]; }
  int n_;
  bool linear_;
  std::vector<double> theta_, q_, q_star_;
  double error_sum_ = 0;
  int since_refresh_ = 0;
};

}  // namespace

CliffwalkPaperResult run_cliffwalk_paper(const CliffwalkPaperConfig& c, uint64_t seed) {
  c.validate();
  const std::vector<CliffwalkTransition> memory = cliffwalk_exhaustive_memory(c.n, seed);
  nn::Rng rng(seed, 0x7a11e);
  CliffwalkQ q(c.n, c.model, c.init_std, rng);
  CliffwalkPaperResult result;
  result.memory = static_cast<int>(memory.size());
  result.initial_error = q.mse();
  const double target = c.threshold * static_cast<double>(2 * c.n);  // on the error sum
  auto converged = [&] {
    if (q.error_sum() >= target) return false;
    q.refresh();  // confirm on exact sums
    return q.error_sum() < target;
  };

  if (c.method == CliffwalkMethod::kOracle) {
    // Replaying a duplicate gives the same update, so the oracle tries each distinct (s, a) once.
    std::vector<CliffwalkTransition> distinct;
    for (const auto& t : memory) {
      bool seen = false;
      for (const auto& d : distinct) seen = seen || (d.s == t.s && d.a == t.a);
      if (!seen) distinct.push_back(t);
    }
    for (long long step = 1; step <= c.max_steps && !result.converged; ++step) {
      size_t best = 0;
      double best_error = std::numeric_limits<double>::infinity(), best_d = 0;
      for (size_t k = 0; k < distinct.size(); ++k) {
        const CliffwalkTransition& t = distinct[k];
        const double d = c.step_size * q.td_error(t);
        const double e = q.error_sum_after(t.s, t.a, d);
        if (e < best_error) best = k, best_error = e, best_d = d;
      }
      q.add(distinct[best].s, distinct[best].a, best_d);
      if (converged()) result.steps = step, result.converged = true;
    }
  } else {
    models::ReplayConfig rc;
    rc.capacity = static_cast<int>(memory.size());
    rc.kind = c.method == CliffwalkMethod::kUniform        ? models::ReplayKind::kUniform
              : c.method == CliffwalkMethod::kProportional ? models::ReplayKind::kProportional
                                                           : models::ReplayKind::kRank;
    rc.alpha = c.method == CliffwalkMethod::kRank ? c.alpha_rank : c.alpha_proportional;
    rc.beta0 = 0.0f;          // no importance correction: plain Q-learning steps
    rc.beta_steps = 1 << 30;  // beta stays 0
    models::ReplayBuffer replay(rc, 1, seed);
    for (size_t i = 0; i < memory.size(); ++i) {
      const float x = static_cast<float>(i);
      replay.add(&x, memory[i].a, memory[i].r, &x, memory[i].terminal);
    }
    std::vector<int> index(1);
    std::vector<float> td(1);
    const bool prioritized = rc.prioritized();
    for (long long step = 1; step <= c.max_steps && !result.converged; ++step) {
      const int i = replay.sample(1).indices[0];
      const CliffwalkTransition& t = memory[static_cast<size_t>(i)];
      const double delta = q.td_error(t);
      q.add(t.s, t.a, c.step_size * delta);
      if (prioritized) {
        index[0] = i;
        td[0] = static_cast<float>(delta);
        replay.update_priorities(index, td);
      }
      if (!std::isfinite(q.error_sum()) || q.error_sum() > 1e12) break;  // diverged
      if (converged()) result.steps = step, result.converged = true;
    }
  }
  if (!result.converged) result.steps = c.max_steps;
  q.refresh();
  result.final_error = q.mse();
  return result;
}

double median_cliffwalk_steps(const CliffwalkPaperConfig& config, int seeds, uint64_t first_seed) {
  nn::require_int_range(seeds, 1, 10000, "median_cliffwalk_steps: seeds");
  std::vector<double> steps;
  for (int k = 0; k < seeds; ++k)
    steps.push_back(static_cast<double>(run_cliffwalk_paper(config, first_seed + static_cast<uint64_t>(k)).steps));
  std::sort(steps.begin(), steps.end());
  const size_t m = steps.size() / 2;
  return steps.size() % 2 ? steps[m] : 0.5 * (steps[m - 1] + steps[m]);
}

TunedCliffwalk tuned_cliffwalk_steps(CliffwalkPaperConfig config, const std::vector<double>& grid, int seeds,
                                     uint64_t first_seed) {
  nn::require(!grid.empty(), "tuned_cliffwalk_steps: grid: expected at least one step size");
  config.validate();
  TunedCliffwalk best;
  best.steps = std::numeric_limits<double>::infinity();
  // The paper's 1/4 first (when in the grid), then the rest from large to small. Each later step
  // size runs with its steps capped at the best median so far: when its capped median is below the
  // cap it is the exact median (every run at or below the median finished), and when it is not,
  // that step size cannot win. This keeps hopeless settings (e.g. oscillating at a large step) cheap.
  std::vector<double> order = grid;
  std::sort(order.begin(), order.end(), [](double a, double b) {
    if ((a == 0.25) != (b == 0.25)) return a == 0.25;
    return a > b;
  });
  const long long max_steps = config.max_steps;
  for (double eta : order) {
    config.step_size = eta;
    config.max_steps =
        std::isfinite(best.steps) ? std::min<long long>(max_steps, static_cast<long long>(best.steps)) : max_steps;
    const double m = median_cliffwalk_steps(config, seeds, first_seed);
    // Only a median below the cap is exact (the first step size runs uncapped, so it always counts).
    if (!std::isfinite(best.steps) || (m < best.steps && m < static_cast<double>(config.max_steps)))
      best.steps = m, best.step_size = eta;
  }
  return best;
}

}  // namespace eval
