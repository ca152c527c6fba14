// The replay case study for JS:
//   ReplayLab: two DQN agents (uniform replay and a variant: proportional, rank-based or uniform) from
//   one seed, stepped in lockstep; read-outs of the variant agent's sum tree or rank heap, its last
//   batch and its sampling statistics.
//   ReplayBuffer: the buffer itself (uniform, proportional or rank), for experiments of your own.
//   cliffwalkMedians(n, seeds, alpha): the tabular Blind Cliffwalk replay experiment.
//   benchReplay(capacity, repeats): sum tree and rank heap vs linear scan throughput (the Node benchmark).
#include "envs/cartpole.h"
#include "envs/catch.h"
#include "eval/cliffwalk_replay.h"
#include "eval/replay_bench.h"
#include "js_interop.h"
#include "models/replay_trainer.h"

using emscripten::val;

namespace {

models::ReplayTrainerConfig parse_replay_config(const val& obj) {
  js::ConfigObject c(obj, "ReplayLab config",
                     {"env", "variant", "alpha", "beta0", "capacity", "batch", "lr", "targetPeriod", "gamma",
                      "epsDecaySteps", "learningStarts", "planSteps", "seed"});
  models::ReplayTrainerConfig cfg;
  cfg.env = c.string("env", "catch");
  nn::require(cfg.env == "catch" || cfg.env == "cartpole",
              "ReplayLab config.env: expected \"catch\" or \"cartpole\", got \"", cfg.env, "\"");
  cfg.variant = models::parse_replay_kind(c.string("variant", "proportional"), "ReplayLab config.variant");
  models::DqnConfig& d = cfg.dqn;
  d = models::dqn_preset(cfg.env);
  // The planned run in environment steps: beta reaches 1 at its last training step. Catch: 300
  // episodes of 9 steps, the run `neuroai eval per` reports; CartPole: 20,000 steps.
  d.planned_steps = c.integer("planSteps", cfg.env == "catch" ? 2700 : 20000);
  nn::require(d.planned_steps >= 1, "ReplayLab config.planSteps: expected a positive integer, got ", d.planned_steps);
  d.replay.alpha = static_cast<float>(c.number("alpha", d.replay.alpha));
  d.replay.beta0 = static_cast<float>(c.number("beta0", d.replay.beta0));
  d.replay.capacity = c.integer("capacity", d.replay.capacity);
  d.batch = c.integer("batch", d.batch);
  d.lr = static_cast<float>(c.number("lr", d.lr));
  d.target_period = c.integer("targetPeriod", d.target_period);
  d.gamma = static_cast<float>(c.number("gamma", d.gamma));
  d.eps_decay_steps = c.integer("epsDecaySteps", d.eps_decay_steps);
  d.learning_starts = c.integer("learningStarts", d.learning_starts);
  const int seed = c.integer("seed", 1);
  nn::require(seed >= 0, "ReplayLab config.seed: expected a non-negative integer, got ", seed);
  d.seed = static_cast<uint64_t>(seed);
  d.validate();
  d.replay.kind = cfg.variant;
  d.replay.validate(envs::make_env(cfg.env, 0)->observation_size());
  return cfg;
}

val doubles_as_floats(const std::vector<double>& v) {
  std::vector<float> f(v.begin(), v.end());
  return js::floats(f);
}

class ReplayLabJs {
 public:
  static ReplayLabJs* create(val config) {
    return js::guard([&] { return new ReplayLabJs(parse_replay_config(config)); });
  }

  /// Advances both agents by `steps` environment steps each.
  void step(val steps) {
    js::guard([&] { lab_.step(js::integer(steps, "step: steps", 0, 100000)); });
  }

