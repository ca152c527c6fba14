#include "lfads.h"

#include <algorithm>
#include <cmath>

#include "nn/init.h"
#include "util/kv.h"

namespace models {

using nn::Var;

// ---------------------------------------------------------------- configs

void LfadsConfig::validate() const {
  nn::require_int_range(neurons, 1, 4096, "LfadsConfig.neurons");
  nn::require(readout_neurons == 0 || (readout_neurons >= neurons && readout_neurons <= 4096),
              "LfadsConfig.readout_neurons: expected 0 (the input neurons) or an integer in [", neurons,
              ", 4096], got ", readout_neurons);
  nn::require_int_range(encoder, 1, 1024, "LfadsConfig.encoder");
  nn::require_int_range(ic, 1, 1024, "LfadsConfig.ic");
  nn::require_int_range(generator, 1, 1024, "LfadsConfig.generator");
  nn::require_int_range(factors, 1, 256, "LfadsConfig.factors");
  nn::require_int_range(controller_encoder, 1, 1024, "LfadsConfig.controller_encoder");
  nn::require_int_range(controller_size, 1, 1024, "LfadsConfig.controller_size");
  nn::require_int_range(inputs, 1, 64, "LfadsConfig.inputs");
  nn::require_int_range(controller_input_lag, 0, 16, "LfadsConfig.controller_input_lag");
  nn::require_range(ar_tau, 0.1, 1e4, "LfadsConfig.ar_tau");
  nn::require_range(ar_var, 1e-6, 100.0, "LfadsConfig.ar_var");
  nn::require_range(ic_prior_var, 1e-6, 100.0, "LfadsConfig.ic_prior_var");
  nn::require_range(var_min, 1e-8, 1.0, "LfadsConfig.var_min");
  nn::require_range(cell_clip, 0.1, 1e4, "LfadsConfig.cell_clip");
}

std::string LfadsConfig::to_text() const {
  return util::format_kv({{"neurons", std::to_string(neurons)},
                          {"readout_neurons", std::to_string(out_neurons())},
                          {"encoder", std::to_string(encoder)},
                          {"ic", std::to_string(ic)},
                          {"generator", std::to_string(generator)},
                          {"factors", std::to_string(factors)},
                          {"controller", controller ? "1" : "0"},
                          {"controller_encoder", std::to_string(controller_encoder)},
                          {"controller_size", std::to_string(controller_size)},
                          {"inputs", std::to_string(inputs)},
                          {"controller_input_lag", std::to_string(controller_input_lag)},
                          {"ar_tau", std::to_string(ar_tau)},
                          {"ar_var", std::to_string(ar_var)},
                          {"ic_prior_var", std::to_string(ic_prior_var)}});
}

LfadsConfig LfadsConfig::from_text(const std::string& text) {
  const auto kv = util::parse_kv(text);
  LfadsConfig c;
  c.neurons = util::kv_int(kv, "neurons", c.neurons);
  c.readout_neurons = util::kv_int(kv, "readout_neurons", 0);  // files from before held-out neurons: none
  c.encoder = util::kv_int(kv, "encoder", c.encoder);
  c.ic = util::kv_int(kv, "ic", c.ic);
  c.generator = util::kv_int(kv, "generator", c.generator);
  c.factors = util::kv_int(kv, "factors", c.factors);
  c.controller = util::kv_int(kv, "controller", 1) != 0;
  c.controller_encoder = util::kv_int(kv, "controller_encoder", c.controller_encoder);
  c.controller_size = util::kv_int(kv, "controller_size", c.controller_size);
  c.inputs = util::kv_int(kv, "inputs", c.inputs);
  c.controller_input_lag = util::kv_int(kv, "controller_input_lag", 0);  // files from before the lag read x_t
  c.ar_tau = static_cast<float>(util::kv_double(kv, "ar_tau", c.ar_tau));
  c.ar_var = static_cast<float>(util::kv_double(kv, "ar_var", c.ar_var));
  c.ic_prior_var = static_cast<float>(util::kv_double(kv, "ic_prior_var", c.ic_prior_var));
  c.validate();
  return c;
}

// ---------------------------------------------------------------- parameters

Lfads::Gru Lfads::add_gru(const std::string& name, int in, int size, nn::Rng& rng) {
  Gru g;
  g.size = size;
  g.wx = params_.add(name + ".wx", nn::Shape{in, 3 * size});    // input to gates [z, r, n]
  g.wh = params_.add(name + ".wh", nn::Shape{size, 3 * size});  // recurrent
  g.b = params_.add(name + ".b", nn::Shape{3 * size}, false);
  nn::init_xavier_uniform(params_, g.wx, rng);
  nn::init_xavier_uniform(params_, g.wh, rng);
  // Bias the update gate toward keeping the state (z near 1 at the start), as in lfads-torch.
  float* b = params_.value(g.b);
  for (int i = 0; i < size; ++i) b[i] = 1.0f;
  return g;
}

Lfads::Lfads(const LfadsConfig& config, uint64_t seed) : config_((config.validate(), config)) {
  nn::Rng init(seed, 0x1fa);
  const LfadsConfig& c = config_;
  ic_fwd_ = add_gru("ic_enc.fwd", c.neurons, c.encoder, init);
  ic_bwd_ = add_gru("ic_enc.bwd", c.neurons, c.encoder, init);
  ic_mu_w_ = params_.add("ic.mu.weight", nn::Shape{2 * c.encoder, c.ic});
  ic_mu_b_ = params_.add("ic.mu.bias", nn::Shape{c.ic}, false);
  ic_lv_w_ = params_.add("ic.logvar.weight", nn::Shape{2 * c.encoder, c.ic});
  ic_lv_b_ = params_.add("ic.logvar.bias", nn::Shape{c.ic}, false);
  ic_prior_mu_ = params_.add("ic.prior_mean", nn::Shape{c.ic}, false);
  g0_w_ = params_.add("g0.weight", nn::Shape{c.ic, c.generator});
  g0_b_ = params_.add("g0.bias", nn::Shape{c.generator}, false);
  for (int i : {ic_mu_w_, ic_lv_w_, g0_w_}) nn::init_xavier_uniform(params_, i, init);
  if (c.controller) {
    ci_fwd_ = add_gru("ci_enc.fwd", c.neurons, c.controller_encoder, init);
    ci_bwd_ = add_gru("ci_enc.bwd", c.neurons, c.controller_encoder, init);
    con_ = add_gru("controller", 2 * c.controller_encoder + c.factors, c.controller_size, init);
    u_mu_w_ = params_.add("u.mu.weight", nn::Shape{c.controller_size, c.inputs});
    u_mu_b_ = params_.add("u.mu.bias", nn::Shape{c.inputs}, false);
    u_lv_w_ = params_.add("u.logvar.weight", nn::Shape{c.controller_size, c.inputs});
    u_lv_b_ = params_.add("u.logvar.bias", nn::Shape{c.inputs}, false);
    nn::init_xavier_uniform(params_, u_mu_w_, init);
    nn::init_xavier_uniform(params_, u_lv_w_, init);
  }
  gen_ = add_gru("generator", c.controller ? c.inputs : 1, c.generator, init);
  fac_w_ = params_.add("factors.weight", nn::Shape{c.generator, c.factors});
  out_w_ = params_.add("readout.weight", nn::Shape{c.factors, c.out_neurons()});
  out_b_ = params_.add("readout.bias", nn::Shape{c.out_neurons()}, false);
  nn::init_normal(params_, fac_w_, init, 0.0f, 1.0f);
  nn::init_xavier_uniform(params_, out_w_, init);
  normalize_factor_readout();
}

void Lfads::normalize_factor_readout() {
  const int G = config_.generator, F = config_.factors;
  float* w = params_.value(fac_w_);  // (G, F): column f reads factor f out of g
  for (int f = 0; f < F; ++f) {
    double n = 0;
    for (int g = 0; g < G; ++g) n += static_cast<double>(w[g * F + f]) * w[g * F + f];
    const float inv = n > 0 ? static_cast<float>(1.0 / std::sqrt(n)) : 0.0f;
    for (int g = 0; g < G; ++g) w[g * F + f] *= inv;
  }
}

// ---------------------------------------------------------------- building blocks

Var Lfads::gaussian_log_var(Var raw) { return nn::log(nn::exp(raw) + config_.var_min); }

// h' = n + z (h - n), z = sigmoid(xz + hz), r = sigmoid(xr + hr), n = tanh(xn + r hn); clipped.
Var gru_gates(Var x_proj, Var hp, Var h, float clip) { return nn::gru_cell(x_proj, hp, h, clip); }

Var Lfads::gru_step(Var wh, Var x_proj, Var h) {
  return gru_gates(x_proj, nn::matmul(h, wh), h, config_.cell_clip);  // h W_h: (B, 3H)
}

// x_seq (T*B, in): every step's input projection is computed in one matmul, then sliced.
std::vector<Var> Lfads::run_gru(nn::Tape& t, const Gru& g, Var x_seq, int T, int B, bool reverse) {
  const int H = g.size;
  Var proj = nn::reshape(nn::matmul(x_seq, params_.on(t, g.wx)) + params_.on(t, g.b), nn::Shape{T, B, 3 * H});
  std::vector<Var> states(static_cast<size_t>(T));
  Var h = t.constant(nn::Shape{B, H}, 0.0f);
  const Var wh = params_.on(t, g.wh);  // one leaf for every step (a leaf per step cost a tape node each)
  for (int s = 0; s < T; ++s) {
    const int step = reverse ? T - 1 - s : s;
    Var x_t = nn::reshape(nn::slice(proj, 0, step, 1), nn::Shape{B, 3 * H});
    h = gru_step(wh, x_t, h);
    states[static_cast<size_t>(step)] = h;
  }
  return states;
}

Var ar1_kl(const std::vector<Var>& mu, const std::vector<Var>& logvar, float tau, float var, int rows) {
  nn::require(!mu.empty() && mu.size() == logvar.size(), "ar1_kl: expected as many means as log-variances");
  const float phi = std::exp(-1.0f / tau);
  const float cond_var = var * (1.0f - phi * phi);  // variance of u_t given u_{t-1}
  const float per_row = 1.0f / static_cast<float>(rows > 0 ? rows : mu[0].shape()[0]);
  // t = 0 against the stationary N(0, var); t >= 1 against N(phi u_{t-1}, cond_var). With q
  // independent over t: E[(u_t - phi u_{t-1})^2] = (m_t - phi m_{t-1})^2 + s_t^2 + phi^2 s_{t-1}^2.
  Var s0 = nn::exp(logvar[0]);
  Var kl = nn::sum(nn::affine(logvar[0], -0.5f, 0.5f * std::log(var) - 0.5f) +
                   nn::affine(mu[0] * mu[0] + s0, 0.5f / var, 0.0f));
  for (size_t t = 1; t < mu.size(); ++t) {
    Var diff = mu[t] - nn::affine(mu[t - 1], phi, 0.0f);
    Var expected_sq = diff * diff + nn::exp(logvar[t]) + nn::affine(nn::exp(logvar[t - 1]), phi * phi, 0.0f);
    kl = kl + nn::sum(nn::affine(logvar[t], -0.5f, 0.5f * std::log(cond_var) - 0.5f) +
                      nn::affine(expected_sq, 0.5f / cond_var, 0.0f));
  }
  return nn::affine(kl, per_row, 0.0f);
}

// ---------------------------------------------------------------- forward

Lfads::Graph Lfads::build(nn::Tape& t, const float* x, int T_in, int T_out, int B, const LfadsPass& pass,
                          LfadsOutputs* out) {
  nn::Rng* noise = pass.noise;
  const bool sampled = noise || pass.ic_noise;  // posterior samples, or means
  const float* drop_mask = pass.drop_mask;
  const LfadsConfig& c = config_;
  const int N = c.neurons, No = c.out_neurons(), F = c.factors, U = c.inputs, T = T_in;
  const int rows = pass.rows > 0 ? pass.rows : B;
  nn::require(rows >= B, "Lfads: pass.rows: expected at least the pass's ", B, " trials, got ", rows);
  nn::require(!pass.ic_noise == !pass.input_noise || !c.controller,
              "Lfads: pass: expected both ic_noise and input_noise, or neither");
  nn::require(T_in >= 2, "Lfads: expected at least 2 observed bins, got ", T_in);
  nn::require(T_out >= T_in, "Lfads: expected at least the ", T_in, " observed bins to read out, got ", T_out);
  // What the encoders see: the input neurons of the observed bins, the kept counts scaled up by
  // 1/keep (coordinated dropout). Read entries are scored only where dropped; the rest always.
  const size_t n_in = static_cast<size_t>(T_in) * B * N, n_out = static_cast<size_t>(T_out) * B * No;
  std::vector<float> seen(n_in), scored(n_out, 1.0f);
  const float keep = pass.keep;
  for (size_t row = 0; row < static_cast<size_t>(T_in) * B; ++row)
    for (int n = 0; n < N; ++n) {
      const size_t i = row * N + n, o = row * No + n;
      const bool kept = !drop_mask || drop_mask[i] != 0.0f;
      seen[i] = kept ? (drop_mask ? x[o] / keep : x[o]) : 0.0f;
      if (drop_mask && kept) scored[o] = 0.0f;
    }
  Var x_seen = t.constant(seen.data(), nn::Shape{T * B, N});  // (T_in*B, N_in)
  // Initial condition.
  std::vector<Var> ic_f = run_gru(t, ic_fwd_, x_seen, T, B, false);
  std::vector<Var> ic_b = run_gru(t, ic_bwd_, x_seen, T, B, true);
  Var enc = nn::concat({ic_f.back(), ic_b.front()}, 1);                          // (B, 2E)
  Var mu0 = nn::matmul(enc, params_.on(t, ic_mu_w_)) + params_.on(t, ic_mu_b_);  // (B, IC)
  Var lv0 = gaussian_log_var(nn::matmul(enc, params_.on(t, ic_lv_w_)) + params_.on(t, ic_lv_b_));
  Var ic = mu0;
  if (sampled) {
    std::vector<float> eps(static_cast<size_t>(B) * c.ic);
    if (pass.ic_noise)
      std::copy_n(pass.ic_noise, eps.size(), eps.begin());
    else
      for (float& e : eps) e = noise->normal();
    ic = mu0 + nn::exp(nn::affine(lv0, 0.5f, 0.0f)) * t.constant(eps.data(), nn::Shape{B, c.ic});
  }
  Var g = nn::matmul(ic, params_.on(t, g0_w_)) + params_.on(t, g0_b_);  // (B, G)
  Var fac = nn::matmul(g, params_.on(t, fac_w_));                       // (B, F)
  // Controller encoder.
  std::vector<Var> ci_f, ci_b;
  if (c.controller) {
    ci_f = run_gru(t, ci_fwd_, x_seen, T, B, false);
    ci_b = run_gru(t, ci_bwd_, x_seen, T, B, true);
  }
  Var con = c.controller ? t.constant(nn::Shape{B, c.controller_size}, 0.0f) : Var{};
  Var no_encoding = c.controller ? t.constant(nn::Shape{B, c.controller_encoder}, 0.0f) : Var{};
  std::vector<Var> u_mu, u_lv;
  Var zero_input = t.constant(nn::Shape{B, 1}, 0.0f);
  Var recon;
  if (out) {
    out->T = T_out;
    out->B = B;
    out->log_rates.resize(n_out);
    out->factors.resize(static_cast<size_t>(T_out) * B * F);
    out->inputs.assign(static_cast<size_t>(T_out) * B * U, 0.0f);
    out->ic_mean.assign(mu0.data(), mu0.data() + static_cast<size_t>(B) * c.ic);
  }
  const int lag = c.controller_input_lag;
  // The parameters the bins read, each entered on the tape once for all of them.
  const auto leaf = [&](int i) { return i >= 0 ? params_.on(t, i) : Var{}; };  // none without a controller
  const Var con_wx = leaf(con_.wx), con_b = leaf(con_.b), con_wh = leaf(con_.wh);
  const Var u_mu_w = leaf(u_mu_w_), u_mu_b = leaf(u_mu_b_), u_lv_w = leaf(u_lv_w_), u_lv_b = leaf(u_lv_b_);
  const Var gen_wx = leaf(gen_.wx), gen_b = leaf(gen_.b), gen_wh = leaf(gen_.wh);
  const Var fac_w = leaf(fac_w_), out_w = leaf(out_w_), out_b = leaf(out_b_);
  for (int s = 0; s < T_out; ++s) {
    Var u = zero_input;
    if (c.controller) {
      // lfads-torch's lag: the forward encoder state of bin s - lag and the backward one of bin
      // s + lag, zeros where that bin is not observed.
      Var ef = s - lag >= 0 && s - lag < T_in ? ci_f[static_cast<size_t>(s - lag)] : no_encoding;
      Var eb = s + lag < T_in ? ci_b[static_cast<size_t>(s + lag)] : no_encoding;
      Var cin = nn::concat({ef, eb, fac}, 1);  // (B, 2Ce+F)
      con = gru_step(con_wh, nn::matmul(cin, con_wx) + con_b, con);
      Var mu = nn::matmul(con, u_mu_w) + u_mu_b;  // (B, U)
      Var lv = gaussian_log_var(nn::matmul(con, u_lv_w) + u_lv_b);
      u_mu.push_back(mu);
      u_lv.push_back(lv);
      u = mu;
      if (sampled) {
        std::vector<float> eps(static_cast<size_t>(B) * U);
        if (pass.input_noise)
          std::copy_n(pass.input_noise + static_cast<size_t>(s) * B * U, eps.size(), eps.begin());
        else
          for (float& e : eps) e = noise->normal();
        u = mu + nn::exp(nn::affine(lv, 0.5f, 0.0f)) * t.constant(eps.data(), nn::Shape{B, U});
      }
      if (out) std::copy(u.data(), u.data() + B * U, out->inputs.begin() + static_cast<std::ptrdiff_t>(s) * B * U);
    }
    g = gru_step(gen_wh, nn::matmul(u, gen_wx) + gen_b, g);  // (B, G)
    fac = nn::matmul(g, fac_w);                              // (B, F)
    Var log_rate = nn::matmul(fac, out_w) + out_b;           // (B, N_out)
    // Poisson NLL (without log k!) on the scored entries: sum over bins and neurons, mean over trials.
    const size_t off = static_cast<size_t>(s) * B * No;
    Var k = t.constant(x + off, nn::Shape{B, No});
    Var nll = (nn::exp(log_rate) - k * log_rate) * t.constant(scored.data() + off, nn::Shape{B, No});
    Var step_loss = nn::affine(nn::sum(nll), 1.0f / static_cast<float>(rows), 0.0f);
    recon = recon.valid() ? recon + step_loss : step_loss;
    if (out) {
      std::copy(log_rate.data(), log_rate.data() + B * No, out->log_rates.begin() + static_cast<std::ptrdiff_t>(off));
      std::copy(fac.data(), fac.data() + B * F, out->factors.begin() + static_cast<std::ptrdiff_t>(s) * B * F);
    }
  }
  Graph graph;
  graph.reconstruction = recon;
  graph.kl_ic =
      nn::gaussian_kl(mu0, lv0, params_.on(t, ic_prior_mu_), t.constant(nn::Shape{c.ic}, std::log(c.ic_prior_var)));
  // gaussian_kl is a mean over the pass's B trials: a share's part of a mean over `rows`.
  if (rows != B) graph.kl_ic = nn::affine(graph.kl_ic, static_cast<float>(B) / static_cast<float>(rows), 0.0f);
  graph.kl_inputs = c.controller ? ar1_kl(u_mu, u_lv, c.ar_tau, c.ar_var, rows) : t.constant(nn::Shape{}, 0.0f);
  Var wg = params_.on(t, gen_.wh);
  graph.l2 = nn::sum(wg * wg);
  if (c.controller) {
    Var wc = params_.on(t, con_.wh);
    graph.l2 = graph.l2 + nn::sum(wc * wc);
  }
  graph.total = recon + nn::affine(graph.kl_ic + graph.kl_inputs, pass.kl_weight, 0.0f) +
                nn::affine(graph.l2, pass.l2_weight, 0.0f);
  return graph;
}

// ---------------------------------------------------------------- the inference pass as data

// build() with noise == nullptr (posterior means) and no dropout mask, step for step, as data.
LfadsPlan Lfads::forward_plan(int T_in, int T_out) const {
  nn::require_int_range(T_in, 2, 100000, "Lfads::forward_plan: T_in");
  nn::require_int_range(T_out, T_in, 100000, "Lfads::forward_plan: T_out");
  const LfadsConfig& c = config_;
  const int T = T_in, N = c.out_neurons(), F = c.factors, G = c.generator, U = c.inputs, lag = c.controller_input_lag;
  const auto name = [&](int i) { return params_.entry(i).name; };
  const double clip = c.cell_clip;
  LfadsPlan plan;
  auto& ops = plan.ops;
  const auto linear = [&](const std::string& in, const std::string& out, int width, std::vector<std::string> w) {
    ops.push_back({"linear", {in}, out, {-1, width}, std::move(w), {}});
  };
  // One GRU step; h is "" at a zero state (the first step), where h W_h and z h vanish.
  // at: the time step's suffix of the h-projection's name.
  const auto gru = [&](const Gru& g, const std::string& tag, const std::string& x_proj, int step, int steps,
                       const std::string& h, const std::string& out, const std::string& at) {
    if (h.empty()) {
      ops.push_back({"gru", {x_proj}, out, {-1, g.size}, {}, {{"step", step}, {"steps", steps}, {"clip", clip}}});
      return;
    }
    const std::string hp = tag + ".hproj" + at;
    linear(h, hp, 3 * g.size, {name(g.wh)});
    ops.push_back({"gru", {x_proj, hp, h}, out, {-1, g.size}, {}, {{"step", step}, {"steps", steps}, {"clip", clip}}});
  };
  // run_gru(): every step's input projection in one linear over (B, T, N), then the steps in order.
  const auto encoder = [&](const Gru& g, const std::string& tag, bool reverse) {
    const std::string xp = tag + ".xproj";
    ops.push_back({"linear", {"spikes"}, xp, {-1, T, 3 * g.size}, {name(g.wx), name(g.b)}, {}});
    std::string h;
    for (int s = 0; s < T; ++s) {
      const int step = reverse ? T - 1 - s : s;
      const std::string out = tag + ".h." + std::to_string(step);
      gru(g, tag, xp, step, T, h, out, "." + std::to_string(step));
      h = out;
    }
  };
  // Initial condition: q(ic) mean from the final encoder states, g0 = Linear(ic), f0 = W_f g0.
  encoder(ic_fwd_, "ic_enc.fwd", false);
  encoder(ic_bwd_, "ic_enc.bwd", true);
  ops.push_back(
      {"concat", {"ic_enc.fwd.h." + std::to_string(T - 1), "ic_enc.bwd.h.0"}, "ic.enc", {-1, 2 * c.encoder}, {}, {}});
  linear("ic.enc", "ic_mean", c.ic, {name(ic_mu_w_), name(ic_mu_b_)});
  linear("ic_mean", "gen.h.init", G, {name(g0_w_), name(g0_b_)});
  linear("gen.h.init", "factors.init", F, {name(fac_w_)});
  if (c.controller) {
    encoder(ci_fwd_, "ci_enc.fwd", false);
    encoder(ci_bwd_, "ci_enc.bwd", true);
    if (lag > 0 || T_out > T_in) ops.push_back({"zeros", {}, "ci_enc.none", {-1, c.controller_encoder}, {}, {}});
  } else {
    // u = 0 (B, 1): the generator's input projection is its bias on every row, every step.
    ops.push_back({"bias_rows", {}, "gen.xproj", {-1, 3 * G}, {name(gen_.b)}, {}});
  }
  nn::PlanOutput log_rates{"log_rates", {}}, factors{"factors", {}}, inputs{"inputs", {}};
  std::string g = "gen.h.init", fac = "factors.init", con;
  for (int s = 0; s < T_out; ++s) {
    const std::string at = "." + std::to_string(s);
    std::string gx = "gen.xproj";
    if (c.controller) {
      // c_t = GRU([e^f_{t-lag}, e^b_{t+lag}, f_{t-1}], c_{t-1}) (zeros outside the observed bins); u_t = posterior
      // mean.
      const std::string ef = s - lag >= 0 && s - lag < T ? "ci_enc.fwd.h." + std::to_string(s - lag) : "ci_enc.none";
      const std::string eb = s + lag < T ? "ci_enc.bwd.h." + std::to_string(s + lag) : "ci_enc.none";
      ops.push_back({"concat", {ef, eb, fac}, "con.in" + at, {-1, 2 * c.controller_encoder + F}, {}, {}});
      linear("con.in" + at, "con.xproj" + at, 3 * c.controller_size, {name(con_.wx), name(con_.b)});
      gru(con_, "con", "con.xproj" + at, 0, 1, con, "con.h" + at, at);  // a one-step projection: step 0
      con = "con.h" + at;
      linear(con, "inputs" + at, U, {name(u_mu_w_), name(u_mu_b_)});
      inputs.steps.push_back("inputs" + at);
      gx = "gen.xproj" + at;
      linear("inputs" + at, gx, 3 * G, {name(gen_.wx), name(gen_.b)});
    }
    // g_t = GRU(u_t, g_{t-1}); f_t = W_f g_t; log-rates = W_o f_t + b.
    gru(gen_, "gen", gx, 0, 1, g, "gen.h" + at, at);
    g = "gen.h" + at;
    fac = "factors" + at;
    linear(g, fac, F, {name(fac_w_)});
    linear(fac, "log_rates" + at, N, {name(out_w_), name(out_b_)});
    factors.steps.push_back(fac);
    log_rates.steps.push_back("log_rates" + at);
  }
  plan.outputs.push_back(log_rates);
  plan.outputs.push_back(factors);
  if (c.controller) plan.outputs.push_back(inputs);
  plan.outputs.push_back({"ic_mean", {"ic_mean"}});
  return plan;
}

// ---------------------------------------------------------------- training and inference

LfadsOutputs Lfads::infer(const float* inputs, int T_in, int T_out, const std::vector<int>& indices, int chunk) {
  nn::require_int_range(chunk, 1, 4096, "Lfads::infer: chunk");
  nn::require(T_in >= 2 && T_out >= T_in, "Lfads::infer: expected 2 <= T_in <= T_out, got ", T_in, " and ", T_out);
  const int Ni = config_.neurons, N = config_.out_neurons(), F = config_.factors, U = config_.inputs, T = T_out;
  const int K = static_cast<int>(indices.size());
  nn::Tape tape;  // reused across the chunks
  LfadsOutputs all;
  all.T = T;
  all.B = K;
  all.log_rates.resize(static_cast<size_t>(T) * K * N);
  all.factors.resize(static_cast<size_t>(T) * K * F);
  all.inputs.resize(static_cast<size_t>(T) * K * U);
  all.ic_mean.resize(static_cast<size_t>(K) * config_.ic);
  for (int first = 0; first < K; first += chunk) {
    const int B = std::min(chunk, K - first);
    // build() takes the read-out layout (T_out, B, N_out); only the input part is filled (and read).
    std::vector<float> x(static_cast<size_t>(T) * B * N, 0.0f);
    for (int b = 0; b < B; ++b)
      for (int s = 0; s < T_in; ++s)
        std::copy_n(inputs + (static_cast<size_t>(indices[static_cast<size_t>(first + b)]) * T_in + s) * Ni, Ni,
                    x.begin() + (static_cast<std::ptrdiff_t>(s) * B + b) * N);
    LfadsOutputs part;
    tape.reset();
    {
      nn::NoGradScope no_grad(tape);
      build(tape, x.data(), T_in, T_out, B, LfadsPass{}, &part);
    }
    // Scatter the chunk's (T, B, .) into the full (T, K, .).
    auto place = [&](const std::vector<float>& src, std::vector<float>& dst, int width) {
      for (int s = 0; s < T; ++s)
        std::copy_n(src.begin() + static_cast<std::ptrdiff_t>(s) * B * width, B * width,
                    dst.begin() + (static_cast<std::ptrdiff_t>(s) * K + first) * width);
    };
    place(part.log_rates, all.log_rates, N);
    place(part.factors, all.factors, F);
    place(part.inputs, all.inputs, U);
    std::copy(part.ic_mean.begin(), part.ic_mean.end(),
              all.ic_mean.begin() + static_cast<std::ptrdiff_t>(first) * config_.ic);
  }
  return all;
}

}  // namespace models
