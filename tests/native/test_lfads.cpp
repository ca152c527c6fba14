// LFADS: Lorenz data, the closed-form KL terms, gradient check end to end, training, metrics.
#include <cmath>
#include <numeric>

#include "data/lorenz.h"
#include "eval/lfads_eval.h"
#include "eval/regression.h"
#include "gradcheck.h"
#include "models/lfads.h"

using Catch::Matchers::Contains;

namespace {
data::LorenzConfig small_lorenz() {
  data::LorenzConfig c;
  c.conditions = 6;
  c.trials = 10;
  c.neurons = 12;
  c.bins = 40;
  return c;
}
}  // namespace

TEST_CASE("Lorenz data: normalized state, shared rates per condition, Poisson counts", "[lfads]") {
  const data::LorenzConfig c = small_lorenz();
  const data::LorenzData d = data::make_lorenz(c, 3);
  REQUIRE(d.count() == 60);
  for (int dim = 0; dim < 3; ++dim) {
    double mean = 0, max_abs = 0;
    for (int k = 0; k < d.count(); k += d.trials)  // one trial per condition carries its trajectory
      for (int t = 0; t < d.bins; ++t) {
        const float v = d.trial_latent(k)[t * 3 + dim];
        mean += v;
        max_abs = std::max(max_abs, std::fabs(static_cast<double>(v)));
      }
    CHECK(mean / (c.conditions * c.bins) == Approx(0.0).margin(1e-5));
    CHECK(max_abs == Approx(1.0).margin(1e-6));
  }
  // Trials of one condition share rates and latents, not spikes.
  CHECK(std::equal(d.trial_rates(0), d.trial_rates(0) + d.bins * d.neurons, d.trial_rates(1)));
  CHECK(!std::equal(d.trial_spikes(0), d.trial_spikes(0) + d.bins * d.neurons, d.trial_spikes(1)));
  // Counts: integers, mean matching the rates, Poisson-like dispersion.
  double sum_k = 0, sum_r = 0, sum_sq = 0;
  for (size_t i = 0; i < d.spikes.size(); ++i) {
    REQUIRE(d.spikes[i] == std::floor(d.spikes[i]));
    sum_k += d.spikes[i];
    sum_r += d.rates[i];
    sum_sq += (d.spikes[i] - d.rates[i]) * (d.spikes[i] - d.rates[i]);
  }
  CHECK(sum_k / sum_r == Approx(1.0).epsilon(0.05));
  CHECK(sum_sq / sum_r == Approx(1.0).epsilon(0.1));  // Var = mean for Poisson counts
  const float min_rate = *std::min_element(d.rates.begin(), d.rates.end());
  CHECK(min_rate > 0.0f);
  std::vector<int> train, held;
  data::split_trials(d, 5, train, held);
  CHECK(held.size() == 12);
  CHECK(train.size() == 48);
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
  const float mq[2] = {0.3f, -1.0f}, lq[2] = {-0.5f, 0.2f}, mp[2] = {0.0f, 0.5f}, lp[2] = {std::log(0.1f), std::log(0.1f)};
  double closed = 0;
  for (int i = 0; i < 2; ++i) closed += 0.5 * (lp[i] - lq[i] + (std::exp(lq[i]) + (mq[i] - mp[i]) * (mq[i] - mp[i])) / std::exp(lp[i]) - 1);
  CHECK(nn::gaussian_kl(t.constant(mq, nn::Shape{1, 2}), t.constant(lq, nn::Shape{1, 2}), t.constant(mp, nn::Shape{2}),
                        t.constant(lp, nn::Shape{2})).item() == Approx(closed).epsilon(1e-5));
}

TEST_CASE("a tiny LFADS with its controller: gradients match finite differences end to end", "[lfads]") {
  models::LfadsConfig c;
  c.neurons = 3;
  c.encoder = 3;
  c.ic = 2;
  c.generator = 4;
  c.factors = 2;
  c.controller_encoder = 2;
  c.controller_size = 3;
  c.inputs = 1;
  models::LfadsTrainConfig tc;
  tc.coordinated_dropout = 0.3f;
  models::Lfads model(c, tc, 7);
  const int T = 4, B = 2;
  std::vector<float> x(static_cast<size_t>(T * B * 3)), mask(x.size());
  nn::Rng rng(8);
  for (auto& v : x) v = static_cast<float>(rng.below(3));
  for (auto& m : mask) m = rng.uniform() < 0.3f ? 0.0f : 1.0f;
  testing::check_param_gradients(model.params(), [&](nn::Tape& t) {
    nn::Rng noise(11);  // the same posterior samples at every evaluation
    return model.build(t, x.data(), T, B, &noise, mask.data(), 0.7f).total;
  }, 6, 1e-2, 2e-3, 3e-2);  // eps 1e-2: the float loss (~100) quantizes finer differences
}

