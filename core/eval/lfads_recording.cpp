#include "lfads_recording.h"

#include <Eigen/Eigenvalues>
#include <cmath>
#include <limits>

#include "eval/lfads_eval.h"
#include "nn/check.h"

namespace eval {

namespace {

/// The recording in the study's container: one condition of all its trials, no truth.
data::LorenzData as_lorenz(const data::SpikeCounts& c) {
  nn::require(c.trials >= 1 && c.bins >= 2 && c.neurons >= 2 &&
                  c.counts.size() == static_cast<size_t>(c.trials) * c.bins * c.neurons,
              "LfadsRecording: expected counts of at least 1 trial x 2 bins x 2 neurons, got ", c.trials, " x ", c.bins,
              " x ", c.neurons, " (", c.counts.size(), " values)");
  data::LorenzData d;
  d.conditions = 1;
  d.trials = c.trials;
  d.neurons = c.neurons;
  d.bins = c.bins;
  d.forward_bins = 0;
  d.spikes = c.counts;
  d.condition.assign(static_cast<size_t>(c.trials), 0);
  return d;
}

}  // namespace

LfadsRecording::LfadsRecording(const data::SpikeCounts& counts, models::LfadsConfig model,
                               const models::LfadsTrainConfig& train, const RecordingSplitConfig& split)
    : data_(as_lorenz(counts)), order_(train.seed, 0x0dd) {
  nn::require(counts.trials >= 2 * split.heldout_trial_every, "LfadsRecording: ", counts.trials,
              " trials leave too few to hold out every ", split.heldout_trial_every, "th: expected at least ",
              2 * split.heldout_trial_every);
  data::NlbSplitConfig sc;
  sc.heldout_neuron_fraction = split.heldout_neuron_fraction;
  sc.heldout_conditions = 0;
  sc.heldout_trial_every = split.heldout_trial_every;
  split_ = data::make_nlb_split(data_, sc, split.seed);
  nn::require(split_.heldout >= 1, "LfadsRecording: ", counts.neurons, " neurons leave none to hold out at ",
              split.heldout_neuron_fraction, ": expected more neurons");
  model.neurons = split_.heldin;
  model.readout_neurons = data_.neurons;
  trainer_ = std::make_unique<models::LfadsTrainer>(model, train);
}

models::LfadsLosses LfadsRecording::train_steps(int steps) {
  nn::require_int_range(steps, 1, 100000, "LfadsRecording::train_steps: steps");
  const int K = static_cast<int>(split_.train_trials.size());
  std::vector<int> batch(static_cast<size_t>(trainer_->train_config().batch));
  models::LfadsLosses last;
  for (int s = 0; s < steps; ++s) {
    for (int& b : batch) b = split_.train_trials[order_.below(static_cast<uint32_t>(K))];
    last = trainer_->train_step(data_.spikes.data(), data_.bins, data_.bins, batch);
  }
  return last;
}

RecordingScores LfadsRecording::evaluate() {
  const std::vector<int>& trials = split_.heldout_trials;
  const int K = static_cast<int>(trials.size()), T = data_.bins, N = data_.neurons;
  const models::LfadsOutputs out = lfads_outputs(trainer_->model(), data_, split_, trials);
  const std::vector<float> rates = rates_from_log_rates(out.log_rates, T, K, N);
  const std::vector<float> spikes = data::gather_trials(data_.spikes, T, N, trials, T);
  RecordingScores s;
  s.trials = K;
  s.co_bps = co_bps(rates.data(), spikes.data(), layout(K));
  s.co_bps_smoothing = std::numeric_limits<double>::quiet_NaN();
  if (smoothing_) {
    const std::vector<float> heldin = data::heldin_spikes(data_, split_.heldin, trials);
    const std::vector<float> smoothed = smoothing_->predict(heldin.data(), layout(K));
    s.co_bps_smoothing = co_bps(smoothed.data(), spikes.data(), layout(K));
  }
  return s;
}

void LfadsRecording::fit_smoothing(const Progress& progress) {
  const std::vector<int>& trials = split_.train_trials;
  const int K = static_cast<int>(trials.size());
  const std::vector<float> heldin = data::heldin_spikes(data_, split_.heldin, trials);
  const std::vector<float> spikes = data::gather_trials(data_.spikes, data_.bins, data_.neurons, trials, data_.bins);
  auto fitted = std::make_unique<SpikeSmoothing>();
  fitted->fit(heldin.data(), spikes.data(), layout(K), progress);
  smoothing_ = std::move(fitted);
}

RecordingTrial LfadsRecording::trial(int i) {
  const std::vector<int>& trials = split_.heldout_trials;
  nn::require_int_range(i, 0, static_cast<int>(trials.size()) - 1, "LfadsRecording::trial: index");
  const int k = trials[static_cast<size_t>(i)], T = data_.bins, N = data_.neurons;
  const models::LfadsOutputs out = lfads_outputs(trainer_->model(), data_, split_, {k});
  RecordingTrial r;
  r.trial = k;
  r.spikes.assign(data_.trial_spikes(k), data_.trial_spikes(k) + static_cast<size_t>(T) * N);
  r.rates = rates_from_log_rates(out.log_rates, T, 1, N);
  r.factors = out.factors;                         // (T, 1, F): one trial, so trial-major already
  if (config().controller) r.inputs = out.inputs;  // (T, 1, U); without a controller there are none
  return r;
}

std::vector<float> LfadsRecording::factor_trajectories(int count, double* explained) {
  const std::vector<int>& trials = split_.heldout_trials;
  const int K = static_cast<int>(trials.size()), T = data_.bins, F = config().factors;
  nn::require_int_range(count, 1, K, "LfadsRecording::factor_trajectories: count");
  const models::LfadsOutputs out = lfads_outputs(trainer_->model(), data_, split_, trials);
  // Rows (K * T, F) trial-major, centred; the covariance's leading eigenvectors are the components.
  Eigen::MatrixXd X(static_cast<Eigen::Index>(K) * T, F);
  for (int k = 0; k < K; ++k)
    for (int t = 0; t < T; ++t)
      for (int f = 0; f < F; ++f) X(k * T + t, f) = out.factors[(static_cast<size_t>(t) * K + k) * F + f];
  X.rowwise() -= X.colwise().mean();
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> es(X.transpose() * X);
  const int dims = std::min(3, F);
  const Eigen::MatrixXd W = es.eigenvectors().rightCols(dims).rowwise().reverse();  // largest first
  if (explained) {
    const double total = es.eigenvalues().sum();
    *explained = total > 0 ? es.eigenvalues().tail(dims).sum() / total : 0.0;
  }
  const Eigen::MatrixXd P = X.topRows(static_cast<Eigen::Index>(count) * T) * W;
  std::vector<float> xyz(static_cast<size_t>(count) * T * 3, 0.0f);
  for (int r = 0; r < count * T; ++r)
    for (int d = 0; d < dims; ++d) xyz[static_cast<size_t>(r) * 3 + d] = static_cast<float>(P(r, d));
  return xyz;
}

}  // namespace eval
