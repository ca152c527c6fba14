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
//
// Evaluation follows the Neural Latents Benchmark (Pei et al. 2021): a trial has `bins` observed
// bins and `forward_bins` after them (forward prediction); make_nlb_split() holds out neurons
// (co-smoothing), trials of the training conditions, and whole conditions (Lorenz starts never
// seen in training).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

namespace data {

struct LorenzConfig {
  int conditions = 75;  // 65 for training and held-out trials + 10 held-out conditions (NlbSplitConfig)
  int trials = 20;      // per condition
  int neurons = 50;
  int bins = 100;          // observed bins
  int forward_bins = 20;   // bins after the observed window, scored by forward prediction (fp-bps)
  int steps_per_bin = 10;  // Euler steps per bin (1 ms each, as lfads-run-manager: 10 ms bins)
  float bin_seconds = 0.01f;
  int burn_in = 1000;  // Euler steps discarded from each random start
  void validate() const;
};

struct LorenzData {
  int conditions = 0, trials = 0, neurons = 0, bins = 0, forward_bins = 0;
  // All trial-major over T = bins + forward_bins: trial k = condition * trials + repeat.
  std::vector<float> spikes;  // (K, T, N) counts
  std::vector<float>
      condition_rates;         // (conditions, T, N) true rates in spikes per bin, shared by a condition's trials
  std::vector<float> latent;   // (K, T, 3) normalized Lorenz state
  std::vector<int> condition;  // (K)
  int count() const { return conditions * trials; }
  int total_bins() const { return bins + forward_bins; }
  const float* trial_spikes(int k) const { return spikes.data() + static_cast<size_t>(k) * total_bins() * neurons; }
  const float* trial_rates(int k) const {
    return condition_rates.data() + static_cast<size_t>(condition[static_cast<size_t>(k)]) * total_bins() * neurons;
  }
  /// The true rates of the given trials, (trials, T, N).
  std::vector<float> true_rates(const std::vector<int>& trials) const;
  const float* trial_latent(int k) const { return latent.data() + static_cast<size_t>(k) * total_bins() * 3; }
};

LorenzData make_lorenz(const LorenzConfig& config, uint64_t seed);

/// Trial indices for training and held-out evaluation: every `every`-th trial of each condition
/// is held out (so both sets see every condition).
void split_trials(const LorenzData& d, int every, std::vector<int>& train, std::vector<int>& held_out);

struct NlbSplitConfig {
  double heldout_neuron_fraction = 0.2;  // neurons no model reads on evaluation trials (co-smoothing)
  int heldout_conditions = 10;           // whole conditions never seen in training
  int heldout_trial_every = 5;           // every 5th trial of each training condition is held out
  void validate() const;
};

/// The evaluation splits, as the Neural Latents Benchmark defines them. After make_nlb_split the
/// data's neurons are in split order: the `heldin` neurons first, then the `heldout` ones.
struct NlbSplit {
  int heldin = 0, heldout = 0;                // neuron counts
  std::vector<int> neuron_order;              // (N): generated neuron index of each neuron now
  std::vector<int> train_trials;              // training conditions, all but every 5th trial
  std::vector<int> heldout_trials;            // training conditions, every 5th trial
  std::vector<int> heldout_condition_trials;  // every trial of the held-out conditions
  std::vector<int> heldout_conditions;        // condition ids, sorted
};

/// Draws held-out neurons and conditions from `seed` and permutes d's neurons into split order.
NlbSplit make_nlb_split(LorenzData& d, const NlbSplitConfig& config, uint64_t seed);

/// What a model may read of `trials`: the first `heldin` neurons over the observed bins,
/// (K, bins, heldin) trial-major.
std::vector<float> heldin_spikes(const LorenzData& d, int heldin, const std::vector<int>& trials);

/// Rows of a (K, T, W) trial-major array for the given trials, all bins or the first `bins`.
std::vector<float> gather_trials(const std::vector<float>& all, int total_bins, int width,
                                 const std::vector<int>& trials, int bins = -1);

/// Checks spike counts (finite, non-negative integers) and shapes; the message starts with `what`
/// and names the trial, bin and neuron.
void validate_spikes(const float* spikes, int trials, int bins, int neurons, const char* what = "spikes");

}  // namespace data
