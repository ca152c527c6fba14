#include "spike_counts.h"

#include <algorithm>
#include <cmath>

#include "data/lorenz.h"
#include "nn/check.h"

namespace data {

SpikeCounts bin_spike_times(const std::vector<std::vector<double>>& units, const std::vector<double>& align,
                            const std::vector<double>& stop, const BinSpec& spec) {
  nn::require(!units.empty(), "bin_spike_times: expected at least one unit");
  nn::require(units.size() <= 100000, "bin_spike_times: expected at most 100000 units, got ", units.size());
  nn::require(!align.empty(), "bin_spike_times: expected at least one trial");
  nn::require(stop.size() == align.size(), "bin_spike_times: expected a stop time per trial: ", align.size(),
              " alignment times, ", stop.size(), " stop times");
  nn::require(std::isfinite(spec.bin_seconds) && spec.bin_seconds > 0 && spec.bin_seconds <= 60,
              "bin_spike_times: bin width: expected seconds in (0, 60], got ", spec.bin_seconds);
  nn::require(std::isfinite(spec.start) && std::fabs(spec.start) <= 3600,
              "bin_spike_times: start: expected seconds within an hour of the alignment, got ", spec.start);
  nn::require_int_range(spec.bins, 0, 100000, "bin_spike_times: bins");
  const int K = static_cast<int>(align.size()), N = static_cast<int>(units.size());
  int bins = spec.bins;
  for (int k = 0; k < K; ++k) {
    const double a = align[static_cast<size_t>(k)], b = stop[static_cast<size_t>(k)];
    nn::require(std::isfinite(a) && std::isfinite(b) && b >= a, "bin_spike_times: trial ", k,
                ": expected finite times with stop >= alignment, got ", a, " and ", b);
    if (spec.bins == 0) {
      const int fits = static_cast<int>(std::floor((b - a - spec.start) / spec.bin_seconds + 1e-9));
      bins = k == 0 ? fits : std::min(bins, fits);
    }
  }
  nn::require(bins >= 1, "bin_spike_times: the shortest trial holds no ", spec.bin_seconds, " s bin from ", spec.start,
              " s after its alignment time");
  SpikeCounts out;
  out.trials = K;
  out.bins = bins;
  out.neurons = N;
  out.bin_seconds = spec.bin_seconds;
  out.counts.assign(static_cast<size_t>(K) * bins * N, 0.0f);
  std::vector<double> times;
  for (int n = 0; n < N; ++n) {
    times = units[static_cast<size_t>(n)];
    for (double t : times) nn::require(std::isfinite(t), "bin_spike_times: unit ", n, ": a spike time is not finite");
    std::sort(times.begin(), times.end());
    for (int k = 0; k < K; ++k) {
      const double t0 = align[static_cast<size_t>(k)] + spec.start, t1 = t0 + bins * spec.bin_seconds;
      float* row = out.counts.data() + static_cast<size_t>(k) * bins * N + n;
      for (auto it = std::lower_bound(times.begin(), times.end(), t0); it != times.end() && *it < t1; ++it) {
        // The bin whose edges t0 + b * width (computed as the window's are) hold the spike: the
        // quotient alone puts a spike on an edge one bin early when the subtraction rounds down.
        int b = std::min(bins - 1, static_cast<int>(std::floor((*it - t0) / spec.bin_seconds)));
        while (b + 1 < bins && *it >= t0 + (b + 1) * spec.bin_seconds) ++b;
        while (b > 0 && *it < t0 + b * spec.bin_seconds) --b;
        row[static_cast<size_t>(b) * N] += 1.0f;
      }
    }
  }
  return out;
}

SpikeCounts counts_from_array(const float* values, size_t size, int trials, int bins, int neurons, const char* what) {
  nn::require(trials >= 1 && bins >= 1 && neurons >= 1, what,
              ": expected trials x bins x neurons, each at least 1, got ", trials, " x ", bins, " x ", neurons);
  const size_t expected = static_cast<size_t>(trials) * bins * neurons;
  nn::require(size == expected, what, ": expected ", trials, " x ", bins, " x ", neurons, " = ", expected,
              " counts, got ", size);
  nn::require(values != nullptr, what, ": no data");
  validate_spikes(values, trials, bins, neurons, what);
  SpikeCounts out;
  out.trials = trials;
  out.bins = bins;
  out.neurons = neurons;
  out.counts.assign(values, values + size);
  return out;
}

}  // namespace data
