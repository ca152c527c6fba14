// How well next-frame predictions match the video, against the two classic baselines:
// copy the last frame (x_hat_t = x_{t-1}) and linear extrapolation (x_hat_t = 2 x_{t-1} - x_{t-2},
// clipped to [0, 1]; at t = 1, with one frame seen, it copies). Scores are MSE and SSIM averaged
// over every frame t >= 1 of every sequence (frame 0 cannot be predicted).
// Sequences are (N, T, H, W) float32 (one channel).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/prednet_video.h"
#include "models/prednet_trainer.h"

namespace eval {

/// SSIM of two (H, W) images with values in [0, 1] (Wang et al. 2004): 11x11 Gaussian window with
/// sigma 1.5, C1 = (0.01)^2, C2 = (0.03)^2, averaged over the window positions that fit inside
/// the image (no padding). Images smaller than the window use a window of their own size.
double ssim(const float* x, const float* y, int height, int width);

/// Baseline predictions for every frame, (N, T, H, W) like the input; frame 0 is left at 0.
std::vector<float> copy_last_predictions(const float* frames, int count, int T, int H, int W);
std::vector<float> linear_predictions(const float* frames, int count, int T, int H, int W);

struct FrameScores {
  double mse = 0, ssim = 0;
  std::vector<double> mse_per_step;  // (T), index 0 unused (0)
};
/// Scores predictions (N, T, H, W) against frames (N, T, H, W) over t >= 1 (SSIM left 0 unless with_ssim).
FrameScores score_predictions(const float* predictions, const float* frames, int count, int T, int H, int W,
                              bool with_ssim = true);

/// The evidence for the case study: PredNet and the baselines on the same held-out sequences.
struct PredNetEvaluation {
  int sequences = 0;
  FrameScores prednet, copy_last, linear;
  double blank_mse = 0;  // predicting an empty frame: how much there is to predict at all
};
/// Runs the trainer's model over `count` sequences (N, T, 1, H, W) and scores it with the baselines.
/// Without SSIM it is cheaper (the page's running MSE).
PredNetEvaluation evaluate_predictions(models::PredNetTrainer& trainer, const float* frames, int count,
                                       bool with_ssim = true);

/// The same from predictions (N, T, H, W) made elsewhere (e.g. the WebGPU path running
/// PredNet::forward_plan) for frames (N, T, 1, H, W) of a T x H x W grayscale model.
PredNetEvaluation evaluate_prediction_values(const float* predictions, const float* frames, int count, int T, int H,
                                             int W, bool with_ssim = true);

/// `count` blob sequences with a surprise (config.kind) and their controls: the same sequences
/// (same seed, same blobs and motion) with the event removed (kind none). Both (N, T, 1, H, W).
/// Each control is drawn from a copy of the generator's state before its event sequence, so the
/// two agree bit for bit at every frame before config.frame.
struct SurprisePairs {
  std::vector<float> event, control;
};
SurprisePairs make_surprise_pairs(const data::SurpriseConfig& config, int count, uint64_t seed);

/// Layer-0 error around a surprise at frame F (mean(E_0(t)), averaged over the sequences):
///   surprise_vs_control      = error at F / error at F of the same sequences without the event;
///   surprise_vs_other_frames = error at F / mean error over the frames t in [3, T), t != F, of
///                              the event sequences (t = 0..2 are start-up: the model has not yet
///                              seen two frames of motion).
struct SurpriseScore {
  static constexpr int kFirstSettledFrame = 3;
  std::string kind;
  int frame = 0;
  int sequences = 0;
  double error_at_surprise = 0;       // event sequences, frame F
  double control_error_at_frame = 0;  // control sequences, frame F
  double error_other_frames = 0;      // event sequences, t in [3, T) except F
  double surprise_vs_control = 0, surprise_vs_other_frames = 0;
  std::vector<double> error_per_step;          // (T) event sequences
  std::vector<double> control_error_per_step;  // (T) control sequences
};
/// `count` sequences of one surprise kind (not none) drawn with `seed`, with their controls, at the
/// trainer's frame geometry. config.frame must be >= 2 and T >= 5 (some settled frame besides F).
SurpriseScore evaluate_surprise(models::PredNetTrainer& trainer, data::SurpriseConfig config, int count, uint64_t seed);

/// The three kinds of surprise (reverse, appear, occluder) at frame `frame` of blob sequences like
/// `video`, `count` sequences each drawn with seeds first_seed, first_seed + 1, ...; pooled over the
/// kinds as ratios of the mean errors (the headline of `neuroai eval prednet`).
struct PooledSurprise {
  std::vector<SurpriseScore> kinds;
  double surprise_vs_control = 0, surprise_vs_other_frames = 0;
};
PooledSurprise evaluate_surprises(models::PredNetTrainer& trainer, const data::BlobVideoConfig& video, int frame,
                                  int count, uint64_t first_seed);

/// Closed-loop rollout from frame k = from_step: the model sees frames 0 .. k-1; from step k on its
/// own prediction of frame t replaces frame t as the input (so E_0(t) = 0), with the weights
/// trained for one-step prediction (not fine-tuned for this, unlike coxlab's extrap_start_time,
/// which also feeds the previous step's prediction). The baselines hold the last seen frame or
/// continue its linear trend (clipped to [0, 1]). MSE over the frames t in [k, T) of `count`
/// sequences (N, T, 1, H, W).
struct RolloutScores {
  int from_step = 0;
  double prednet_mse = 0, hold_last_mse = 0, linear_mse = 0;
};
RolloutScores evaluate_rollout(models::PredNetTrainer& trainer, const float* frames, int count, int from_step);

}  // namespace eval
