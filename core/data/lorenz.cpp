#include "lorenz.h"

#include <algorithm>
#include <cmath>

#include "nn/check.h"
#include "nn/rng.h"

namespace data {

void LorenzConfig::validate() const {
  nn::require_int_range(conditions, 1, 10000, "LorenzConfig.conditions");
  nn::require_int_range(trials, 1, 1000, "LorenzConfig.trials");
  nn::require_int_range(neurons, 1, 4096, "LorenzConfig.neurons");
  nn::require_int_range(bins, 2, 10000, "LorenzConfig.bins");
  nn::require_int_range(steps_per_bin, 1, 100, "LorenzConfig.steps_per_bin");
  nn::require_range(bin_seconds, 1e-4, 1.0, "LorenzConfig.bin_seconds");
  nn::require_int_range(burn_in, 0, 1000000, "LorenzConfig.burn_in");
}

LorenzData make_lorenz(const LorenzConfig& c, uint64_t seed) {
  c.validate();
  nn::Rng rng(seed, 0x10e2);
  LorenzData d;
  d.conditions = c.conditions;
  d.trials = c.trials;
  d.neurons = c.neurons;
  d.bins = c.bins;
  constexpr double kSigma = 10.0, kRho = 28.0, kBeta = 8.0 / 3.0, kDt = 0.006;
  // One Lorenz trajectory per condition.
  std::vector<double> states(static_cast<size_t>(c.conditions) * c.bins * 3);
  for (int cond = 0; cond < c.conditions; ++cond) {
    double x = rng.uniform(-15, 15), y = rng.uniform(-15, 15), z = rng.uniform(0, 40);
    auto euler = [&] {
      const double dx = kSigma * (y - x), dy = x * (kRho - z) - y, dz = x * y - kBeta * z;
      x += kDt * dx;
      y += kDt * dy;
      z += kDt * dz;
    };
    for (int s = 0; s < c.burn_in; ++s) euler();
    for (int t = 0; t < c.bins; ++t) {
      for (int s = 0; s < c.steps_per_bin; ++s) euler();
      double* out = states.data() + (static_cast<size_t>(cond) * c.bins + t) * 3;
      out[0] = x;
      out[1] = y;
      out[2] = z;
    }
  }
  // Normalize each coordinate: zero mean, largest |value| 1.
  for (int dim = 0; dim < 3; ++dim) {
    double mean = 0, max_abs = 0;
    const size_t n = states.size() / 3;
    for (size_t i = 0; i < n; ++i) mean += states[3 * i + dim];
    mean /= static_cast<double>(n);
    for (size_t i = 0; i < n; ++i) max_abs = std::max(max_abs, std::fabs(states[3 * i + dim] - mean));
    for (size_t i = 0; i < n; ++i) states[3 * i + dim] = (states[3 * i + dim] - mean) / max_abs;
  }
  // The readout.
  std::vector<double> w(static_cast<size_t>(c.neurons) * 3), base(static_cast<size_t>(c.neurons));
  for (auto& v : w) v = (rng.uniform() < 0.5f ? -1.0 : 1.0) * rng.uniform(1.0f, 1.5f);
  for (auto& b : base) b = rng.uniform(5.0f, 15.0f);
  const int K = c.conditions * c.trials;
  d.spikes.resize(static_cast<size_t>(K) * c.bins * c.neurons);
  d.rates.resize(d.spikes.size());
  d.latent.resize(static_cast<size_t>(K) * c.bins * 3);
  d.condition.resize(static_cast<size_t>(K));
  for (int cond = 0; cond < c.conditions; ++cond)
    for (int rep = 0; rep < c.trials; ++rep) {
      const int k = cond * c.trials + rep;
      d.condition[static_cast<size_t>(k)] = cond;
      for (int t = 0; t < c.bins; ++t) {
        const double* z = states.data() + (static_cast<size_t>(cond) * c.bins + t) * 3;
        float* lat = d.latent.data() + (static_cast<size_t>(k) * c.bins + t) * 3;
        for (int dim = 0; dim < 3; ++dim) lat[dim] = static_cast<float>(z[dim]);
        for (int n = 0; n < c.neurons; ++n) {
          const double drive = w[static_cast<size_t>(3 * n)] * z[0] + w[static_cast<size_t>(3 * n + 1)] * z[1] +
                               w[static_cast<size_t>(3 * n + 2)] * z[2];
          const double rate = base[static_cast<size_t>(n)] * std::exp(drive) * c.bin_seconds;  // per bin
          const size_t i = (static_cast<size_t>(k) * c.bins + t) * c.neurons + n;
          d.rates[i] = static_cast<float>(rate);
          d.spikes[i] = static_cast<float>(rng.poisson(rate));
        }
      }
    }
  return d;
}

void split_trials(const LorenzData& d, int every, std::vector<int>& train, std::vector<int>& held_out) {
  nn::require_int_range(every, 2, 1000, "split_trials: every");
  train.clear();
  held_out.clear();
  for (int k = 0; k < d.count(); ++k) ((k % d.trials) % every == every - 1 ? held_out : train).push_back(k);
}

void validate_spikes(const float* spikes, int trials, int bins, int neurons) {
  nn::require(trials >= 1, "spikes: expected at least one trial, got ", trials);
  nn::require(bins >= 1, "spikes: expected at least one bin, got ", bins);
  nn::require(neurons >= 1, "spikes: expected at least one neuron, got ", neurons);
  const size_t per_trial = static_cast<size_t>(bins) * neurons;
  for (int k = 0; k < trials; ++k)
    for (size_t i = 0; i < per_trial; ++i) {
      const float v = spikes[static_cast<size_t>(k) * per_trial + i];
      nn::require(std::isfinite(v) && v >= 0 && v == std::floor(v), "spikes: trial ", k, ", bin ",
                  i / static_cast<size_t>(neurons), ", neuron ", i % static_cast<size_t>(neurons),
                  ": expected a non-negative integer count, got ", v);
    }
}

}  // namespace data
