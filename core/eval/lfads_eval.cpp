#include "lfads_eval.h"

#include <cmath>

#include "eval/regression.h"

namespace eval {

namespace {
constexpr double kRidgeLambda = 1.0;

/// (T, K, W) time-major read-outs -> (K * T, W) trial-major rows.
std::vector<float> trial_major(const std::vector<float>& x, int T, int K, int W) {
  std::vector<float> out(x.size());
  for (int s = 0; s < T; ++s)
    for (int k = 0; k < K; ++k)
      std::copy_n(x.begin() + (static_cast<std::ptrdiff_t>(s) * K + k) * W, W,
                  out.begin() + (static_cast<std::ptrdiff_t>(k) * T + s) * W);
  return out;
}

std::vector<float> gather(const std::vector<float>& all, const std::vector<int>& trials, int per_trial) {
  std::vector<float> out;
  out.reserve(trials.size() * static_cast<size_t>(per_trial));
  for (int k : trials) out.insert(out.end(), all.begin() + static_cast<std::ptrdiff_t>(k) * per_trial,
                                  all.begin() + static_cast<std::ptrdiff_t>(k + 1) * per_trial);
  return out;
}

std::vector<float> smoothed(const data::LorenzData& d, const std::vector<int>& trials, double sigma) {
  std::vector<float> out;
  for (int k : trials) {
    const auto s = gaussian_smooth(d.trial_spikes(k), d.bins, d.neurons, sigma);
    out.insert(out.end(), s.begin(), s.end());
  }
  return out;
}
}  // namespace

double mean_neuron_r2(const float* pred, const float* truth, size_t n, int N) {
  return mean_column_r2(pred, truth, n, N);
}

std::vector<float> trial_average_rates(const data::LorenzData& d, int k) {
  const int cond = d.condition[static_cast<size_t>(k)], per = d.bins * d.neurons;
  std::vector<float> mean(static_cast<size_t>(per), 0.0f);
  for (int r = 0; r < d.trials; ++r) {
    const int other = cond * d.trials + r;
    if (other == k) continue;
    for (int i = 0; i < per; ++i) mean[static_cast<size_t>(i)] += d.trial_spikes(other)[i] / static_cast<float>(d.trials - 1);
  }
  return mean;
}

LfadsReport evaluate_lfads(models::Lfads& model, const data::LorenzData& d, const std::vector<int>& train,
                           const std::vector<int>& held_out) {
  auto outputs = [&](const std::vector<int>& trials) { return model.infer(d.spikes.data(), d.bins, trials); };
  return evaluate_lfads_outputs(d, model.config().factors, train, held_out, outputs(held_out), outputs(train));
}

LfadsReport evaluate_lfads_outputs(const data::LorenzData& d, int factors, const std::vector<int>& train,
                                   const std::vector<int>& held_out, const models::LfadsOutputs& test,
                                   const models::LfadsOutputs& fit) {
  const int T = d.bins, N = d.neurons, F = factors;
  nn::require(test.T == T && fit.T == T && test.B == static_cast<int>(held_out.size()) &&
                  fit.B == static_cast<int>(train.size()),
              "evaluate_lfads_outputs: expected outputs of ", T, " bins for ", held_out.size(), " held-out and ",
              train.size(), " training trials");
  nn::require(test.log_rates.size() == static_cast<size_t>(T) * test.B * N &&
                  test.factors.size() == static_cast<size_t>(T) * test.B * F &&
                  fit.factors.size() == static_cast<size_t>(T) * fit.B * F,
              "evaluate_lfads_outputs: expected log-rates (T, K, ", N, ") and factors (T, K, ", F, ")");
  LfadsReport r;
  const int Kt = static_cast<int>(held_out.size()), Kf = static_cast<int>(train.size());
  const std::vector<float> test_lr = trial_major(test.log_rates, T, Kt, N);
  const std::vector<float> test_fac = trial_major(test.factors, T, Kt, F), fit_fac = trial_major(fit.factors, T, Kf, F);
  const std::vector<float> test_rates_true = gather(d.rates, held_out, T * N);
  const std::vector<float> test_spikes = gather(d.spikes, held_out, T * N);
  const std::vector<float> test_lat = gather(d.latent, held_out, T * 3), fit_lat = gather(d.latent, train, T * 3);
  const size_t n_test = static_cast<size_t>(Kt) * T, n_fit = static_cast<size_t>(Kf) * T;

  std::vector<float> rates(test_lr.size());
  for (size_t i = 0; i < rates.size(); ++i) rates[i] = std::exp(test_lr[i]);
  r.rate_r2 = mean_neuron_r2(rates.data(), test_rates_true.data(), n_test, N);
  r.bits_per_spike = bits_per_spike(test_lr.data(), test_spikes.data(), n_test, N);

  Ridge affine;
  affine.fit(fit_fac.data(), fit_lat.data(), n_fit, F, 3, 0.0);
  r.factor_r2 = mean_column_r2(affine.predict(test_fac.data(), n_test).data(), test_lat.data(), n_test, 3);
  Ridge from_factors;
  from_factors.fit(fit_fac.data(), fit_lat.data(), n_fit, F, 3, kRidgeLambda);
  r.decode_r2_factors = mean_column_r2(from_factors.predict(test_fac.data(), n_test).data(), test_lat.data(), n_test, 3);

  // The smoothed-spike decoder gets its best smoothing width, chosen on the training trials.
  double best = -1e9;
  for (double sigma : {1.0, 2.0, 4.0, 8.0}) {
    const auto x = smoothed(d, train, sigma);
    Ridge ridge;
    ridge.fit(x.data(), fit_lat.data(), n_fit, N, 3, kRidgeLambda);
    const double fit_r2 = mean_column_r2(ridge.predict(x.data(), n_fit).data(), fit_lat.data(), n_fit, 3);
    if (fit_r2 > best) {
      best = fit_r2;
      r.smoothing_sigma = sigma;
      const auto xt = smoothed(d, held_out, sigma);
      r.decode_r2_smoothed = mean_column_r2(ridge.predict(xt.data(), n_test).data(), test_lat.data(), n_test, 3);
      r.rate_r2_smoothed = mean_neuron_r2(xt.data(), test_rates_true.data(), n_test, N);
    }
  }
  std::vector<float> averaged;
  for (int k : held_out) {
    const auto a = trial_average_rates(d, k);
    averaged.insert(averaged.end(), a.begin(), a.end());
  }
  r.rate_r2_trial_average = mean_neuron_r2(averaged.data(), test_rates_true.data(), n_test, N);
  return r;
}

}  // namespace eval
