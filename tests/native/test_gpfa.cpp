// GPFA: EM never lowers the likelihood, a planted GP latent is recovered, the posterior and the
// likelihood match a brute-force Gaussian conditioning, bad input is refused.
#include <Eigen/Cholesky>
#include <Eigen/Core>
#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <vector>

#include "models/gpfa.h"
#include "nn/rng.h"

using Catch::Matchers::Contains;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

// k(t1, t2) = (1 - eps) exp(-(t1 - t2)^2 / (2 tau^2)) + eps delta(t1, t2), written out again here.
double kernel(double tau, double eps, int t1, int t2) {
  const double dt = t1 - t2;
  return (1 - eps) * std::exp(-dt * dt / (2 * tau * tau)) + (t1 == t2 ? eps : 0.0);
}

struct Planted {
  models::Gpfa::RowMatrix C;  // (N, q)
  VectorXd d, R, tau;         // (N), (N), (q)
};

Planted random_params(int N, const std::vector<double>& taus, nn::Rng& rng) {
  const int q = static_cast<int>(taus.size());
  Planted p;
  p.C.resize(N, q);
  p.d.resize(N);
  p.R.resize(N);
  p.tau.resize(q);
  for (int n = 0; n < N; ++n) {
    for (int i = 0; i < q; ++i) p.C(n, i) = rng.normal();
    p.d(n) = rng.uniform(0.5f, 2.0f);
    p.R(n) = rng.uniform(0.1f, 0.5f);
  }
  for (int i = 0; i < q; ++i) p.tau(i) = taus[static_cast<size_t>(i)];
  return p;
}

// Samples K trials of T bins from the model: y (K, T, N) and the latents x (K, T, q).
void simulate(const Planted& p, double eps, int K, int T, nn::Rng& rng, std::vector<float>& y, std::vector<float>& x) {
  const int N = static_cast<int>(p.C.rows()), q = static_cast<int>(p.C.cols());
  std::vector<MatrixXd> L;
  for (int i = 0; i < q; ++i) {
    MatrixXd Kt(T, T);
    for (int a = 0; a < T; ++a)
      for (int b = 0; b < T; ++b) Kt(a, b) = kernel(p.tau(i), eps, a, b);
    L.push_back(Kt.llt().matrixL());
  }
  y.assign(static_cast<size_t>(K) * T * N, 0.0f);
  x.assign(static_cast<size_t>(K) * T * q, 0.0f);
  for (int k = 0; k < K; ++k) {
    MatrixXd xs(T, q);
    for (int i = 0; i < q; ++i) {
      VectorXd z(T);
      for (int t = 0; t < T; ++t) z(t) = rng.normal();
      xs.col(i) = L[static_cast<size_t>(i)] * z;
    }
    for (int t = 0; t < T; ++t) {
      for (int i = 0; i < q; ++i) x[(static_cast<size_t>(k) * T + t) * q + i] = static_cast<float>(xs(t, i));
      for (int n = 0; n < N; ++n) {
        const double mean = p.C.row(n).dot(xs.row(t)) + p.d(n);
        y[(static_cast<size_t>(k) * T + t) * N + n] = static_cast<float>(mean + std::sqrt(p.R(n)) * rng.normal());
      }
    }
  }
}

// R^2 of each true latent explained by an affine map of the inferred ones (fitted on one set,
// scored on another). inferred/truth (n, q).
std::vector<double> affine_r2(const std::vector<float>& fit_in, const std::vector<float>& fit_truth,
                              const std::vector<float>& test_in, const std::vector<float>& test_truth, int q) {
  auto design = [q](const std::vector<float>& v) {
    const Eigen::Index n = static_cast<Eigen::Index>(v.size()) / q;
    MatrixXd X(n, q + 1);
    for (Eigen::Index r = 0; r < n; ++r) {
      for (int i = 0; i < q; ++i) X(r, i) = v[static_cast<size_t>(r * q + i)];
      X(r, q) = 1.0;
    }
    return X;
  };
  auto targets = [q](const std::vector<float>& v) {
    return MatrixXd(Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
                        v.data(), static_cast<Eigen::Index>(v.size()) / q, q)
                        .cast<double>());
  };
  const MatrixXd X = design(fit_in), Y = targets(fit_truth);
  const MatrixXd W = (X.transpose() * X).ldlt().solve(X.transpose() * Y);
  const MatrixXd Yt = targets(test_truth), E = Yt - design(test_in) * W;
  std::vector<double> r2;
  for (int i = 0; i < q; ++i)
    r2.push_back(1.0 - E.col(i).squaredNorm() / (Yt.col(i).array() - Yt.col(i).mean()).square().sum());
  return r2;
}

