// LFADS on a recording of your own (data/spike_counts.h), scored as the Neural Latents Benchmark
// scores models without ground truth: a fifth of the neurons held out (no model reads them on the
// trials it is scored on), every 5th trial held out, and co-bps (bits per spike of the held-out
// neurons' predicted rates over each neuron's mean) on the held-out trials, beside NLB's spike-
// smoothing baseline fitted on the training trials alone. The recording lives in the Lorenz
// study's container without its truth (one condition, no rates, no latent state), so the split,
// the inference and the metrics are the study's own.
#pragma once
#include <memory>
#include <vector>

#include "data/lorenz.h"
#include "data/spike_counts.h"
#include "eval/nlb.h"
#include "models/lfads_trainer.h"
#include "nn/rng.h"

namespace eval {

struct RecordingSplitConfig {
  double heldout_neuron_fraction = 0.2;
  int heldout_trial_every = 5;
  uint64_t seed = 1;
};

struct RecordingScores {
  double co_bps = 0;            // LFADS on the held-out trials' held-out neurons
  double co_bps_smoothing = 0;  // NLB's spike smoothing + Poisson GLM, fitted on the training trials (NaN: not fitted)
  int trials = 0;               // held-out trials scored
};

/// One held-out trial's read-outs, (bins, neurons) each with the neurons in split order (held-in first).
struct RecordingTrial {
  int trial = 0;  // its index in the recording
  std::vector<float> spikes, rates, factors, inputs;
};

class LfadsRecording {
 public:
  /// `model`'s neuron counts are set from the split (held-in neurons in, every neuron out).
  LfadsRecording(const data::SpikeCounts& counts, models::LfadsConfig model, const models::LfadsTrainConfig& train,
                 const RecordingSplitConfig& split = {});
  /// Steps over batches of training trials (seeded draws); the last step's losses.
  models::LfadsLosses train_steps(int steps);
  /// co-bps of LFADS (and of the smoothing baseline, once fitted) on the held-out trials.
  RecordingScores evaluate();
  /// Fits the smoothing baseline on the training trials (a few seconds on a large recording).
  void fit_smoothing(const Progress& progress = {});
  RecordingTrial trial(int heldout_index);
  /// The factors of the first `count` held-out trials projected on the first three principal
  /// components of every held-out trial's factors (centred), (count, bins, 3); `explained` gets
  /// the fraction of the factors' variance the three hold. Fewer than 3 factors pad with zeros.
  std::vector<float> factor_trajectories(int count, double* explained = nullptr);

  const data::NlbSplit& split() const { return split_; }
  const data::LorenzData& data() const { return data_; }
  models::LfadsTrainer& trainer() { return *trainer_; }
  const models::LfadsConfig& config() const { return trainer_->config(); }

 private:
  RateLayout layout(int trials) const { return {trials, data_.bins, 0, data_.neurons, split_.heldin}; }
  data::LorenzData data_;
  data::NlbSplit split_;
  std::unique_ptr<models::LfadsTrainer> trainer_;
  std::unique_ptr<SpikeSmoothing> smoothing_;
  nn::Rng order_;
};

}  // namespace eval
