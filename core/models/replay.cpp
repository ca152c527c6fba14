#include "replay.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <new>
#if defined(__linux__)
#include <sys/mman.h>
#endif

#include "nn/check.h"
#include "util/det_math.h"

namespace models {

namespace {
constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kMaxReplayBytes = 1024.0 * 1024.0 * 1024.0;  // 1 GiB
constexpr int kMaxCapacity = 1 << 24;
}  // namespace

// ---------------------------------------------------------------- SumTree

void* allocate_tree_storage(size_t bytes) {
  constexpr size_t kLine = 64, kHugePage = size_t{2} << 20;
  const size_t align = bytes >= kHugePage ? kHugePage : kLine;
  void* p = std::aligned_alloc(align, (bytes + align - 1) / align * align);  // size: a multiple of align
  if (!p) throw std::bad_alloc();
#if defined(__linux__)
  if (align == kHugePage) madvise(p, bytes, MADV_HUGEPAGE);  // a hint: ignored where THP is off
#endif
  return p;
}

void free_tree_storage(void* p) { std::free(p); }

SumTree::SumTree(int capacity) : capacity_(capacity) {
  nn::require(capacity >= 1 && capacity <= kMaxCapacity, "SumTree: capacity: expected an integer in [1, ", kMaxCapacity,
              "], got ", capacity);
  base_ = 1;
  depth_ = 0;
  while (base_ < capacity) {
    base_ *= 2;
    ++depth_;
  }
  sum_.assign(static_cast<size_t>(2 * base_), 0.0);
  min_.assign(static_cast<size_t>(2 * base_), kInf);
}

void SumTree::set(int j, double value) {
  nn::require(j >= 0 && j < capacity_, "SumTree::set: index: expected [0, ", capacity_ - 1, "], got ", j);
  nn::require(std::isfinite(value) && value >= 0, "SumTree::set: value: expected a finite number >= 0, got ", value);
  size_t i = static_cast<size_t>(base_ + j);
  sum_[i] = value;
  min_[i] = value > 0 ? value : kInf;
  // Recompute (not increment) each ancestor, so float drift never accumulates.
  for (i /= 2; i >= 1; i /= 2) {
    sum_[i] = sum_[2 * i] + sum_[2 * i + 1];
    min_[i] = std::min(min_[2 * i], min_[2 * i + 1]);
  }
  limit_ = std::nextafter(sum_[1], 0.0);
}

double SumTree::node(int i) const {
  nn::require(i >= 1 && i < 2 * base_, "SumTree::node: i: expected [1, ", 2 * base_ - 1, "], got ", i);
  return sum_[static_cast<size_t>(i)];
}

double SumTree::prefix(int j) const {
  nn::require(j >= 0 && j <= capacity_, "SumTree::prefix: j: expected [0, ", capacity_, "], got ", j);
  if (j == base_) return total();
  // Walk from leaf j to the root; every time we arrive from a right child, its left sibling's
  // subtree lies wholly before j.
  double acc = 0;
  for (size_t i = static_cast<size_t>(base_ + j); i > 1; i /= 2)
    if (i & 1) acc += sum_[i - 1];
  return acc;
}

template <bool kRecord>
int SumTree::descend(double mass, std::vector<int>* path) const {
  NN_ASSERT(total() > 0);
  const double* sum = sum_.data();
  const size_t nodes = sum_.size(), leaves = static_cast<size_t>(base_);
  // Clamp below the total: a draw at (or, by rounding, past) the total must land on the last
  // positive leaf, never on an empty one to its right.
  mass = std::min(std::max(mass, 0.0), limit_);
  if constexpr (kRecord) path->assign(1, 1);
  size_t i = 1;
  while (i < leaves) {
    // In heap order the 16 descendants four levels below node i are contiguous (16i .. 16i+15,
    // two 64-byte lines): fetch them now, so the misses overlap the next four levels instead of
    // stalling each step (measured ~30% faster than fetching the one line three levels down).
    if (16 * i < nodes) {
      __builtin_prefetch(sum + 16 * i);
      __builtin_prefetch(sum + 16 * i + 8);
    }
    const double left = sum[2 * i];
    // Go left when the mass falls inside the left subtree, or when the right one is empty
    // (rounding can leave mass a hair above a left sum whose right sibling holds nothing).
    // A branch, not a select: the processor runs ahead down the predicted side and its loads
    // warm the cache even when it guessed wrong (a branch-free walk measured 2-4x slower).
    if (mass < left || sum[2 * i + 1] <= 0.0) {
      i = 2 * i;
    } else {
      mass -= left;
      i = 2 * i + 1;
    }
    if constexpr (kRecord) path->push_back(static_cast<int>(i));
  }
  NN_ASSERT(sum[i] > 0.0);
  return static_cast<int>(i) - base_;
}

// Instantiated here for find() in the header: a single draw is then one call into the walk, not
// two (~25% of a draw natively). The walk itself stays here: inlined into its callers it measured
// at most ~10% faster natively (within this VM's noise) and 15-20% slower in wasm.
template int SumTree::descend<true>(double, std::vector<int>*) const;
template int SumTree::descend<false>(double, std::vector<int>*) const;

void SumTree::find_many(double* masses, int n, int* out, int* paths) const {
  const int stride = depth_ + 1;
  std::vector<int> path;
  for (int k = 0; k < n; ++k) {
    if (paths) {
      out[k] = descend<true>(masses[k], &path);
      std::copy(path.begin(), path.end(), paths + static_cast<ptrdiff_t>(k) * stride);
    } else {
      out[k] = descend<false>(masses[k], nullptr);
    }
  }
}

// ---------------------------------------------------------------- RankHeap

RankHeap::RankHeap(int capacity, double alpha, int resort_period)
    : capacity_(capacity), period_(resort_period > 0 ? resort_period : capacity) {
  nn::require(capacity >= 1 && capacity <= kMaxCapacity, "RankHeap: capacity: expected an integer in [1, ",
              kMaxCapacity, "], got ", capacity);
  nn::require(std::isfinite(alpha) && alpha >= 0 && alpha <= 1, "RankHeap: alpha: expected a number in [0, 1], got ",
              alpha);
  heap_.reserve(static_cast<size_t>(capacity));
  pos_.assign(static_cast<size_t>(capacity), -1);
  priority_.assign(static_cast<size_t>(capacity), 0.0);
  // Summed smallest-last would be a hair more accurate; in double the running sum's relative error
  // stays below ~1e-9 at 2^24 terms, far below what a sampling test can see.
  cum_.resize(static_cast<size_t>(capacity) + 1);
  cum_[0] = 0;
  for (int r = 1; r <= capacity; ++r)
    cum_[static_cast<size_t>(r)] = cum_[static_cast<size_t>(r - 1)] + util::det_pow(r, -alpha);
}

bool RankHeap::above(int a, int b, bool fresh) const {
  const double pa = priority_[static_cast<size_t>(a)], pb = priority_[static_cast<size_t>(b)];
  return fresh ? pa >= pb : pa > pb;
}

void RankHeap::place(size_t pos, int j) {
  heap_[pos] = j;
  pos_[static_cast<size_t>(j)] = static_cast<int>(pos);
}

void RankHeap::sift_up(size_t pos, bool fresh) {
  const int j = heap_[pos];
  while (pos > 0) {
    const size_t parent = (pos - 1) / 2;
    if (!above(j, heap_[parent], fresh)) break;
    place(pos, heap_[parent]);
    pos = parent;
  }
  place(pos, j);
}

void RankHeap::sift_down(size_t pos) {
  const int j = heap_[pos];
  const size_t n = heap_.size();
  for (;;) {
    size_t child = 2 * pos + 1;
    if (child >= n) break;
    if (child + 1 < n && above(heap_[child + 1], heap_[child], false)) ++child;
    if (!above(heap_[child], j, false)) break;
    place(pos, heap_[child]);
    pos = child;
  }
  place(pos, j);
}

void RankHeap::set(int j, double priority, bool fresh) {
  nn::require(j >= 0 && j < capacity_, "RankHeap::set: index: expected [0, ", capacity_ - 1, "], got ", j);
  nn::require(std::isfinite(priority) && priority >= 0, "RankHeap::set: priority: expected a finite number >= 0, got ",
              priority);
  const double old = priority_[static_cast<size_t>(j)];
  priority_[static_cast<size_t>(j)] = priority;
  int pos = pos_[static_cast<size_t>(j)];
  if (pos < 0) {
    heap_.push_back(j);
    pos = static_cast<int>(heap_.size()) - 1;
    pos_[static_cast<size_t>(j)] = pos;
    sift_up(static_cast<size_t>(pos), fresh);
  } else if (fresh || priority > old) {
    sift_up(static_cast<size_t>(pos), fresh);
  } else {
    sift_down(static_cast<size_t>(pos));
  }
  // The heap drifts from sorted order as priorities change; sort it fully now and then (the paper
  // sorts every 10^6 steps for a memory of 10^6), amortized O(log N) per change.
  if (++changes_ >= period_) resort();
}

void RankHeap::resort() {
  // Ties keep their slot order (stable), so a re-sort is reproducible.
  std::stable_sort(heap_.begin(), heap_.end(),
                   [&](int a, int b) { return priority_[static_cast<size_t>(a)] > priority_[static_cast<size_t>(b)]; });
  for (size_t p = 0; p < heap_.size(); ++p) pos_[static_cast<size_t>(heap_[p])] = static_cast<int>(p);
  changes_ = 0;
  ++resorts_;
}

int RankHeap::find_rank(double u, int lo, int hi) const {
  // The first r in [lo, hi] with cum(r) > u: rank r owns [cum(r-1), cum(r)).
  const double* first = cum_.data() + lo;
  const double* last = cum_.data() + hi + 1;
  const int r = static_cast<int>(std::upper_bound(first, last, u) - cum_.data());
  return std::min(std::max(r, lo), hi);
}

bool RankHeap::heap_ok() const {
  for (size_t p = 1; p < heap_.size(); ++p)
    if (priority_at(static_cast<int>((p - 1) / 2)) < priority_at(static_cast<int>(p))) return false;
  for (size_t p = 0; p < heap_.size(); ++p)
    if (pos_[static_cast<size_t>(heap_[p])] != static_cast<int>(p)) return false;
  return true;
}

// ---------------------------------------------------------------- ReplayBuffer

const char* replay_kind_name(ReplayKind kind) {
  switch (kind) {
    case ReplayKind::kUniform:
      return "uniform";
    case ReplayKind::kProportional:
      return "proportional";
    case ReplayKind::kRank:
      return "rank";
  }
  return "?";
}

ReplayKind parse_replay_kind(const std::string& name, const char* what) {
  for (ReplayKind k : {ReplayKind::kUniform, ReplayKind::kProportional, ReplayKind::kRank})
    if (name == replay_kind_name(k)) return k;
  nn::fail(what, ": expected \"uniform\", \"proportional\" or \"rank\", got \"", name, "\"");
}

double replay_bytes(int capacity, int observation_size, ReplayKind kind) {
  const double per_item = (2.0 * observation_size + 3.0) * sizeof(float);
  int leaves = 1;
  while (leaves < capacity) leaves *= 2;
  double index = 0;
  if (kind == ReplayKind::kProportional) index = 2.0 * leaves * 2 * sizeof(double);              // sum and min trees
  if (kind == ReplayKind::kRank) index = capacity * (2.0 * sizeof(int) + 2.0 * sizeof(double));  // heap, pos, p, cum
  return capacity * per_item + index;
}

void ReplayConfig::use_paper_exponents() {
  if (kind == ReplayKind::kProportional) {
    alpha = 0.6f;
    beta0 = 0.4f;
  } else if (kind == ReplayKind::kRank) {
    alpha = 0.7f;
    beta0 = 0.5f;
  }
}

void ReplayConfig::validate(int observation_size) const {
  nn::require_int_range(capacity, 1, kMaxCapacity, "ReplayConfig.capacity");
  nn::require_int_range(observation_size, 1, 1 << 20, "ReplayBuffer: observation_size");
  const double bytes = replay_bytes(capacity, observation_size, kind);
  nn::require(bytes <= kMaxReplayBytes, "ReplayConfig.capacity: ", capacity, " transitions of ", observation_size,
              " floats need ", bytes / 1e6, " MB, more than the 1 GiB this buffer allows");
  nn::require_range(alpha, 0.0, 1.0, "ReplayConfig.alpha");
  nn::require_range(beta0, 0.0, 1.0, "ReplayConfig.beta0");
  nn::require_int_range(beta_steps, 1, 1 << 30, "ReplayConfig.beta_steps");
  nn::require_range(eps, 1e-12, 1.0, "ReplayConfig.eps");
  nn::require_int_range(resort_period, 0, 1 << 30, "ReplayConfig.resort_period");
  nn::require(kind == ReplayKind::kUniform || kind == ReplayKind::kProportional || kind == ReplayKind::kRank,
              "ReplayConfig.kind: expected uniform, proportional or rank, got ", static_cast<int>(kind));
}

ReplayBuffer::ReplayBuffer(const ReplayConfig& config, int observation_size, uint64_t seed)
    : config_((config.validate(observation_size), config)),
      obs_size_(observation_size),
      rng_(seed, 0x2e91a7),
      tree_(config.kind == ReplayKind::kProportional ? config.capacity : 1),
      heap_(config.kind == ReplayKind::kRank ? config.capacity : 1, config.alpha, config.resort_period),
      obs_(static_cast<size_t>(config.capacity) * observation_size),
      next_obs_(obs_.size()),
      rewards_(static_cast<size_t>(config.capacity)),
      dones_(static_cast<size_t>(config.capacity)),
      actions_(static_cast<size_t>(config.capacity)) {}

void ReplayBuffer::add(const float* obs, int action, float reward, const float* next_obs, bool done) {
  nn::require(std::isfinite(reward), "ReplayBuffer::add: reward: expected a finite number, got ", reward);
  for (int k = 0; k < obs_size_; ++k)
    nn::require(std::isfinite(obs[k]) && std::isfinite(next_obs[k]),
                "ReplayBuffer::add: observation: expected finite numbers (element ", k, ")");
  const size_t slot = static_cast<size_t>(next_);
  std::copy(obs, obs + obs_size_, obs_.begin() + static_cast<std::ptrdiff_t>(slot * obs_size_));
  std::copy(next_obs, next_obs + obs_size_, next_obs_.begin() + static_cast<std::ptrdiff_t>(slot * obs_size_));
  actions_[slot] = action;
  rewards_[slot] = reward;
  dones_[slot] = done ? 1.0f : 0.0f;
  if (config_.kind == ReplayKind::kProportional) tree_.set(next_, util::det_pow(max_priority_, config_.alpha));
  if (config_.kind == ReplayKind::kRank) heap_.set(next_, max_priority_, true);
  next_ = (next_ + 1) % config_.capacity;
  size_ = std::min(size_ + 1, config_.capacity);
}

void ReplayBuffer::set_beta_steps(int steps) {
  nn::require_int_range(steps, 1, 1 << 30, "ReplayBuffer::set_beta_steps: steps");
  config_.beta_steps = steps;
}

float ReplayBuffer::current_beta() const {
  const double progress = std::min(1.0, static_cast<double>(samples_) / config_.beta_steps);
  return static_cast<float>(config_.beta0 + (1.0 - config_.beta0) * progress);
}

double ReplayBuffer::probability(int i) const {
  nn::require(i >= 0 && i < size_, "ReplayBuffer::probability: index: expected [0, ", size_ - 1, "], got ", i);
  switch (config_.kind) {
    case ReplayKind::kProportional:
      return tree_.get(i) / tree_.total();
    case ReplayKind::kRank:
      return heap_.rank_probability(heap_.position_of(i) + 1);
    default:
      return 1.0 / size_;
  }
}

void ReplayBuffer::copy_into_batch(int slot, int b) {
  const auto s = static_cast<std::ptrdiff_t>(slot) * obs_size_, d = static_cast<std::ptrdiff_t>(b) * obs_size_;
  std::copy(obs_.begin() + s, obs_.begin() + s + obs_size_, batch_.obs.begin() + d);
  std::copy(next_obs_.begin() + s, next_obs_.begin() + s + obs_size_, batch_.next_obs.begin() + d);
  batch_.actions[static_cast<size_t>(b)] = actions_[static_cast<size_t>(slot)];
  batch_.rewards[static_cast<size_t>(b)] = rewards_[static_cast<size_t>(slot)];
  batch_.dones[static_cast<size_t>(b)] = dones_[static_cast<size_t>(slot)];
}

const ReplayBatch& ReplayBuffer::sample(int batch) {
  nn::require(batch >= 1, "ReplayBuffer::sample: batch: expected at least 1, got ", batch);
  nn::require(batch <= size_, "ReplayBuffer::sample: batch: ", batch, " is more than the ", size_,
              " transitions stored");
  ReplayBatch& b = batch_;
  b.size = batch;
  b.indices.resize(static_cast<size_t>(batch));
  b.weights.resize(static_cast<size_t>(batch));
  b.obs.resize(static_cast<size_t>(batch) * obs_size_);
  b.next_obs.resize(b.obs.size());
  b.actions.resize(static_cast<size_t>(batch));
  b.rewards.resize(static_cast<size_t>(batch));
  b.dones.resize(static_cast<size_t>(batch));
  b.beta = current_beta();
  ++samples_;
  b.positions.clear();
  if (config_.kind == ReplayKind::kRank) {
    b.paths.clear();
    sample_rank(b, batch);
    record_sampling(b);
    return b;
  }
  if (config_.kind == ReplayKind::kUniform) {
    b.paths.clear();
    for (int k = 0; k < batch; ++k) {
      b.indices[static_cast<size_t>(k)] = static_cast<int>(rng_.below(static_cast<uint32_t>(size_)));
      b.weights[static_cast<size_t>(k)] = 1.0f;
      copy_into_batch(b.indices[static_cast<size_t>(k)], k);
    }
    record_sampling(b);
    return b;
  }
  const double total = tree_.total();
  const double segment = total / batch;
  // The largest weight over the buffer belongs to the smallest priority: (N P_min)^-beta.
  const double max_weight = util::det_pow(size_ * tree_.min_positive() / total, -b.beta);
  const int stride = tree_.depth() + 1;
  b.paths.resize(record_paths_ ? static_cast<size_t>(batch) * stride : 0);
  masses_.resize(static_cast<size_t>(batch));
  for (int k = 0; k < batch; ++k) masses_[static_cast<size_t>(k)] = segment * (k + rng_.uniform());
  tree_.find_many(masses_.data(), batch, b.indices.data(), record_paths_ ? b.paths.data() : nullptr);
  for (int k = 0; k < batch; ++k) {
    const int i = b.indices[static_cast<size_t>(k)];
    const double p = tree_.get(i) / total;
    b.weights[static_cast<size_t>(k)] = static_cast<float>(util::det_pow(size_ * p, -b.beta) / max_weight);
    copy_into_batch(i, k);
  }
  record_sampling(b);
  return b;
}

namespace {
/// Uniform double in [0, 1) with 53 random bits (rank draws resolve masses far below 2^-24 of a segment).
double uniform53(nn::Rng& rng) {
  const uint64_t hi = rng.next_u32() >> 5, lo = rng.next_u32() >> 6;  // 27 + 26 bits
  return static_cast<double>((hi << 26) | lo) * (1.0 / 9007199254740992.0);
}
}  // namespace

void ReplayBuffer::sample_rank(ReplayBatch& b, int batch) {
  const int n = size_;
  const double total = heap_.total(), segment = total / batch;
  // Segment k covers the mass [k total / B, (k+1) total / B): its ranks run from the one holding its
  // start to the one holding its end. Recomputed only when the size or the batch changes (the paper
  // reuses them across close sizes; here they are exact for each size).
  if (segments_for_size_ != n || static_cast<int>(segment_lo_.size()) != batch) {
    segment_lo_.resize(static_cast<size_t>(batch));
    segment_hi_.resize(static_cast<size_t>(batch));
    for (int k = 0; k < batch; ++k) {
      segment_lo_[static_cast<size_t>(k)] = heap_.find_rank(segment * k, 1, n);
      segment_hi_[static_cast<size_t>(k)] = heap_.find_rank(std::nextafter(segment * (k + 1), 0.0), 1, n);
    }
    segments_for_size_ = n;
  }
  // The largest weight is the last rank's: (N P(N))^-beta.
  const double max_weight = util::det_pow(n * heap_.rank_probability(n), -b.beta);
  b.positions.resize(static_cast<size_t>(batch));
  for (int k = 0; k < batch; ++k) {
    // Inverse CDF inside segment k: rank r is drawn when the uniform mass lands in [cum(r-1), cum(r)).
    const double u = segment * (k + uniform53(rng_));
    const int r = heap_.find_rank(u, segment_lo_[static_cast<size_t>(k)], segment_hi_[static_cast<size_t>(k)]);
    const int slot = heap_.slot_at(r - 1);
    b.positions[static_cast<size_t>(k)] = r - 1;
    b.indices[static_cast<size_t>(k)] = slot;
    b.weights[static_cast<size_t>(k)] =
        static_cast<float>(util::det_pow(n * heap_.rank_probability(r), -b.beta) / max_weight);
    copy_into_batch(slot, k);
  }
}

void ReplayBuffer::track_sampling(int bins) {
  nn::require_int_range(bins, 0, 4096, "ReplayBuffer::track_sampling: bins");
  drawn_.assign(static_cast<size_t>(bins), 0.0);
  expected_.assign(static_cast<size_t>(bins), 0.0);
}

void ReplayBuffer::record_sampling(const ReplayBatch& b) {
  const int bins = static_cast<int>(drawn_.size());
  if (bins == 0 || size_ == 0) return;
  // Bins split the stored slots [0, size) evenly; bin k covers [k size / bins, (k+1) size / bins).
  auto bin_start = [&](int k) { return static_cast<int>(static_cast<long long>(k) * size_ / bins); };
  // Rank-based: bins over heap positions (ranks), where P is known in closed form.
  const bool rank = config_.kind == ReplayKind::kRank;
  const std::vector<int>& drawn = rank ? b.positions : b.indices;
  for (int i : drawn) drawn_[static_cast<size_t>(static_cast<long long>(i) * bins / size_)] += 1;
  for (int k = 0; k < bins; ++k) {
    const int lo = bin_start(k), hi = bin_start(k + 1);
    double p = static_cast<double>(hi - lo) / size_;
    if (config_.kind == ReplayKind::kProportional) p = (tree_.prefix(hi) - tree_.prefix(lo)) / tree_.total();
    if (rank) p = (heap_.cumulative(hi) - heap_.cumulative(lo)) / heap_.total();
    expected_[static_cast<size_t>(k)] += b.size * p;
  }
}

void ReplayBuffer::update_priorities(const std::vector<int>& indices, const std::vector<float>& td_errors) {
  check_slots(indices, td_errors, "update_priorities", "td_errors", false);
  std::vector<float> priorities(td_errors.size());
  for (size_t k = 0; k < td_errors.size(); ++k)
    priorities[k] = static_cast<float>(std::fabs(static_cast<double>(td_errors[k])) + config_.eps);
  apply_priorities(indices, priorities);
}

void ReplayBuffer::set_priorities(const std::vector<int>& indices, const std::vector<float>& priorities) {
  check_slots(indices, priorities, "set_priorities", "priorities", true);
  apply_priorities(indices, priorities);
}

void ReplayBuffer::check_slots(const std::vector<int>& indices, const std::vector<float>& values, const char* fn,
                               const char* what, bool non_negative) const {
  nn::require(indices.size() == values.size(), "ReplayBuffer::", fn, ": expected as many ", what, " (", values.size(),
              ") as indices (", indices.size(), ")");
  for (size_t k = 0; k < indices.size(); ++k) {
    nn::require(indices[k] >= 0 && indices[k] < size_, "ReplayBuffer::", fn, ": indices[", k,
                "]: expected a stored slot in [0, ", size_ - 1, "], got ", indices[k]);
    nn::require(std::isfinite(values[k]) && (!non_negative || values[k] >= 0), "ReplayBuffer::", fn, ": ", what, "[", k,
                "]: expected a finite number", non_negative ? " >= 0" : "", ", got ", values[k]);
  }
}

void ReplayBuffer::apply_priorities(const std::vector<int>& indices, const std::vector<float>& priorities) {
  if (!config_.prioritized()) return;
  for (size_t k = 0; k < indices.size(); ++k) {
    const double p = priorities[k];
    max_priority_ = std::max(max_priority_, p);
    if (config_.kind == ReplayKind::kProportional)
      tree_.set(indices[k], util::det_pow(p, config_.alpha));
    else
      heap_.set(indices[k], p);
  }
}

}  // namespace models