// The brute-force joint Gaussian of one trial, observed neurons `obs` over T_obs bins and the
// latents over T_total bins. Returns the posterior mean (T_total, q) row-major and adds the
// trial's log-density to *ll.
std::vector<double> brute_force(const Planted& p, double eps, const std::vector<int>& obs, int T_obs, int T_total,
                                const float* y, double* ll) {
  const int q = static_cast<int>(p.C.cols()), No = static_cast<int>(obs.size());
  const int nx = q * T_total, ny = No * T_obs;
  MatrixXd Sxx = MatrixXd::Zero(nx, nx), Syx(ny, nx), Syy(ny, ny);  // x: i * T_total + t; y: t * No + j
  for (int i = 0; i < q; ++i)
    for (int t = 0; t < T_total; ++t)
      for (int s = 0; s < T_total; ++s) Sxx(i * T_total + t, i * T_total + s) = kernel(p.tau(i), eps, t, s);
  MatrixXd Cbar = MatrixXd::Zero(ny, nx);  // y = Cbar x + d + noise
  for (int t = 0; t < T_obs; ++t)
    for (int j = 0; j < No; ++j)
      for (int i = 0; i < q; ++i) Cbar(t * No + j, i * T_total + t) = p.C(obs[static_cast<size_t>(j)], i);
  Syx = Cbar * Sxx;
  Syy = Cbar * Sxx * Cbar.transpose();
  VectorXd r(ny);
  for (int t = 0; t < T_obs; ++t)
    for (int j = 0; j < No; ++j) {
      const int n = obs[static_cast<size_t>(j)];
      Syy(t * No + j, t * No + j) += p.R(n);
      r(t * No + j) = static_cast<double>(y[t * No + j]) - p.d(n);
    }
  const Eigen::LLT<MatrixXd> llt(Syy);
  REQUIRE(llt.info() == Eigen::Success);
  const VectorXd mx = Syx.transpose() * llt.solve(r);
  if (ll)
    *ll += -0.5 *
           (ny * std::log(2 * M_PI) + 2 * MatrixXd(llt.matrixL()).diagonal().array().log().sum() + r.dot(llt.solve(r)));
  std::vector<double> out(static_cast<size_t>(T_total) * q);
  for (int t = 0; t < T_total; ++t)
    for (int i = 0; i < q; ++i) out[static_cast<size_t>(t) * q + i] = mx(i * T_total + t);
  return out;
}

}  // namespace

TEST_CASE("GPFA: EM never lowers the log-likelihood and is deterministic", "[gpfa]") {
  nn::Rng rng(11);
  const Planted p = random_params(10, {2.0, 4.0, 8.0}, rng);
  std::vector<float> y, x;
  simulate(p, 1e-3, 30, 21, rng, y, x);  // an odd T: the middle bin has no mirror image
  for (const bool plain : {false, true}) {
    INFO((plain ? "plain EM from factor analysis (Yu et al.)" : "lag-1 start, SQUAREM"));
    models::GpfaConfig c;
    c.latents = 3;
    c.max_iterations = 60;
    c.tolerance = 0;
    c.lag_start = c.accelerate = !plain;
    models::Gpfa a(c), b(c);
    int calls = 0;
    const std::vector<double> ll = a.fit(y.data(), 30, 21, 10, [&](int it, double v) {
      ++calls;
      CHECK(it == calls);
      // The model holds this iteration's parameters already.
      CHECK(a.log_likelihood(y.data(), 30, 21, 10) == Approx(v).epsilon(1e-10));
    });
    REQUIRE(ll.size() >= 20);
    CHECK(calls == static_cast<int>(ll.size()));
    for (size_t i = 1; i < ll.size(); ++i) {
      INFO("iteration " << i + 1 << ": " << ll[i - 1] << " -> " << ll[i]);
      CHECK(ll[i] >= ll[i - 1] - 1e-9 * std::fabs(ll[i - 1]));
    }
    CHECK(ll.back() > ll.front());
    // Same data, same build: bit-identical.
    CHECK(b.fit(y.data(), 30, 21, 10) == ll);
    CHECK(a.timescales() == b.timescales());
    CHECK(a.loading() == b.loading());
  }
  // One bin per trial: plain factor analysis (tau has nothing to act on and stays put).
  simulate(p, 1e-3, 200, 1, rng, y, x);
  models::GpfaConfig c;
  c.latents = 3;
  models::Gpfa a(c);
  const std::vector<double> fa = a.fit(y.data(), 200, 1, 10);
  for (size_t i = 1; i < fa.size(); ++i) CHECK(fa[i] >= fa[i - 1] - 1e-9 * std::fabs(fa[i - 1]));
  CHECK(a.timescales()(0) == Approx(c.initial_tau).epsilon(1e-12));
}

