// LFADS: Lorenz data and its NLB split, the closed-form KL terms, gradient check end to end, the
// controller's input lag, training against the baselines, and no leak of held-out data.
#include <cmath>
#include <numeric>

#include "data/lorenz.h"
#include "eval/lfads_eval.h"
#include "eval/nlb.h"
#include "eval/regression.h"
#include "gradcheck.h"
#include "lfads_fixtures.h"
#include "models/lfads.h"
#include "models/lfads_trainer.h"
#include "nn/weights.h"

using Catch::Matchers::Contains;

namespace {
data::LorenzConfig small_lorenz() {
  data::LorenzConfig c;
  c.conditions = 6;
  c.trials = 10;
  c.neurons = 12;
  c.bins = 40;
  c.forward_bins = 8;
  return c;
}
/// Small data for the baselines' tests (seed 9), and a split that holds one of its six conditions out.
data::LorenzData six_conditions() { return data::make_lorenz(small_lorenz(), 9); }
data::NlbSplit one_heldout_condition(data::LorenzData& d) {  // make_nlb_split permutes the neurons of d
  data::NlbSplitConfig sc;
  sc.heldout_conditions = 1;
  return data::make_nlb_split(d, sc, 9);
}

/// The three baselines fitted on the training trials (GPFA with 2 latents, no search over them).
eval::NlbBaselines small_baselines(const data::LorenzData& d, const data::NlbSplit& split) {
  eval::NlbBaselines b;
  const eval::RateLayout lt = eval::RateLayout::of(d, split, static_cast<int>(split.train_trials.size()));
  const std::vector<float> train = data::gather_trials(d.spikes, d.total_bins(), d.neurons, split.train_trials);
  b.smoothing.fit(data::heldin_spikes(d, split.heldin, split.train_trials).data(), train.data(), lt);
  std::vector<int> cond;
  for (int k : split.train_trials) cond.push_back(d.condition[static_cast<size_t>(k)]);
  b.psth.fit(train.data(), cond, lt);
  b.gpfa.candidates = {2};
  b.gpfa.fit(train.data(), lt);
  return b;
}
}  // namespace

TEST_CASE("Lorenz data: normalized state, shared rates per condition, Poisson counts", "[lfads]") {
  const data::LorenzConfig c = small_lorenz();
  const data::LorenzData d = data::make_lorenz(c, 3);
  REQUIRE(d.count() == 60);
  for (int dim = 0; dim < 3; ++dim) {
    double mean = 0, max_abs = 0;
    for (int k = 0; k < d.count(); k += d.trials)  // one trial per condition carries its trajectory
      for (int t = 0; t < d.total_bins(); ++t) {
        const float v = d.trial_latent(k)[t * 3 + dim];
        mean += v;
        max_abs = std::max(max_abs, std::fabs(static_cast<double>(v)));
      }
    CHECK(mean / (c.conditions * d.total_bins()) == Approx(0.0).margin(1e-5));
    CHECK(max_abs == Approx(1.0).margin(1e-6));
  }
  // Trials of one condition share rates and latents, not spikes.
  const int per = d.total_bins() * d.neurons;
  CHECK(std::equal(d.trial_rates(0), d.trial_rates(0) + per, d.trial_rates(1)));
  CHECK(!std::equal(d.trial_spikes(0), d.trial_spikes(0) + per, d.trial_spikes(1)));
  CHECK(d.spikes.size() == static_cast<size_t>(60) * 48 * 12);
  // Counts: integers, mean matching the rates, Poisson-like dispersion.
  double sum_k = 0, sum_r = 0, sum_sq = 0;
  const std::vector<int> every = [&] {
    std::vector<int> all(static_cast<size_t>(d.count()));
    for (int k = 0; k < d.count(); ++k) all[static_cast<size_t>(k)] = k;
    return all;
  }();
  const std::vector<float> rates = d.true_rates(every);
  for (size_t i = 0; i < d.spikes.size(); ++i) {
    REQUIRE(d.spikes[i] == std::floor(d.spikes[i]));
    sum_k += d.spikes[i];
    sum_r += rates[i];
    sum_sq += (d.spikes[i] - rates[i]) * (d.spikes[i] - rates[i]);
  }
  CHECK(sum_k / sum_r == Approx(1.0).epsilon(0.05));
  CHECK(sum_sq / sum_r == Approx(1.0).epsilon(0.1));  // Var = mean for Poisson counts
  const float min_rate = *std::min_element(rates.begin(), rates.end());
  CHECK(min_rate > 0.0f);
  std::vector<int> train, held;
  data::split_trials(d, 5, train, held);
  CHECK(held.size() == 12);
  CHECK(train.size() == 48);
}

