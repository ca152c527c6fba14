// Spiking data from the Lorenz attractor, after lfads-run-manager's synthetic Lorenz data set
// (Sussillo et al. 2016; Pandarinath et al. 2018).
//
// Each condition is a stretch of the Lorenz system (sigma 10, rho 28, beta 8/3, Euler steps of
// dt = 0.006) from its own random start, after a burn-in that puts it on the attractor; one bin
// is `steps_per_bin` Euler steps. The state is normalized over the whole data set (zero mean, and
// divided by the largest absolute value so each coordinate lies in [-1, 1]). Each neuron reads it
// out with weights of random sign and magnitude in [1, 1.5] and a base rate in [5, 15] Hz:
//   rate_n(t) = base_n * exp(sum_d w_nd z_d(t)),   spikes ~ Poisson(rate_n(t) * bin_seconds).
// Trials of one condition share the rates and differ only in their Poisson spikes.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace data {

struct LorenzConfig {
  int conditions = 65;
  int trials = 20;          // per condition
  int neurons = 30;
  int bins = 100;
  int steps_per_bin = 10;   // Euler steps per bin (1 ms each, as lfads-run-manager: 10 ms bins)
  float bin_seconds = 0.01f;
  int burn_in = 1000;       // Euler steps discarded from each random start
  void validate() const;
};

struct LorenzData {
  int conditions = 0, trials = 0, neurons = 0, bins = 0;
  // All trial-major: trial k = condition * trials + repeat.
  std::vector<float> spikes;  // (K, T, N) counts
  std::vector<float> rates;   // (K, T, N) true rates in spikes per bin
  std::vector<float> latent;  // (K, T, 3) normalized Lorenz state
  std::vector<int> condition; // (K)
  int count() const { return conditions * trials; }
  const float* trial_spikes(int k) const { return spikes.data() + static_cast<size_t>(k) * bins * neurons; }
  const float* trial_rates(int k) const { return rates.data() + static_cast<size_t>(k) * bins * neurons; }
  const float* trial_latent(int k) const { return latent.data() + static_cast<size_t>(k) * bins * 3; }
};

LorenzData make_lorenz(const LorenzConfig& config, uint64_t seed);

/// Trial indices for training and held-out evaluation: every `every`-th trial of each condition
/// is held out (so both sets see every condition).
void split_trials(const LorenzData& d, int every, std::vector<int>& train, std::vector<int>& held_out);

/// Checks spike counts (finite, non-negative integers) and shapes; the message names the trial.
void validate_spikes(const float* spikes, int trials, int bins, int neurons);

}  // namespace data