TEST_CASE("GPFA: recovers planted GP latents and their timescales", "[gpfa]") {
  nn::Rng rng(5);
  const int N = 15, T = 40, K = 100, K_test = 40;
  const Planted p = random_params(N, {3.0, 10.0}, rng);
  std::vector<float> y, x, y_test, x_test;
  simulate(p, 1e-3, K, T, rng, y, x);
  simulate(p, 1e-3, K_test, T, rng, y_test, x_test);
  models::GpfaConfig c;
  c.latents = 2;
  c.max_iterations = 500;
  c.tolerance = 1e-9;
  {  // Yu et al.'s plain EM from factor analysis gets there too, more slowly.
    models::GpfaConfig plain = c;
    plain.lag_start = plain.accelerate = false;
    models::Gpfa g(plain);
    g.fit(y.data(), K, T, N);
    std::vector<double> tau(g.timescales().data(), g.timescales().data() + 2);
    std::sort(tau.begin(), tau.end());
    INFO("plain EM: taus " << tau[0] << ", " << tau[1]);
    CHECK(tau[0] == Approx(3.0).epsilon(0.15));
    CHECK(tau[1] == Approx(10.0).epsilon(0.15));
  }
  models::Gpfa g(c);
  const std::vector<double> ll = g.fit(y.data(), K, T, N);
  std::vector<double> tau(g.timescales().data(), g.timescales().data() + 2);
  std::sort(tau.begin(), tau.end());
  INFO("iterations " << ll.size() << ", taus " << tau[0] << ", " << tau[1]);
  CHECK(ll.size() < 500u);  // converged
  CHECK(tau[0] == Approx(3.0).epsilon(0.15));
  CHECK(tau[1] == Approx(10.0).epsilon(0.15));
  // Private variances: close to the planted ones.
  for (int n = 0; n < N; ++n) CHECK(g.private_variance()(n) == Approx(p.R(n)).epsilon(0.25));
  // The posterior means explain the true latents on held-out trials.
  const std::vector<float> fit_in = g.infer(y.data(), K, T), test_in = g.infer(y_test.data(), K_test, T);
  const std::vector<double> r2 = affine_r2(fit_in, x, test_in, x_test, 2);
  INFO("held-out R^2 " << r2[0] << ", " << r2[1]);
  CHECK(r2[0] > 0.9);
  CHECK(r2[1] > 0.9);
  // predict() maps them back to the neurons' means: it beats the per-neuron mean on held-out data.
  const std::vector<float> yhat = g.predict(test_in.data(), K_test, T);
  double sse = 0, sst = 0;
  for (int n = 0; n < N; ++n) {
    double m = 0;
    for (int r = 0; r < K_test * T; ++r) m += y_test[static_cast<size_t>(r) * N + n];
    m /= K_test * T;
    for (int r = 0; r < K_test * T; ++r) {
      const size_t at = static_cast<size_t>(r) * N + n;
      sse += (y_test[at] - yhat[at]) * (y_test[at] - yhat[at]);
      sst += (y_test[at] - m) * (y_test[at] - m);
    }
  }
  CHECK(1 - sse / sst > 0.7);
}

