// Training LFADS: the optimizer, the tape, the sampling RNG and the KL/L2 ramp around the model
// of lfads.h (the shape every study follows: docs/adding-a-case-study.md).
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "lfads.h"
#include "nn/optim.h"
#include "nn/rng.h"

namespace models {

struct LfadsTrainConfig {
  float lr = 0.005f;
  int lr_half_life = 1500;  // the step size halves every this many steps...
  float lr_floor = 0.05f;   // ...down to this fraction of lr (late large steps can undo a fit)
  int batch = 32;
  float grad_clip = 200.0f;
  float kl_weight = 1.0f;
  float l2_weight = 1e-4f;
  int ramp_start = 500;   // steps before the KL and L2 weights begin to grow
  int ramp_steps = 2000;  // steps over which they grow from 0 to their full value
  float coordinated_dropout = 0.3f;
  uint64_t seed = 1;
  void validate() const;
};

struct LfadsLosses {
  float total = 0, reconstruction = 0, kl_ic = 0, kl_inputs = 0, l2 = 0, ramp = 0;
};

/// Trains an Lfads: Adam with a halving step size, gradient clipping, the KL/L2 ramp, coordinated
/// dropout and posterior sampling, on its own tape and RNG. The model is initialised from
/// train.seed; the sampling RNG is a separate stream of the same seed.
class LfadsTrainer {
 public:
  LfadsTrainer(const LfadsConfig& model, const LfadsTrainConfig& train);

  /// One Adam step on trials (K, T_out, N_out) at the given indices (the encoders read the first
  /// T_in bins of the first N_in neurons); returns the losses. begin_step + accumulate(0, B) + finish_step.
  LfadsLosses train_step(const float* trials, int T_in, int T_out, const std::vector<int>& batch);

  // A step split for data-parallel training (web/js/engine/replicas.js), as VitTrainer's:
  // begin_step takes the batch and draws everything it samples (the coordinated-dropout mask, the
  // posterior noise) in the order one pass over it draws them, and zeroes the gradients;
  // accumulate adds the gradient of trials [first, first + n); replicas with the same weights
  // compute the others' from batch_share (replica_gradient); their gradients and losses are added
  // in a fixed order (add_gradients, add_losses); finish_step clips and steps. Per-trial means are
  // taken over the whole batch in every share, so the shares add up to the one-pass step.
  struct Share {
    int T_in = 0, T_out = 0, n = 0;
    float kl_weight = 0;             // the step's (the owner's ramp times kl_weight)
    std::vector<float> x;            // (T_out, n, N_out) counts
    std::vector<float> mask;         // (T_in, n, N_in), empty without coordinated dropout
    std::vector<float> ic_noise;     // (n, IC) standard normals
    std::vector<float> input_noise;  // (T_out, n, U), empty without a controller
  };
  void begin_step(const float* trials, int T_in, int T_out, const std::vector<int>& batch);
  LfadsLosses accumulate(int first, int n);
  Share batch_share(int first, int n) const;
  /// A replica's part: zeroes its gradients and computes the share's as part of a batch of `batch` trials.
  LfadsLosses replica_gradient(const Share& share, int batch);
  void add_gradients(const float* g, size_t count);
  void add_losses(const LfadsLosses& l);
  LfadsLosses finish_step();                     // the step's losses, every share's added
  bool stepping() const { return step_.B > 0; }  // a batch begun and not yet stepped

  /// The weights file of the model (kind "lfads", the model config as text).
  std::vector<uint8_t> export_weights() const;
  /// Loads a weights file made by export_weights or `neuroai train lfads` and adopts its
  /// architecture (the config travels in the file); the neurons it reads and reads out are the
  /// data's and must match this model's. Checked before anything changes; Adam's moments start over.
  /// A loaded model is a trained one: its training goes on where a full schedule ends (the KL/L2
  /// ramp at 1, the step size at its floor), not at a fresh network's large first steps, which
  /// undid the shipped fit (held-out rate R² 0.96 -> 0.83 in 100 steps at lr 0.01).
  void load_weights(const uint8_t* bytes, size_t size);

  float ramp() const;  // the current KL/L2 weight multiplier in [0, 1]
  float learning_rate()
      const;  // the current Adam step size: lr halving every lr_half_life steps, down to lr * lr_floor
  long long steps() const { return steps_; }
  Lfads& model() { return model_; }
  const LfadsConfig& config() const { return model_.config(); }
  const LfadsTrainConfig& train_config() const { return train_; }

 private:
  LfadsTrainConfig train_;
  Lfads model_;
  nn::Adam adam_;
  nn::Tape tape_;
  nn::Rng rng_;
  long long steps_ = 0;
  // Steps added to steps_ where the schedule (ramp, step size) is read: after load_weights, enough
  // to put it at its end.
  long long schedule_offset_ = 0;
  // The step under way between begin_step and finish_step.
  struct StepState {
    int B = 0, T_in = 0, T_out = 0;
    float kl_weight = 0;
    LfadsLosses losses;
  } step_;
  std::vector<float> ic_noise_, input_noise_;  // (B, IC), (T_out, B, U): the batch's posterior noise
  LfadsLosses share_gradient(const Share& share, int batch, bool weighs_l2);
  long long schedule_end() const;  // the first step at which the ramp is 1 and the step size at its floor
  std::vector<float> batch_x_, batch_mask_;
};

}  // namespace models
