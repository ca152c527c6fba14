// The replay case study on the command line:
//   neuroai eval per     the Blind Cliffwalk replay experiment and DQN on Catch, uniform vs prioritized
//   neuroai bench replay sum-tree and rank-heap throughput against a linear-scan sampler
//   neuroai train dqn    one DQN run (catch or cartpole), its episode returns
#include <algorithm>
#include <cstdio>

#include "commands.h"
#include "eval/cliffwalk_replay.h"
#include "eval/replay_bench.h"
#include "models/dqn.h"
#include "util/json.h"

namespace cli {

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

/// The Catch agent of the case study: conv Q-network on the 10 x 5 board, with the paper's
/// exponents for its replay kind (proportional alpha 0.6, beta0 0.4; rank alpha 0.7, beta0 0.5).
models::DqnConfig catch_config(models::ReplayKind kind, uint64_t seed) {
  models::DqnConfig c = models::dqn_preset("catch");
  c.replay.kind = kind;
  c.replay.use_paper_exponents();
  c.seed = seed;
  return c;
}

}  // namespace

int eval_per(Args& args) {
  const int seeds = args.get_int("seeds", 10, 1, 1000);
  const int catch_seeds = args.get_int("catch-seeds", 3, 0, 100);
  const int max_episodes = args.get_int("max-episodes", 300, 50, 100000);  // the planned run per agent
  const double alpha = args.get_double("alpha", 0.6, 0.0, 1.0);
  const int paper_seeds = args.get_int("paper-seeds", 10, 1, 1000);
  const int paper_max_n = args.get_int("paper-max-n", 12, 2, 16);
  const double paper_eta = args.get_double("paper-eta", 0.0, 0.0, 2.0);  // 0: each method's best of the grid
  const bool json = args.flag("json");
  args.finish("eval per");

  util::Json out;
  out.begin_object().key("cliffwalk").begin_array();
  if (!json)
    std::printf("Blind Cliffwalk, tabular Q-learning from replay: median updates over %d seeds\n%4s %12s %12s %8s\n",
                seeds, "n", "uniform", "prioritized", "ratio");
  for (int n : {6, 8, 10}) {
    eval::CliffwalkReplayConfig c;
    c.n = n;
    c.alpha = static_cast<float>(alpha);
    c.prioritized = false;
    const double uniform = eval::median_cliffwalk_updates(c, seeds);
    c.prioritized = true;
    const double prioritized = eval::median_cliffwalk_updates(c, seeds);
    out.begin_object()
        .field("n", n)
        .field("uniform_updates", uniform)
        .field("prioritized_updates", prioritized)
        .end_object();
    if (!json) std::printf("%4d %12.0f %12.0f %8.3f\n", n, uniform, prioritized, prioritized / uniform);
  }
  out.end_array();
  out.field("cliffwalk_alpha", alpha).field("cliffwalk_seeds", seeds);

  // The paper's Blind Cliffwalk (appendix B.1): memory of all 2^n sequences, MSE < 1e-3, median over
  // seeds; each method's step size from the grid by the same criterion (or --paper-eta for all).
  const std::vector<double> grid =
      paper_eta > 0 ? std::vector<double>{paper_eta} : std::vector<double>{1.0, 0.5, 0.25, 0.125, 0.0625};
  eval::CliffwalkPaperConfig pc;
  auto tuned = [&](int n, eval::CliffwalkMethod method, eval::CliffwalkModel model) {
    pc.n = n;
    pc.method = method;
    pc.model = model;
    return eval::tuned_cliffwalk_steps(pc, grid, paper_seeds);
  };
  using M = eval::CliffwalkMethod;
  if (!json)
    std::printf(
        "Blind Cliffwalk as in the paper (Fig. 1): median learning steps until MSE < 1e-3, %d seeds\n"
        "%4s %12s %12s %12s\n",
        paper_seeds, "n", "transitions", "uniform", "oracle");
  out.key("cliffwalk_oracle").begin_array();
  for (int n = 2; n <= paper_max_n; ++n) {
    const auto u = tuned(n, M::kUniform, eval::CliffwalkModel::kTabular);
    const auto o = tuned(n, M::kOracle, eval::CliffwalkModel::kTabular);
    const int transitions = (2 << n) - 2;
    out.begin_object()
        .field("n", n)
        .field("transitions", transitions)
        .field("uniform_steps", u.steps)
        .field("oracle_steps", o.steps)
        .field("uniform_step_size", u.step_size)
        .field("oracle_step_size", o.step_size)
        .end_object();
    if (!json) std::printf("%4d %12d %12.0f %12.0f\n", n, transitions, u.steps, o.steps);
  }
  out.end_array();
  for (auto model : {eval::CliffwalkModel::kTabular, eval::CliffwalkModel::kLinear}) {
    const bool linear = model == eval::CliffwalkModel::kLinear;
    if (!json)
      std::printf("Blind Cliffwalk, %s Q: median learning steps\n%4s %12s %12s %12s\n", linear ? "linear" : "tabular",
                  "n", "uniform", "rank", "proportional");
    out.key(linear ? "cliffwalk_variants_linear" : "cliffwalk_variants").begin_array();
    for (int n = 2; n <= paper_max_n; ++n) {
      const auto u = tuned(n, M::kUniform, model), r = tuned(n, M::kRank, model), p = tuned(n, M::kProportional, model);
      out.begin_object()
          .field("n", n)
          .field("uniform", u.steps)
          .field("rank", r.steps)
          .field("proportional", p.steps)
          .field("step_sizes", std::vector<double>{u.step_size, r.step_size, p.step_size})
          .end_object();
      if (!json) std::printf("%4d %12.0f %12.0f %12.0f\n", n, u.steps, r.steps, p.steps);
    }
    out.end_array();
  }
  out.key("cliffwalk_paper")
      .begin_object()
      .field("seeds", paper_seeds)
      .field("threshold", pc.threshold)
      .field("step_size_grid", grid)
      .field("max_steps", pc.max_steps)
      .field("alpha_rank", pc.alpha_rank)
      .field("alpha_proportional", pc.alpha_proportional)
      .end_object();

  // Each agent plays the whole planned run (beta reaches 1 at its last training step); reported are
  // the episodes until the 50-episode mean return first reached 0.9 (max_episodes when never).
  const models::ReplayKind kinds[3] = {models::ReplayKind::kUniform, models::ReplayKind::kProportional,
                                       models::ReplayKind::kRank};
  std::vector<double> episodes[3], final_mean[3];
  double final_beta[3] = {0, 0, 0};
  for (int s = 0; s < catch_seeds; ++s) {
    for (int k = 0; k < 3; ++k) {
      const models::PlannedRun r = models::run_planned_catch(catch_config(kinds[k], 100 + s), max_episodes, 0.9f, 50);
      episodes[k].push_back(r.episodes_to_reach);
      final_mean[k].push_back(r.final_mean);
      final_beta[k] = r.final_beta;
    }
    if (!json)
      std::printf("catch seed %d: uniform %.0f, proportional %.0f, rank %.0f episodes\n", 100 + s, episodes[0].back(),
                  episodes[1].back(), episodes[2].back());
  }
  if (catch_seeds > 0) {
    out.key("catch")
        .begin_object()
        .field("uniform_episodes", median(episodes[0]))
        .field("prioritized_episodes", median(episodes[1]))
        .field("rank_episodes", median(episodes[2]))
        .field("seeds", catch_seeds)
        .field("uniform_per_seed", episodes[0])
        .field("prioritized_per_seed", episodes[1])
        .field("rank_per_seed", episodes[2])
        .field("max_episodes", max_episodes);
    // At the end of the planned run (median over seeds): the last 50 episodes' mean return, and beta.
    out.key("final_mean_return")
        .begin_object()
        .field("uniform", median(final_mean[0]))
        .field("proportional", median(final_mean[1]))
        .field("rank", median(final_mean[2]))
        .end_object();
    out.key("final_beta").begin_object().field("proportional", final_beta[1]).field("rank", final_beta[2]).end_object();
    out.end_object();
  }
  out.end_object();
  if (json) std::printf("%s\n", out.str().c_str());
  return 0;
}

