// Trains a Vit on labelled images: AdamW with linear warm-up and optional cosine decay, epochs of
// shuffled minibatches with light augmentation, and evaluation (accuracy, loss, confusion) with or
// without lesioned heads. The native CLI, the wasm module and the tests all train through this.
#pragma once
#include <cstdint>
#include <memory>
#include <vector>

#include "data/vit_data.h"
#include "nn/optim.h"
#include "nn/rng.h"
#include "vit.h"

namespace models {

struct VitTrainConfig {
  VitConfig model;
  float lr = 1e-3f;            // peak learning rate
  float weight_decay = 0.05f;  // decoupled (AdamW); not on biases, norms, class token, positions
  int batch = 128;
  // A step's images go through the model in passes whose tapes stay within about this many bytes
  // (gradients summed over the passes: the same step up to rounding); 0: the whole batch at once.
  // The pages set it so that a large model or batch fits a phone's memory.
  int64_t pass_bytes = 0;
  int warmup = 500;     // steps of linear learning-rate warm-up from zero
  int decay_steps = 0;  // cosine decay to zero over this many steps after the warm-up; 0: constant
  float clip = 1.0f;    // global gradient-norm clip; 0: off
  int shift = 2;        // augmentation: random translation up to +-shift pixels
  bool flip = true;     // augmentation: mirror half of the images
  uint64_t seed = 1;
  void validate() const;
  /// Images per forward/backward pass under pass_bytes (the batch when it is 0).
  int pass_images() const;
};

struct VitEvaluation {
  int images = 0;
  double accuracy = 0;         // fraction of images classified correctly
  double loss = 0;             // mean cross-entropy
  std::vector<int> confusion;  // (K, K): row = true class, column = predicted class
  /// The fraction of each true class classified correctly (0 for a class with no images).
  std::vector<double> per_class_accuracy() const;
};

class VitTrainer {
 public:
  explicit VitTrainer(const VitTrainConfig& config);

  /// The images to train on (copied); their size and labels must fit the model's config.
  void set_train_data(data::LabeledImages set);
  const data::LabeledImages& train_data() const { return train_; }

  /// One AdamW step on the next shuffled minibatch; returns its loss. The three parts below.
  float train_step();

  // A step split for data-parallel training (web/js/engine/replicas.js): begin_step draws the next
  // minibatch and zeroes the gradients; accumulate adds the gradient of the batch's images
  // [first, first + n); replicas with the same weights compute the rest (replica_gradient) and
  // the sums are added in a fixed order (add_gradients); finish_step clips and takes the step.
  // The same step as train_step up to the order of the sums: deterministic per number of shards.
  void begin_step();
  /// Adds the gradient of images [first, first + n) of the current batch; returns their share of the loss.
  double accumulate(int first, int n);
  /// The current batch's images (B, C, S, S) and labels (B), for the replicas' shares.
  const std::vector<float>& batch_images() const { return batch_x_; }
  const std::vector<int>& batch_labels() const { return batch_y_; }
  /// A replica's part: zeroes the gradients and adds those of n images given by the caller, as a
  /// share of a batch of `batch` images; returns their share of the loss (gradients in params().grads()).
  double replica_gradient(const float* x, const int* y, int n, int batch);
  /// Adds a replica's gradients (params().count() values) to this trainer's.
  void add_gradients(const float* g, size_t count);
  void finish_step();
  /// `steps` steps; returns their mean loss.
  float train(int steps);
  /// Accuracy, loss and confusion on the first max_images images of `set` (all when < 0),
  /// optionally with heads lesioned (depth * heads factors, see Vit::forward).
  VitEvaluation evaluate(const data::LabeledImages& set, int max_images = -1, const float* head_mask = nullptr);

  /// The learning rate of the next step (warm-up, then constant or cosine decay).
  float learning_rate() const;
  long long steps() const { return steps_; }
  long long images_seen() const { return steps_ * config_.batch; }
  /// Completed passes over the training data.
  double epochs() const;

  /// The weights file of the model (kind "vit", the model config as text).
  std::vector<uint8_t> export_weights() const;
  /// Loads a weights file made by export_weights or `neuroai train vit` and adopts its
  /// architecture (the config travels in the file); image size, channels and classes must fit
  /// the training data when there is any. Checked before anything changes; Adam's moments start
  /// over (the step count goes on: it versions the weights).
  void load_weights(const uint8_t* bytes, size_t size);

  const VitTrainConfig& config() const { return config_; }
  Vit& model() { return *vit_; }
  const Vit& model() const { return *vit_; }

 private:
  void next_indices(int n, int* out);
  /// Forward and backward over n images in passes of pass_images(), each pass's mean loss weighted
  /// by its share of a batch of `batch`: the gradients accumulate; returns the weighted loss.
  double accumulate_images(const float* x, const int* y, int n, int batch);

  VitTrainConfig config_;
  std::unique_ptr<Vit> vit_;
  nn::Adam adam_;
  nn::Rng rng_;
  nn::Tape tape_;
  data::LabeledImages train_;
  std::vector<int> order_;  // the current epoch's shuffled indices
  size_t cursor_ = 0;
  std::vector<int> batch_index_, batch_y_;
  std::vector<float> batch_x_;  // (B, C, S, S)
  long long steps_ = 0;
};

}  // namespace models
