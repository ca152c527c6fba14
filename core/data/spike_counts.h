// A recording of your own as spike counts (trials x bins x neurons), the shape every latent-
// variable model here reads: binned from spike times (an NWB file's units table, aligned on its
// trials table) or taken from an array of counts (.npy / .npz / CSV). No ground truth: models on
// it are scored by how well they predict held-out neurons (co-bps, eval/lfads_recording.h).
#pragma once
#include <cstddef>
#include <vector>

namespace data {

struct SpikeCounts {
  int trials = 0, bins = 0, neurons = 0;
  double bin_seconds = 0;     // the bin width (0: unknown, counts given as they were)
  std::vector<float> counts;  // (trials, bins, neurons), whole numbers >= 0
  const float* trial(int k) const { return counts.data() + static_cast<size_t>(k) * bins * neurons; }
};

/// How spike times become counts: bins of `bin_seconds` from each trial's alignment time +
/// `start` (seconds, may be negative), `bins` of them (0: as many as the shortest trial holds
/// from there to its stop time).
struct BinSpec {
  double bin_seconds = 0.02;
  double start = 0.0;
  int bins = 0;
};

/// Counts each unit's spike times (seconds; any order) in the bins of each trial: trial k's bins
/// start at align[k] + spec.start; stop[k] (>= align[k]) bounds a trial when spec.bins is 0. A
/// spike on a bin's left edge counts in that bin. Refuses, naming the argument, non-finite times,
/// a non-positive bin width, windows of no bins and mismatched trial arrays.
SpikeCounts bin_spike_times(const std::vector<std::vector<double>>& unit_spike_times, const std::vector<double>& align,
                            const std::vector<double>& stop, const BinSpec& spec);

/// Counts given as an array (trials, bins, neurons) of `size` values; `what` names the source in
/// errors: the shape must match the size and every value must be a whole number >= 0
/// (data::validate_spikes, which names the trial, bin and neuron of the first that is not).
SpikeCounts counts_from_array(const float* values, size_t size, int trials, int bins, int neurons, const char* what);

}  // namespace data