  /// {episodes, episodeReturn, envSteps, trainSteps, epsilon, beta, size, variant, planSteps,
  /// plannedTrainSteps, lastLoss} for agent 0 (uniform) or 1 (the variant). beta is the next
  /// batch's; lastLoss the last environment step's training loss (NaN when it did not train).
  val stats(val which) {
    return js::guard([&] {
      models::DqnRunner& r = runner(which);
      models::DqnAgent& a = r.agent();
      val o = val::object();
      o.set("episodes", static_cast<double>(r.returns().size()));
      o.set("envSteps", static_cast<double>(a.env_steps()));
      o.set("trainSteps", static_cast<double>(a.train_steps()));
      o.set("epsilon", a.epsilon());
      o.set("beta", a.replay().current_beta());
      o.set("size", a.replay().size());
      o.set("episodeReturn", r.episode_return());
      o.set("variant", std::string(models::replay_kind_name(a.replay().kind())));
      o.set("planSteps", static_cast<double>(a.config().planned_steps));
      o.set("plannedTrainSteps", static_cast<double>(a.planned_train_steps(a.config().planned_steps)));
      o.set("lastLoss", lab_.last_loss(js::integer(which, "agent", 0, 1)));
      return o;
    });
  }
  /// Every finished episode's return (a new Float32Array).
  val returns(val which) {
    return js::guard([&] { return js::floats(runner(which).returns()); });
  }
  /// The current observation: the Catch board (rows * cols) or CartPole's 4 state values.
  val observation(val which) {
    return js::guard([&] {
      envs::Env& env = runner(which).env();
      std::vector<float> obs(static_cast<size_t>(env.observation_size()));
      env.observe(obs.data());
      return js::floats(obs);
    });
  }
  /// Q-values of the current observation.
  val q_values(val which) {
    return js::guard([&] {
      models::DqnRunner& r = runner(which);
      std::vector<float> obs(static_cast<size_t>(r.env().observation_size())),
          q(static_cast<size_t>(r.env().num_actions()));
      r.env().observe(obs.data());
      r.agent().q_values(obs.data(), q.data());
      return js::floats(q);
    });
  }

  /// The variant's replay kind: "proportional", "rank" or "uniform".
  std::string variant() const { return models::replay_kind_name(lab_.config().variant); }

