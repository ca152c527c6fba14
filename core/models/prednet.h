// PredNet (Lotter, Kreiman & Cox, ICLR 2017; reference code coxlab/prednet, prednet.py): a stack
// of layers that each predict their input and pass on only the error of that prediction.
//
// Per time step t (states R, C, E start at zero):
//   top-down, l = L-1 .. 0:  input = concat[R_l(t-1), E_l(t-1), Up2x(R_{l+1}(t))]  (no Up at the top)
//                            ConvLSTM without peepholes, 3x3 convs:
//                            i, f, o = hard_sigmoid(conv(input)), g = tanh(conv(input))
//                            C_l = f * C_l + i * g,  R_l = o * tanh(C_l)
//   bottom-up, l = 0 .. L-1: Ahat_l = ReLU(conv3x3(R_l)), Ahat_0 = min(Ahat_0, pixel_max)
//                            E_l = [ReLU(A_l - Ahat_l) ; ReLU(Ahat_l - A_l)]
//                            A_0 = x_t,  A_{l+1} = MaxPool2x2(ReLU(conv3x3(E_l)))
//   loss = sum_t lambda_t sum_l lambda_l mean(E_l(t)),  lambda_t = 0 at t = 0, 1/(T-1) after.
// Ahat_0(t) is the prediction of frame t made from frames 0 .. t-1.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nn/ops.h"
#include "nn/params.h"
#include "nn/plan.h"

namespace models {

struct PredNetConfig {
  int height = 32;
  int width = 32;
  int frames = 10;                            // T: frames per sequence (sequences must have exactly T)
  std::vector<int> a_channels{1, 8, 16};      // A_l / Ahat_l channels ("stack sizes"); [0] = image channels
  std::vector<int> r_channels{8, 16, 32};     // R_l channels (ConvLSTM state)
  std::vector<float> layer_weights{1, 0, 0};  // lambda_l ("L0"); "Lall" is (1, 0.1, 0.1, ...)
  std::vector<float> time_weights;            // lambda_t, T values; empty: 0 at t = 0, 1/(T-1) after
  float pixel_max = 1.0f;

  int layers() const { return static_cast<int>(a_channels.size()); }
  /// About how many floats one training sequence puts on the tape (forward values plus the live
  /// gradients): per frame and layer, the ConvLSTM's inputs, gates and state and the A, Ahat and E
  /// maps at that layer's resolution. tests/native/test_prednet.cpp holds it to the measured size.
  int64_t tape_floats_per_sequence() const;
  /// lambda_t for step t (the explicit list, or the paper's default).
  float time_weight(int t) const;
  /// Checks every field; frame sides must be divisible by 2^(L-1).
  void validate() const;
  std::string to_text() const;
  static PredNetConfig from_text(const std::string& text);
};

/// lambda_l for a named preset: "L0" = (1, 0, 0, ...), "Lall" = (1, 0.1, 0.1, ...).
std::vector<float> prednet_layer_weights(const std::string& preset, int layers);

/// What one forward pass keeps per step and layer, for read-outs (drawing, metrics). Each entry is a
/// Var on the tape that ran the pass: ahat[t][l] (B, a_l, H_l, W_l), e[t][l] (B, 2 a_l, H_l, W_l),
/// r[t][l] (B, r_l, H_l, W_l), with H_l = H / 2^l.
struct PredNetTrace {
  std::vector<std::vector<nn::Var>> ahat, e, r;
};

/// One ConvLSTM update from the gate pre-activations z (B, 4r, H, W) as [i, f, o, g] and the cell
/// state (B, r, H, W): C' = hard_sigmoid(f) C + hard_sigmoid(i) tanh(g), R' = hard_sigmoid(o) tanh(C').
/// The body of every PredNet layer, and the reference for web/js/gpu/kernels/convlstm.wgsl.
struct ConvLstmState {
  nn::Var cell, r;
};
ConvLstmState convlstm_update(nn::Var z, nn::Var cell);
/// PredNet's error units: E = [ReLU(A - Ahat) ; ReLU(Ahat - A)] along channels, (B, 2a, H, W).
nn::Var prednet_error_units(nn::Var a, nn::Var ahat);

/// PredNet's rollout (forward() without the loss) as data, for engines outside the core (the WebGPU
/// path, web/js/gpu/prednet-forward.js), time steps unrolled. Input "frames" (B, T, C, H, W). Ops:
///   zeros (initial states), frame (step t of the input, attr step), upsample2x, concat (attr axis),
///   conv3x3 (same padding; weight (O, C, 3, 3), bias), convlstm_cell [z, C] -> C',
///   convlstm_hidden [z, C'] -> R', relu, clamp (attrs lo, hi), error_units [A, Ahat], maxpool2x2.
/// outputs: predictions, Ahat_0 per step (T, B, C, H, W).
struct PredNetPlan {
  std::vector<nn::PlanOp> ops;
  std::vector<nn::PlanOutput> outputs;
};

class PredNet {
 public:
  PredNet(const PredNetConfig& config, uint64_t seed);

  /// Runs the network over a batch of sequences and returns the weighted error loss (a scalar).
  /// frames (B, T, C, H, W) with C = a_channels[0], values in [0, 1] (checked).
  /// extrapolate_from in [1, T) feeds the prediction back from that step on: for t >= it the input
  /// A_0(t) is the model's own Ahat_0(t) instead of the frame; -1 (or T) never does.
  /// trace (optional) receives every step's Ahat, E and R.
  nn::Var forward(nn::Tape& tape, const float* frames, int batch, int extrapolate_from = -1,
                  PredNetTrace* trace = nullptr);

  /// forward()'s computation (without the loss) as an ordered list of ops; keep the two in step:
  /// tests/wasm/prednet-plan.test.mjs runs it in plain JS against run().
  PredNetPlan forward_plan(int extrapolate_from = -1) const;

  const PredNetConfig& config() const { return config_; }
  nn::Params& params() { return params_; }
  const nn::Params& params() const { return params_; }

 private:
  struct LayerParams {
    int lstm_w, lstm_b;      // (4 r_l, r_l + 2 a_l + r_{l+1}, 3, 3), (4 r_l): gates [i, f, o, g]
    int ahat_w, ahat_b;      // (a_l, r_l, 3, 3), (a_l)
    int a_w = -1, a_b = -1;  // (a_{l+1}, 2 a_l, 3, 3), (a_{l+1}); none at the top layer
  };
  PredNetConfig config_;
  nn::Params params_;
  std::vector<LayerParams> layer_;
  std::vector<float> frame_;  // (B, C, H, W) staging for one step's input
};

}  // namespace models