TEST_CASE("the NLB split: held-out neurons, trials and conditions, disjoint, seeded, neurons permuted", "[lfads]") {
  const data::LorenzConfig c = small_lorenz();
  const data::LorenzData original = data::make_lorenz(c, 3);
  data::LorenzData d = original;
  data::NlbSplitConfig sc;
  sc.heldout_conditions = 2;
  const data::NlbSplit s = data::make_nlb_split(d, sc, 7);
  CHECK(s.heldout == 2);  // round(0.2 * 12)
  CHECK(s.heldin == 10);
  CHECK(s.heldout_conditions.size() == 2);
  CHECK(s.heldout_condition_trials.size() == 20);
  CHECK(s.heldout_trials.size() == 8);  // every 5th of 10 trials, 4 training conditions
  CHECK(s.train_trials.size() == 32);
  std::vector<int> all;
  for (const auto* v : {&s.train_trials, &s.heldout_trials, &s.heldout_condition_trials})
    all.insert(all.end(), v->begin(), v->end());
  std::sort(all.begin(), all.end());
  CHECK(std::adjacent_find(all.begin(), all.end()) == all.end());
  CHECK(all.size() == 60u);
  for (int k : s.train_trials)
    CHECK(!std::binary_search(s.heldout_conditions.begin(), s.heldout_conditions.end(),
                              d.condition[static_cast<size_t>(k)]));
  // Neuron j of the split data is generated neuron order[j], in every bin of every trial.
  for (int j = 0; j < d.neurons; ++j)
    for (size_t row = 0; row < d.condition_rates.size() / 12; row += 37)
      REQUIRE(d.condition_rates[row * 12 + j] ==
              original.condition_rates[row * 12 + s.neuron_order[static_cast<size_t>(j)]]);
  // The same seed draws the same split; another seed another one.
  data::LorenzData again = original, other = original;
  CHECK(data::make_nlb_split(again, sc, 7).neuron_order == s.neuron_order);
  const data::NlbSplit s2 = data::make_nlb_split(other, sc, 8);
  CHECK((s2.neuron_order != s.neuron_order || s2.heldout_conditions != s.heldout_conditions));
  // What a model reads: held-in neurons over the observed bins only.
  const std::vector<float> x = data::heldin_spikes(d, s.heldin, {5});
  REQUIRE(x.size() == static_cast<size_t>(40 * 10));
  CHECK(x[39 * 10 + 9] == d.trial_spikes(5)[39 * 12 + 9]);
}

TEST_CASE("the AR(1) KL matches a Monte Carlo estimate; the Gaussian KL matches its closed form", "[lfads]") {
  nn::Tape t;
  nn::Rng rng(4);
  const int T = 6, U = 2;
  std::vector<std::vector<float>> m(T), lv(T);
  std::vector<nn::Var> mu, logvar;
  for (int s = 0; s < T; ++s) {
    for (int u = 0; u < U; ++u) {
      m[s].push_back(rng.uniform(-1, 1));
      lv[s].push_back(rng.uniform(-2, 0));
    }
    mu.push_back(t.constant(m[s].data(), nn::Shape{1, U}));
    logvar.push_back(t.constant(lv[s].data(), nn::Shape{1, U}));
  }
  const float tau = 4, var = 0.3f, phi = std::exp(-1.0f / tau);
  const double analytic = models::ar1_kl(mu, logvar, tau, var).item();
  // E_q[log q(u) - log p(u)] by sampling.
  double mc = 0;
  const int samples = 200000;
  for (int n = 0; n < samples; ++n)
    for (int u = 0; u < U; ++u) {
      double prev = 0, kl = 0;
      for (int s = 0; s < T; ++s) {
        const double sd = std::exp(0.5 * lv[s][u]), x = m[s][u] + sd * rng.normal();
        const double log_q = -0.5 * std::log(2 * M_PI * sd * sd) - 0.5 * (x - m[s][u]) * (x - m[s][u]) / (sd * sd);
        const double pv = s == 0 ? var : var * (1 - phi * phi), pm = s == 0 ? 0.0 : phi * prev;
        const double log_p = -0.5 * std::log(2 * M_PI * pv) - 0.5 * (x - pm) * (x - pm) / pv;
        kl += log_q - log_p;
        prev = x;
      }
      mc += kl / samples;
    }
  CHECK(analytic == Approx(mc).epsilon(0.01));
  // Gaussian KL: 0.5 * (lv_p - lv_q + (exp(lv_q) + (m_q - m_p)^2) / exp(lv_p) - 1), summed.
  const float mq[2] = {0.3f, -1.0f}, lq[2] = {-0.5f, 0.2f}, mp[2] = {0.0f, 0.5f},
              lp[2] = {std::log(0.1f), std::log(0.1f)};
  double closed = 0;
  for (int i = 0; i < 2; ++i)
    closed += 0.5 * (lp[i] - lq[i] + (std::exp(lq[i]) + (mq[i] - mp[i]) * (mq[i] - mp[i])) / std::exp(lp[i]) - 1);
  CHECK(nn::gaussian_kl(t.constant(mq, nn::Shape{1, 2}), t.constant(lq, nn::Shape{1, 2}), t.constant(mp, nn::Shape{2}),
                        t.constant(lp, nn::Shape{2}))
            .item() == Approx(closed).epsilon(1e-5));
}

