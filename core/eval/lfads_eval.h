// Evaluation of LFADS on Lorenz spike data, on held-out trials (every 5th trial of each condition).
#pragma once
#include <vector>

#include "data/lorenz.h"
#include "models/lfads.h"

namespace eval {

struct LfadsReport {
  double rate_r2 = 0;             // inferred vs true rates, R^2 per neuron averaged (held-out trials)
  double factor_r2 = 0;           // affine map factors -> Lorenz state fitted on training trials, R^2 held out
  double bits_per_spike = 0;      // held-out log-likelihood gain over each neuron's mean rate
  double decode_r2_smoothed = 0;  // ridge from Gaussian-smoothed spikes to the Lorenz state, held out
  double decode_r2_factors = 0;   // ridge from the factors to the Lorenz state, held out
  double smoothing_sigma = 0;     // bins; chosen on the training trials for the smoothed decoder
  double rate_r2_smoothed = 0;    // baseline: single-trial smoothed spikes vs true rates
  double rate_r2_trial_average = 0;  // baseline: mean of the other trials of the same condition
};

/// held_out / train: trial indices (see data::split_trials).
LfadsReport evaluate_lfads(models::Lfads& model, const data::LorenzData& d, const std::vector<int>& train,
                           const std::vector<int>& held_out);

/// The same metrics from read-outs computed elsewhere (e.g. the WebGPU path running
/// Lfads::forward_plan): test = the outputs on held_out, fit = on train, each (T, K, .) as infer() gives.
LfadsReport evaluate_lfads_outputs(const data::LorenzData& d, int factors, const std::vector<int>& train,
                                   const std::vector<int>& held_out, const models::LfadsOutputs& test,
                                   const models::LfadsOutputs& fit);

/// Per-neuron R^2 averaged: pred and truth (n, N).
double mean_neuron_r2(const float* pred, const float* truth, size_t n, int N);

/// The baseline rate estimates of held-out trial k: mean of the other trials of its condition.
std::vector<float> trial_average_rates(const data::LorenzData& d, int k);

}  // namespace eval
