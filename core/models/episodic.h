// Episodic memory agents.
//
// Model-Free Episodic Control (Blundell et al. 2016): observations are embedded by a fixed random
// projection phi(x) = A x (A Gaussian with variance 1/F); one table per action maps embeddings to
// the best return ever obtained after taking that action there. Q(s, a) is the stored value when
// phi(s) is in table a, else the mean of its k nearest neighbours. At the end of an episode the
// returns R_t = r_t + gamma R_{t+1} are walked back and each (phi(s_t), a_t) gets max(Q, R_t), or is
// inserted, evicting the least recently used entry at capacity.
//
// The "simple" agent is the textbook's exercise done properly: a tabular Q-learner over exact
// states (keyed by the whole observation, not a lossy summary of it) whose action values are mixed
// with an episodic estimate: the similarity-weighted mean return of the k stored (state, action)
// pairs most cosine-similar to the current state, among those at least min_similarity alike
// (without that floor, states that merely share the goal's pixel vote for one action everywhere).
#pragma once
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "envs/env.h"
#include "nn/rng.h"
#include "nn/shape.h"

namespace models {

/// A bounded nearest-neighbour value memory (one MFEC table).
class EpisodicTable {
 public:
  EpisodicTable(int capacity, int key_size);

  struct Lookup {
    float value = 0;
    bool exact = false;          // the key itself is stored
    int decided = -1;            // the entry that decided (the exact match or the nearest)
    std::vector<int> neighbors;  // entries used, nearest first
  };
  /// Exact match or mean of the k nearest values (k clipped to the size); refuses an empty table.
  /// The entries used count as used now (least-recently-used bookkeeping).
  Lookup lookup(const float* key, int k, long long now);
  /// Q <- max(Q, ret) for a stored key, else insert, evicting the least recently used at capacity.
  void update(const float* key, float ret, long long now, int tag);
  /// The k nearest entries, nearest first (ties by index); squared distances into `dist2`.
  void nearest(const float* key, int k, std::vector<int>& out, std::vector<float>* dist2 = nullptr) const;
  void clear();

  int size() const { return static_cast<int>(values_.size()); }
  int capacity() const { return capacity_; }
  int key_size() const { return key_size_; }
  const float* key(int i) const { return keys_.data() + static_cast<size_t>(i) * key_size_; }
  float value(int i) const { return values_[static_cast<size_t>(i)]; }
  long long last_used(int i) const { return last_used_[static_cast<size_t>(i)]; }
  /// A caller's label for the entry (e.g. the maze cell it was stored from).
  int tag(int i) const { return tags_[static_cast<size_t>(i)]; }

 private:
  int find_exact(const float* key) const;
  int capacity_, key_size_;
  std::vector<float> keys_, values_;
  std::vector<long long> last_used_;
  std::vector<int> tags_;
  mutable std::vector<float> dist2_;  // scratch of nearest()
  mutable std::vector<int> order_;    // scratch of nearest()
};

struct MfecConfig {
  int projection = 32;   // F, the embedding size
  int k = 11;            // neighbours averaged for unseen states
  int capacity = 10000;  // entries per action
  float gamma = 0.99f;
  float epsilon = 0.005f;  // exploration after the tables have something to say
  uint64_t seed = 1;
  void validate() const;
};

class MfecAgent {
 public:
  MfecAgent(const MfecConfig& config, nn::Shape observation_shape, int actions);

  int act(const float* obs);
  /// Records the step; at the end of an episode, writes the returns into the tables.
  float observe(const float* obs, int action, float reward, const float* next_obs, const envs::Step& step);
  /// Q estimates for each action (0 for an empty table) and the lookups behind them.
  void estimate(const float* obs, float* q, std::vector<EpisodicTable::Lookup>* lookups = nullptr);
  void embed(const float* obs, float* key) const;
  /// Forgets everything stored (the projection stays).
  void clear();

  const MfecConfig& config() const { return config_; }
  EpisodicTable& table(int action) { return tables_.at(static_cast<size_t>(action)); }
  int actions() const { return actions_; }
  /// A tag stored with each new entry (set by the caller before acting; -1 by default).
  void set_tag(int tag) { tag_ = tag; }

 private:
  MfecConfig config_;
  int obs_size_, actions_;
  std::vector<float> projection_;  // (F, obs) row-major
  std::vector<EpisodicTable> tables_;
  nn::Rng rng_;
  long long clock_ = 0;
  int tag_ = -1;
  struct Visit {
    std::vector<float> key;
    int action;
    float reward;
    int tag;
  };
  std::vector<Visit> episode_;
  std::vector<float> key_, q_;
};

struct SimpleEpisodicConfig {
  float lr = 0.2f;  // tabular Q-learning step size
  float gamma = 0.99f;
  float mix = 0.5f;              // weight of the episodic estimate in the action values
  int k = 5;                     // most similar stored pairs used
  float min_similarity = 0.75f;  // stored pairs less cosine-similar than this are not recalled
  int capacity = 5000;           // stored (state, action, return) triples, oldest dropped first
  float eps_start = 1.0f, eps_end = 0.05f;
  int eps_decay_steps = 1000;
  uint64_t seed = 1;
  void validate() const;
};

class SimpleEpisodicAgent {
 public:
  SimpleEpisodicAgent(const SimpleEpisodicConfig& config, nn::Shape observation_shape, int actions);
  int act(const float* obs);
  float observe(const float* obs, int action, float reward, const float* next_obs, const envs::Step& step);
  /// (1 - mix) Q_table(s, a) + mix * episodic(s, a), per action.
  void values(const float* obs, float* out);
  void clear();
  int stored() const { return static_cast<int>(memory_actions_.size()); }
  int states() const { return static_cast<int>(q_.size()); }

 private:
  std::vector<float>& row(const float* obs);
  float episodic_estimate(const std::vector<float>& unit, int action) const;
  std::vector<float> unit_vector(const float* obs) const;

  SimpleEpisodicConfig config_;
  int obs_size_, actions_;
  std::unordered_map<std::string, std::vector<float>> q_;  // exact state -> Q(s, .)
  std::vector<float> memory_keys_;                         // (n, obs) unit vectors
  std::vector<int> memory_actions_;
  std::vector<float> memory_returns_;
  size_t memory_next_ = 0;
  struct Visit {
    std::vector<float> unit;
    int action;
    float reward;
  };
  std::vector<Visit> episode_;
  nn::Rng rng_;
  long long steps_ = 0;
  std::vector<float> scratch_;
};

/// Returns G_t = r_t + gamma G_{t+1} walked back from the end of an episode.
std::vector<float> discounted_returns(const std::vector<float>& rewards, float gamma);

}  // namespace models