TEST_CASE("a tiny LFADS with its controller: gradients match finite differences end to end", "[lfads]") {
  models::LfadsConfig c;
  c.neurons = 3;
  c.readout_neurons = 4;  // one neuron the encoders never read
  c.encoder = 3;
  c.ic = 2;
  c.generator = 4;
  c.factors = 2;
  c.controller_encoder = 2;
  c.controller_size = 3;
  c.inputs = 1;
  models::Lfads model(c, 7);
  const int T = 4, T_out = 5, B = 2;  // one forward bin
  std::vector<float> x(static_cast<size_t>(T_out * B * 4)), mask(static_cast<size_t>(T * B * 3));
  nn::Rng rng(8);
  for (auto& v : x) v = static_cast<float>(rng.below(3));
  for (auto& m : mask) m = rng.uniform() < 0.3f ? 0.0f : 1.0f;
  testing::check_param_gradients(
      model.params(),
      [&](nn::Tape& t) {
        nn::Rng noise(11);       // the same posterior samples at every evaluation
        models::LfadsPass pass;  // coordinated dropout 0.3, the default loss weights ramped to 0.7
        pass.noise = &noise;
        pass.drop_mask = mask.data();
        pass.keep = 0.7f;
        pass.kl_weight = 0.7f * models::LfadsTrainConfig{}.kl_weight;
        pass.l2_weight = 0.7f * models::LfadsTrainConfig{}.l2_weight;
        return model.build(t, x.data(), T, T_out, B, pass).total;
      },
      6, 1e-2, 2e-3, 3e-2);  // eps 1e-2: the float loss (~100) quantizes finer differences
}

TEST_CASE("the controller input lag: step t reads the forward encoder at t - lag and the backward one at t + lag",
          "[lfads]") {
  models::LfadsConfig c;
  c.neurons = 3;
  c.encoder = c.generator = c.controller_encoder = c.controller_size = 4;
  c.ic = c.factors = 2;
  for (int lag : {0, 1, 2}) {
    c.controller_input_lag = lag;
    models::Lfads model(c, 1);
    const int T = 5, T_out = 7;
    const models::LfadsPlan plan = model.forward_plan(T, T_out);
    std::vector<std::vector<std::string>> reads;
    for (const auto& op : plan.ops)
      if (op.output.rfind("con.in.", 0) == 0) reads.push_back(op.inputs);
    REQUIRE(reads.size() == static_cast<size_t>(T_out));
    for (int s = 0; s < T_out; ++s) {
      INFO("lag " << lag << ", step " << s);
      const std::string fwd = s - lag >= 0 && s - lag < T ? "ci_enc.fwd.h." + std::to_string(s - lag) : "ci_enc.none";
      const std::string bwd = s + lag < T ? "ci_enc.bwd.h." + std::to_string(s + lag) : "ci_enc.none";
      CHECK(reads[static_cast<size_t>(s)][0] == fwd);
      CHECK(reads[static_cast<size_t>(s)][1] == bwd);
    }
  }
  // Weights files from before the lag existed read x_t (lag 0); new ones say their lag.
  CHECK(models::LfadsConfig::from_text("neurons=3").controller_input_lag == 0);
  c.controller_input_lag = 1;
  CHECK(models::LfadsConfig::from_text(c.to_text()).controller_input_lag == 1);
}

