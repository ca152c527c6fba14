// The Neural Latents Benchmark's metrics against values worked out by hand on tiny inputs, and the
// baselines' building blocks (Poisson GLM, smoothed PSTH).
#include <cmath>

#include "eval/nlb.h"
#include "gradcheck.h"
#include "nn/rng.h"

using Catch::Matchers::Contains;

TEST_CASE("co-bps and fp-bps as nlb_tools defines bits per spike", "[nlb]") {
  // One trial, 2 observed bins, neuron 0 held in, neuron 1 held out with counts (1, 3) and
  // predicted rates (1, 3); the null predicts their mean, 2:
  //   LL(model) - LL(null) = (1 ln 1 - 1 + 3 ln 3 - 3) - (4 ln 2 - 4) = 3 ln 3 - 4 ln 2, over 4 spikes.
  eval::RateLayout l{1, 2, 0, 2, 1};
  const float spikes[] = {7, 1, 0, 3}, rates[] = {99, 1, 99, 3};  // held-in entries are not scored
  CHECK(eval::co_bps(rates, spikes, l) == Approx((3 * std::log(3.0) - 4 * std::log(2.0)) / (4 * std::log(2.0))));
  // Forward prediction: 2 trials, 1 observed + 1 forward bin, 1 neuron: forward counts (0, 2),
  // rates (0.5, 1.5), null 1: LL gain 2 ln 1.5 over 2 spikes.
  eval::RateLayout f{2, 1, 1, 1, 1};
  const float fs[] = {5, 0, 5, 2}, fr[] = {9, 0.5f, 9, 1.5f};
  CHECK(eval::fp_bps(fr, fs, f) == Approx(std::log(1.5) / std::log(2.0)));
  f.forward = 0;
  f.bins = 2;
  CHECK(std::isnan(eval::fp_bps(fr, fs, f)));
  // The null model itself scores 0.
  const float null_rates[] = {0, 2, 0, 2};
  CHECK(eval::co_bps(null_rates, spikes, l) == Approx(0.0).margin(1e-12));
}

TEST_CASE("rate R2 over observed bins and PSTH R2 over condition averages", "[nlb]") {
  // One neuron, 1 trial, 3 observed bins + 1 forward: truth (1, 2, 3), prediction (1, 2, 4):
  // SSE 1, SST 2 -> 0.5; the forward bin does not count.
  eval::RateLayout l{1, 3, 1, 1, 1};
  const float truth[] = {1, 2, 3, 50}, pred[] = {1, 2, 4, -7};
  CHECK(eval::rate_r2(pred, truth, l) == Approx(0.5));
  // Two conditions of two trials: predictions scatter around the shared true rates, and their
  // condition averages are exact, so PSTH R2 is 1 while single-trial rate R2 is below 1.
  eval::RateLayout c{4, 2, 0, 1, 1};
  const float t4[] = {1, 2, 1, 2, 3, 5, 3, 5}, p4[] = {1.5f, 2.5f, 0.5f, 1.5f, 3, 6, 3, 4};
  CHECK(eval::psth_r2(p4, t4, {0, 0, 1, 1}, c) == Approx(1.0));
  CHECK(eval::rate_r2(p4, t4, c) < 0.9);
  CHECK_THROWS_WITH(eval::psth_r2(p4, t4, {0, 1}, c), Contains("one condition per trial"));
}

TEST_CASE("decoding R2: a ridge with its penalty chosen by cross-validation on training trials", "[nlb]") {
  // Rates that carry the latent linearly decode it almost perfectly; rates of noise do not.
  nn::Rng rng(3);
  const int K = 20, T = 10, N = 4;
  eval::RateLayout l{K, T, 0, N, N};
  std::vector<float> lat(static_cast<size_t>(K) * T * 3), rates(static_cast<size_t>(K) * T * N), noise(rates.size());
  for (size_t i = 0; i < lat.size() / 3; ++i) {
    for (int j = 0; j < 3; ++j) lat[i * 3 + j] = rng.normal();
    rates[i * N + 0] = lat[i * 3] + lat[i * 3 + 1];
    rates[i * N + 1] = lat[i * 3 + 1] - 2 * lat[i * 3 + 2];
    rates[i * N + 2] = lat[i * 3 + 2] + 3;
    rates[i * N + 3] = rng.normal();
    for (int n = 0; n < N; ++n) noise[i * N + n] = rng.normal();
  }
  const size_t half = lat.size() / 2;
  eval::RateLayout h{K / 2, T, 0, N, N};
  CHECK(eval::decode_r2(rates.data(), lat.data(), h, rates.data() + half / 3 * N, lat.data() + half, h) > 0.999);
  CHECK(eval::decode_r2(noise.data(), lat.data(), h, noise.data() + half / 3 * N, lat.data() + half, h) < 0.1);
  (void)l;
}

TEST_CASE("the Poisson GLM recovers its weights; the smoothed PSTH refuses unseen conditions", "[nlb]") {
  nn::Rng rng(5);
  const size_t n = 6000;
  std::vector<float> X(n * 2), Y(n);
  for (size_t i = 0; i < n; ++i) {
    X[i * 2] = rng.normal();
    X[i * 2 + 1] = rng.normal();
    Y[i] = static_cast<float>(rng.poisson(std::exp(0.5 * X[i * 2] - 0.3 * X[i * 2 + 1] + 0.2)));
  }
  eval::PoissonGlm glm;
  glm.fit(X.data(), Y.data(), n, 2, 1, 1e-3);
  const float probe[] = {0, 0, 1, 0, 0, 1};
  const auto r = glm.rates(probe, 3);
  CHECK(std::log(r[0]) == Approx(0.2).margin(0.05));
  CHECK(std::log(r[1] / r[0]) == Approx(0.5).margin(0.05));
  CHECK(std::log(r[2] / r[0]) == Approx(-0.3).margin(0.05));
  eval::SmoothedPsth psth;
  eval::RateLayout l{3, 4, 1, 2, 1};
  std::vector<float> spikes(l.size(), 1.0f);
  psth.fit(spikes.data(), {0, 0, 1}, l);
  CHECK(psth.knows(1));
  CHECK_FALSE(psth.knows(2));
  eval::RateLayout one = l;
  one.trials = 1;
  CHECK(psth.predict({1}, one)[0] == Approx(1.0));
  CHECK_THROWS_WITH(psth.predict({2}, one), Contains("condition 2 has no training trials"));
}
