#include "vit_trainer.h"

#include <algorithm>
#include <cmath>

#include "nn/weights.h"
#include "util/det_math.h"

namespace models {

namespace {
nn::AdamConfig adam_config(const VitTrainConfig& c) {
  nn::AdamConfig a;
  a.lr = c.lr;
  a.weight_decay = c.weight_decay;
  return a;
}
constexpr double kPi = 3.14159265358979323846;
}  // namespace

void VitTrainConfig::validate() const {
  model.validate();
  nn::require_range(lr, 1e-6, 1.0, "VitTrainConfig.lr");
  nn::require_range(weight_decay, 0.0, 1.0, "VitTrainConfig.weight_decay");
  nn::require_int_range(batch, 1, 1024, "VitTrainConfig.batch");
  nn::require_int_range(warmup, 0, 10000000, "VitTrainConfig.warmup");
  nn::require_int_range(decay_steps, 0, 100000000, "VitTrainConfig.decay_steps");
  nn::require_range(clip, 0.0, 1e6, "VitTrainConfig.clip");
  nn::require_int_range(shift, 0, model.image / 2, "VitTrainConfig.shift");
  nn::require(pass_bytes >= 0, "VitTrainConfig.pass_bytes: expected >= 0, got ", pass_bytes);
}

int VitTrainConfig::pass_images() const {
  return pass_bytes == 0 ? batch : nn::items_per_pass(pass_bytes, model.tape_floats_per_image(), batch);
}

VitTrainer::VitTrainer(const VitTrainConfig& config)
    : config_((config.validate(), config)),
      vit_(std::make_unique<Vit>(config.model, config.seed)),
      adam_(vit_->params(), adam_config(config)),
      rng_(config.seed, 0xf1a5) {}

void VitTrainer::set_train_data(data::LabeledImages set) {
  const VitConfig& m = config_.model;
  nn::require(m.channels == 1, "VitTrainer: training data are grayscale, but the model has ", m.channels, " channels");
  nn::require(set.rows == m.image && set.cols == m.image, "VitTrainer: training images are ", set.rows, "x", set.cols,
              ", expected ", m.image, "x", m.image);
  nn::require(set.count >= 1, "VitTrainer: expected at least one training image");
  data::validate(set, m.classes, "VitTrainer: training data");
  train_ = std::move(set);
  order_.clear();
  cursor_ = 0;
}

std::vector<double> VitEvaluation::per_class_accuracy() const {
  const int K = static_cast<int>(std::lround(std::sqrt(static_cast<double>(confusion.size()))));
  std::vector<double> out;
  for (int c = 0; c < K; ++c) {
    int total = 0;
    for (int p = 0; p < K; ++p) total += confusion[static_cast<size_t>(c) * K + p];
    out.push_back(total ? static_cast<double>(confusion[static_cast<size_t>(c) * K + c]) / total : 0.0);
  }
  return out;
}

std::vector<uint8_t> VitTrainer::export_weights() const {
  return nn::encode_weights(vit_->params(), "vit", config_.model.to_text());
}

void VitTrainer::load_weights(const uint8_t* bytes, size_t size) {
  const nn::WeightsFile file = nn::decode_weights(bytes, size, "vit");
  VitTrainConfig c = config_;
  c.model = VitConfig::from_text(file.config);
  c.validate();
  if (train_.count > 0) {
    nn::require(c.model.channels == 1 && c.model.image == train_.rows && c.model.classes == config_.model.classes,
                "weights file: holds a ViT for ", c.model.channels, "-channel ", c.model.image, "x", c.model.image,
                " images of ", c.model.classes, " classes; the training data are 1-channel ", train_.rows, "x",
                train_.cols, " images of ", config_.model.classes, " classes");
  }
  auto fresh = std::make_unique<Vit>(c.model, c.seed);  // a Vit holds its read-out tape: not movable
  nn::assign_weights(fresh->params(), file, "vit");
  config_ = c;
  vit_ = std::move(fresh);
  adam_ = nn::Adam(vit_->params(), adam_config(config_));
}

double VitTrainer::epochs() const { return train_.count > 0 ? static_cast<double>(images_seen()) / train_.count : 0.0; }

float VitTrainer::learning_rate() const {
  const double t = static_cast<double>(steps_);
  if (t < config_.warmup) return static_cast<float>(config_.lr * (t + 1) / config_.warmup);
  if (config_.decay_steps == 0) return config_.lr;
  const double progress = std::min(1.0, (t - config_.warmup) / config_.decay_steps);
  return static_cast<float>(config_.lr * 0.5 * (1.0 + util::det_cos(kPi * progress)));
}

// Sampling without replacement: each epoch is a fresh Fisher-Yates shuffle of all indices.
void VitTrainer::next_indices(int n, int* out) {
  for (int i = 0; i < n; ++i) {
    if (cursor_ >= order_.size()) {
      order_.resize(static_cast<size_t>(train_.count));
      for (int j = 0; j < train_.count; ++j) order_[static_cast<size_t>(j)] = j;
      for (int j = train_.count - 1; j > 0; --j)
        std::swap(order_[static_cast<size_t>(j)], order_[rng_.below(static_cast<uint32_t>(j + 1))]);
      cursor_ = 0;
    }
    out[i] = order_[cursor_++];
  }
}

float VitTrainer::train_step() {
  begin_step();
  const double loss = accumulate(0, config_.batch);
  finish_step();
  return static_cast<float>(loss);
}

void VitTrainer::begin_step() {
  nn::require(train_.count > 0, "VitTrainer.train_step: no training data (call set_train_data first)");
  const VitConfig& m = config_.model;
  const int B = config_.batch;
  batch_index_.resize(static_cast<size_t>(B));
  batch_y_.resize(static_cast<size_t>(B));
  batch_x_.resize(static_cast<size_t>(B) * m.pixels());
  next_indices(B, batch_index_.data());
  data::fill_batch(train_, batch_index_.data(), B, data::Augment{config_.shift, config_.flip}, &rng_, batch_x_.data(),
                   batch_y_.data());
  vit_->params().zero_grad();
}

double VitTrainer::accumulate(int first, int n) {
  const int B = static_cast<int>(batch_y_.size());
  nn::require(B == config_.batch, "VitTrainer.accumulate: no batch drawn (call begin_step first)");
  nn::require_int_range(first, 0, B - 1, "VitTrainer.accumulate: first");
  nn::require_int_range(n, 1, B - first, "VitTrainer.accumulate: n");
  return accumulate_images(batch_x_.data() + static_cast<size_t>(first) * config_.model.pixels(),
                           batch_y_.data() + first, n, B);
}

double VitTrainer::replica_gradient(const float* x, const int* y, int n, int batch) {
  nn::require_int_range(batch, 1, 1 << 20, "VitTrainer.replica_gradient: batch");
  nn::require_int_range(n, 1, batch, "VitTrainer.replica_gradient: n");
  for (int i = 0; i < n; ++i)
    nn::require_int_range(y[i], 0, config_.model.classes - 1, "VitTrainer.replica_gradient: label");
  vit_->params().zero_grad();
  return accumulate_images(x, y, n, batch);
}

void VitTrainer::add_gradients(const float* g, size_t count) {
  vit_->params().add_grads(g, count, "VitTrainer.add_gradients");
}

void VitTrainer::finish_step() {
  adam_.config().lr = learning_rate();
  if (config_.clip > 0) nn::clip_grad_norm(vit_->params(), config_.clip);
  adam_.step(vit_->params());
  ++steps_;
}

double VitTrainer::accumulate_images(const float* x, const int* y, int n, int batch) {
  const VitConfig& m = config_.model;
  const int P = config_.pass_images();
  double loss_sum = 0;
  for (int first = 0; first < n; first += P) {
    const int k = std::min(P, n - first);
    tape_.reset();
    nn::Var xs =
        tape_.constant(x + static_cast<size_t>(first) * m.pixels(), nn::Shape{k, m.channels, m.image, m.image});
    nn::Var loss = nn::cross_entropy_logits(vit_->forward(tape_, xs), y + first, k);
    if (k < batch) loss = nn::affine(loss, static_cast<float>(k) / static_cast<float>(batch), 0.0f);
    tape_.backward(loss);
    loss_sum += loss.item();
  }
  return loss_sum;
}

float VitTrainer::train(int steps) {
  nn::require_int_range(steps, 0, 10000000, "VitTrainer.train: steps");
  double total = 0;
  for (int s = 0; s < steps; ++s) total += train_step();
  return steps > 0 ? static_cast<float>(total / steps) : 0.0f;
}

VitEvaluation VitTrainer::evaluate(const data::LabeledImages& set, int max_images, const float* head_mask) {
  const VitConfig& m = config_.model;
  nn::require(set.rows == m.image && set.cols == m.image, "VitTrainer.evaluate: images are ", set.rows, "x", set.cols,
              ", expected ", m.image, "x", m.image);
  data::validate(set, m.classes, "VitTrainer.evaluate: set");
  vit_->validate_head_mask(head_mask, "VitTrainer.evaluate: head_mask");
  const int n = max_images < 0 ? set.count : std::min(max_images, set.count);
  VitEvaluation e;
  e.images = n;
  e.confusion.assign(static_cast<size_t>(m.classes) * m.classes, 0);
  constexpr int kChunk = 64;  // images per inference pass: the tape of one chunk stays small
  std::vector<int> index(kChunk), labels(kChunk);
  std::vector<float> x(static_cast<size_t>(kChunk) * m.pixels()), probs(static_cast<size_t>(kChunk) * m.classes);
  int correct = 0;
  double loss = 0;
  for (int start = 0; start < n; start += kChunk) {
    const int c = std::min(kChunk, n - start);
    for (int i = 0; i < c; ++i) index[static_cast<size_t>(i)] = start + i;
    data::fill_batch(set, index.data(), c, {}, nullptr, x.data(), labels.data());
    vit_->predict(x.data(), c, head_mask, probs.data());
    for (int i = 0; i < c; ++i) {
      const float* p = probs.data() + static_cast<size_t>(i) * m.classes;
      const int predicted = static_cast<int>(std::max_element(p, p + m.classes) - p);
      const int label = labels[static_cast<size_t>(i)];
      correct += predicted == label;
      loss -= std::log(std::max(p[label], 1e-30f));
      ++e.confusion[static_cast<size_t>(label) * m.classes + predicted];
    }
  }
  e.accuracy = n > 0 ? static_cast<double>(correct) / n : 0.0;
  e.loss = n > 0 ? loss / n : 0.0;
  return e;
}

}  // namespace models