TEST_CASE("short fixed-seed training beats spike smoothing on held-out neurons of held-out trials",
          "[lfads][learning]") {
  data::LorenzConfig dc = small_lorenz();
  dc.steps_per_bin = 4;
  dc.conditions = 8;
  dc.neurons = 20;  // 4 held out: enough spikes for co-bps to mean something
  data::LorenzData d = data::make_lorenz(dc, 5);
  data::NlbSplitConfig sc;
  sc.heldout_conditions = 2;
  const data::NlbSplit split = data::make_nlb_split(d, sc, 5);
  models::LfadsConfig c = small_lfads();
  c.neurons = split.heldin;
  c.readout_neurons = d.neurons;
  const models::LfadsTrainConfig tc = short_lfads_training();
  models::LfadsTrainer trainer(c, tc);
  const std::vector<float> train = data::gather_trials(d.spikes, d.total_bins(), d.neurons, split.train_trials);
  nn::Rng order(3);
  // 600 steps: enough for a clear margin over smoothing (every build rounds alike: test_golden.cpp).
  for (int s = 0; s < 600; ++s) {
    std::vector<int> batch(16);
    for (int& b : batch) b = static_cast<int>(order.below(static_cast<uint32_t>(split.train_trials.size())));
    trainer.train_step(train.data(), d.bins, d.total_bins(), batch);
  }
  const eval::LfadsReport r = eval::evaluate_lfads(trainer.model(), d, split);
  eval::SpikeSmoothing smoothing;
  const eval::RateLayout lt = eval::RateLayout::of(d, split, static_cast<int>(split.train_trials.size()));
  smoothing.fit(data::heldin_spikes(d, split.heldin, split.train_trials).data(), train.data(), lt);
  const eval::MethodRates m = [&] {
    eval::MethodRates out;
    const eval::RateLayout l = eval::RateLayout::of(d, split, static_cast<int>(split.heldout_trials.size()));
    out.heldout_trials = smoothing.predict(data::heldin_spikes(d, split.heldin, split.heldout_trials).data(), l);
    out.train = smoothing.predict(data::heldin_spikes(d, split.heldin, split.train_trials).data(), lt);
    return out;
  }();
  const eval::NlbScores smooth =
      eval::score_method(d, split, split.heldout_trials, m.heldout_trials, split.train_trials, m.train);
  INFO("LFADS co-bps " << r.heldout_trials.co_bps << ", rate R2 " << r.heldout_trials.rate_r2 << "; smoothing co-bps "
                       << smooth.co_bps << ", rate R2 " << smooth.rate_r2 << " (sigma " << smoothing.sigma << ")");
  CHECK(r.heldout_trials.co_bps > smooth.co_bps);
  CHECK(r.heldout_trials.rate_r2 > smooth.rate_r2);
  CHECK(r.factor_r2_trials > 0.5);
}

TEST_CASE(
    "no held-out information leaks: changing held-out neurons and forward bins of evaluation trials changes no "
    "prediction",
    "[lfads]") {
  data::LorenzData d = six_conditions();
  const data::NlbSplit split = one_heldout_condition(d);
  models::LfadsConfig c;
  c.neurons = split.heldin;
  c.readout_neurons = d.neurons;
  c.encoder = c.generator = c.controller_encoder = c.controller_size = 8;
  c.ic = c.factors = 3;
  models::Lfads model(c, 2);
  const eval::NlbBaselines b = small_baselines(d, split);
  const auto predictions = [&](const data::LorenzData& data) {
    std::vector<std::vector<float>> p;
    for (const auto* trials : {&split.heldout_trials, &split.heldout_condition_trials}) {
      p.push_back(eval::lfads_outputs(model, data, split, *trials).log_rates);
      for (const char* m : {"smoothing", "gpfa", "psth"}) {
        if (trials == &split.heldout_condition_trials && std::string(m) == "psth") continue;
        const eval::MethodRates r = eval::baseline_rates(data, split, eval::EvalSets::all(split), b, m);
        p.push_back(trials == &split.heldout_trials ? r.heldout_trials : r.heldout_conditions);
      }
    }
    return p;
  };
  const auto before = predictions(d);
  data::LorenzData changed = d;
  nn::Rng rng(1);
  const int T = d.total_bins(), N = d.neurons;
  for (const auto* trials : {&split.heldout_trials, &split.heldout_condition_trials})
    for (int k : *trials)
      for (int t = 0; t < T; ++t)
        for (int n = 0; n < N; ++n)
          if (n >= split.heldin || t >= d.bins)
            changed.spikes[(static_cast<size_t>(k) * T + t) * N + n] = static_cast<float>(rng.below(9));
  CHECK(changed.spikes != d.spikes);
  CHECK(predictions(changed) == before);
}