TEST_CASE("short fixed-seed training beats the trial-averaging baseline on a small set", "[lfads]") {
  data::LorenzConfig dc = small_lorenz();
  dc.steps_per_bin = 4;
  const data::LorenzData d = data::make_lorenz(dc, 5);
  std::vector<int> train, held;
  data::split_trials(d, 5, train, held);
  models::LfadsConfig c;
  c.neurons = d.neurons;
  c.encoder = 24;
  c.ic = 8;
  c.generator = 24;
  c.factors = 4;
  c.controller = false;
  models::LfadsTrainConfig tc;
  tc.lr = 0.01f;
  tc.batch = 16;
  tc.ramp_start = 150;
  tc.ramp_steps = 150;
  models::Lfads model(c, tc, 3);
  nn::Rng order(3);
  for (int s = 0; s < 300; ++s) {
    std::vector<int> batch(16);
    for (int& b : batch) b = train[order.below(static_cast<uint32_t>(train.size()))];
    model.train_step(d.spikes.data(), d.bins, batch);
  }
  const eval::LfadsReport r = eval::evaluate_lfads(model, d, train, held);
  INFO("rate R2 " << r.rate_r2 << " vs trial average " << r.rate_r2_trial_average << ", smoothing " << r.rate_r2_smoothed);
  CHECK(r.rate_r2 > r.rate_r2_trial_average);
  CHECK(r.rate_r2 > r.rate_r2_smoothed);
  CHECK(r.factor_r2 > 0.5);
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
  std::vector<float> log_true(d.rates.size());
  for (size_t i = 0; i < log_true.size(); ++i) log_true[i] = std::log(d.rates[i]);
  const size_t n = d.spikes.size() / static_cast<size_t>(d.neurons);
  CHECK(eval::bits_per_spike(log_true.data(), d.spikes.data(), n, d.neurons) > 0.1);
  const auto smooth = eval::gaussian_smooth(d.trial_spikes(0), d.bins, d.neurons, 2.0);
  double before = 0, after = 0;
  for (int i = 0; i < d.bins * d.neurons; ++i) { before += d.trial_spikes(0)[i]; after += smooth[static_cast<size_t>(i)]; }
  CHECK(after == Approx(before).epsilon(0.1));
  const auto p = eval::pca(X.data(), 200, 3, 2);
  CHECK(p.explained[0] >= p.explained[1]);
}

TEST_CASE("LFADS and the data refuse bad input", "[lfads]") {
  std::vector<float> spikes = {0, 1, 2, 1.5f};
  REQUIRE_THROWS_WITH(data::validate_spikes(spikes.data(), 1, 2, 2), Contains("trial 0, bin 1, neuron 1: expected a non-negative integer count, got 1.5"));
  spikes[3] = -1;
  REQUIRE_THROWS_WITH(data::validate_spikes(spikes.data(), 1, 2, 2), Contains("got -1"));
  REQUIRE_THROWS_WITH(data::validate_spikes(spikes.data(), 1, 2, 0), Contains("expected at least one neuron"));
  models::LfadsConfig c;
  c.neurons = 0;
  REQUIRE_THROWS_WITH(models::Lfads(c, models::LfadsTrainConfig{}, 1), Contains("LfadsConfig.neurons: expected an integer in [1, 4096], got 0"));
  c = {};
  c.factors = 0;
  REQUIRE_THROWS_WITH(models::Lfads(c, models::LfadsTrainConfig{}, 1), Contains("LfadsConfig.factors"));
  data::LorenzConfig lc;
  lc.bins = 1;
  REQUIRE_THROWS_WITH(data::make_lorenz(lc, 1), Contains("LorenzConfig.bins"));
}
