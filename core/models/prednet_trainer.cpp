#include "prednet_trainer.h"

#include <algorithm>

#include "nn/weights.h"

namespace models {

namespace {
// Rng streams: one per purpose, so that e.g. evaluating never shifts the training sequences.
constexpr uint64_t kTrainStream = 0x7a11, kHeldOutStream = 0x4e1d0;
}  // namespace

// ---------------------------------------------------------------- config

void PredNetTrainerConfig::sync() {
  blobs.height = sprites.height = model.height;
  blobs.width = sprites.width = model.width;
  blobs.frames = sprites.frames = model.frames;
}

void PredNetTrainerConfig::validate() const {
  model.validate();
  nn::require(dataset == "blobs" || dataset == "sprites", "PredNetTrainerConfig.dataset: expected \"blobs\" or ",
              "\"sprites\", got \"", dataset, "\"");
  nn::require(model.a_channels[0] == 1,
              "PredNetTrainerConfig: the videos are grayscale: model.a_channels[0] must be 1, got ",
              model.a_channels[0]);
  if (dataset == "blobs") {
    blobs.validate();
    nn::require(blobs.height == model.height && blobs.width == model.width && blobs.frames == model.frames,
                "PredNetTrainerConfig.blobs: frame geometry ", blobs.height, "x", blobs.width, "x", blobs.frames,
                " differs from the model's ", model.height, "x", model.width, "x", model.frames, " (call sync())");
  } else {
    sprites.validate();
    nn::require(sprites.height == model.height && sprites.width == model.width && sprites.frames == model.frames,
                "PredNetTrainerConfig.sprites: frame geometry differs from the model's (call sync())");
  }
  nn::require_range(lr, 1e-6, 1.0, "PredNetTrainerConfig.lr");
  nn::require(pass_bytes >= 0, "PredNetTrainerConfig.pass_bytes: expected >= 0, got ", pass_bytes);
  nn::require_int_range(batch, 1, 1024, "PredNetTrainerConfig.batch");
  nn::require_range(clip, 0.0, 1e6, "PredNetTrainerConfig.clip");
}

// ---------------------------------------------------------------- construction

namespace {
nn::AdamConfig adam_config(const PredNetTrainerConfig& c) {
  nn::AdamConfig a;
  a.lr = c.lr;
  return a;
}
}  // namespace

PredNetTrainer::PredNetTrainer(const PredNetTrainerConfig& config, const data::IdxImages* images,
                               const data::IdxImages* held_out_images)
    : config_((config.validate(), config)),
      model_(config.model, config.seed),
      adam_(model_.params(), adam_config(config)),
      rng_(config.seed, kTrainStream) {
  if (config_.dataset == "sprites") {
    nn::require(images != nullptr && images->count > 0,
                "PredNetTrainer: dataset \"sprites\" needs images (e.g. Fashion-MNIST), got none");
    images_ = std::make_unique<data::IdxImages>(*images);
    if (held_out_images != nullptr) {
      nn::require(held_out_images->count > 0, "PredNetTrainer: held-out images: expected at least one, got none");
      held_out_images_ = std::make_unique<data::IdxImages>(*held_out_images);
    }
  }
}

PredNetTrainer::~PredNetTrainer() = default;

int64_t PredNetTrainer::sequence_size() const {
  const auto& m = config_.model;
  return int64_t{m.frames} * m.a_channels[0] * m.height * m.width;
}

int PredNetTrainer::check_sequences(int64_t values, const char* what) const {
  const auto& m = config_.model;
  const int64_t per = sequence_size();
  nn::require(values > 0 && values % per == 0, what, ": expected whole sequences of ", m.frames, " frames of ",
              m.a_channels[0], "x", m.height, "x", m.width, " (", per, " values each), got ", values, " values");
  return static_cast<int>(values / per);
}

void PredNetTrainer::sample(int count, nn::Rng& rng, float* out) const { sample_from(images_.get(), count, rng, out); }

void PredNetTrainer::sample_from(const data::IdxImages* images, int count, nn::Rng& rng, float* out) const {
  nn::require_int_range(count, 0, 1 << 16, "PredNetTrainer.sample: count");
  for (int i = 0; i < count; ++i) {
    float* seq = out + i * sequence_size();
    if (config_.dataset == "sprites")
      data::make_sprite_sequence(config_.sprites, *images, rng, seq);
    else
      data::make_blob_sequence(config_.blobs, rng, seq);
  }
}

const std::vector<float>& PredNetTrainer::held_out(int count) {
  nn::require_int_range(count, 1, 1 << 14, "PredNetTrainer.held_out: count");
  // The first `count` held-out sequences are the same whatever count was asked before.
  const size_t need = static_cast<size_t>(count * sequence_size());
  if (held_out_.size() != need) {
    held_out_.resize(need);
    nn::Rng rng(config_.seed, kHeldOutStream);
    sample_from(held_out_images_ ? held_out_images_.get() : images_.get(), count, rng, held_out_.data());
  }
  return held_out_;
}

std::vector<uint8_t> PredNetTrainer::export_weights() const {
  return nn::encode_weights(model_.params(), kPredNetWeightsKind, model_.config().to_text());
}

void PredNetTrainer::load_weights(const uint8_t* bytes, size_t size) {
  const nn::WeightsFile file = nn::decode_weights(bytes, size, kPredNetWeightsKind);
  PredNetTrainerConfig c = config_;
  c.model = PredNetConfig::from_text(file.config);
  const PredNetConfig& ours = config_.model;
  nn::require(c.model.frames == ours.frames && c.model.height == ours.height && c.model.width == ours.width &&
                  c.model.a_channels[0] == ours.a_channels[0],
              "weights file: holds a PredNet of ", c.model.frames, " frames of ", c.model.a_channels[0], "x",
              c.model.height, "x", c.model.width, "; the data has ", ours.frames, " frames of ", ours.a_channels[0],
              "x", ours.height, "x", ours.width);
  c.validate();
  PredNet fresh(c.model, c.seed);
  nn::assign_weights(fresh.params(), file, kPredNetWeightsKind);
  config_ = c;
  model_ = std::move(fresh);
  adam_ = nn::Adam(model_.params(), adam_config(config_));
}

void PredNetTrainer::set_lr(float lr) {
  nn::require_range(lr, 1e-7, 1.0, "PredNetTrainer.set_lr: lr");
  config_.lr = lr;
  adam_.config().lr = lr;
}

// ---------------------------------------------------------------- training

int PredNetTrainerConfig::pass_sequences(int count) const {
  return pass_bytes == 0 ? count : nn::items_per_pass(pass_bytes, model.tape_floats_per_sequence(), count);
}

float PredNetTrainer::step_on(const float* frames, int count) {
  model_.params().zero_grad();
  const double loss = accumulate_sequences(frames, count, count);
  finish_step();
  return static_cast<float>(loss);
}

double PredNetTrainer::accumulate_sequences(const float* frames, int n, int batch) {
  // The loss is a mean over the batch's sequences: each pass's loss weighted by its share of the step.
  const int P = config_.pass_sequences(batch);
  double loss_sum = 0;
  for (int first = 0; first < n; first += P) {
    const int k = std::min(P, n - first);
    tape_.reset();
    nn::Var loss = model_.forward(tape_, frames + static_cast<size_t>(first) * sequence_size(), k);
    if (k < batch) loss = nn::affine(loss, static_cast<float>(k) / static_cast<float>(batch), 0.0f);
    tape_.backward(loss);
    loss_sum += loss.item();
  }
  return loss_sum;
}

float PredNetTrainer::train_step() {
  begin_step();
  const double loss = accumulate(0, config_.batch);
  finish_step();
  return static_cast<float>(loss);
}

void PredNetTrainer::begin_step() {
  batch_.resize(static_cast<size_t>(config_.batch * sequence_size()));
  sample(config_.batch, rng_, batch_.data());
  model_.params().zero_grad();
}

double PredNetTrainer::accumulate(int first, int n) {
  const int B = static_cast<int>(static_cast<int64_t>(batch_.size()) / sequence_size());
  nn::require(B == config_.batch, "PredNetTrainer.accumulate: no batch drawn (call begin_step first)");
  nn::require_int_range(first, 0, B - 1, "PredNetTrainer.accumulate: first");
  nn::require_int_range(n, 1, B - first, "PredNetTrainer.accumulate: n");
  return accumulate_sequences(batch_.data() + static_cast<size_t>(first) * sequence_size(), n, B);
}

double PredNetTrainer::replica_gradient(const float* frames, int n, int batch) {
  nn::require_int_range(batch, 1, 1024, "PredNetTrainer.replica_gradient: batch");
  nn::require_int_range(n, 1, batch, "PredNetTrainer.replica_gradient: n");
  model_.params().zero_grad();
  return accumulate_sequences(frames, n, batch);
}

void PredNetTrainer::add_gradients(const float* g, size_t count) {
  model_.params().add_grads(g, count, "PredNetTrainer.add_gradients");
}

void PredNetTrainer::finish_step() {
  if (config_.clip > 0) nn::clip_grad_norm(model_.params(), config_.clip);
  adam_.step(model_.params());
  ++steps_;
}

float PredNetTrainer::train(int steps) {
  nn::require_int_range(steps, 0, 10000000, "PredNetTrainer.train: steps");
  double total = 0;
  for (int s = 0; s < steps; ++s) total += train_step();
  return steps > 0 ? static_cast<float>(total / steps) : 0.0f;
}

float PredNetTrainer::train_on(const float* frames, int count) {
  nn::require_int_range(count, 1, 1024, "PredNetTrainer.train_on: count");
  return step_on(frames, count);
}

float PredNetTrainer::loss_on(const float* frames, int count) {
  nn::require_int_range(count, 1, 1 << 14, "PredNetTrainer.loss_on: count");
  tape_.reset();
  nn::NoGradScope no_grad(tape_);
  return model_.forward(tape_, frames, count).item();
}

// ---------------------------------------------------------------- read-outs

PredNetReadout PredNetTrainer::run(const float* frames, int count, int extrapolate_from, bool full) {
  nn::require_int_range(count, 1, 1 << 14, "PredNetTrainer.run: count");
  const PredNetConfig& c = config_.model;
  const int L = c.layers(), T = c.frames;
  PredNetReadout out;
  out.count = count;
  out.full = full;
  out.predictions.resize(static_cast<size_t>(count * sequence_size()));
  out.layer_error.assign(static_cast<size_t>(T * L), 0.0f);
  if (full) {
    out.ahat.resize(L);
    out.error.resize(L);
    out.r.resize(L);
  }
  const int chunk = nn::items_per_pass(nn::kReadoutTapeBytes, c.tape_floats_per_sequence(), 32);
  for (int first = 0; first < count; first += chunk) {
    const int n = std::min(chunk, count - first);
    tape_.reset();
    nn::NoGradScope no_grad(tape_);
    PredNetTrace trace;
    model_.forward(tape_, frames + first * sequence_size(), n, extrapolate_from, &trace);
    // Copies step t of a (n, ...) tensor into the (count, T, ...) layout.
    auto scatter = [&](nn::Var v, int t, std::vector<float>& dst) {
      const int64_t per = v.numel() / n;
      if (dst.empty()) dst.resize(static_cast<size_t>(int64_t{count} * T * per));
      for (int b = 0; b < n; ++b) std::copy_n(v.data() + b * per, per, dst.data() + (int64_t{first + b} * T + t) * per);
    };
    for (int t = 0; t < T; ++t) {
      scatter(trace.ahat[t][0], t, out.predictions);
      for (int l = 0; l < L; ++l) {
        const nn::Var e = trace.e[t][l];
        double sum = 0;
        for (int64_t i = 0; i < e.numel(); ++i) sum += e.data()[i];
        out.layer_error[t * L + l] += static_cast<float>(sum / (e.numel() / n) / count);
        if (full) {
          scatter(trace.ahat[t][l], t, out.ahat[l]);
          scatter(e, t, out.error[l]);
          scatter(trace.r[t][l], t, out.r[l]);
        }
      }
    }
  }
  return out;
}

}  // namespace models