TEST_CASE("GPFA: posterior means and log-likelihood match brute-force Gaussian conditioning", "[gpfa]") {
  nn::Rng rng(3);
  const int N = 3, K = 3;
  const Planted p = random_params(N, {1.5, 0.7}, rng);
  models::GpfaConfig c;
  c.latents = 2;
  models::Gpfa g(c);
  g.set_parameters(p.C, p.d, p.R, p.tau);
  auto check_close = [](const std::vector<double>& got, const std::vector<double>& want) {
    REQUIRE(got.size() == want.size());
    double scale = 0;
    for (double v : want) scale = std::max(scale, std::fabs(v));
    for (size_t i = 0; i < got.size(); ++i) CHECK(std::fabs(got[i] - want[i]) <= 1e-8 * scale);
  };
  for (int T : {4, 5, 1}) {  // even, odd (a middle bin), a single bin
    INFO("T = " << T);
    std::vector<float> y, x;
    simulate(p, c.gp_noise, K, T, rng, y, x);
    const std::vector<int> all = {0, 1, 2};
    const std::vector<double> got = g.posterior_mean(y.data(), K, T, all, T);
    std::vector<double> want;
    double ll = 0;
    for (int k = 0; k < K; ++k) {
      const std::vector<double> m =
          brute_force(p, c.gp_noise, all, T, T, y.data() + static_cast<size_t>(k) * T * N, &ll);
      want.insert(want.end(), m.begin(), m.end());
    }
    check_close(got, want);
    CHECK(g.log_likelihood(y.data(), K, T, N) == Approx(ll).epsilon(1e-10));
    const std::vector<float> f = g.infer(y.data(), K, T);
    for (size_t i = 0; i < f.size(); ++i) CHECK(f[i] == Approx(want[i]).margin(1e-6));
  }
  // A subset of the neurons (in the caller's order), 3 bins seen, 7 inferred (4 predicted forward).
  const std::vector<int> obs = {2, 0};
  const int T_obs = 3, T_total = 7;
  std::vector<float> y, x;
  simulate(p, c.gp_noise, K, T_obs, rng, y, x);
  std::vector<float> ys;  // (K, T_obs, 2)
  for (int r = 0; r < K * T_obs; ++r)
    for (int n : obs) ys.push_back(y[static_cast<size_t>(r) * N + n]);
  const std::vector<double> got = g.posterior_mean(ys.data(), K, T_obs, obs, T_total);
  std::vector<double> want;
  for (int k = 0; k < K; ++k) {
    const std::vector<double> m =
        brute_force(p, c.gp_noise, obs, T_obs, T_total, ys.data() + static_cast<size_t>(k) * T_obs * 2, nullptr);
    want.insert(want.end(), m.begin(), m.end());
  }
  check_close(got, want);
}

TEST_CASE("GPFA: bad input is refused with the argument named", "[gpfa]") {
  models::GpfaConfig c;
  c.latents = 0;
  REQUIRE_THROWS_WITH(models::Gpfa(c), Contains("GpfaConfig.latents"));
  c = {};
  c.gp_noise = 0;
  REQUIRE_THROWS_WITH(models::Gpfa(c), Contains("GpfaConfig.gp_noise"));
  c = {};
  c.initial_tau = -1;
  REQUIRE_THROWS_WITH(models::Gpfa(c), Contains("GpfaConfig.initial_tau"));
  c = {};
  c.tolerance = std::nan("");
  REQUIRE_THROWS_WITH(models::Gpfa(c), Contains("GpfaConfig.tolerance"));
  c = {};
  c.min_private_var = 2;
  REQUIRE_THROWS_WITH(models::Gpfa(c), Contains("GpfaConfig.min_private_var"));
  c = {};
  c.max_iterations = 0;
  REQUIRE_THROWS_WITH(models::Gpfa(c), Contains("GpfaConfig.max_iterations"));

  c = {};
  c.latents = 2;
  models::Gpfa g(c);
  std::vector<float> y(2 * 4 * 3, 1.0f);
  for (size_t i = 0; i < y.size(); ++i) y[i] = static_cast<float>(std::sin(0.7 * i));
  const std::vector<int> all = {0, 1, 2};
  REQUIRE_THROWS_WITH(g.infer(y.data(), 2, 4), Contains("call fit()"));
  REQUIRE_THROWS_WITH(g.predict(y.data(), 2, 4), Contains("call fit()"));
  REQUIRE_THROWS_WITH(g.log_likelihood(y.data(), 2, 4, 3), Contains("call fit()"));
  REQUIRE_THROWS_WITH(g.fit(y.data(), 0, 4, 3), Contains("K: expected at least 1 trial, got 0"));
  REQUIRE_THROWS_WITH(g.fit(y.data(), 2, 0, 3), Contains("T: expected at least 1 bin"));
  REQUIRE_THROWS_WITH(g.fit(y.data(), 2, 4, -1), Contains("N: expected at least 1 neuron"));
  REQUIRE_THROWS_WITH(g.fit(nullptr, 2, 4, 3), Contains("y: expected"));
  REQUIRE_THROWS_WITH(g.fit(y.data(), 2, 4, 1), Contains("GpfaConfig.latents: expected at most N = 1"));
  std::vector<float> bad = y;
  bad[7] = std::nanf("");
  REQUIRE_THROWS_WITH(g.fit(bad.data(), 2, 4, 3),
                      Contains("y: expected finite values, got nan at trial 0, bin 2, neuron 1"));
  CHECK(!g.fitted());

  c.max_iterations = 5;
  models::Gpfa h(c);
  h.fit(y.data(), 2, 4, 3);
  REQUIRE(h.fitted());
  REQUIRE_THROWS_WITH(h.infer(bad.data(), 2, 4), Contains("y: expected finite values"));
  REQUIRE_THROWS_WITH(h.infer(y.data(), 2, 4, {0, 3}, 4),
                      Contains("observed[1]: expected a neuron index in [0, 3), got 3"));
  REQUIRE_THROWS_WITH(h.infer(y.data(), 2, 4, {-1}, 4), Contains("observed[0]"));
  REQUIRE_THROWS_WITH(h.infer(y.data(), 2, 4, {1, 1}, 4), Contains("observed[1]: neuron 1 is listed twice"));
  REQUIRE_THROWS_WITH(h.infer(y.data(), 2, 4, {}, 4), Contains("observed: expected at least one"));
  REQUIRE_THROWS_WITH(h.infer(y.data(), 2, 4, all, 3), Contains("T_total: expected at least T_obs = 4, got 3"));
  REQUIRE_THROWS_WITH(h.infer(y.data(), 2, 0, all, 3), Contains("T: expected at least 1 bin"));
  REQUIRE_THROWS_WITH(h.log_likelihood(y.data(), 2, 4, 2), Contains("N: expected 3 neurons"));
  REQUIRE_THROWS_WITH(h.predict(y.data(), 0, 4), Contains("K: expected at least 1 trial"));
  REQUIRE_THROWS_WITH(h.predict(bad.data(), 2, 4), Contains("latents: expected finite values"));
  models::Gpfa::RowMatrix C = h.loading();
  Eigen::VectorXd R = h.private_variance(), tau = h.timescales();
  R(1) = 0;
  REQUIRE_THROWS_WITH(h.set_parameters(C, h.offset(), R, tau), Contains("R[1]: expected a positive variance"));
  tau(0) = 0;
  REQUIRE_THROWS_WITH(h.set_parameters(C, h.offset(), h.private_variance(), tau), Contains("tau[0]"));
  // The model is unchanged by the refused calls.
  CHECK(h.infer(y.data(), 2, 4).size() == 2u * 4u * 2u);
}