  /// The proportional agent's sum tree from the smallest subtree that holds every stored
  /// transition (node 2^k on the left edge), `levels` levels deep: {root, rootLevel, sums}, sums
  /// in heap order relative to that root (index 0 unused, index 1 = the root).
  val tree_top(val levels) {
    return js::guard([&] {
      const models::SumTree& t = tree("treeTop");
      const int stored = std::max(1, variant_agent().replay().size());
      int span = 1, below = 0;  // leaves under the subtree root, and its height
      while (span < stored) {
        span *= 2;
        ++below;
      }
      const int root_level = t.depth() - below, root = 1 << root_level;
      const int l = std::min(js::integer(levels, "treeTop: levels", 1, 12), below + 1);
      std::vector<float> sums(static_cast<size_t>(1) << l);
      for (int level = 0; level < l; ++level)
        for (int k = 0; k < (1 << level); ++k)
          sums[static_cast<size_t>((1 << level) + k)] = static_cast<float>(t.node((root << level) + k));
      val o = val::object();
      o.set("root", root);
      o.set("rootLevel", root_level);
      o.set("sums", js::floats(sums));
      return o;
    });
  }
  /// Leaf priorities p^alpha summed into `bins` equal ranges of the stored slots.
  val leaf_bins(val bins) {
    return js::guard([&] {
      const int n = js::integer(bins, "leafBins: bins", 1, 4096);
      tree("leafBins");
      const models::ReplayBuffer& rb = variant_agent().replay();
      std::vector<float> out(static_cast<size_t>(n), 0.0f);
      for (int k = 0; k < n && rb.size() > 0; ++k) {
        const int lo = static_cast<int>(static_cast<long long>(k) * rb.size() / n);
        const int hi = static_cast<int>(static_cast<long long>(k + 1) * rb.size() / n);
        out[static_cast<size_t>(k)] = static_cast<float>(rb.tree()->prefix(hi) - rb.tree()->prefix(lo));
      }
      return js::floats(out);
    });
  }
  /// The rank agent's heap array, first `count` positions (rank = position + 1):
  /// {size, priorities, slots, resorts}.
  val heap_top(val count) {
    return js::guard([&] {
      const models::RankHeap& h = heap("heapTop");
      const int n = std::min(js::integer(count, "heapTop: count", 1, 4096), h.size());
      std::vector<float> priorities(static_cast<size_t>(n));
      std::vector<int> slots(static_cast<size_t>(n));
      for (int p = 0; p < n; ++p) {
        priorities[static_cast<size_t>(p)] = static_cast<float>(h.priority_at(p));
        slots[static_cast<size_t>(p)] = h.slot_at(p);
      }
      val o = val::object();
      o.set("size", h.size());
      o.set("priorities", js::floats(priorities));
      o.set("slots", js::ints(slots));
      o.set("resorts", static_cast<double>(h.resorts()));
      return o;
    });
  }
  /// The rank agent's heap array in `bins` equal ranges of positions: the mean priority in each.
  val heap_bins(val bins) {
    return js::guard([&] {
      const int n = js::integer(bins, "heapBins: bins", 1, 4096);
      const models::RankHeap& h = heap("heapBins");
      std::vector<float> out(static_cast<size_t>(n), 0.0f);
      for (int k = 0; k < n && h.size() > 0; ++k) {
        const int lo = static_cast<int>(static_cast<long long>(k) * h.size() / n);
        const int hi = static_cast<int>(static_cast<long long>(k + 1) * h.size() / n);
        double sum = 0;
        for (int p = lo; p < hi; ++p) sum += h.priority_at(p);
        out[static_cast<size_t>(k)] = hi > lo ? static_cast<float>(sum / (hi - lo)) : 0.0f;
      }
      return js::floats(out);
    });
  }
  /// The variant agent's last batch: {variant, size, beta, indices, weights, tdErrors} and, for
  /// proportional, {depth, leaves, total, paths (B * (depth+1))}; for rank, {total (the rank mass),
  /// positions (B heap positions), segments (B + 1 heap positions where the equal-mass segments start;
  /// the last is the size)}.
  val last_batch() {
    return js::guard([&] {
      const models::ReplayBuffer& rb = variant_agent().replay();
      const models::ReplayBatch& b = rb.last_batch();
      val o = val::object();
      o.set("variant", variant());
      o.set("size", rb.size());
      o.set("beta", b.beta);
      o.set("indices", js::ints(b.indices));
      o.set("weights", js::floats(b.weights));
      o.set("tdErrors", js::floats(variant_agent().last_td_errors()));
      if (const models::SumTree* t = rb.tree()) {
        o.set("depth", t->depth());
        o.set("leaves", t->leaves());
        o.set("total", t->total());
        o.set("paths", js::ints(b.paths));
      }
      if (const models::RankHeap* h = rb.rank_heap()) {
        o.set("total", h->size() > 0 ? h->total() : 0.0);
        o.set("positions", js::ints(b.positions));
        std::vector<int> segments;
        const int batch = static_cast<int>(b.positions.size());
        for (int k = 0; k < batch && h->size() > 0; ++k)
          segments.push_back(h->find_rank(h->total() * k / batch, 1, h->size()) - 1);
        segments.push_back(h->size());
        o.set("segments", js::ints(segments));
      }
      return o;
    });
  }
  /// {drawn, expected} per slot bin since the start (or the last resetSampling) for agent `which`.
  val sampling(val which) {
    return js::guard([&] {
      models::ReplayBuffer& rb = runner(which).agent().replay();
      val o = val::object();
      o.set("drawn", doubles_as_floats(rb.drawn_per_bin()));
      o.set("expected", doubles_as_floats(rb.expected_per_bin()));
      return o;
    });
  }
  void reset_sampling() {
    js::guard([&] {
      for (int k = 0; k < 2; ++k) lab_.agent(k).agent().replay().track_sampling(lab_.config().histogram_bins);
    });
  }

