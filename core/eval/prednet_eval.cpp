#include "prednet_eval.h"

#include <algorithm>
#include <cmath>

#include "nn/check.h"
#include "nn/rng.h"
#include "util/det_math.h"

namespace eval {

// ---------------------------------------------------------------- SSIM

double ssim(const float* x, const float* y, int height, int width) {
  nn::require(height >= 1 && width >= 1, "ssim: expected a non-empty image, got ", height, "x", width);
  const int k = std::min({11, height, width});
  const double sigma = 1.5, c1 = 0.01 * 0.01, c2 = 0.03 * 0.03;
  std::vector<double> g(static_cast<size_t>(k));
  double gsum = 0;
  for (int i = 0; i < k; ++i) {
    const double d = i - (k - 1) / 2.0;
    g[i] = util::det_exp(-d * d / (2 * sigma * sigma));
    gsum += g[i];
  }
  for (auto& v : g) v /= gsum;
  const int Ho = height - k + 1, Wo = width - k + 1;
  // Separable filtering of x, y, x^2, y^2, xy: rows first into (height, Wo), then columns.
  auto filter = [&](auto&& pixel) {
    std::vector<double> rows(static_cast<size_t>(height * Wo)), out(static_cast<size_t>(Ho * Wo));
    for (int r = 0; r < height; ++r)
      for (int c = 0; c < Wo; ++c) {
        double acc = 0;
        for (int i = 0; i < k; ++i) acc += g[i] * pixel(r * width + c + i);
        rows[r * Wo + c] = acc;
      }
    for (int r = 0; r < Ho; ++r)
      for (int c = 0; c < Wo; ++c) {
        double acc = 0;
        for (int i = 0; i < k; ++i) acc += g[i] * rows[(r + i) * Wo + c];
        out[r * Wo + c] = acc;
      }
    return out;
  };
  const auto mx = filter([&](int i) { return double{x[i]}; });
  const auto my = filter([&](int i) { return double{y[i]}; });
  const auto sxx = filter([&](int i) { return double{x[i]} * x[i]; });
  const auto syy = filter([&](int i) { return double{y[i]} * y[i]; });
  const auto sxy = filter([&](int i) { return double{x[i]} * y[i]; });
  double total = 0;
  for (size_t i = 0; i < mx.size(); ++i) {
    const double vx = sxx[i] - mx[i] * mx[i], vy = syy[i] - my[i] * my[i], cxy = sxy[i] - mx[i] * my[i];
    total += ((2 * mx[i] * my[i] + c1) * (2 * cxy + c2)) / ((mx[i] * mx[i] + my[i] * my[i] + c1) * (vx + vy + c2));
  }
  return total / static_cast<double>(mx.size());
}

// ---------------------------------------------------------------- baselines

std::vector<float> copy_last_predictions(const float* frames, int count, int T, int H, int W) {
  const int64_t plane = int64_t{H} * W;
  std::vector<float> out(static_cast<size_t>(int64_t{count} * T * plane), 0.0f);
  for (int n = 0; n < count; ++n)
    for (int t = 1; t < T; ++t)
      std::copy_n(frames + (int64_t{n} * T + t - 1) * plane, plane, out.data() + (int64_t{n} * T + t) * plane);
  return out;
}

std::vector<float> linear_predictions(const float* frames, int count, int T, int H, int W) {
  const int64_t plane = int64_t{H} * W;
  std::vector<float> out = copy_last_predictions(frames, count, T, H, W);  // t = 1 stays a copy
  for (int n = 0; n < count; ++n)
    for (int t = 2; t < T; ++t) {
      const float* a = frames + (int64_t{n} * T + t - 1) * plane;  // x_{t-1}
      const float* b = frames + (int64_t{n} * T + t - 2) * plane;  // x_{t-2}
      float* dst = out.data() + (int64_t{n} * T + t) * plane;
      for (int64_t i = 0; i < plane; ++i) dst[i] = std::clamp(2 * a[i] - b[i], 0.0f, 1.0f);
    }
  return out;
}

FrameScores score_predictions(const float* predictions, const float* frames, int count, int T, int H, int W,
                              bool with_ssim) {
  nn::require(count >= 1 && T >= 2, "score_predictions: expected at least one sequence of two frames, got ", count,
              " of ", T);
  const int64_t plane = int64_t{H} * W;
  FrameScores s;
  s.mse_per_step.assign(static_cast<size_t>(T), 0.0);
  for (int n = 0; n < count; ++n)
    for (int t = 1; t < T; ++t) {
      const float* p = predictions + (int64_t{n} * T + t) * plane;
      const float* x = frames + (int64_t{n} * T + t) * plane;
      double se = 0;
      for (int64_t i = 0; i < plane; ++i) se += (double{p[i]} - x[i]) * (double{p[i]} - x[i]);
      s.mse_per_step[t] += se / plane / count;
      if (with_ssim) s.ssim += ssim(p, x, H, W);
    }
  for (int t = 1; t < T; ++t) s.mse += s.mse_per_step[t] / (T - 1);
  s.ssim /= static_cast<double>(count) * (T - 1);
  return s;
}

// ---------------------------------------------------------------- PredNet against the baselines

PredNetEvaluation evaluate_predictions(models::PredNetTrainer& trainer, const float* frames, int count,
                                       bool with_ssim) {
  const auto& c = trainer.config().model;
  nn::require(c.a_channels[0] == 1, "evaluate_predictions: expected a grayscale model");
  const models::PredNetReadout out = trainer.run(frames, count);
  return evaluate_prediction_values(out.predictions.data(), frames, count, c.frames, c.height, c.width, with_ssim);
}

PredNetEvaluation evaluate_prediction_values(const float* predictions, const float* frames, int count, int T, int H,
                                             int W, bool with_ssim) {
  PredNetEvaluation e;
  e.sequences = count;
  e.prednet = score_predictions(predictions, frames, count, T, H, W, with_ssim);
  e.copy_last =
      score_predictions(copy_last_predictions(frames, count, T, H, W).data(), frames, count, T, H, W, with_ssim);
  e.linear = score_predictions(linear_predictions(frames, count, T, H, W).data(), frames, count, T, H, W, with_ssim);
  const std::vector<float> blank(static_cast<size_t>(int64_t{count} * T * H * W), 0.0f);
  e.blank_mse = score_predictions(blank.data(), frames, count, T, H, W, false).mse;
  return e;
}

SurprisePairs make_surprise_pairs(const data::SurpriseConfig& config, int count, uint64_t seed) {
  nn::require_int_range(count, 1, 1 << 14, "make_surprise_pairs: count");
  config.validate();
  data::SurpriseConfig control = config;
  control.kind = data::SurpriseKind::none;
  const int64_t size = config.video.sequence_size();
  SurprisePairs p;
  p.event.resize(static_cast<size_t>(count * size));
  p.control.resize(static_cast<size_t>(count * size));
  nn::Rng rng(seed, 0x5c4e);
  for (int i = 0; i < count; ++i) {
    nn::Rng same = rng;  // the control replays this sequence's draws without the event
    data::make_surprise_sequence(config, rng, p.event.data() + i * size);
    data::make_surprise_sequence(control, same, p.control.data() + i * size);
  }
  return p;
}

SurpriseScore evaluate_surprise(models::PredNetTrainer& trainer, data::SurpriseConfig config, int count,
                                uint64_t seed) {
  const auto& c = trainer.config().model;
  nn::require_int_range(count, 1, 1 << 14, "evaluate_surprise: count");
  nn::require(config.kind != data::SurpriseKind::none,
              "evaluate_surprise: expected a surprise kind (reverse, appear, occluder), got none");
  nn::require(c.frames >= SurpriseScore::kFirstSettledFrame + 2, "evaluate_surprise: expected at least ",
              SurpriseScore::kFirstSettledFrame + 2, " frames, got ", c.frames);
  config.video.height = c.height;
  config.video.width = c.width;
  config.video.frames = c.frames;
  config.validate();
  const int T = c.frames, L = c.layers();
  const SurprisePairs pairs = make_surprise_pairs(config, count, seed);
  const models::PredNetReadout out = trainer.run(pairs.event.data(), count);
  const models::PredNetReadout ctl = trainer.run(pairs.control.data(), count);
  SurpriseScore s;
  s.kind = data::surprise_name(config.kind);
  s.frame = config.frame;
  s.sequences = count;
  s.error_per_step.resize(static_cast<size_t>(T));
  s.control_error_per_step.resize(static_cast<size_t>(T));
  for (int t = 0; t < T; ++t) {
    s.error_per_step[t] = out.layer_error[t * L];
    s.control_error_per_step[t] = ctl.layer_error[t * L];
  }
  int others = 0;
  for (int t = SurpriseScore::kFirstSettledFrame; t < T; ++t)
    if (t != config.frame) {
      s.error_other_frames += s.error_per_step[t];
      ++others;
    }
  s.error_other_frames /= std::max(others, 1);
  s.error_at_surprise = s.error_per_step[config.frame];
  s.control_error_at_frame = s.control_error_per_step[config.frame];
  s.surprise_vs_control = s.error_at_surprise / std::max(s.control_error_at_frame, 1e-12);
  s.surprise_vs_other_frames = s.error_at_surprise / std::max(s.error_other_frames, 1e-12);
  return s;
}

PooledSurprise evaluate_surprises(models::PredNetTrainer& trainer, const data::BlobVideoConfig& video, int frame,
                                  int count, uint64_t first_seed) {
  PooledSurprise out;
  double at = 0, control = 0, others = 0;
  uint64_t seed = first_seed;
  for (auto kind : {data::SurpriseKind::reverse, data::SurpriseKind::appear, data::SurpriseKind::occluder}) {
    data::SurpriseConfig sc;
    sc.video = video;
    sc.kind = kind;
    sc.frame = frame;
    out.kinds.push_back(evaluate_surprise(trainer, sc, count, seed++));
    at += out.kinds.back().error_at_surprise;
    control += out.kinds.back().control_error_at_frame;
    others += out.kinds.back().error_other_frames;
  }
  out.surprise_vs_control = at / std::max(control, 1e-12);
  out.surprise_vs_other_frames = at / std::max(others, 1e-12);
  return out;
}

RolloutScores evaluate_rollout(models::PredNetTrainer& trainer, const float* frames, int count, int from_step) {
  const models::PredNetConfig& m = trainer.model().config();
  const int T = m.frames, k = from_step;
  nn::require_int_range(k, 2, T - 1, "evaluate_rollout: from_step");
  const models::PredNetReadout ex = trainer.run(frames, count, k);
  const int64_t plane = int64_t{m.height} * m.width;
  double prednet = 0, hold = 0, linear = 0;
  for (int n = 0; n < count; ++n) {
    const float* seq = frames + int64_t{n} * T * plane;
    const float* last = seq + (k - 1) * plane;
    const float* before = seq + (k - 2) * plane;
    for (int t = k; t < T; ++t) {
      const float* x = seq + t * plane;
      const float* p = ex.predictions.data() + (int64_t{n} * T + t) * plane;
      const float steps_ahead = static_cast<float>(t - k + 1);
      for (int64_t i = 0; i < plane; ++i) {
        const float lin = std::clamp(last[i] + steps_ahead * (last[i] - before[i]), 0.0f, 1.0f);
        prednet += (p[i] - x[i]) * (p[i] - x[i]);
        hold += (last[i] - x[i]) * (last[i] - x[i]);
        linear += (lin - x[i]) * (lin - x[i]);
      }
    }
  }
  const double norm = static_cast<double>(count) * (T - k) * plane;
  return {k, prednet / norm, hold / norm, linear / norm};
}

}  // namespace eval