// Speed, not a test: q = 8 latents (taus 2, 4, ..., 16 bins), 1000 trials of 100 bins, 50
// neurons; the default fit (lag-1 start, SQUAREM) and Yu et al.'s plain EM. Run with
//   neuroai_tests "[.gpfa-bench]"
TEST_CASE("GPFA: fit speed at q = 8, K = 1000, T = 100, N = 50", "[.gpfa-bench]") {
  nn::Rng rng(1);
  std::vector<double> taus;
  for (int i = 0; i < 8; ++i) taus.push_back(2.0 + 2.0 * i);
  const int K = 1000, T = 100, N = 50;
  const Planted p = random_params(N, taus, rng);
  std::vector<float> y, x;
  simulate(p, 1e-3, K, T, rng, y, x);
  models::GpfaConfig c;
  c.latents = 8;
  models::Gpfa truth(c);
  truth.set_parameters(p.C, p.d, p.R, p.tau);
  std::printf("gpfa bench: log-likelihood at the true parameters %.1f\n", truth.log_likelihood(y.data(), K, T, N));
  for (const bool plain : {false, true}) {
    models::GpfaConfig cc = c;
    cc.lag_start = cc.accelerate = !plain;
    models::Gpfa g(cc);
    const auto start = std::chrono::steady_clock::now();
    double first = 0;
    const std::vector<double> ll = g.fit(y.data(), K, T, N, [&](int it, double) {
      if (it == 1) first = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    });
    const double total = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::vector<double> tau(g.timescales().data(), g.timescales().data() + 8);
    std::sort(tau.begin(), tau.end());
    std::printf(
        "gpfa bench (%s): %.2f s in all (start and first E-step %.2f s), %zu parameter sets (%.1f ms per set "
        "after the first), final log-likelihood %.1f, taus",
        plain ? "plain EM" : "default", total, first, ll.size(),
        1e3 * (total - first) / std::max<size_t>(1, ll.size() - 1), ll.back());
    for (double t : tau) std::printf(" %.2f", t);
    std::printf("\n");
    CHECK(ll.size() >= 1);
  }
}
