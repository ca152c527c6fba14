// neuroai train / eval / bench prednet: the predictive-coding case study natively.
//   train: makes the shipped weights (fixed seed, fresh bouncing-blob sequences every step).
//   eval:  the evidence on held-out sequences: PredNet vs copy-last and linear extrapolation
//          (MSE, SSIM), the layer-0 error at a surprise against the same sequences without it and
//          against the other settled frames, and a closed-loop rollout (the one-step model fed its
//          own predictions; not coxlab's fine-tuned extrapolation).
//   bench: training sequences/s and forward frames/s at the page's default size.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>

#include "commands.h"
#include "data/idx.h"
#include "eval/prednet_eval.h"
#include "fashion_mnist.h"
#include "models/prednet_trainer.h"
#include "nn/weights.h"
#include "timing.h"
#include "util/json.h"

namespace cli {

namespace {

using models::kPredNetWeightsKind;
constexpr const char* kDefaultPredNetWeights = "assets/prednet/prednet-blobs.nrai";
constexpr const char* kDefaultSpriteWeights = "assets/prednet/prednet-sprites.nrai";

/// The model and data options shared by train, eval and bench.
models::PredNetTrainerConfig read_config(Args& args) {
  models::PredNetTrainerConfig c;
  auto& m = c.model;
  const int size = args.get_int("size", m.height, 4, 512);
  m.height = m.width = size;
  m.frames = args.get_int("frames", m.frames, 2, 1000);
  m.a_channels = args.get_int_list("a-channels", m.a_channels, 1, 512);
  m.r_channels = args.get_int_list("r-channels", m.r_channels, 1, 512);
  m.layer_weights = models::prednet_layer_weights(args.get_string("loss", "L0"), static_cast<int>(m.a_channels.size()));
  c.dataset = args.get_string("dataset", c.dataset);
  c.blobs.blobs = args.get_int("blobs", c.blobs.blobs, 1, 16);
  c.sprites.sprites = args.get_int("sprites", c.sprites.sprites, 1, 8);
  c.lr = static_cast<float>(args.get_double("lr", c.lr, 1e-6, 1.0));
  c.batch = args.get_int("batch", c.batch, 1, 1024);
  c.clip = static_cast<float>(args.get_double("clip", c.clip, 0.0, 1e6));
  c.seed = static_cast<uint64_t>(args.get_int("seed", 1, 0, 1 << 30));
  c.sync();
  return c;
}

/// Fashion-MNIST training images when the data set is "sprites" (nullptr for blobs).
std::unique_ptr<data::IdxImages> read_images(Args& args, const models::PredNetTrainerConfig& c,
                                             const std::string& split) {
  const std::string dir = args.get_string("data", kFashionMnistDir);
  if (c.dataset != "sprites") return nullptr;
  return std::make_unique<data::IdxImages>(load_idx_images_gz(dir + "/" + split + "-images-idx3-ubyte.gz"));
}

void save_weights(const std::string& path, const models::PredNetTrainer& trainer) {
  std::ofstream f(path, std::ios::binary);
  nn::require(static_cast<bool>(f), "--out: cannot open '", path, "' for writing");
  nn::write_weights(f, trainer.model().params(), kPredNetWeightsKind, trainer.model().config().to_text());
  nn::require(static_cast<bool>(f), "--out: writing '", path, "' failed");
}

/// Reads a weights file; the model config comes from the file (the command line's is overridden).
/// `option` names the command-line option that gave the path.
nn::WeightsFile load_weights(const std::string& path, const char* option) {
  std::ifstream f(path, std::ios::binary);
  nn::require(static_cast<bool>(f), option, ": cannot open '", path, "' (train one with: neuroai train prednet --out ",
              path, ")");
  nn::WeightsFile file = nn::read_weights(f);
  nn::require(file.kind == kPredNetWeightsKind, option, ": '", path, "' holds a '", file.kind, "' model, expected '",
              kPredNetWeightsKind, "'");
  return file;
}

}  // namespace

// ---------------------------------------------------------------- train

int train_prednet(Args& args) {
  models::PredNetTrainerConfig c = read_config(args);
  const int steps = args.get_int("steps", 2000, 0, 10000000);
  const double lr_drop = args.get_double("lr-drop", 0.75, 0.0, 1.0);  // fraction of steps after which lr /= 10
  const int eval_every = args.get_int("eval-every", 500, 0, 10000000);
  const int eval_sequences = args.get_int("eval-sequences", 64, 1, 4096);
  const std::string out_path = args.get_string("out", "");
  const std::string init_path = args.get_string("init", "");
  const bool json = args.flag("json");
  auto images = read_images(args, c, "train");
  args.finish("train prednet");

  // --init continues from a weights file: its model config replaces the command line's.
  std::unique_ptr<nn::WeightsFile> init;
  if (!init_path.empty()) {
    init = std::make_unique<nn::WeightsFile>(load_weights(init_path, "--init"));
    c.model = models::PredNetConfig::from_text(init->config);
  }
  c.sync();
  models::PredNetTrainer trainer(c, images.get());
  if (init) nn::assign_weights(trainer.model().params(), *init, kPredNetWeightsKind);

  // The held-out sequences for progress reports come from the trainer's held-out stream (never trained on).
  const std::vector<float> held_out = trainer.held_out(eval_sequences);
  util::Json log;
  log.begin_array();
  auto report = [&](int step, double train_loss, double elapsed) {
    const eval::PredNetEvaluation e = eval::evaluate_predictions(trainer, held_out.data(), eval_sequences);
    log.begin_object()
        .field("step", step)
        .field("train_loss", train_loss)
        .field("prednet_mse", e.prednet.mse)
        .field("copy_last_mse", e.copy_last.mse)
        .field("linear_mse", e.linear.mse)
        .field("seconds", elapsed)
        .end_object();
    std::fprintf(stderr, "step %7d  loss %.5f  mse %.5f  (copy-last %.5f, linear %.5f, ratio %.3f)  %.0f s\n", step,
                 train_loss, e.prednet.mse, e.copy_last.mse, e.linear.mse, e.prednet.mse / e.copy_last.mse, elapsed);
    if (!out_path.empty()) save_weights(out_path, trainer);  // a checkpoint at every report
  };

  const auto t0 = Clock::now();
  const int drop_step = static_cast<int>(lr_drop * steps);
  double window = 0;
  int in_window = 0;
  std::vector<double> losses;  // every step's loss (the wasm parity test compares against it)
  for (int s = 0; s < steps; ++s) {
    if (s == drop_step && drop_step > 0 && lr_drop < 1.0) trainer.set_lr(c.lr * 0.1f);
    losses.push_back(trainer.train_step());
    window += losses.back();
    ++in_window;
    if (eval_every > 0 && ((s + 1) % eval_every == 0 || s + 1 == steps)) {
      report(s + 1, window / in_window, seconds_since(t0));
      window = 0;
      in_window = 0;
    }
  }
  const double seconds = seconds_since(t0);
  if (eval_every == 0) report(steps, in_window ? window / in_window : 0.0, seconds);
  log.end_array();
  if (!out_path.empty()) save_weights(out_path, trainer);
  if (json) {
    util::Json out;
    out.begin_object()
        .field("model", "prednet")
        .field("config", trainer.model().config().to_text())
        .field("dataset", c.dataset)
        .field("seed", static_cast<long long>(c.seed))
        .field("steps", steps)
        .field("batch", c.batch)
        .field("lr", c.lr)
        .field("parameters", static_cast<long long>(trainer.model().params().count()))
        .field("seconds", seconds)
        .field("sequences_per_second", steps * c.batch / std::max(seconds, 1e-9))
        .field("losses", losses);
    out.key("log");
    std::printf("%s%s}\n", out.str().c_str(), log.str().c_str());
  } else {
    std::printf("trained %d steps of %d sequences in %.0f s%s%s\n", steps, c.batch, seconds,
                out_path.empty() ? "" : "; weights in ", out_path.c_str());
  }
  return 0;
}

// ---------------------------------------------------------------- eval

int eval_prednet(Args& args) {
  models::PredNetTrainerConfig c = read_config(args);  // data options; the model comes from the file
  const std::string weights =
      args.get_string("weights", c.dataset == "sprites" ? kDefaultSpriteWeights : kDefaultPredNetWeights);
  const int sequences = args.get_int("sequences", 256, 1, 1 << 14);
  const int surprise_sequences = args.get_int("surprise-sequences", 128, 1, 1 << 14);
  const int surprise_frame = args.get_int("surprise-frame", 6, 2, 999);
  const int rollout_from = args.get_int("rollout-from", 5, 1, 999);
  auto images = read_images(args, c, "t10k");  // sprites: held-out images of the test split
  const bool json = args.flag("json");
  args.finish("eval prednet");

  const nn::WeightsFile file = load_weights(weights, "--weights");
  c.model = models::PredNetConfig::from_text(file.config);
  c.sync();
  models::PredNetTrainer trainer(c, images.get());
  nn::assign_weights(trainer.model().params(), file, kPredNetWeightsKind);
  const int T = c.model.frames, H = c.model.height, W = c.model.width;
  nn::require_int_range(surprise_frame, 2, T - 1, "--surprise-frame");
  nn::require_int_range(rollout_from, 2, T - 1, "--rollout-from");

  const auto t0 = Clock::now();
  const std::vector<float> held_out = trainer.held_out(sequences);
  const eval::PredNetEvaluation e = eval::evaluate_predictions(trainer, held_out.data(), sequences);

  // Surprises (blob sequences, so only for a blob model), seeds 2017...
  const bool blobs = c.dataset == "blobs";
  const eval::PooledSurprise surprise =
      blobs ? eval::evaluate_surprises(trainer, c.blobs, surprise_frame, surprise_sequences, 2017)
            : eval::PooledSurprise{};
  const double vs_control = blobs ? surprise.surprise_vs_control : std::nan("");
  const double vs_other_frames = blobs ? surprise.surprise_vs_other_frames : std::nan("");
  const std::vector<eval::SurpriseScore>& surprises = surprise.kinds;
  const eval::RolloutScores rollout = eval::evaluate_rollout(trainer, held_out.data(), sequences, rollout_from);
  const double seconds = seconds_since(t0);

  if (json) {
    util::Json out;
    out.begin_object()
        .field("prednet_mse", e.prednet.mse)
        .field("copy_last_mse", e.copy_last.mse)
        .field("linear_mse", e.linear.mse)
        .field("prednet_ssim", e.prednet.ssim)
        .field("copy_last_ssim", e.copy_last.ssim)
        .field("surprise_vs_control", vs_control)
        .field("surprise_vs_other_frames", vs_other_frames)
        .field("linear_ssim", e.linear.ssim)
        .field("blank_mse", e.blank_mse)
        .field("prednet_over_copy_last", e.prednet.mse / e.copy_last.mse)
        .key("targets")
        .begin_object()
        .field("prednet_mse_at_most_half_copy_last", e.prednet.mse <= 0.5 * e.copy_last.mse)
        .field("prednet_mse_below_linear", e.prednet.mse < e.linear.mse);
    if (blobs) out.field("surprise_vs_control_above_2", vs_control > 2);  // blob models only
    out.end_object()
        .field("prednet_mse_per_step", e.prednet.mse_per_step)
        .field("copy_last_mse_per_step", e.copy_last.mse_per_step)
        .field("linear_mse_per_step", e.linear.mse_per_step)
        .key("surprise")
        .begin_array();
    for (const auto& s : surprises)
      out.begin_object()
          .field("kind", s.kind)
          .field("frame", s.frame)
          .field("sequences", s.sequences)
          .field("error_at_surprise", s.error_at_surprise)
          .field("control_error_at_frame", s.control_error_at_frame)
          .field("error_other_frames", s.error_other_frames)
          .field("other_frames", "t in [3, T) except the event frame")
          .field("surprise_vs_control", s.surprise_vs_control)
          .field("surprise_vs_other_frames", s.surprise_vs_other_frames)
          .field("error_per_step", s.error_per_step)
          .field("control_error_per_step", s.control_error_per_step)
          .end_object();
    out.end_array()
        .key("closed_loop_rollout")
        .begin_object()
        .field("from_step", rollout.from_step)
        .field("fine_tuned", false)
        .field("prednet_mse", rollout.prednet_mse)
        .field("hold_last_mse", rollout.hold_last_mse)
        .field("linear_mse", rollout.linear_mse)
        .end_object()
        .field("dataset", c.dataset)
        .field("sequences", sequences)
        .field("surprise_sequences_per_kind", surprise_sequences)
        .field("weights", weights)
        .field("config", c.model.to_text())
        .field("seconds", seconds)
        .end_object();
    std::printf("%s\n", out.str().c_str());
  } else {
    std::printf("PredNet on %d held-out %s sequences (%s), frames t >= 1\n", sequences, c.dataset.c_str(),
                weights.c_str());
    std::printf("  %-22s %10s %8s\n", "", "MSE", "SSIM");
    std::printf("  %-22s %10.5f %8.4f\n", "PredNet", e.prednet.mse, e.prednet.ssim);
    std::printf("  %-22s %10.5f %8.4f\n", "copy last frame", e.copy_last.mse, e.copy_last.ssim);
    std::printf("  %-22s %10.5f %8.4f\n", "linear extrapolation", e.linear.mse, e.linear.ssim);
    std::printf("  %-22s %10.5f\n", "blank frame", e.blank_mse);
    if (blobs)
      std::printf(
          "layer-0 error at the surprise frame %d: / same sequences without it %.2f, / other frames "
          "t in [3, %d) %.2f\n",
          surprise_frame, vs_control, T, vs_other_frames);
    for (const auto& s : surprises)
      std::printf("  %-9s %.2f %.2f\n", s.kind.c_str(), s.surprise_vs_control, s.surprise_vs_other_frames);
    std::printf(
        "closed-loop rollout from step %d (one-step model fed its own predictions, not fine-tuned): PredNet "
        "%.5f, hold last %.5f, linear %.5f\n",
        rollout.from_step, rollout.prednet_mse, rollout.hold_last_mse, rollout.linear_mse);
  }
  return 0;
}

// ---------------------------------------------------------------- bench

int bench_prednet(Args& args) {
  models::PredNetTrainerConfig c = read_config(args);
  const int repeats = args.get_int("repeats", 5, 1, 101);
  const int forward_sequences = args.get_int("forward-sequences", 16, 1, 1024);
  const bool json = args.flag("json");
  args.finish("bench prednet");
  nn::require(c.dataset == "blobs", "--dataset: bench prednet measures on blobs");
  models::PredNetTrainer trainer(c);

  // Median over `repeats` timed batches, each at least ~0.3 s long.
  auto median_seconds = [&](auto&& f) {
    int calls = 1;
    for (;;) {
      const auto t0 = Clock::now();
      for (int i = 0; i < calls; ++i) f();
      if (seconds_since(t0) > 0.3) break;
      calls *= 2;
    }
    std::vector<double> per_call;
    for (int r = 0; r < repeats; ++r) {
      const auto t0 = Clock::now();
      for (int i = 0; i < calls; ++i) f();
      per_call.push_back(seconds_since(t0) / calls);
    }
    std::sort(per_call.begin(), per_call.end());
    return per_call[per_call.size() / 2];
  };
  const double train_s = median_seconds([&] { trainer.train_step(); });
  const std::vector<float> seqs = trainer.held_out(forward_sequences);
  const double forward_s = median_seconds([&] { trainer.run(seqs.data(), forward_sequences); });
  const double train_sps = c.batch / train_s;
  const double forward_fps = static_cast<double>(forward_sequences) * c.model.frames / forward_s;
  if (json) {
    util::Json out;
    out.begin_object()
        .field("bench", "prednet")
        .field("build", "native")
        .field("config", c.model.to_text())
        .field("batch", c.batch)
        .field("parameters", static_cast<long long>(trainer.model().params().count()))
        .field("threads", 1)
        .field("repeats", repeats)
        .field("train_sequences_per_second", train_sps)
        .field("train_step_ms", train_s * 1e3)
        .field("forward_frames_per_second", forward_fps)
        .field("forward_sequences", forward_sequences)
        .end_object();
    std::printf("%s\n", out.str().c_str());
  } else {
    std::printf("neuroai bench prednet (native, 1 thread, median of %d; %s, batch %d)\n", repeats,
                c.model.to_text().c_str(), c.batch);
    std::printf("  training: %.2f sequences/s (%.1f ms per step)\n  forward:  %.1f frames/s\n", train_sps,
                train_s * 1e3, forward_fps);
  }
  return 0;
}

}  // namespace cli
