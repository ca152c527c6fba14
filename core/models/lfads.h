// LFADS: latent factor analysis via dynamical systems (Sussillo et al. 2016; Pandarinath et al.
// 2018; lfads-torch), at a small size.
//
//   spikes x (T_in, B, N_in) --coordinated dropout--> IC encoder (bidirectional GRU, final states)
//     -> q(ic) = N(mu0, var0) -> ic -> g0 = Linear(ic)
//   controller encoder (bidirectional GRU) -> forward states e^f_t, backward states e^b_t
//   for t < T_out: controller c_t = GRU([e^f_{t-lag}, e^b_{t+lag}, f_{t-1}], c_{t-1}) (zeros outside
//            the observed bins; lag = controller_input_lag, 1 as in LFADS / lfads-torch, so the
//            inferred input at t cannot carry x_t itself);  q(u_t) = N(mu_u, var_u) -> u_t
//          generator g_t = GRU(u_t, g_{t-1});  factors f_t = W_f g_t (unit-norm readouts);
//          log-rates l_t = W_o f_t + b over N_out >= N_in neurons;  x_t ~ Poisson(exp(l_t))
//   loss = Poisson NLL on the scored entries (the dropped-out inputs, every neuron the encoders
//          never read, every bin after the observed ones) + ramp * (KL(q(ic) || N(mu_p, 0.1))
//          + KL(q(u) || AR(1) prior)) + ramp * L2 on the recurrent weights
// The read-out neurons are the input neurons first (in order), then neurons the encoders never
// read (held-out neurons, co-smoothing); bins T_in..T_out-1 are predicted without being read.
// GRU states are clipped to [-5, 5]; posterior variances are floored at var_min.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nn/ops.h"
#include "nn/params.h"
#include "nn/plan.h"
#include "nn/rng.h"

namespace models {

struct LfadsConfig {
  int neurons = 40;         // neurons the encoders read (the held-in neurons of the case study)
  int readout_neurons = 0;  // neurons the rates are read out for (0: the input neurons): those, then held-out ones
  int encoder = 64;         // IC encoder GRU units per direction
  int ic = 32;              // initial-condition dimension
  int generator = 64;
  int factors = 8;
  bool controller = true;
  int controller_encoder = 32;  // per direction
  int controller_size = 32;
  int inputs = 1;                // inferred input dimension
  int controller_input_lag = 1;  // bins between the encoder states and the controller step reading them
  float ar_tau = 10.0f;          // AR(1) prior time constant, in bins
  float ar_var = 0.1f;           // AR(1) prior process variance
  float ic_prior_var = 0.1f;
  float var_min = 1e-4f;  // posterior variance floor
  float cell_clip = 5.0f;
  void validate() const;
  int out_neurons() const { return readout_neurons > 0 ? readout_neurons : neurons; }
  std::string to_text() const;
  static LfadsConfig from_text(const std::string& text);
};

/// What one forward pass produced, time-major over the T = T_out read-out bins: (T, B, .) flattened.
struct LfadsOutputs {
  int T = 0, B = 0;
  std::vector<float> log_rates;  // (T, B, N_out)
  std::vector<float> factors;    // (T, B, F)
  std::vector<float> inputs;     // (T, B, U) inferred inputs (posterior means or samples)
  std::vector<float> ic_mean;    // (B, IC)
};

/// The posterior-mean inference pass (Lfads::infer) as data, for engines outside the core (the
/// WebGPU path, web/js/gpu/lfads-forward.js), time steps unrolled. Input "spikes" (B, T_in, N_in),
/// trial-major counts. Ops:
///   linear   x W (+ b): W (in, out) as stored; the bias when a second weight is named
///   gru      one GRU step from [x_proj, h_proj, h] (x_proj (B, steps, 3H) read at attr step;
///            h_proj = h W_h (B, 3H)); with only [x_proj] the previous state is zero (first step)
///   concat   along the last axis (2 or 3 inputs)
///   bias_rows  every row = the named bias (B, C): the generator's input projection without a controller
///   zeros    (B, C) of zeros: the controller's encoder input outside the observed bins
/// outputs: log_rates (T_out, B, N_out), factors (T_out, B, F), inputs (T_out, B, U) when there is a
/// controller, ic_mean (B, IC).
struct LfadsPlan {
  std::vector<nn::PlanOp> ops;
  std::vector<nn::PlanOutput> outputs;
};

/// One GRU update from projections: x_proj = x W_x + b, h_proj = h W_h, both (B, 3H) as [z | r | n]:
/// z = sigmoid(xz + hz), r = sigmoid(xr + hr), n = tanh(xn + r hn), h' = clip(n + z (h - n), +-clip).
/// The reference for the WGSL kernel (web/js/gpu/kernels/gru.wgsl) and the body of every LFADS GRU.
nn::Var gru_gates(nn::Var x_proj, nn::Var h_proj, nn::Var h, float clip);

/// What one pass through the model applies besides the data: posterior sampling, coordinated
/// dropout and the loss weights (the trainer's, already multiplied by the KL/L2 ramp). The default
/// is the posterior-mean pass of inference, which scores every entry and weighs no KL or L2.
struct LfadsPass {
  nn::Rng* noise = nullptr;          // sample the posteriors with it (training), or posterior means
  const float* drop_mask = nullptr;  // (T_in, B, N_in): 1 where the encoders see the count, 0 hidden
  float keep = 1.0f;                 // 1 - the coordinated-dropout rate: seen counts are scaled by 1/keep
  float kl_weight = 0.0f, l2_weight = 0.0f;
  // Posterior samples drawn beforehand (instead of from `noise`): standard normals for the initial
  // condition, (B, IC), and for the inferred inputs, (T_out, B, U). A data-parallel step draws a
  // whole batch's and hands each share its rows (LfadsTrainer::begin_step).
  const float* ic_noise = nullptr;
  const float* input_noise = nullptr;
  // The trials the per-trial means are taken over (0: the pass's B). A share of a batch of `rows`
  // divides by it, so that the shares' losses and gradients add up to the whole batch's.
  int rows = 0;
};

/// The model: its parameters, its forward pass on a tape, posterior-mean inference and the plan
/// of that inference for the WebGPU path. Training (Adam, the tape, the sampling RNG, the ramp)
/// lives in LfadsTrainer, as for every study (docs/adding-a-case-study.md).
class Lfads {
 public:
  Lfads(const LfadsConfig& config, uint64_t seed);

