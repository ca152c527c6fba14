// The episodic-memory case study for JS:
//   EpisodicLab: MFEC, the simple episodic agent and DQN from one seed on a maze or Catch, with
//   read-outs of MFEC's memory (its lookups for the current state, its best value per maze cell).
//   EpisodicTable: one nearest-neighbour value table, for experiments of your own.
#include "envs/maze.h"
#include "js_interop.h"
#include "models/episodic_trainer.h"

using emscripten::val;

namespace {

models::EpisodicTrainerConfig parse_episodic_config(const val& obj) {
  js::ConfigObject c(obj, "EpisodicLab config",
                     {"env", "k", "projection", "capacity", "epsilon", "gamma", "mix", "seed"});
  models::EpisodicTrainerConfig cfg;
  cfg.env = c.string("env", cfg.env);
  cfg.mfec.k = c.integer("k", cfg.mfec.k);
  cfg.mfec.projection = c.integer("projection", cfg.mfec.projection);
  cfg.mfec.capacity = c.integer("capacity", cfg.mfec.capacity);
  cfg.mfec.epsilon = static_cast<float>(c.number("epsilon", cfg.mfec.epsilon));
  cfg.mfec.gamma = cfg.simple.gamma = static_cast<float>(c.number("gamma", cfg.mfec.gamma));
  cfg.simple.mix = static_cast<float>(c.number("mix", cfg.simple.mix));
  cfg.simple.k = std::min(cfg.simple.k, cfg.mfec.k);
  cfg.simple.capacity = cfg.mfec.capacity;
  const int seed = c.integer("seed", 1);
  nn::require(seed >= 0, "EpisodicLab config.seed: expected a non-negative integer, got ", seed);
  cfg.seed = static_cast<uint64_t>(seed);
  cfg.validate();
  return cfg;
}

class EpisodicLabJs {
 public:
  static EpisodicLabJs* create(val config) {
    return js::guard([&] { return new EpisodicLabJs(parse_episodic_config(config)); });
  }

  void step(val steps) {
    js::guard([&] { lab_.step(js::integer(steps, "step: steps", 0, 100000)); });
  }
  /// {episodes, episodeReturn, memory} for agent 0 (MFEC), 1 (simple) or 2 (DQN).
  val stats(val which) {
    return js::guard([&] {
      const int a = agent(which);
      val o = val::object();
      o.set("episodes", static_cast<double>(lab_.returns(a).size()));
      int memory = 0;
      if (a == models::EpisodicTrainer::kMfec)
        for (int k = 0; k < lab_.mfec().agent().actions(); ++k) memory += lab_.mfec().agent().table(k).size();
      if (a == models::EpisodicTrainer::kSimple) memory = lab_.simple().agent().stored();
      if (a == models::EpisodicTrainer::kDqn) memory = lab_.dqn().agent().replay().size();
      o.set("memory", memory);
      o.set("state", lab_.env(a).state_id());
      return o;
    });
  }
  val returns(val which) {
    return js::guard([&] { return js::floats(lab_.returns(agent(which))); });
  }
  val observation(val which) {
    return js::guard([&] { return js::floats(lab_.observation(agent(which))); });
  }

  /// MFEC's decision for its current state: {q, greedy, lookups: [{exact, decided, tags, values}]}
  /// per action, where tags name the states (maze cells) the neighbours were stored from.
  val mfec_decision() {
    return js::guard([&] {
      const models::EpisodicTrainer::Decision d = lab_.mfec_decision();
      val o = val::object();
      o.set("q", js::floats(d.q));
      o.set("greedy", d.greedy);
      val per_action = val::array();
      for (size_t a = 0; a < d.lookups.size(); ++a) {
        const auto& l = d.lookups[a];
        const models::EpisodicTable& t = lab_.mfec().agent().table(static_cast<int>(a));
        std::vector<int> tags;
        std::vector<float> values;
        for (int i : l.neighbors) {
          tags.push_back(t.tag(i));
          values.push_back(t.value(i));
        }
        val e = val::object();
        e.set("exact", l.exact);
        e.set("decided", l.decided >= 0 ? t.tag(l.decided) : -1);
        e.set("tags", js::ints(tags));
        e.set("values", js::floats(values));
        e.set("size", t.size());
        per_action.call<void>("push", e);
      }
      o.set("lookups", per_action);
      return o;
    });
  }

