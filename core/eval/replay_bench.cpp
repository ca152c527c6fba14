#include "replay_bench.h"

#include <algorithm>
#include <chrono>
#include <cmath>

#include "models/replay.h"
#include "nn/check.h"
#include "nn/rng.h"
#include "util/det_math.h"

namespace eval {

namespace {

using Clock = std::chrono::steady_clock;

/// Median operations per second of f(calls) over repeats, each batch lasting >= ~30 ms and
/// making at least `min_calls` calls.
template <class F>
double rate(F&& f, int repeats, long long min_calls = 1) {
  long long calls = std::max(1LL, min_calls);
  for (;;) {
    const auto t0 = Clock::now();
    f(calls);
    if (std::chrono::duration<double>(Clock::now() - t0).count() > 0.03) break;
    calls *= 2;
  }
  std::vector<double> rates;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = Clock::now();
    f(calls);
    rates.push_back(static_cast<double>(calls) / std::chrono::duration<double>(Clock::now() - t0).count());
  }
  std::sort(rates.begin(), rates.end());
  return rates[rates.size() / 2];
}

/// The baseline: find the first index whose prefix sum exceeds the mass, by scanning.
int linear_find(const std::vector<double>& p, double mass) {
  double acc = 0;
  for (size_t i = 0; i < p.size(); ++i) {
    acc += p[i];
    if (mass < acc && p[i] > 0) return static_cast<int>(i);
  }
  return static_cast<int>(p.size()) - 1;
}

volatile int sink = 0;  // keeps the optimizer from dropping the draws

}  // namespace

std::vector<ReplayBenchRow> bench_replay(int capacity, int repeats) {
  nn::require_int_range(capacity, 1, 1 << 24, "bench_replay: capacity");
  nn::require_int_range(repeats, 1, 101, "bench_replay: repeats");
  nn::Rng rng(7);
  models::ReplayConfig config;
  config.capacity = capacity;
  models::ReplayBuffer replay(config, 1, 7);
  std::vector<double> priorities(static_cast<size_t>(capacity));
  for (int i = 0; i < capacity; ++i) {
    const float x = static_cast<float>(i);
    replay.add(&x, 0, 0.0f, &x, false);
  }
  {  // random priorities, the same in the tree and in the scan baseline
    std::vector<int> idx(static_cast<size_t>(capacity));
    std::vector<float> pri(idx.size());
    for (int i = 0; i < capacity; ++i) {
      idx[static_cast<size_t>(i)] = i;
      pri[static_cast<size_t>(i)] = rng.uniform(0.01f, 2.0f);
    }
    replay.set_priorities(idx, pri);
    for (int i = 0; i < capacity; ++i) priorities[static_cast<size_t>(i)] = replay.tree()->get(i);
  }
  const models::SumTree& tree = *replay.tree();
  const double total = tree.total();
  // The rank-based buffer over the same priorities (paper exponent alpha 0.7).
  models::ReplayConfig rank_config = config;
  rank_config.kind = models::ReplayKind::kRank;
  rank_config.use_paper_exponents();
  models::ReplayBuffer ranked(rank_config, 1, 7);
  for (int i = 0; i < capacity; ++i) {
    const float x = static_cast<float>(i);
    ranked.add(&x, 0, 0.0f, &x, false);
  }
  {
    std::vector<int> idx(static_cast<size_t>(capacity));
    std::vector<float> pri(idx.size());
    for (int i = 0; i < capacity; ++i) {
      idx[static_cast<size_t>(i)] = i;
      pri[static_cast<size_t>(i)] = static_cast<float>(priorities[static_cast<size_t>(i)]);  // the same order
    }
    ranked.set_priorities(idx, pri);
  }
  const models::RankHeap& heap = *ranked.rank_heap();
  const double rank_total = heap.total();
  std::vector<ReplayBenchRow> rows;

  ReplayBenchRow single{"single draw"};
  single.tree_per_s = rate(
      [&](long long n) {
        int acc = 0;
        for (long long k = 0; k < n; ++k) acc += tree.find(total * rng.uniform());
        sink = acc;
      },
      repeats);
  // A rank draw: the inverse CDF over the whole table (binary search), then the heap slot there.
  single.rank_per_s = rate(
      [&](long long n) {
        int acc = 0;
        for (long long k = 0; k < n; ++k)
          acc += heap.slot_at(heap.find_rank(rank_total * rng.uniform(), 1, capacity) - 1);
        sink = acc;
      },
      repeats);
  single.scan_per_s = rate(
      [&](long long n) {
        int acc = 0;
        for (long long k = 0; k < n; ++k) acc += linear_find(priorities, total * rng.uniform());
        sink = acc;
      },
      std::min(repeats, 3));
  rows.push_back(single);

  ReplayBenchRow batch{"batch-64 draw"};
  batch.tree_per_s = 64 * rate(
                              [&](long long n) {
                                for (long long k = 0; k < n; ++k) sink = replay.sample(64).indices[0];
                              },
                              repeats);
  batch.rank_per_s = 64 * rate(
                              [&](long long n) {
                                for (long long k = 0; k < n; ++k) sink = ranked.sample(64).indices[0];
                              },
                              repeats);
  batch.scan_per_s = 64 * rate(
                              [&](long long n) {
                                int acc = 0;
                                for (long long k = 0; k < n; ++k)
                                  for (int b = 0; b < 64; ++b)
                                    acc += linear_find(priorities, total * (b + rng.uniform()) / 64);
                                sink = acc;
                              },
                              std::min(repeats, 3));
  rows.push_back(batch);

  ReplayBenchRow update{"priority update"};
  std::vector<int> idx(64);
  std::vector<float> err(64);
  update.tree_per_s = 64 * rate(
                               [&](long long n) {
                                 for (long long k = 0; k < n; ++k) {
                                   for (int b = 0; b < 64; ++b) {
                                     idx[static_cast<size_t>(b)] =
                                         static_cast<int>(rng.below(static_cast<uint32_t>(capacity)));
                                     err[static_cast<size_t>(b)] = rng.uniform(0.0f, 2.0f);
                                   }
                                   replay.update_priorities(idx, err);
                                 }
                               },
                               repeats);
  // Heap sifts plus the full re-sort every `capacity` changes: each timed batch makes at least
  // `capacity` changes, so the re-sort's cost is in every figure (amortized), not left to chance.
  update.rank_per_s = 64 * rate(
                               [&](long long n) {
                                 for (long long k = 0; k < n; ++k) {
                                   for (int b = 0; b < 64; ++b) {
                                     idx[static_cast<size_t>(b)] =
                                         static_cast<int>(rng.below(static_cast<uint32_t>(capacity)));
                                     err[static_cast<size_t>(b)] = rng.uniform(0.0f, 2.0f);
                                   }
                                   ranked.update_priorities(idx, err);
                                 }
                               },
                               repeats, (capacity + 63) / 64);
  // A flat array updates in O(1): the scan sampler's only advantage.
  update.scan_per_s = 64 * rate(
                               [&](long long n) {
                                 for (long long k = 0; k < n; ++k)
                                   for (int b = 0; b < 64; ++b)
                                     priorities[rng.below(static_cast<uint32_t>(capacity))] =
                                         util::det_pow(rng.uniform(0.0f, 2.0f) + 1e-6, 0.6);
                               },
                               repeats);
  rows.push_back(update);
  return rows;
}

}  // namespace eval