TEST_CASE("metrics: ridge recovers a linear map, R^2 and bits per spike behave", "[lfads]") {
  nn::Rng rng(9);
  std::vector<float> X(200 * 3), Y(200 * 2);
  for (int i = 0; i < 200; ++i) {
    for (int j = 0; j < 3; ++j) X[i * 3 + j] = rng.normal();
    Y[i * 2] = 2 * X[i * 3] - X[i * 3 + 2] + 1;
    Y[i * 2 + 1] = 0.5f * X[i * 3 + 1] - 3;
  }
  eval::Ridge ridge;
  ridge.fit(X.data(), Y.data(), 200, 3, 2, 0.0);
  CHECK(ridge.weights()(0, 0) == Approx(2.0).margin(1e-6));
  CHECK(ridge.bias()(1) == Approx(-3.0).margin(1e-6));
  CHECK(eval::mean_column_r2(ridge.predict(X.data(), 200).data(), Y.data(), 200, 2) == Approx(1.0).margin(1e-9));
  std::vector<float> zeros(Y.size(), 0.0f);
  CHECK(eval::r2(Y.data(), Y.data(), 200, 2) == 1.0);
  // Bits per spike: the true log-rates beat the mean-rate null; the null itself scores 0.
  const data::LorenzData d = data::make_lorenz(small_lorenz(), 1);
  std::vector<float> log_true(d.spikes.size());
  for (int k = 0; k < d.count(); ++k)
    for (int i = 0; i < d.total_bins() * d.neurons; ++i)
      log_true[static_cast<size_t>(k) * d.total_bins() * d.neurons + static_cast<size_t>(i)] =
          std::log(d.trial_rates(k)[i]);
  const size_t n = d.spikes.size() / static_cast<size_t>(d.neurons);
  CHECK(eval::bits_per_spike(log_true.data(), d.spikes.data(), n, d.neurons) > 0.1);
  const auto smooth = eval::gaussian_smooth(d.trial_spikes(0), d.total_bins(), d.neurons, 2.0);
  double before = 0, after = 0;
  for (int i = 0; i < d.total_bins() * d.neurons; ++i) {
    before += d.trial_spikes(0)[i];
    after += smooth[static_cast<size_t>(i)];
  }
  CHECK(after == Approx(before).epsilon(0.1));
  const auto p = eval::pca(X.data(), 200, 3, 2);
  CHECK(p.explained[0] >= p.explained[1]);
}

TEST_CASE("LFADS and the data refuse bad input", "[lfads]") {
  std::vector<float> spikes = {0, 1, 2, 1.5f};
  REQUIRE_THROWS_WITH(data::validate_spikes(spikes.data(), 1, 2, 2),
                      Contains("trial 0, bin 1, neuron 1: expected a non-negative integer count, got 1.5"));
  spikes[3] = -1;
  REQUIRE_THROWS_WITH(data::validate_spikes(spikes.data(), 1, 2, 2), Contains("got -1"));
  REQUIRE_THROWS_WITH(data::validate_spikes(spikes.data(), 1, 2, 0), Contains("expected at least one neuron"));
  models::LfadsConfig c;
  c.neurons = 0;
  REQUIRE_THROWS_WITH(models::Lfads(c, 1), Contains("LfadsConfig.neurons: expected an integer in [1, 4096], got 0"));
  c = {};
  c.factors = 0;
  REQUIRE_THROWS_WITH(models::Lfads(c, 1), Contains("LfadsConfig.factors"));
  c = {};
  c.readout_neurons = 20;
  REQUIRE_THROWS_WITH(models::Lfads(c, 1), Contains("LfadsConfig.readout_neurons"));
  c = {};
  c.controller_input_lag = -1;
  REQUIRE_THROWS_WITH(models::Lfads(c, 1), Contains("LfadsConfig.controller_input_lag"));
  data::LorenzConfig lc;
  lc.bins = 1;
  REQUIRE_THROWS_WITH(data::make_lorenz(lc, 1), Contains("LorenzConfig.bins"));
  data::LorenzData small = data::make_lorenz(small_lorenz(), 1);
  data::NlbSplitConfig sc;
  sc.heldout_conditions = 6;
  REQUIRE_THROWS_WITH(data::make_nlb_split(small, sc, 1), Contains("NlbSplitConfig.heldout_conditions"));
}