  /// The whole model on the tape. x (T_out, B, N_out): counts as given (no dropout applied here);
  /// the encoders read only x[:T_in, :, :N_in]; the rest is only scored. With a drop mask, read
  /// entries are scored only where hidden (all entries without one).
  /// Returns the loss parts as tape scalars; outputs (optional) receives the read-outs.
  struct Graph {
    nn::Var total, reconstruction, kl_ic, kl_inputs, l2;
  };
  Graph build(nn::Tape& tape, const float* x, int T_in, int T_out, int B, const LfadsPass& pass,
              LfadsOutputs* outputs = nullptr);

  /// Posterior-mean read-outs over T_out bins for inputs (K, T_in, N_in) at the given indices, in
  /// chunks of `chunk` trials on a tape of its own. Nothing but these inputs is read. (Chunks of
  /// 64 evaluate a fifth faster but take the page's largest model to 511 MiB of wasm heap.)
  LfadsOutputs infer(const float* inputs, int T_in, int T_out, const std::vector<int>& indices, int chunk = 16);

  /// infer()'s computation as an ordered list of ops (see LfadsPlan); keep it in step with
  /// build(): tests/wasm/lfads-plan.test.mjs runs it in plain JS against infer().
  LfadsPlan forward_plan(int T_in, int T_out) const;

  const LfadsConfig& config() const { return config_; }
  nn::Params& params() { return params_; }
  const nn::Params& params() const { return params_; }
  /// Keeps each factor readout (a column of W_f) at unit norm; called after every update.
  void normalize_factor_readout();

 private:
  struct Gru {
    int wx = -1, wh = -1, b = -1, size = 0;
  };
  Gru add_gru(const std::string& name, int in, int size, nn::Rng& rng);
  nn::Var gru_step(nn::Var wh, nn::Var x_proj, nn::Var h);  // x_proj: x Wx + b (B, 3H); wh: W_h's leaf
  std::vector<nn::Var> run_gru(nn::Tape& t, const Gru& g, nn::Var x_seq, int T, int B, bool reverse);
  nn::Var gaussian_log_var(nn::Var raw);  // log(exp(raw) + var_min)

  LfadsConfig config_;
  nn::Params params_;
  Gru ic_fwd_, ic_bwd_, ci_fwd_, ci_bwd_, con_, gen_;
  int ic_mu_w_ = -1, ic_mu_b_ = -1, ic_lv_w_ = -1, ic_lv_b_ = -1, ic_prior_mu_ = -1, g0_w_ = -1, g0_b_ = -1;
  int u_mu_w_ = -1, u_mu_b_ = -1, u_lv_w_ = -1, u_lv_b_ = -1, fac_w_ = -1, out_w_ = -1, out_b_ = -1;
};

/// The closed-form KL(q || p) of one inferred-input sequence: q(u_t) = N(m_t, exp(lv_t))
/// independent over t, p an AR(1) process with time constant tau and process variance var
/// (u_0 ~ N(0, var), u_t | u_{t-1} ~ N(phi u_{t-1}, var (1 - phi^2)), phi = exp(-1/tau)).
/// mu, logvar: one (B, U) Var per step. Summed over t and U, divided by `rows` (0: B, the average
/// over the trials; a share of a batch passes the batch's size).
nn::Var ar1_kl(const std::vector<nn::Var>& mu, const std::vector<nn::Var>& logvar, float tau, float var, int rows = 0);

}  // namespace models
