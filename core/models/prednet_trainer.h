// PredNet training and read-outs: a PredNet, its video source (bouncing blobs or moving sprites),
// Adam, and one tape reused step after step. The CLI, the wasm bindings and the tests all drive
// the model through this class.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "data/prednet_video.h"
#include "nn/optim.h"
#include "nn/rng.h"
#include "prednet.h"

namespace models {

/// The model kind written in PredNet weights files.
inline constexpr const char* kPredNetWeightsKind = "prednet";

struct PredNetTrainerConfig {
  PredNetConfig model;
  std::string dataset = "blobs";  // "blobs" or "sprites" (sprites need images)
  data::BlobVideoConfig blobs;    // its height, width and frames follow model's (set by sync())
  data::SpriteVideoConfig sprites;
  float lr = 1e-3f;
  int batch = 4;  // sequences per Adam step
  // A step's sequences go through the model in passes whose tapes stay within about this many
  // bytes (gradients summed over the passes: the same step up to rounding); 0: all at once.
  int64_t pass_bytes = 0;
  float clip = 1.0f;  // global gradient-norm clip; 0 turns it off
  uint64_t seed = 1;  // weights, training sequences and the held-out set all derive from it
  /// Copies the model's frame geometry into the data configs.
  void sync();
  void validate() const;
  /// Sequences per forward/backward pass of a step on `count` sequences, under pass_bytes.
  int pass_sequences(int count) const;
};

/// Everything one pass shows, copied out of the tape (all row-major float32):
///   predictions (N, T, C, H, W): Ahat_0(t), the prediction of frame t;
///   per layer l: ahat[l] (N, T, a_l, H_l, W_l), error[l] (N, T, 2 a_l, H_l, W_l) with E+ in the
///   first a_l channels and E- in the rest, r[l] (N, T, r_l, H_l, W_l);
///   layer_error (T, L): mean(E_l(t)) over the N sequences (the quantity the loss weighs).
struct PredNetReadout {
  int count = 0;
  std::vector<float> predictions;
  std::vector<std::vector<float>> ahat, error, r;
  std::vector<float> layer_error;
  bool full = false;  // ahat / error / r filled (predictions and layer_error always are)
};

class PredNetTrainer {
 public:
  /// images: the sprite source when config.dataset == "sprites" (copied); ignored for blobs.
  /// held_out_images (optional, copied): the sprite source of held_out() only, so that the held-out
  /// sequences move images that training never sees (e.g. the test split); default: `images`.
  explicit PredNetTrainer(const PredNetTrainerConfig& config, const data::IdxImages* images = nullptr,
                          const data::IdxImages* held_out_images = nullptr);
  ~PredNetTrainer();

  /// One Adam step on `batch` fresh sequences from the data source; returns the loss.
  float train_step();
  /// `steps` Adam steps; returns their mean loss.
  float train(int steps);
  /// One Adam step on given sequences (N, T, C, H, W); returns the loss.
  float train_on(const float* frames, int count);

  // A step split for data-parallel training, as VitTrainer's (web/js/engine/replicas.js):
  // begin_step draws the batch and zeroes the gradients; accumulate adds the gradient of its
  // sequences [first, first + n); replicas add theirs (replica_gradient, add_gradients);
  // finish_step clips and steps. train_step is the three over the whole batch.
  void begin_step();
  double accumulate(int first, int n);
  /// The current batch (batch, T, C, H, W), for the replicas' shares.
  const std::vector<float>& batch_frames() const { return batch_; }
  /// A replica's part: zeroes the gradients and adds those of n given sequences as a share of a
  /// batch of `batch`; returns their share of the loss (gradients in model().params().grads()).
  double replica_gradient(const float* frames, int n, int batch);
  void add_gradients(const float* g, size_t count);
  void finish_step();

  /// The loss on given sequences without training.
  float loss_on(const float* frames, int count);
  /// Runs the model over sequences (N, T, C, H, W) without gradients. extrapolate_from as in
  /// PredNet::forward. full: keep every layer's Ahat, E and R (for drawing), not only predictions.
  PredNetReadout run(const float* frames, int count, int extrapolate_from = -1, bool full = false);

  /// `count` sequences from the data source drawn with `rng` into out (count, T, C, H, W).
  void sample(int count, nn::Rng& rng, float* out) const;
  /// The fixed held-out sequences (drawn once from a stream disjoint from training; sprites from
  /// held_out_images where given), (count, T, C, H, W).
  const std::vector<float>& held_out(int count);

  /// The number of whole sequences in `values` floats; nn::Error naming `what` when it is not a
  /// positive whole number of (T, C, H, W) sequences (a wrong sequence length or frame size).
  int check_sequences(int64_t values, const char* what) const;

  /// The weights file of the model (kind "prednet", the model config as text).
  std::vector<uint8_t> export_weights() const;
  /// Loads a weights file made by export_weights or `neuroai train prednet` and adopts its
  /// architecture (layers, channels, loss weights: the config travels in the file); the frame
  /// geometry (frames, height, width) is the data's and must match. Checked before anything
  /// changes; Adam's moments start over (the step count goes on: it versions the weights).
  void load_weights(const uint8_t* bytes, size_t size);

  void set_lr(float lr);
  long long steps() const { return steps_; }
  int64_t sequence_size() const;
  const PredNetTrainerConfig& config() const { return config_; }
  PredNet& model() { return model_; }
  const PredNet& model() const { return model_; }
  nn::Adam& optimizer() { return adam_; }

 private:
  float step_on(const float* frames, int count);
  /// Forward and backward over n sequences in passes, each pass's loss weighted by its share of a
  /// batch of `batch`: the gradients accumulate; returns the weighted loss.
  double accumulate_sequences(const float* frames, int n, int batch);
  void sample_from(const data::IdxImages* images, int count, nn::Rng& rng, float* out) const;
  PredNetTrainerConfig config_;
  std::unique_ptr<data::IdxImages> images_, held_out_images_;
  PredNet model_;
  nn::Adam adam_;
  nn::Rng rng_;
  nn::Tape tape_;
  std::vector<float> batch_;
  std::vector<float> held_out_;
  long long steps_ = 0;
};

}  // namespace models
