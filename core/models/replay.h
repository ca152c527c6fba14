// Experience replay: a sum tree, proportional prioritized replay (Schaul et al., ICLR 2016) and a
// uniform buffer behind one interface, so an agent switches between them with one setting.
//
// Prioritized: priority p_i = |delta_i| + eps, stored as p_i^alpha in a sum tree; P(i) = p_i^alpha / sum_k p_k^alpha.
// A batch of B is drawn stratified: [0, total) is cut into B equal segments with one draw in each.
// Importance weights w_i = (N P(i))^-beta, divided by the largest possible weight over the buffer,
// (N P_min)^-beta, found through a min tree over the same leaves; beta anneals linearly beta0 -> 1.
// New transitions get the largest priority seen so far (1 at first), so each is replayed soon.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "nn/rng.h"

namespace models {

/// Storage for the sum tree's arrays. Aligned to 64 bytes, so each group of 8 heap-order siblings
/// (nodes 8i .. 8i+7) fills exactly one cache line; arrays of 2 MiB or more are 2 MiB-aligned and,
/// on Linux, marked for transparent huge pages: a draw reads one node per level of a tree spread
/// over megabytes, and with 4 KiB pages most of its cache misses are TLB misses too.
void* allocate_tree_storage(size_t bytes);  // throws std::bad_alloc
void free_tree_storage(void* p);

template <class T>
struct TreeAllocator {
  using value_type = T;
  TreeAllocator() = default;
  template <class U>
  TreeAllocator(const TreeAllocator<U>&) {}
  T* allocate(size_t n) { return static_cast<T*>(allocate_tree_storage(n * sizeof(T))); }
  void deallocate(T* p, size_t) { free_tree_storage(p); }
  template <class U>
  bool operator==(const TreeAllocator<U>&) const { return true; }
  template <class U>
  bool operator!=(const TreeAllocator<U>&) const { return false; }
};

/// A binary sum tree (with a min tree beside it) over `capacity` leaves, padded to a power of two.
/// Node 1 is the root, node i has children 2i and 2i+1, leaf j is node leaves() + j.
class SumTree {
 public:
  explicit SumTree(int capacity);

  /// Sets leaf j's value (finite, >= 0) and updates its ancestors.
  void set(int j, double value);
  double get(int j) const { return sum_[static_cast<size_t>(base_ + j)]; }
  /// The sum stored at heap node i (1 <= i < 2 leaves()).
  double node(int i) const;
  double total() const { return sum_[1]; }
  /// The smallest leaf value among leaves with value > 0 (+inf when none).
  double min_positive() const { return min_[1]; }
  /// Sum of leaves [0, j) in O(log n).
  double prefix(int j) const;
  /// The leaf where the prefix sum crosses `mass`: descend, going left when mass < left sum.
  /// mass is clamped into [0, total) against float drift; a zero-valued leaf is never returned.
  /// `path` (optional) receives the visited node ids from the root down to the leaf.
  int find(double mass, std::vector<int>* path = nullptr) const {
    return path ? descend<true>(mass, path) : descend<false>(mass, nullptr);
  }
  /// find() for n masses: out (n) receives the leaves; paths (n * (depth + 1)), if given, the nodes.
  void find_many(double* masses, int n, int* out, int* paths = nullptr) const;

  int capacity() const { return capacity_; }
  int leaves() const { return base_; }
  int depth() const { return depth_; }

 private:
  template <bool kRecord>
  int descend(double mass, std::vector<int>* path) const;

  int capacity_, base_, depth_;
  double limit_ = 0;  // the largest double below the total: where draws are clamped
  std::vector<double, TreeAllocator<double>> sum_;
  std::vector<double, TreeAllocator<double>> min_;  // +inf on empty leaves
};

struct ReplayConfig {
  int capacity = 10000;
  bool prioritized = true;
  float alpha = 0.6f;        // how strongly priorities shape sampling (0 = uniform)
  float beta0 = 0.4f;        // importance-sampling exponent at the start, annealed to 1
  int beta_steps = 20000;    // sample() calls over which beta reaches 1
  float eps = 1e-6f;         // keeps every stored transition drawable
  void validate(int observation_size) const;
};

/// A batch of transitions (copies) with its tree indices and importance weights.
struct ReplayBatch {
  int size = 0;
  std::vector<int> indices;       // (B) buffer slots
  std::vector<float> weights;     // (B) importance weights, max 1 (all 1 for uniform)
  std::vector<float> obs;         // (B, obs)
  std::vector<int> actions;       // (B)
  std::vector<float> rewards;     // (B)
  std::vector<float> next_obs;    // (B, obs)
  std::vector<float> dones;       // (B) 1 when the episode terminated (no bootstrap)
  std::vector<int> paths;         // (B, depth + 1) tree nodes visited per draw (when recorded)
  float beta = 1.0f;
};

class ReplayBuffer {
 public:
  ReplayBuffer(const ReplayConfig& config, int observation_size, uint64_t seed);

  /// Stores one transition, overwriting the oldest at capacity.
  void add(const float* obs, int action, float reward, const float* next_obs, bool done);
  /// Draws `batch` transitions (stratified for prioritized, uniform with replacement otherwise).
  const ReplayBatch& sample(int batch);
  /// Sets the priorities of the given slots from their TD errors: p = |delta| + eps.
  /// Refuses NaN/inf errors and unknown slots before changing anything.
  void update_priorities(const std::vector<int>& indices, const std::vector<float>& td_errors);
  /// Sets raw priorities p_i (finite, >= 0; 0 makes a slot undrawable). All checked first.
  void set_priorities(const std::vector<int>& indices, const std::vector<float>& priorities);

  int size() const { return size_; }
  int capacity() const { return config_.capacity; }
  const ReplayConfig& config() const { return config_; }
  float current_beta() const;
  /// P(i) for slot i (uniform: 1 / size).
  double probability(int i) const;
  double max_priority() const { return max_priority_; }
  const SumTree* tree() const { return config_.prioritized ? &tree_ : nullptr; }
  const ReplayBatch& last_batch() const { return batch_; }
  /// Records each draw's root-to-leaf path in the batch (for drawing it; off by default).
  void set_record_paths(bool on) { record_paths_ = on; }

  /// Sampling statistics over `bins` equal ranges of slots: how often each range was drawn and
  /// how often P(i) says it should have been, summed over every draw since reset (0 bins: off).
  void track_sampling(int bins);
  const std::vector<double>& drawn_per_bin() const { return drawn_; }
  const std::vector<double>& expected_per_bin() const { return expected_; }

 private:
  void copy_into_batch(int slot, int b);
  void check_slots(const std::vector<int>& indices, const std::vector<float>& values, const char* fn, const char* what,
                   bool non_negative) const;
  void apply_priorities(const std::vector<int>& indices, const std::vector<float>& priorities);
  void record_sampling(const ReplayBatch& b);

  ReplayConfig config_;
  int obs_size_;
  nn::Rng rng_;
  SumTree tree_;
  int size_ = 0, next_ = 0;
  long long samples_ = 0;
  double max_priority_ = 1.0;
  bool record_paths_ = false;
  std::vector<double> drawn_, expected_;
  std::vector<float> obs_, next_obs_, rewards_, dones_;  // (capacity, obs) and (capacity)
  std::vector<int> actions_;
  ReplayBatch batch_;
  std::vector<double> masses_;
};

/// The bytes a buffer of this size needs (tree + storage), for refusing impossible capacities.
double replay_bytes(int capacity, int observation_size);

}  // namespace models
