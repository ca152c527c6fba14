// Throughput of the sum tree (proportional) and the rank heap (rank-based) against a linear-scan
// sampler over the same priorities, shared by `neuroai bench replay` and the wasm module (so both
// measure the same code).
#pragma once
#include <string>
#include <vector>

namespace eval {

struct ReplayBenchRow {
  std::string what;       // "single draw", "batch-64 draw", "priority update"
  double tree_per_s = 0;  // operations per second with the sum tree
  double rank_per_s = 0;  // the same, rank-based (heap array + prefix table of r^-alpha)
  double scan_per_s = 0;  // the same with a linear scan over the priorities
};

/// Measures at `capacity` leaves; each figure is the median of `repeats` timed batches.
std::vector<ReplayBenchRow> bench_replay(int capacity, int repeats);

}  // namespace eval
