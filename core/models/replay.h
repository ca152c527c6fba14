// Experience replay (Schaul et al., ICLR 2016): uniform, proportional and rank-based prioritized
// replay behind one interface, so an agent switches between them with one setting (ReplayConfig.kind).
//
// Priority p_i = |delta_i| + eps. New transitions get the largest priority seen so far (1 at first),
// so each is replayed soon. A batch of B is drawn stratified: the probability mass [0, total) is cut
// into B segments of equal mass with one draw in each. Importance weights w_i = (N P(i))^-beta,
// divided by the largest possible weight over the buffer; beta anneals linearly beta0 -> 1 over
// ReplayConfig.beta_steps sample() calls (an agent sets that to its run's planned training steps).
//
// Proportional: p_i^alpha in a sum tree; P(i) = p_i^alpha / sum_k p_k^alpha. The largest weight is
// (N P_min)^-beta, P_min through a min tree over the same leaves.
//
// Rank-based: P(i) = rank(i)^-alpha / sum_{r=1..N} r^-alpha, rank 1 = the largest priority. As in the
// paper (appendix B.2.1) the order is approximate: a binary max-heap array over the priorities is read
// as the sorted order (rank = heap position + 1) and re-sorted fully every `resort_period` priority
// changes. Sampling is exact for that order: a prefix-sum table of r^-alpha (computed once for the
// capacity) gives the total mass for the current N and the B equal-mass segments' rank ranges in
// O(log N); within its segment a draw is an inverse-CDF lookup (binary search in the table), so the
// slot at heap position r - 1 is drawn with probability exactly P(r) (up to the 53-bit uniform), where
// the paper samples uniformly among the ranks of a segment (a piecewise-linear CDF). The largest
// weight is the last rank's, (N P(N))^-beta.
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
  bool operator==(const TreeAllocator<U>&) const {
    return true;
  }
  template <class U>
  bool operator!=(const TreeAllocator<U>&) const {
    return false;
  }
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

/// Rank-based prioritization's order: a binary max-heap array over the priorities of the stored
/// slots, used as an approximately sorted array (rank = heap position + 1) and re-sorted fully every
/// `resort_period` changes; plus the prefix sums of r^-alpha for r = 1 .. capacity.
class RankHeap {
 public:
  RankHeap(int capacity, double alpha, int resort_period);

  /// Sets slot j's priority (finite, >= 0), inserting it when not stored. A `fresh` entry (a new
  /// transition at the largest priority) rises above equal priorities, to rank 1 when it ties the maximum.
  void set(int j, double priority, bool fresh = false);
  /// Sorts the heap array by priority, largest first (a sorted array is a valid max-heap).
  void resort();

  int size() const { return static_cast<int>(heap_.size()); }
  int capacity() const { return capacity_; }
  int slot_at(int pos) const { return heap_[static_cast<size_t>(pos)]; }
  int position_of(int j) const { return pos_[static_cast<size_t>(j)]; }
  double priority(int j) const { return priority_[static_cast<size_t>(j)]; }
  double priority_at(int pos) const { return priority(slot_at(pos)); }
  /// sum_{k=1..r} k^-alpha (0 <= r <= capacity).
  double cumulative(int r) const { return cum_[static_cast<size_t>(r)]; }
  double total() const { return cum_[heap_.size()]; }
  /// P(rank r) = r^-alpha / total for the current size.
  double rank_probability(int r) const {
    return (cum_[static_cast<size_t>(r)] - cum_[static_cast<size_t>(r - 1)]) / total();
  }
  /// The rank r in [lo, hi] whose mass interval [cum(r-1), cum(r)) holds u (binary search; clamped).
  int find_rank(double u, int lo, int hi) const;
  /// Every parent's priority >= its children's.
  bool heap_ok() const;
  long long resorts() const { return resorts_; }
  int resort_period() const { return period_; }

 private:
  bool above(int a, int b, bool fresh) const;  // slot a belongs above slot b
  void place(size_t pos, int j);
  void sift_up(size_t pos, bool fresh);
  void sift_down(size_t pos);

  int capacity_, period_;
  long long changes_ = 0, resorts_ = 0;
  std::vector<int> heap_;         // (size) slot at each heap position
  std::vector<int> pos_;          // (capacity) heap position of each slot, -1 when not stored
  std::vector<double> priority_;  // (capacity)
  std::vector<double> cum_;       // (capacity + 1) cum_[r] = sum_{k=1..r} k^-alpha
};