  /// The best value MFEC has stored from each state id (maze cell), NaN where nothing is stored.
  val memory_map(val states) {
    return js::guard([&] {
      const int n = js::integer(states, "memoryMap: states", 1, 1 << 16);
      std::vector<float> best(static_cast<size_t>(n), NAN);
      models::MfecAgent& m = lab_.mfec().agent();
      for (int a = 0; a < m.actions(); ++a)
        for (int i = 0; i < m.table(a).size(); ++i) {
          const int tag = m.table(a).tag(i);
          if (tag < 0 || tag >= n) continue;
          float& b = best[static_cast<size_t>(tag)];
          if (std::isnan(b) || m.table(a).value(i) > b) b = m.table(a).value(i);
        }
      return js::floats(best);
    });
  }

  /// {height, width, walls (Uint8Array), start, goal} of the maze (MFEC's copy).
  val maze() {
    return js::guard([&] {
      auto* m = dynamic_cast<envs::GridMaze*>(&lab_.env(models::EpisodicTrainer::kMfec));
      nn::require(m != nullptr, "maze: this lab runs '", lab_.config().env, "', not a maze");
      std::vector<uint8_t> walls;
      for (int r = 0; r < m->height(); ++r)
        for (int c = 0; c < m->width(); ++c) walls.push_back(m->wall(r, c) ? 1 : 0);
      val o = val::object();
      o.set("height", m->height());
      o.set("width", m->width());
      o.set("walls", js::to_uint8_array(walls.data(), walls.size()));
      o.set("start", m->start());
      o.set("goal", m->goal());
      return o;
    });
  }

  void clear_memory() { lab_.clear_memory(); }

 private:
  explicit EpisodicLabJs(const models::EpisodicTrainerConfig& c) : lab_(c) {}
  static int agent(const val& which) { return js::integer(which, "agent", 0, 2); }
  models::EpisodicTrainer lab_;
};

class EpisodicTableJs {
 public:
  static EpisodicTableJs* create(val config) {
    return js::guard([&] {
      js::ConfigObject c(config, "EpisodicTable config", {"capacity", "keySize"});
      return new EpisodicTableJs(c.integer("capacity", 1000), c.integer("keySize", 8));
    });
  }
  void update(val key, val value, val tag) {
    js::guard([&] {
      const auto k = js::float32_array(key, "update: key", table_.key_size());
      table_.update(k.data(), static_cast<float>(js::number(value, "update: value")), ++clock_,
                    js::integer(tag, "update: tag", -1, 1 << 30));
    });
  }
  /// {value, exact, neighbors (entry indices, nearest first)}.
  val lookup(val key, val k) {
    return js::guard([&] {
      const auto q = js::float32_array(key, "lookup: key", table_.key_size());
      const int kk = js::integer(k, "lookup: k", 1, table_.capacity());
      const auto l = table_.lookup(q.data(), kk, ++clock_);
      val o = val::object();
      o.set("value", l.value);
      o.set("exact", l.exact);
      o.set("neighbors", js::ints(l.neighbors));
      return o;
    });
  }
  int size() const { return table_.size(); }
  val entry(val i) {
    return js::guard([&] {
      const int k = js::integer(i, "entry: i", 0, std::max(0, table_.size() - 1));
      nn::require(k < table_.size(), "entry: i: the table is empty");
      val o = val::object();
      o.set("key", js::to_float32_array(table_.key(k), static_cast<size_t>(table_.key_size())));
      o.set("value", table_.value(k));
      o.set("tag", table_.tag(k));
      o.set("lastUsed", static_cast<double>(table_.last_used(k)));
      return o;
    });
  }

 private:
  EpisodicTableJs(int capacity, int key_size) : table_(capacity, key_size) {}
  models::EpisodicTable table_;
  long long clock_ = 0;
};

}  // namespace

EMSCRIPTEN_BINDINGS(neuroai_episodic) {
  emscripten::class_<EpisodicLabJs>("EpisodicLab")
      .constructor(&EpisodicLabJs::create, emscripten::allow_raw_pointers())
      .function("step", &EpisodicLabJs::step)
      .function("stats", &EpisodicLabJs::stats)
      .function("returns", &EpisodicLabJs::returns)
      .function("observation", &EpisodicLabJs::observation)
      .function("mfecDecision", &EpisodicLabJs::mfec_decision)
      .function("memoryMap", &EpisodicLabJs::memory_map)
      .function("maze", &EpisodicLabJs::maze)
      .function("clearMemory", &EpisodicLabJs::clear_memory);
  emscripten::class_<EpisodicTableJs>("EpisodicTable")
      .constructor(&EpisodicTableJs::create, emscripten::allow_raw_pointers())
      .function("update", &EpisodicTableJs::update)
      .function("lookup", &EpisodicTableJs::lookup)
      .function("size", &EpisodicTableJs::size)
      .function("entry", &EpisodicTableJs::entry);
}