TEST_CASE("fitted baselines survive a file: the same settings, rates within float32 rounding; bad files refused",
          "[lfads]") {
  data::LorenzData d = six_conditions();
  const data::NlbSplit split = one_heldout_condition(d);
  const eval::NlbBaselines b = small_baselines(d, split);
  const std::vector<uint8_t> bytes = eval::encode_baselines(b);
  const eval::NlbBaselines loaded = eval::decode_baselines(bytes.data(), bytes.size());
  CHECK(loaded.smoothing.sigma == b.smoothing.sigma);
  CHECK(loaded.smoothing.alpha == b.smoothing.alpha);
  CHECK(loaded.smoothing.log_input == b.smoothing.log_input);
  CHECK(loaded.smoothing.hold_last == b.smoothing.hold_last);
  CHECK(loaded.psth.sigma == b.psth.sigma);
  CHECK(loaded.psth.conditions == b.psth.conditions);
  CHECK(loaded.gpfa.latents == b.gpfa.latents);
  CHECK(loaded.gpfa.bin_width == b.gpfa.bin_width);
  CHECK(loaded.gpfa.alpha == b.gpfa.alpha);
  for (const char* method : {"smoothing", "gpfa", "psth"}) {
    const eval::MethodRates before = eval::baseline_rates(d, split, eval::EvalSets::all(split), b, method);
    const eval::MethodRates after = eval::baseline_rates(d, split, eval::EvalSets::all(split), loaded, method);
    REQUIRE(after.heldout_trials.size() == before.heldout_trials.size());
    for (size_t i = 0; i < before.heldout_trials.size(); ++i) {
      INFO(method << " rate " << i);
      REQUIRE(after.heldout_trials[i] == Approx(before.heldout_trials[i]).epsilon(1e-4));
    }
  }
  CHECK(eval::encode_baselines(loaded).size() == bytes.size());
  // A LFADS weights file, a truncated file and a file with an altered byte are refused by name.
  models::LfadsConfig c;
  c.neurons = split.heldin;
  c.readout_neurons = d.neurons;
  models::Lfads model(c, 2);
  const std::vector<uint8_t> lfads = nn::encode_weights(model.params(), "lfads", c.to_text());
  CHECK_THROWS_WITH(eval::decode_baselines(lfads.data(), lfads.size()),
                    Contains("expected a 'nlb-baselines' file, got 'lfads'"));
  CHECK_THROWS_WITH(eval::decode_baselines(bytes.data(), bytes.size() / 2), Contains("truncated"));
  std::vector<uint8_t> altered = bytes;
  altered[altered.size() / 2] ^= 0x10;
  CHECK_THROWS(eval::decode_baselines(altered.data(), altered.size()));
}

TEST_CASE("LfadsTrainer::load_weights adopts the file's architecture and refuses other neuron counts", "[lfads]") {
  models::LfadsConfig small;
  small.neurons = 6;
  small.readout_neurons = 8;
  small.encoder = small.controller_encoder = small.controller_size = 4;
  small.generator = 6;
  small.ic = small.factors = 2;
  models::LfadsTrainConfig tc;
  tc.seed = 5;
  models::LfadsTrainer writer(small, tc);
  models::LfadsConfig c = small;
  c.generator = 10;
  c.factors = 3;
  tc.seed = 6;
  models::LfadsTrainer reader(c, tc);
  const std::vector<uint8_t> bytes = writer.export_weights();
  reader.load_weights(bytes.data(), bytes.size());
  CHECK(reader.config().to_text() == small.to_text());
  CHECK(reader.model().params().values() == writer.model().params().values());
  models::LfadsConfig other = small;
  other.readout_neurons = 9;
  const std::vector<uint8_t> wrong = models::LfadsTrainer(other, tc).export_weights();
  const std::vector<float> before = reader.model().params().values();
  REQUIRE_THROWS_WITH(
      reader.load_weights(wrong.data(), wrong.size()),
      Contains("the file's model reads 6 neurons and reads out 9; the data has 6 held-in of 8 neurons"));
  CHECK(reader.model().params().values() == before);
}