 private:
  explicit ReplayLabJs(const models::ReplayTrainerConfig& c) : lab_(c) {}
  models::DqnRunner& runner(const val& which) { return lab_.agent(js::integer(which, "agent", 0, 1)); }
  models::DqnAgent& variant_agent() { return lab_.agent(models::ReplayTrainer::kVariant).agent(); }
  const models::SumTree& tree(const char* fn) {
    const models::SumTree* t = variant_agent().replay().tree();
    nn::require(t != nullptr, fn, ": the variant agent has no sum tree (its replay is ", variant(),
                ", not proportional)");
    return *t;
  }
  const models::RankHeap& heap(const char* fn) {
    const models::RankHeap* h = variant_agent().replay().rank_heap();
    nn::require(h != nullptr, fn, ": the variant agent has no rank heap (its replay is ", variant(), ", not rank)");
    return *h;
  }
  models::ReplayTrainer lab_;
};

class ReplayBufferJs {
 public:
  static ReplayBufferJs* create(val config) {
    return js::guard([&] {
      js::ConfigObject c(config, "ReplayBuffer config",
                         {"capacity", "kind", "prioritized", "alpha", "beta0", "betaSteps", "eps", "resortPeriod",
                          "observationSize", "seed"});
      models::ReplayConfig rc;
      rc.capacity = c.integer("capacity", rc.capacity);
      // `kind` ("uniform", "proportional", "rank"); the older `prioritized` (true/false) still works.
      const bool prioritized = c.boolean("prioritized", rc.prioritized());
      rc.kind = models::parse_replay_kind(c.string("kind", prioritized ? "proportional" : "uniform"),
                                          "ReplayBuffer config.kind");
      rc.resort_period = c.integer("resortPeriod", rc.resort_period);
      rc.alpha = static_cast<float>(c.number("alpha", rc.alpha));
      rc.beta0 = static_cast<float>(c.number("beta0", rc.beta0));
      rc.beta_steps = c.integer("betaSteps", rc.beta_steps);
      rc.eps = static_cast<float>(c.number("eps", rc.eps));
      const int obs = c.integer("observationSize", 1);
      const int seed = c.integer("seed", 1);
      nn::require(seed >= 0, "ReplayBuffer config.seed: expected a non-negative integer, got ", seed);
      return new ReplayBufferJs(rc, obs, static_cast<uint64_t>(seed));
    });
  }

  void add(val obs, val action, val reward, val next_obs, val done) {
    js::guard([&] {
      const auto o = js::float32_array(obs, "add: obs", obs_size_);
      const auto n = js::float32_array(next_obs, "add: nextObs", obs_size_);
      nn::require(done.isTrue() || done.isFalse(), "add: done: expected true or false, got ", js::type_name(done));
      buffer_.add(o.data(), js::integer(action, "add: action", 0, 1 << 20),
                  static_cast<float>(js::number(reward, "add: reward")), n.data(), done.as<bool>());
    });
  }

  /// {indices, weights, obs, actions, rewards, nextObs, dones, beta, positions (rank: heap positions)}.
  val sample(val batch) {
    return js::guard([&] {
      const models::ReplayBatch& b = buffer_.sample(js::integer(batch, "sample: batch", 1, 1 << 20));
      val o = val::object();
      o.set("indices", js::ints(b.indices));
      o.set("weights", js::floats(b.weights));
      o.set("obs", js::floats(b.obs));
      o.set("actions", js::ints(b.actions));
      o.set("rewards", js::floats(b.rewards));
      o.set("nextObs", js::floats(b.next_obs));
      o.set("dones", js::floats(b.dones));
      o.set("beta", b.beta);
      o.set("positions", js::ints(b.positions));
      return o;
    });
  }

  void set_priorities(val indices, val priorities) {
    js::guard([&] {
      buffer_.set_priorities(js::int32_array(indices, "setPriorities: indices"),
                             value_list(priorities, "setPriorities: priorities"));
    });
  }
  void update_priorities(val indices, val td_errors) {
    js::guard([&] {
      buffer_.update_priorities(js::int32_array(indices, "updatePriorities: indices"),
                                value_list(td_errors, "updatePriorities: tdErrors"));
    });
  }

  int size() const { return buffer_.size(); }
  double probability(val i) {
    return js::guard([&] { return buffer_.probability(js::integer(i, "probability: i", -1, 1 << 30)); });
  }
  /// The sampling mass: the sum tree's total, the rank mass sum_{r<=N} r^-alpha, or N for uniform.
  double total() const {
    if (buffer_.tree()) return buffer_.tree()->total();
    if (buffer_.rank_heap()) return buffer_.size() > 0 ? buffer_.rank_heap()->total() : 0.0;
    return static_cast<double>(buffer_.size());
  }
  std::string kind() const { return models::replay_kind_name(buffer_.kind()); }

