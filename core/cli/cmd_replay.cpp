// The replay case study on the command line:
//   neuroai eval per     the Blind Cliffwalk replay experiment and DQN on Catch, uniform vs prioritized
//   neuroai bench replay sum-tree throughput against a linear-scan sampler
//   neuroai train dqn    one DQN run (catch or cartpole), its episode returns
#include <algorithm>
#include <cstdio>

#include "eval/cliffwalk_replay.h"
#include "eval/replay_bench.h"
#include "models/dqn.h"
#include "util/json.h"
#include "commands.h"

namespace cli {

namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const size_t m = v.size() / 2;
  return v.size() % 2 ? v[m] : 0.5 * (v[m - 1] + v[m]);
}

/// The Catch agent of the case study: conv Q-network on the 10 x 5 board.
models::DqnConfig catch_config(bool prioritized, uint64_t seed) {
  models::DqnConfig c = models::dqn_preset("catch");
  c.replay.prioritized = prioritized;
  c.seed = seed;
  return c;
}

}  // namespace

int eval_per(Args& args) {
  const int seeds = args.get_int("seeds", 10, 1, 1000);
  const int catch_seeds = args.get_int("catch-seeds", 3, 0, 100);
  const int max_episodes = args.get_int("max-episodes", 3000, 50, 100000);
  const double alpha = args.get_double("alpha", 0.6, 0.0, 1.0);
  const bool json = args.flag("json");
  args.finish("eval per");

  util::Json out;
  out.begin_object().key("cliffwalk").begin_array();
  if (!json) std::printf("Blind Cliffwalk, tabular Q-learning from replay: median updates over %d seeds\n%4s %12s %12s %8s\n",
                         seeds, "n", "uniform", "prioritized", "ratio");
  for (int n : {6, 8, 10}) {
    eval::CliffwalkReplayConfig c;
    c.n = n;
    c.alpha = static_cast<float>(alpha);
    c.prioritized = false;
    const double uniform = eval::median_cliffwalk_updates(c, seeds);
    c.prioritized = true;
    const double prioritized = eval::median_cliffwalk_updates(c, seeds);
    out.begin_object().field("n", n).field("uniform_updates", uniform).field("prioritized_updates", prioritized).end_object();
    if (!json) std::printf("%4d %12.0f %12.0f %8.3f\n", n, uniform, prioritized, prioritized / uniform);
  }
  out.end_array();
  out.field("cliffwalk_alpha", alpha).field("cliffwalk_seeds", seeds);

  std::vector<double> uniform, prioritized;
  for (int s = 0; s < catch_seeds; ++s) {
    uniform.push_back(models::episodes_to_reach("catch", catch_config(false, 100 + s), 0.9f, 50, max_episodes));
    prioritized.push_back(models::episodes_to_reach("catch", catch_config(true, 100 + s), 0.9f, 50, max_episodes));
    if (!json) std::printf("catch seed %d: uniform %.0f, prioritized %.0f episodes\n", 100 + s, uniform.back(), prioritized.back());
  }
  if (catch_seeds > 0) {
    out.key("catch").begin_object()
        .field("uniform_episodes", median(uniform))
        .field("prioritized_episodes", median(prioritized))
        .field("seeds", catch_seeds)
        .field("uniform_per_seed", uniform)
        .field("prioritized_per_seed", prioritized)
        .field("max_episodes", max_episodes)
        .end_object();
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
  out.begin_object().field("bench", "replay").field("capacity", capacity).field("repeats", repeats).key("results").begin_array();
  if (!json) std::printf("neuroai bench replay (capacity %d, median of %d)\n%-18s %16s %16s %10s\n", capacity, repeats,
                         "operation", "sum tree /s", "linear scan /s", "ratio");
  for (const auto& r : rows) {
    out.begin_object().field("operation", r.what).field("tree_per_s", r.tree_per_s).field("scan_per_s", r.scan_per_s)
        .field("ratio", r.tree_per_s / r.scan_per_s).end_object();
    if (!json) std::printf("%-18s %16.0f %16.0f %10.1f\n", r.what.c_str(), r.tree_per_s, r.scan_per_s, r.tree_per_s / r.scan_per_s);
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
  c.replay.prioritized = args.get_int("prioritized", 1, 0, 1) == 1;
  c.lr = static_cast<float>(args.get_double("lr", c.lr, 1e-6, 1.0));
  const bool json = args.flag("json");
  args.finish("train dqn");
  models::DqnRunner runner(envs::make_env(env, c.seed), c);
  const auto returns = runner.run_episodes(episodes);
  if (json) {
    util::Json out;
    out.begin_object().field("env", env).field("prioritized", c.replay.prioritized).field("seed", static_cast<long long>(c.seed))
        .field("returns", returns).end_object();
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
