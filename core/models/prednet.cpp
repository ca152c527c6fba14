#include "prednet.h"

#include <algorithm>
#include <cmath>
#include <sstream>
#include <type_traits>

#include "data/prednet_video.h"
#include "nn/rng.h"
#include "util/kv.h"

namespace models {

// ---------------------------------------------------------------- config

namespace {

template <class T>
std::string join(const std::vector<T>& xs) {
  std::ostringstream os;
  for (size_t i = 0; i < xs.size(); ++i) os << (i ? "," : "") << xs[i];
  return os.str();
}

// A comma-separated list, each item read as strictly as a config value (no spaces, no '+', no
// empty items: "1,,2" and "1,2," are refused).
template <class T>
std::vector<T> split(const std::string& text, const char* what) {
  std::vector<T> out;
  if (text.empty()) return out;
  size_t start = 0;
  while (true) {
    const size_t comma = text.find(',', start);
    const std::string item = text.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    const std::string name = std::string(what) + "[" + std::to_string(out.size()) + "] in '" + text + "'";
    if constexpr (std::is_integral_v<T>)
      out.push_back(util::parse_int(item, name));
    else
      out.push_back(static_cast<T>(util::parse_double(item, name)));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

}  // namespace

float PredNetConfig::time_weight(int t) const {
  if (!time_weights.empty()) return time_weights[static_cast<size_t>(t)];
  return t == 0 ? 0.0f : 1.0f / static_cast<float>(frames - 1);
}

int64_t PredNetConfig::tape_floats_per_sequence() const {
  int64_t per_frame = 0;
  for (int l = 0; l < layers(); ++l) {
    const int64_t area = int64_t{height >> l} * (width >> l);
    const int64_t r_above = l + 1 < layers() ? r_channels[static_cast<size_t>(l + 1)] : 0;
    const int64_t a_above = l + 1 < layers() ? a_channels[static_cast<size_t>(l + 1)] : 0;
    per_frame += area * (16 * r_channels[static_cast<size_t>(l)] + 10 * a_channels[static_cast<size_t>(l)] +
                         2 * r_above + 2 * a_above);
  }
  return int64_t{frames} * per_frame;
}

void PredNetConfig::validate() const {
  const int L = layers();
  nn::require_int_range(L, 1, 6, "PredNetConfig.layers (the length of a_channels)");
  nn::require(static_cast<int>(r_channels.size()) == L, "PredNetConfig.r_channels: expected ", L,
              " values (one per layer, like a_channels), got ", r_channels.size());
  nn::require(static_cast<int>(layer_weights.size()) == L, "PredNetConfig.layer_weights: expected ", L,
              " values (lambda_l, one per layer), got ", layer_weights.size());
  nn::require_int_range(frames, 2, 1000, "PredNetConfig.frames");
  nn::require(time_weights.empty() || static_cast<int>(time_weights.size()) == frames,
              "PredNetConfig.time_weights: expected ", frames, " values (lambda_t, one per frame) or none, got ",
              time_weights.size());
  nn::require_int_range(a_channels[0], 1, 4, "PredNetConfig.a_channels[0] (image channels)");
  for (int l = 1; l < L; ++l) nn::require_int_range(a_channels[l], 1, 512, "PredNetConfig.a_channels");
  for (int l = 0; l < L; ++l) nn::require_int_range(r_channels[l], 1, 512, "PredNetConfig.r_channels");
  for (float w : layer_weights) nn::require_range(w, 0.0, 1e3, "PredNetConfig.layer_weights");
  for (float w : time_weights) nn::require_range(w, 0.0, 1e3, "PredNetConfig.time_weights");
  nn::require_range(pixel_max, 1e-3, 1e3, "PredNetConfig.pixel_max");
  const int factor = 1 << (L - 1);
  nn::require_int_range(height, 1, 1024, "PredNetConfig.height");
  nn::require_int_range(width, 1, 1024, "PredNetConfig.width");
  nn::require(height % factor == 0 && width % factor == 0, "PredNetConfig: frame sides ", height, "x", width,
              " must be divisible by 2^(layers-1) = ", factor, " for ", L, " layers");
}

std::string PredNetConfig::to_text() const {
  std::ostringstream pm;
  pm << pixel_max;
  return util::format_kv({{"height", std::to_string(height)},
                          {"width", std::to_string(width)},
                          {"frames", std::to_string(frames)},
                          {"a_channels", join(a_channels)},
                          {"r_channels", join(r_channels)},
                          {"layer_weights", join(layer_weights)},
                          {"time_weights", join(time_weights)},
                          {"pixel_max", pm.str()}});
}

PredNetConfig PredNetConfig::from_text(const std::string& text) {
  const auto kv = util::parse_kv(text);
  PredNetConfig c;
  c.height = util::kv_int(kv, "height", c.height);
  c.width = util::kv_int(kv, "width", c.width);
  c.frames = util::kv_int(kv, "frames", c.frames);
  c.a_channels = split<int>(util::kv_string(kv, "a_channels", join(c.a_channels)), "config: a_channels");
  c.r_channels = split<int>(util::kv_string(kv, "r_channels", join(c.r_channels)), "config: r_channels");
  c.layer_weights = split<float>(util::kv_string(kv, "layer_weights", join(c.layer_weights)), "config: layer_weights");
  c.time_weights = split<float>(util::kv_string(kv, "time_weights", ""), "config: time_weights");
  c.pixel_max = static_cast<float>(util::kv_double(kv, "pixel_max", c.pixel_max));
  c.validate();
  return c;
}

std::vector<float> prednet_layer_weights(const std::string& preset, int layers) {
  nn::require_int_range(layers, 1, 6, "prednet_layer_weights: layers");
  std::vector<float> w(static_cast<size_t>(layers), 0.0f);
  w[0] = 1.0f;
  if (preset == "Lall") {
    for (int l = 1; l < layers; ++l) w[static_cast<size_t>(l)] = 0.1f;
  } else {
    nn::require(preset == "L0", "loss: expected \"L0\" or \"Lall\", got \"", preset, "\"");
  }
  return w;
}

// ---------------------------------------------------------------- parameters

namespace {
/// Glorot-uniform over rows [row0, row0 + rows) of a conv weight (O, C, k, k) with fans of a conv
/// that has `rows` outputs: Keras initializes each LSTM gate's conv on its own, and the four gates
/// here share one conv, so each gate's block gets the scale of a separate conv.
void glorot_rows(nn::Params& p, int i, nn::Rng& rng, int row0, int rows) {
  const nn::Shape& s = p.entry(i).shape;
  const int64_t per_row = s.span(1, 4), kk = int64_t{s[2]} * s[3];
  const float a = std::sqrt(6.0f / static_cast<float>(per_row + rows * kk));
  float* w = p.value(i) + row0 * per_row;
  for (int64_t k = 0; k < rows * per_row; ++k) w[k] = rng.uniform(-a, a);
}
}  // namespace

PredNet::PredNet(const PredNetConfig& config, uint64_t seed) : config_(config) {
  config_.validate();
  const int L = config_.layers();
  const auto& a = config_.a_channels;
  const auto& r = config_.r_channels;
  for (int l = 0; l < L; ++l) {
    const std::string tag = "layer" + std::to_string(l);
    const int in = r[l] + 2 * a[l] + (l + 1 < L ? r[l + 1] : 0);
    LayerParams p;
    p.lstm_w = params_.add(tag + ".lstm.weight", nn::Shape{4 * r[l], in, 3, 3});
    p.lstm_b = params_.add(tag + ".lstm.bias", nn::Shape{4 * r[l]}, /*decay=*/false);
    p.ahat_w = params_.add(tag + ".ahat.weight", nn::Shape{a[l], r[l], 3, 3});
    p.ahat_b = params_.add(tag + ".ahat.bias", nn::Shape{a[l]}, /*decay=*/false);
    if (l + 1 < L) {
      p.a_w = params_.add(tag + ".a.weight", nn::Shape{a[l + 1], 2 * a[l], 3, 3});
      p.a_b = params_.add(tag + ".a.bias", nn::Shape{a[l + 1]}, /*decay=*/false);
    }
    layer_.push_back(p);
  }
  // Glorot-uniform kernels and zero biases, as the Keras layers of the reference code.
  nn::Rng rng(seed, 0x9ed7e7);
  for (int l = 0; l < L; ++l) {
    for (int gate = 0; gate < 4; ++gate) glorot_rows(params_, layer_[l].lstm_w, rng, gate * r[l], r[l]);
    glorot_rows(params_, layer_[l].ahat_w, rng, 0, a[l]);
    if (layer_[l].a_w >= 0) glorot_rows(params_, layer_[l].a_w, rng, 0, a[l + 1]);
  }
}

// ---------------------------------------------------------------- forward and loss

ConvLstmState convlstm_update(nn::Var z, nn::Var cell) {
  const int r = cell.shape()[1];
  nn::require(z.shape()[1] == 4 * r, "convlstm_update: expected 4 * ", r, " gate channels, got ", z.shape()[1]);
  nn::Var i = nn::hard_sigmoid(nn::slice(z, 1, 0, r));
  nn::Var f = nn::hard_sigmoid(nn::slice(z, 1, r, r));
  nn::Var o = nn::hard_sigmoid(nn::slice(z, 1, 2 * r, r));
  nn::Var g = nn::tanh(nn::slice(z, 1, 3 * r, r));
  nn::Var c = f * cell + i * g;
  return {c, o * nn::tanh(c)};
}

nn::Var prednet_error_units(nn::Var a, nn::Var ahat) { return nn::concat({nn::relu(a - ahat), nn::relu(ahat - a)}, 1); }

nn::Var PredNet::forward(nn::Tape& tape, const float* frames, int batch, int extrapolate_from, PredNetTrace* trace) {
  const PredNetConfig& c = config_;
  const int L = c.layers(), T = c.frames, B = batch;
  nn::require_int_range(B, 1, 1 << 16, "PredNet.forward: batch");
  nn::require(extrapolate_from == -1 || (extrapolate_from >= 1 && extrapolate_from <= T),
              "PredNet.forward: extrapolate_from: expected -1 or a step in [1, ", T, "], got ", extrapolate_from);
  nn::require(frames != nullptr, "PredNet.forward: frames: expected data, got null");
  const int C0 = c.a_channels[0];
  const int64_t frame_size = int64_t{C0} * c.height * c.width;
  data::require_pixels(frames, int64_t{B} * T * frame_size, "PredNet.forward: frames");
  if (trace) *trace = PredNetTrace{};

  // Per-layer geometry and states from the previous step: R, C (B, r_l, H_l, W_l), E (B, 2 a_l, H_l, W_l).
  std::vector<int> H(L), W(L);
  std::vector<nn::Var> R(L), Cell(L), E(L);
  for (int l = 0; l < L; ++l) {
    H[l] = c.height >> l;
    W[l] = c.width >> l;
    R[l] = tape.constant(nn::Shape{B, c.r_channels[l], H[l], W[l]}, 0.0f);
    Cell[l] = tape.constant(nn::Shape{B, c.r_channels[l], H[l], W[l]}, 0.0f);
    E[l] = tape.constant(nn::Shape{B, 2 * c.a_channels[l], H[l], W[l]}, 0.0f);
  }
  // The parameters enter the tape once per pass; every time step reuses them.
  struct LayerVars {
    nn::Var lstm_w, lstm_b, ahat_w, ahat_b, a_w, a_b;
  };
  std::vector<LayerVars> p(L);
  for (int l = 0; l < L; ++l) {
    const LayerParams& q = layer_[l];
    p[l] = {params_.on(tape, q.lstm_w),
            params_.on(tape, q.lstm_b),
            params_.on(tape, q.ahat_w),
            params_.on(tape, q.ahat_b),
            q.a_w >= 0 ? params_.on(tape, q.a_w) : nn::Var{},
            q.a_b >= 0 ? params_.on(tape, q.a_b) : nn::Var{}};
  }

  nn::Var loss = tape.constant(nn::Shape{}, 0.0f);
  frame_.resize(static_cast<size_t>(B * frame_size));
  for (int t = 0; t < T; ++t) {
    // Top-down: update the representation units from the top layer down.
    for (int l = L - 1; l >= 0; --l) {
      std::vector<nn::Var> parts{R[l], E[l]};
      if (l + 1 < L) parts.push_back(nn::upsample2x(R[l + 1]));    // R_{l+1}(t), already updated
      nn::Var in = nn::concat(parts, 1);                           // (B, r_l + 2 a_l [+ r_{l+1}], H_l, W_l)
      nn::Var z = nn::conv2d(in, p[l].lstm_w, p[l].lstm_b, 1, 1);  // (B, 4 r_l, H_l, W_l): gates [i, f, o, g]
      const ConvLstmState next = convlstm_update(z, Cell[l]);
      Cell[l] = next.cell;  // (B, r_l, H_l, W_l)
      R[l] = next.r;        // (B, r_l, H_l, W_l)
    }
    // Bottom-up: predictions, errors, and the next layer's target.
    std::vector<nn::Var> ahat_t(L), e_t(L);
    nn::Var A;
    for (int l = 0; l < L; ++l) {
      nn::Var ahat = nn::relu(nn::conv2d(R[l], p[l].ahat_w, p[l].ahat_b, 1, 1));  // (B, a_l, H_l, W_l)
      if (l == 0) {
        ahat = nn::minimum(ahat, c.pixel_max);  // (B, C0, H, W): the prediction of frame t
        if (extrapolate_from >= 1 && t >= extrapolate_from) {
          A = ahat;  // no frame: the prediction stands in for it
        } else {
          for (int b = 0; b < B; ++b)
            std::copy_n(frames + (int64_t{b} * T + t) * frame_size, frame_size, frame_.data() + b * frame_size);
          A = tape.constant(frame_.data(), nn::Shape{B, C0, c.height, c.width});
        }
      }
      // E_l = [ReLU(A - Ahat) ; ReLU(Ahat - A)]: the positive and negative parts of the error.
      E[l] = prednet_error_units(A, ahat);  // (B, 2 a_l, H_l, W_l)
      const float w = c.time_weight(t) * c.layer_weights[l];
      if (w != 0.0f) loss = loss + w * nn::mean(E[l]);
      if (l + 1 < L)  // A_{l+1} (B, a_{l+1}, H_l / 2, W_l / 2)
        A = nn::max_pool2x2(nn::relu(nn::conv2d(E[l], p[l].a_w, p[l].a_b, 1, 1)));
      ahat_t[l] = ahat;
      e_t[l] = E[l];
    }
    if (trace) {
      trace->ahat.push_back(ahat_t);
      trace->e.push_back(e_t);
      trace->r.push_back(R);
    }
  }
  return loss;
}

// ---------------------------------------------------------------- the rollout as data

// forward() step for step, as data (the loss is left out: engines read the predictions).
PredNetPlan PredNet::forward_plan(int extrapolate_from) const {
  const PredNetConfig& c = config_;
  const int L = c.layers(), T = c.frames, C0 = c.a_channels[0];
  nn::require(extrapolate_from == -1 || (extrapolate_from >= 1 && extrapolate_from <= T),
              "PredNet::forward_plan: extrapolate_from: expected -1 or a step in [1, ", T, "], got ", extrapolate_from);
  const auto name = [&](int i) { return params_.entry(i).name; };
  PredNetPlan plan;
  auto& ops = plan.ops;
  std::vector<int> H(L), W(L);
  std::vector<std::string> R(L), Cell(L), E(L);
  for (int l = 0; l < L; ++l) {
    H[l] = c.height >> l;
    W[l] = c.width >> l;
    const std::string tag = "layer" + std::to_string(l) + ".";
    R[l] = tag + "r.init", Cell[l] = tag + "c.init", E[l] = tag + "e.init";
    ops.push_back({"zeros", {}, R[l], {-1, c.r_channels[l], H[l], W[l]}, {}, {}});
    ops.push_back({"zeros", {}, Cell[l], {-1, c.r_channels[l], H[l], W[l]}, {}, {}});
    ops.push_back({"zeros", {}, E[l], {-1, 2 * c.a_channels[l], H[l], W[l]}, {}, {}});
  }
  nn::PlanOutput predictions{"predictions", {}};
  for (int t = 0; t < T; ++t) {
    const std::string at = "." + std::to_string(t);
    // Top-down: ConvLSTM updates from the top layer down.
    for (int l = L - 1; l >= 0; --l) {
      const std::string tag = "layer" + std::to_string(l) + ".";
      const int r = c.r_channels[l], in_channels = r + 2 * c.a_channels[l] + (l + 1 < L ? c.r_channels[l + 1] : 0);
      std::vector<std::string> parts{R[l], E[l]};
      if (l + 1 < L) {
        ops.push_back({"upsample2x", {R[l + 1]}, tag + "up" + at, {-1, c.r_channels[l + 1], H[l], W[l]}, {}, {}});
        parts.push_back(tag + "up" + at);
      }
      ops.push_back({"concat", parts, tag + "in" + at, {-1, in_channels, H[l], W[l]}, {}, {{"axis", 1}}});
      ops.push_back({"conv3x3",
                     {tag + "in" + at},
                     tag + "z" + at,
                     {-1, 4 * r, H[l], W[l]},
                     {name(layer_[l].lstm_w), name(layer_[l].lstm_b)},
                     {}});
      ops.push_back({"convlstm_cell", {tag + "z" + at, Cell[l]}, tag + "c" + at, {-1, r, H[l], W[l]}, {}, {}});
      Cell[l] = tag + "c" + at;
      ops.push_back({"convlstm_hidden", {tag + "z" + at, Cell[l]}, tag + "r" + at, {-1, r, H[l], W[l]}, {}, {}});
      R[l] = tag + "r" + at;
    }
    // Bottom-up: predictions, errors, the next layer's target.
    std::string A;
    for (int l = 0; l < L; ++l) {
      const std::string tag = "layer" + std::to_string(l) + ".";
      const int a = c.a_channels[l];
      ops.push_back({"conv3x3",
                     {R[l]},
                     tag + "ahat.conv" + at,
                     {-1, a, H[l], W[l]},
                     {name(layer_[l].ahat_w), name(layer_[l].ahat_b)},
                     {}});
      std::string ahat = tag + "ahat" + at;
      ops.push_back({"relu", {tag + "ahat.conv" + at}, ahat, {-1, a, H[l], W[l]}, {}, {}});
      if (l == 0) {
        // min(ReLU(.), pixel_max): the prediction of frame t.
        ops.push_back(
            {"clamp", {ahat}, "prediction" + at, {-1, C0, H[0], W[0]}, {}, {{"lo", 0.0}, {"hi", c.pixel_max}}});
        ahat = "prediction" + at;
        predictions.steps.push_back(ahat);
        if (extrapolate_from >= 1 && t >= extrapolate_from) {
          A = ahat;  // no frame: the prediction stands in for it
        } else {
          A = "frame" + at;
          ops.push_back({"frame", {"frames"}, A, {-1, C0, H[0], W[0]}, {}, {{"step", t}, {"steps", T}}});
        }
      }
      E[l] = tag + "e" + at;
      ops.push_back({"error_units", {A, ahat}, E[l], {-1, 2 * a, H[l], W[l]}, {}, {}});
      if (l + 1 < L) {
        const int a1 = c.a_channels[l + 1];
        ops.push_back({"conv3x3",
                       {E[l]},
                       tag + "a.conv" + at,
                       {-1, a1, H[l], W[l]},
                       {name(layer_[l].a_w), name(layer_[l].a_b)},
                       {}});
        ops.push_back({"relu", {tag + "a.conv" + at}, tag + "a.relu" + at, {-1, a1, H[l], W[l]}, {}, {}});
        A = "layer" + std::to_string(l + 1) + ".a" + at;
        ops.push_back({"maxpool2x2", {tag + "a.relu" + at}, A, {-1, a1, H[l + 1], W[l + 1]}, {}, {}});
      }
    }
  }
  plan.outputs.push_back(predictions);
  return plan;
}

}  // namespace models