enum class ReplayKind { kUniform, kProportional, kRank };
/// "uniform", "proportional" or "rank".
const char* replay_kind_name(ReplayKind kind);
/// Parses a kind name; `what` names the argument in the error.
ReplayKind parse_replay_kind(const std::string& name, const char* what);

struct ReplayConfig {
  int capacity = 10000;
  ReplayKind kind = ReplayKind::kProportional;
  float alpha = 0.6f;      // how strongly priorities shape sampling (0 = uniform)
  float beta0 = 0.4f;      // importance-sampling exponent at the start, annealed to 1
  int beta_steps = 20000;  // sample() calls over which beta reaches 1
  float eps = 1e-6f;       // keeps every stored transition drawable (proportional)
  int resort_period = 0;   // rank: priority changes between full re-sorts of the heap (0: capacity)
  bool prioritized() const { return kind != ReplayKind::kUniform; }
  /// The paper's exponents for a kind (Schaul et al. 2016, Table 3): proportional alpha 0.6,
  /// beta0 0.4; rank-based alpha 0.7, beta0 0.5 (uniform keeps the defaults; they are unused).
  void use_paper_exponents();
  void validate(int observation_size) const;
};

/// A batch of transitions (copies) with its tree indices and importance weights.
struct ReplayBatch {
  int size = 0;
  std::vector<int> indices;     // (B) buffer slots
  std::vector<float> weights;   // (B) importance weights, max 1 (all 1 for uniform)
  std::vector<float> obs;       // (B, obs)
  std::vector<int> actions;     // (B)
  std::vector<float> rewards;   // (B)
  std::vector<float> next_obs;  // (B, obs)
  std::vector<float> dones;     // (B) 1 when the episode terminated (no bootstrap)
  std::vector<int> paths;       // (B, depth + 1) tree nodes visited per draw (proportional, when recorded)
  std::vector<int> positions;   // (B) heap positions (rank - 1) of the draws (rank-based)
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
  /// Sets raw priorities p_i (finite, >= 0; 0 makes a slot undrawable for proportional; rank-based
  /// draws every stored slot, by rank). All checked first.
  void set_priorities(const std::vector<int>& indices, const std::vector<float>& priorities);

  int size() const { return size_; }
  int capacity() const { return config_.capacity; }
  const ReplayConfig& config() const { return config_; }
  float current_beta() const;
  /// P(i) for slot i (uniform: 1 / size).
  double probability(int i) const;
  double max_priority() const { return max_priority_; }
  ReplayKind kind() const { return config_.kind; }
  /// The sum tree (proportional) or nullptr.
  const SumTree* tree() const { return config_.kind == ReplayKind::kProportional ? &tree_ : nullptr; }
  /// The rank heap (rank-based) or nullptr.
  const RankHeap* rank_heap() const { return config_.kind == ReplayKind::kRank ? &heap_ : nullptr; }
  /// Sets beta's schedule: beta0 -> 1 over the first `steps` + 1 sample() calls (the last at beta 1).
  void set_beta_steps(int steps);
  const ReplayBatch& last_batch() const { return batch_; }
  /// Records each draw's root-to-leaf path in the batch (for drawing it; off by default).
  void set_record_paths(bool on) { record_paths_ = on; }

  /// Sampling statistics over `bins` equal ranges of slots (rank-based: of heap positions, i.e.
  /// ranks): how often each range was drawn and how often P(i) says it should have been, summed over
  /// every draw since reset (0 bins: off).
  void track_sampling(int bins);
  const std::vector<double>& drawn_per_bin() const { return drawn_; }
  const std::vector<double>& expected_per_bin() const { return expected_; }

 private:
  void copy_into_batch(int slot, int b);
  void sample_rank(ReplayBatch& b, int batch);
  void check_slots(const std::vector<int>& indices, const std::vector<float>& values, const char* fn, const char* what,
                   bool non_negative) const;
  void apply_priorities(const std::vector<int>& indices, const std::vector<float>& priorities);
  void record_sampling(const ReplayBatch& b);

  ReplayConfig config_;
  int obs_size_;
  nn::Rng rng_;
  SumTree tree_;
  RankHeap heap_;
  std::vector<int> segment_lo_, segment_hi_;  // rank-based: each segment's rank range, for
  int segments_for_size_ = -1;                // this size and batch
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

/// The bytes a buffer of this size needs (tree or heap + storage), for refusing impossible capacities.
double replay_bytes(int capacity, int observation_size, ReplayKind kind = ReplayKind::kProportional);

}  // namespace models