int bench_replay(Args& args) {
  const int capacity = args.get_int("capacity", 1 << 20, 1, 1 << 24);
  const int repeats = args.get_int("repeats", 5, 1, 101);
  const bool json = args.flag("json");
  args.finish("bench replay");
  const auto rows = eval::bench_replay(capacity, repeats);
  util::Json out;
  out.begin_object()
      .field("bench", "replay")
      .field("capacity", capacity)
      .field("repeats", repeats)
      .key("results")
      .begin_array();
  if (!json)
    std::printf("neuroai bench replay (capacity %d, median of %d)\n%-18s %16s %16s %16s %10s\n", capacity, repeats,
                "operation", "sum tree /s", "rank heap /s", "linear scan /s", "ratio");
  for (const auto& r : rows) {
    // ratio: sum tree over linear scan (as before); rank_ratio: rank heap over sum tree.
    out.begin_object()
        .field("operation", r.what)
        .field("tree_per_s", r.tree_per_s)
        .field("rank_per_s", r.rank_per_s)
        .field("scan_per_s", r.scan_per_s)
        .field("ratio", r.tree_per_s / r.scan_per_s)
        .field("rank_ratio", r.rank_per_s / r.tree_per_s)
        .end_object();
    if (!json)
      std::printf("%-18s %16.0f %16.0f %16.0f %10.1f\n", r.what.c_str(), r.tree_per_s, r.rank_per_s, r.scan_per_s,
                  r.tree_per_s / r.scan_per_s);
  }
  out.end_array().end_object();
  if (json) std::printf("%s\n", out.str().c_str());
  return 0;
}

int train_dqn(Args& args) {
  const std::string env = args.get_string("env", "catch");
  const int episodes = args.get_int("episodes", 500, 1, 1000000);
  models::DqnConfig c = models::dqn_preset(env);
  c.seed = static_cast<uint64_t>(args.get_int("seed", 1, 0, 1 << 30));
  const bool prioritized = args.get_int("prioritized", 1, 0, 1) == 1;  // the option from before --replay
  c.replay.kind =
      models::parse_replay_kind(args.get_string("replay", prioritized ? "proportional" : "uniform"), "--replay");
  c.replay.use_paper_exponents();
  if (env == "catch") c.planned_steps = 9LL * episodes;  // Catch episodes last 9 steps: beta reaches 1 at the end
  c.lr = static_cast<float>(args.get_double("lr", c.lr, 1e-6, 1.0));
  const bool json = args.flag("json");
  args.finish("train dqn");
  models::DqnRunner runner(envs::make_env(env, c.seed), c);
  const auto returns = runner.run_episodes(episodes);
  if (json) {
    util::Json out;
    out.begin_object()
        .field("env", env)
        .field("replay", models::replay_kind_name(c.replay.kind))
        .field("prioritized", c.replay.prioritized())
        .field("seed", static_cast<long long>(c.seed))
        .field("returns", returns)
        .end_object();
    std::printf("%s\n", out.str().c_str());
  } else {
    for (size_t i = 49; i < returns.size(); i += 50) {
      double s = 0;
      for (size_t k = i - 49; k <= i; ++k) s += returns[k];
      std::printf("episodes %5zu  mean return %.3f\n", i + 1, s / 50);
    }
  }
  return 0;
}

}  // namespace cli