 private:
  ReplayBufferJs(const models::ReplayConfig& c, int obs, uint64_t seed) : obs_size_(obs), buffer_(c, obs, seed) {}
  // Values are copied as given (NaN and negatives included): the buffer itself refuses them.
  static std::vector<float> value_list(const val& v, const char* name) {
    nn::require(v.instanceof (val::global("Float32Array")), name, ": expected a Float32Array, got ", js::type_name(v));
    std::vector<float> out(v["length"].as<size_t>());
    val(emscripten::typed_memory_view(out.size(), out.data())).call<void>("set", v);
    return out;
  }
  int obs_size_;
  models::ReplayBuffer buffer_;
};

/// {uniform, prioritized} median updates over seeds 1..seeds for Blind Cliffwalk with n states.
val cliffwalk_medians(val n, val seeds, val alpha) {
  return js::guard([&] {
    eval::CliffwalkReplayConfig c;
    c.n = js::integer(n, "cliffwalkMedians: n", 2, 16);
    c.alpha = static_cast<float>(js::number(alpha, "cliffwalkMedians: alpha"));
    const int s = js::integer(seeds, "cliffwalkMedians: seeds", 1, 1000);
    c.prioritized = false;
    const double uniform = eval::median_cliffwalk_updates(c, s);
    c.prioritized = true;
    const double prioritized = eval::median_cliffwalk_updates(c, s);
    val o = val::object();
    o.set("uniform", uniform);
    o.set("prioritized", prioritized);
    return o;
  });
}

/// [{operation, treePerS, rankPerS, scanPerS}] at the given capacity.
val bench_replay(val capacity, val repeats) {
  return js::guard([&] {
    const auto rows = eval::bench_replay(js::integer(capacity, "benchReplay: capacity", 1, 1 << 24),
                                         js::integer(repeats, "benchReplay: repeats", 1, 101));
    val out = val::array();
    for (const auto& r : rows) {
      val o = val::object();
      o.set("operation", r.what);
      o.set("treePerS", r.tree_per_s);
      o.set("rankPerS", r.rank_per_s);
      o.set("scanPerS", r.scan_per_s);
      out.call<void>("push", o);
    }
    return out;
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(neuroai_replay) {
  emscripten::class_<ReplayLabJs>("ReplayLab")
      .constructor(&ReplayLabJs::create, emscripten::allow_raw_pointers())
      .function("step", &ReplayLabJs::step)
      .function("stats", &ReplayLabJs::stats)
      .function("returns", &ReplayLabJs::returns)
      .function("observation", &ReplayLabJs::observation)
      .function("qValues", &ReplayLabJs::q_values)
      .function("treeTop", &ReplayLabJs::tree_top)
      .function("leafBins", &ReplayLabJs::leaf_bins)
      .function("variant", &ReplayLabJs::variant)
      .function("heapTop", &ReplayLabJs::heap_top)
      .function("heapBins", &ReplayLabJs::heap_bins)
      .function("lastBatch", &ReplayLabJs::last_batch)
      .function("sampling", &ReplayLabJs::sampling)
      .function("resetSampling", &ReplayLabJs::reset_sampling);
  emscripten::class_<ReplayBufferJs>("ReplayBuffer")
      .constructor(&ReplayBufferJs::create, emscripten::allow_raw_pointers())
      .function("add", &ReplayBufferJs::add)
      .function("sample", &ReplayBufferJs::sample)
      .function("setPriorities", &ReplayBufferJs::set_priorities)
      .function("updatePriorities", &ReplayBufferJs::update_priorities)
      .function("size", &ReplayBufferJs::size)
      .function("probability", &ReplayBufferJs::probability)
      .function("total", &ReplayBufferJs::total)
      .function("kind", &ReplayBufferJs::kind);
  emscripten::function("cliffwalkMedians", &cliffwalk_medians);
  emscripten::function("benchReplay", &bench_replay);
}
