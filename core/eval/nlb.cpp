#include "nlb.h"

#include <Eigen/Cholesky>
#include <algorithm>
#include <cmath>
#include <limits>

#include "eval/regression.h"
#include "nn/check.h"
#include "nn/eigen.h"
#include "util/det_math.h"

namespace eval {

namespace {

constexpr double kMinRate = 1e-9;  // nlb_tools replaces zero rates by this
// The GLMs' L2 penalty per row (as sklearn's PoissonRegressor alpha), chosen by cross-validation.
const std::vector<double> kGlmAlphas = {1e-3, 1e-2, 1e-1};
constexpr size_t kGlmMaxRows = 16000;     // GLM fits read every k-th row of longer inputs...
constexpr size_t kGlmMaxRowsCv = 6000;    // ...and of the folds while settings are chosen
constexpr int kGpfaCvIterations = 30;     // EM iterations of the fits that choose the latent dimension
constexpr double kLogInputOffset = 0.01;  // spikes per bin: log(smoothed + this) as a GLM input
constexpr int kSmoothingFolds = 3, kPsthFolds = 3, kGpfaFolds = 2, kDecoderFolds = 5;
const std::vector<double> kSmoothingSigmas = {1.0, 2.0, 4.0};            // bins
const std::vector<double> kPsthSigmas = {0.5, 1.0, 2.0, 3.0, 4.0, 6.0};  // bins

double poisson_ll(double k, double rate) {
  rate = std::max(rate, kMinRate);
  return k * util::det_log(rate) - rate;  // log k! cancels in every comparison made here
}

/// Gaussian smoothing of every trial of x (K, T, W) along time.
std::vector<float> smooth_trials(const float* x, int K, int T, int W, double sigma) {
  std::vector<float> out(static_cast<size_t>(K) * T * W);
  for (int k = 0; k < K; ++k) {
    const auto s = gaussian_smooth(x + static_cast<size_t>(k) * T * W, T, W, sigma);
    std::copy(s.begin(), s.end(), out.begin() + static_cast<std::ptrdiff_t>(k) * T * W);
  }
  return out;
}

/// Columns [c0, c0 + w) of bins [0, t) of every trial of x (K, T, W) -> (K * t, w).
std::vector<float> slice(const float* x, int K, int T, int W, int t, int c0, int w) {
  std::vector<float> out;
  out.reserve(static_cast<size_t>(K) * t * w);
  for (int k = 0; k < K; ++k)
    for (int s = 0; s < t; ++s) {
      const float* p = x + (static_cast<size_t>(k) * T + s) * W + c0;
      out.insert(out.end(), p, p + w);
    }
  return out;
}

/// The rows of K trials (rows_per_trial rows each, trial-major) outside (in_fold false) or inside
/// fold f of `folds` interleaved folds: fold f holds trials f, f + folds, ...
std::vector<size_t> fold_rows(int K, size_t rows_per_trial, int folds, int f, bool in_fold) {
  std::vector<size_t> rows;
  for (int k = 0; k < K; ++k)
    if ((k % folds == f) == in_fold)
      for (size_t r = 0; r < rows_per_trial; ++r) rows.push_back(static_cast<size_t>(k) * rows_per_trial + r);
  return rows;
}

/// Every k-th of `rows` so that at most `max_rows` remain: the GLM fits read a subsample of long
/// inputs. Selecting indices before gathering keeps the full inputs from being copied.
std::vector<size_t> thinned(std::vector<size_t> rows, size_t max_rows) {
  const size_t stride = (rows.size() + max_rows - 1) / max_rows;
  if (stride <= 1) return rows;
  size_t m = 0;
  for (size_t i = 0; i < rows.size(); i += stride) rows[m++] = rows[i];
  rows.resize(m);
  return rows;
}

std::vector<size_t> all_rows(size_t n) {
  std::vector<size_t> rows(n);
  for (size_t i = 0; i < n; ++i) rows[i] = i;
  return rows;
}

/// The given rows of x (., width), in order.
std::vector<float> gather_rows(const float* x, size_t width, const std::vector<size_t>& rows) {
  std::vector<float> out(rows.size() * width);
  for (size_t i = 0; i < rows.size(); ++i)
    std::copy_n(x + rows[i] * width, width, out.begin() + static_cast<std::ptrdiff_t>(i * width));
  return out;
}

double sum_ll(const std::vector<float>& rates, const std::vector<float>& counts) {
  double ll = 0;
  for (size_t i = 0; i < rates.size(); ++i) ll += poisson_ll(counts[i], rates[i]);
  return ll;
}

/// The held-out log-likelihood of a GLM (X -> Y) in interleaved folds of K trials (per_x, per_y
/// values per trial), for each penalty alpha: one entry per alpha, summed over folds.
std::vector<double> glm_cv(const std::vector<float>& X, const std::vector<float>& Y, int K, int p, int q, int folds) {
  const size_t rows_per_trial = Y.size() / static_cast<size_t>(q) / static_cast<size_t>(K);
  std::vector<double> ll(kGlmAlphas.size(), 0.0);
  for (int f = 0; f < folds; ++f) {
    const std::vector<size_t> fit = thinned(fold_rows(K, rows_per_trial, folds, f, false), kGlmMaxRowsCv);
    const std::vector<size_t> val = fold_rows(K, rows_per_trial, folds, f, true);
    const std::vector<float> xf = gather_rows(X.data(), p, fit), yf = gather_rows(Y.data(), q, fit);
    const std::vector<float> xv = gather_rows(X.data(), p, val), yv = gather_rows(Y.data(), q, val);
    const size_t n = fit.size();
    for (size_t a = 0; a < kGlmAlphas.size(); ++a) {
      PoissonGlm g;
      g.fit(xf.data(), yf.data(), n, p, q, kGlmAlphas[a] * static_cast<double>(n));
      ll[a] += sum_ll(g.rates(xv.data(), xv.size() / static_cast<size_t>(p)), yv);
    }
  }
  return ll;
}

/// Fits `glm` (X (n, p) -> Y (n, q)) on at most kGlmMaxRows of the rows with penalty alpha per row.
void fit_glm(PoissonGlm& glm, const float* X, const float* Y, size_t n, int p, int q, double alpha) {
  const std::vector<size_t> rows = thinned(all_rows(n), kGlmMaxRows);
  const std::vector<float> x = gather_rows(X, p, rows), y = gather_rows(Y, q, rows);
  glm.fit(x.data(), y.data(), rows.size(), p, q, alpha * static_cast<double>(rows.size()));
}

}  // namespace

// ---------------------------------------------------------------- metrics

double bits_per_spike(const float* rates, const float* spikes, const RateLayout& l, int t0, int t1, int n0, int n1) {
  nn::require(0 <= t0 && t0 < t1 && t1 <= l.total_bins() && 0 <= n0 && n0 < n1 && n1 <= l.neurons,
              "bits_per_spike: expected a non-empty range of bins and neurons");
  const int T = l.total_bins(), N = l.neurons;
  std::vector<double> mean(static_cast<size_t>(n1 - n0), 0.0);
  double total = 0;
  const auto at = [&](int k, int t, int n) { return (static_cast<size_t>(k) * T + t) * N + n; };
  for (int k = 0; k < l.trials; ++k)
    for (int t = t0; t < t1; ++t)
      for (int n = n0; n < n1; ++n) {
        mean[static_cast<size_t>(n - n0)] += spikes[at(k, t, n)];
        total += spikes[at(k, t, n)];
      }
  if (total <= 0) return std::numeric_limits<double>::quiet_NaN();
  for (double& m : mean) m /= static_cast<double>(l.trials) * (t1 - t0);
  double ll_model = 0, ll_null = 0;
  for (int k = 0; k < l.trials; ++k)
    for (int t = t0; t < t1; ++t)
      for (int n = n0; n < n1; ++n) {
        const double c = spikes[at(k, t, n)];
        ll_model += poisson_ll(c, rates[at(k, t, n)]);
        ll_null += poisson_ll(c, mean[static_cast<size_t>(n - n0)]);
      }
  return (ll_model - ll_null) / (total * util::det_log(2.0));
}

double co_bps(const float* rates, const float* spikes, const RateLayout& l) {
  nn::require(l.heldin < l.neurons, "co_bps: expected held-out neurons");
  return bits_per_spike(rates, spikes, l, 0, l.bins, l.heldin, l.neurons);
}

double fp_bps(const float* rates, const float* spikes, const RateLayout& l) {
  if (l.forward == 0) return std::numeric_limits<double>::quiet_NaN();
  return bits_per_spike(rates, spikes, l, l.bins, l.total_bins(), 0, l.neurons);
}

double rate_r2(const float* rates, const float* truth, const RateLayout& l) {
  const int N = l.neurons;
  const std::vector<float> p = slice(rates, l.trials, l.total_bins(), N, l.bins, 0, N);
  const std::vector<float> t = slice(truth, l.trials, l.total_bins(), N, l.bins, 0, N);
  return mean_column_r2(p.data(), t.data(), p.size() / static_cast<size_t>(N), N);
}

double psth_r2(const float* rates, const float* truth, const std::vector<int>& conditions, const RateLayout& l) {
  nn::require(static_cast<int>(conditions.size()) == l.trials, "psth_r2: expected one condition per trial");
  std::vector<int> ids(conditions);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  const int C = static_cast<int>(ids.size()), T = l.total_bins(), N = l.neurons, per = l.bins * N;
  std::vector<double> pred(static_cast<size_t>(C) * per, 0.0), real(pred.size(), 0.0);
  std::vector<int> count(static_cast<size_t>(C), 0);
  for (int k = 0; k < l.trials; ++k) {
    const int c =
        static_cast<int>(std::lower_bound(ids.begin(), ids.end(), conditions[static_cast<size_t>(k)]) - ids.begin());
    ++count[static_cast<size_t>(c)];
    for (int i = 0; i < per; ++i) {
      pred[static_cast<size_t>(c) * per + i] += rates[static_cast<size_t>(k) * T * N + i];
      real[static_cast<size_t>(c) * per + i] += truth[static_cast<size_t>(k) * T * N + i];
    }
  }
  std::vector<float> p(pred.size()), t(pred.size());
  for (int c = 0; c < C; ++c)
    for (int i = 0; i < per; ++i) {
      p[static_cast<size_t>(c) * per + i] =
          static_cast<float>(pred[static_cast<size_t>(c) * per + i] / count[static_cast<size_t>(c)]);
      t[static_cast<size_t>(c) * per + i] =
          static_cast<float>(real[static_cast<size_t>(c) * per + i] / count[static_cast<size_t>(c)]);
    }
  return mean_column_r2(p.data(), t.data(), static_cast<size_t>(C) * l.bins, N);
}

double decode_r2(const float* train_rates, const float* train_latent, const RateLayout& train, const float* eval_rates,
                 const float* eval_latent, const RateLayout& evaluated) {
  using Eigen::MatrixXd;
  const int N = train.neurons, Tb = train.bins;
  nn::require(evaluated.neurons == N && evaluated.bins == Tb, "decode_r2: expected the same neurons and bins");
  // Rows: observed bins of each trial; latents are (K, T, 3) over all bins.
  const std::vector<float> X = slice(train_rates, train.trials, train.total_bins(), N, Tb, 0, N);
  const std::vector<float> Y = slice(train_latent, train.trials, train.total_bins(), 3, Tb, 0, 3);
  // Sufficient statistics per fold (trials interleaved): n, sum x, sum y, X'X, X'Y.
  struct Stats {
    double n = 0;
    Eigen::VectorXd sx, sy;
    MatrixXd xx, xy;
  };
  std::vector<Stats> folds(kDecoderFolds);
  for (auto& f : folds) {
    f.sx = Eigen::VectorXd::Zero(N);
    f.sy = Eigen::VectorXd::Zero(3);
    f.xx = MatrixXd::Zero(N, N);
    f.xy = MatrixXd::Zero(N, 3);
  }
  const auto rows = [&](const std::vector<float>& v, int width, int k) {
    return Eigen::Map<const Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(
               v.data() + static_cast<size_t>(k) * Tb * width, Tb, width)
        .cast<double>();
  };
  for (int k = 0; k < train.trials; ++k) {
    Stats& f = folds[static_cast<size_t>(k % kDecoderFolds)];
    const MatrixXd x = rows(X, N, k), y = rows(Y, 3, k);
    f.n += Tb;
    f.sx += x.colwise().sum().transpose();
    f.sy += y.colwise().sum().transpose();
    f.xx.noalias() += x.transpose() * x;
    f.xy.noalias() += x.transpose() * y;
  }
  // Ridge with an intercept from statistics: W = (Xc'Xc + a I)^-1 Xc'Yc, b = mean y - mean x W.
  const auto solve = [&](const Stats& s, double alpha, MatrixXd& W, Eigen::RowVectorXd& b) {
    const Eigen::VectorXd mx = s.sx / s.n, my = s.sy / s.n;
    MatrixXd A = s.xx - s.n * mx * mx.transpose();
    A.diagonal().array() += alpha;
    W = A.ldlt().solve(s.xy - s.n * mx * my.transpose());
    b = my.transpose() - mx.transpose() * W;
  };
  const auto sum_of = [&](int skip) {
    Stats s;
    s.sx = Eigen::VectorXd::Zero(N);
    s.sy = Eigen::VectorXd::Zero(3);
    s.xx = MatrixXd::Zero(N, N);
    s.xy = MatrixXd::Zero(N, 3);
    for (int f = 0; f < kDecoderFolds; ++f)
      if (f != skip) {
        s.n += folds[static_cast<size_t>(f)].n;
        s.sx += folds[static_cast<size_t>(f)].sx;
        s.sy += folds[static_cast<size_t>(f)].sy;
        s.xx += folds[static_cast<size_t>(f)].xx;
        s.xy += folds[static_cast<size_t>(f)].xy;
      }
    return s;
  };
  const auto predict_r2 = [&](const MatrixXd& W, const Eigen::RowVectorXd& b, const float* x, const float* y,
                              size_t n) {
    std::vector<float> pred(n * 3);
    for (size_t i = 0; i < n; ++i)
      for (int j = 0; j < 3; ++j) {
        double v = b(j);
        for (int c = 0; c < N; ++c) v += x[i * N + c] * W(c, j);
        pred[i * 3 + j] = static_cast<float>(v);
      }
    return mean_column_r2(pred.data(), y, n, 3);
  };
  double best_alpha = 1, best = -std::numeric_limits<double>::infinity();
  for (int e = 0; e <= 8; ++e) {
    const double alpha = util::det_pow(10.0, -4.0 + 0.5 * e);
    double score = 0;
    for (int f = 0; f < kDecoderFolds; ++f) {
      MatrixXd W;
      Eigen::RowVectorXd b;
      solve(sum_of(f), alpha, W, b);
      std::vector<float> xv, yv;
      for (int k = f; k < train.trials; k += kDecoderFolds) {
        xv.insert(xv.end(), X.begin() + static_cast<std::ptrdiff_t>(k) * Tb * N,
                  X.begin() + static_cast<std::ptrdiff_t>(k + 1) * Tb * N);
        yv.insert(yv.end(), Y.begin() + static_cast<std::ptrdiff_t>(k) * Tb * 3,
                  Y.begin() + static_cast<std::ptrdiff_t>(k + 1) * Tb * 3);
      }
      if (!yv.empty()) score += predict_r2(W, b, xv.data(), yv.data(), yv.size() / 3);
    }
    if (score > best) {
      best = score;
      best_alpha = alpha;
    }
  }
  MatrixXd W;
  Eigen::RowVectorXd b;
  solve(sum_of(-1), best_alpha, W, b);
  const std::vector<float> Xe = slice(eval_rates, evaluated.trials, evaluated.total_bins(), N, Tb, 0, N);
  const std::vector<float> Ye = slice(eval_latent, evaluated.trials, evaluated.total_bins(), 3, Tb, 0, 3);
  return predict_r2(W, b, Xe.data(), Ye.data(), Ye.size() / 3);
}

// ---------------------------------------------------------------- Poisson GLM

void PoissonGlm::fit(const float* X, const float* Y, size_t n, int p, int q, double l2) {
  nn::require(n >= 1 && p >= 1 && q >= 1, "PoissonGlm::fit: expected at least one row, input and output");
  p_ = p;
  q_ = q;
  w_.assign(static_cast<size_t>(p + 1) * q, 0.0);
  Eigen::MatrixXd x(static_cast<Eigen::Index>(n), p + 1);
  for (size_t i = 0; i < n; ++i) {
    for (int j = 0; j < p; ++j) x(static_cast<Eigen::Index>(i), j) = X[i * p + j];
    x(static_cast<Eigen::Index>(i), p) = 1.0;
  }
  Eigen::VectorXd penalty = Eigen::VectorXd::Constant(p + 1, l2);
  penalty(p) = 0;
  for (int o = 0; o < q; ++o) {
    Eigen::VectorXd y(static_cast<Eigen::Index>(n));
    for (size_t i = 0; i < n; ++i) y(static_cast<Eigen::Index>(i)) = Y[i * q + o];
    Eigen::VectorXd beta = Eigen::VectorXd::Zero(p + 1);
    beta(p) = util::det_log(std::max(y.mean(), kMinRate));
    // The penalized negative log-likelihood (without log k!), minimized by damped Newton steps.
    const auto objective = [&](const Eigen::VectorXd& b, Eigen::VectorXd& mu) {
      const Eigen::VectorXd eta = (x * b).cwiseMin(30.0);
      mu = eta.array().exp();
      return (mu - y.cwiseProduct(eta)).sum() + 0.5 * (penalty.array() * b.array().square()).sum();
    };
    Eigen::VectorXd mu;
    double f = objective(beta, mu);
    for (int it = 0; it < 50; ++it) {
      const Eigen::VectorXd grad = x.transpose() * (mu - y) + penalty.cwiseProduct(beta);
      Eigen::MatrixXd H = x.transpose() * (x.array().colwise() * mu.array()).matrix();
      H.diagonal() += penalty + Eigen::VectorXd::Constant(p + 1, 1e-9);
      const Eigen::VectorXd step = H.ldlt().solve(grad);
      double t = 1, f_new = f;
      Eigen::VectorXd trial, mu_new;
      for (int h = 0; h < 30; ++h, t *= 0.5) {
        trial = beta - t * step;
        f_new = objective(trial, mu_new);
        if (f_new <= f) break;
      }
      if (!(f_new <= f)) break;
      const double gain = f - f_new;
      beta = trial;
      mu = mu_new;
      f = f_new;
      if (gain <= 1e-10 * std::max(1.0, std::fabs(f))) break;
    }
    for (int j = 0; j <= p; ++j) w_[static_cast<size_t>(j) * q + o] = beta(j);
  }
}

void PoissonGlm::set_weights(int p, int q, std::vector<double> w) {
  nn::require(p >= 1 && q >= 1 && w.size() == static_cast<size_t>(p + 1) * q, "PoissonGlm::set_weights: expected (",
              p + 1, ", ", q, ") weights, got ", w.size());
  for (double v : w) nn::require(std::isfinite(v), "PoissonGlm::set_weights: expected finite weights");
  w_ = std::move(w);
  p_ = p;
  q_ = q;
}

std::vector<float> PoissonGlm::rates(const float* X, size_t n) const {
  nn::require(p_ > 0, "PoissonGlm::rates: fit first");
  std::vector<float> out(n * static_cast<size_t>(q_));
  for (size_t i = 0; i < n; ++i)
    for (int o = 0; o < q_; ++o) {
      double eta = w_[static_cast<size_t>(p_) * q_ + o];
      for (int j = 0; j < p_; ++j) eta += X[i * p_ + j] * w_[static_cast<size_t>(j) * q_ + o];
      out[i * q_ + o] = static_cast<float>(util::det_exp(std::min(eta, 30.0)));
    }
  return out;
}

// ---------------------------------------------------------------- spike smoothing

namespace {
/// Neurons [n0, n1) of every observed bin: the GLMs' targets, rows aligned with the features.
std::vector<float> observed_counts(const float* spikes, const RateLayout& l, int n0, int n1) {
  return slice(spikes, l.trials, l.total_bins(), l.neurons, l.bins, n0, n1 - n0);
}
}  // namespace

std::vector<float> SpikeSmoothing::features(const float* heldin, const RateLayout& l, double sigma_bins,
                                            bool log_input) {
  std::vector<float> x = smooth_trials(heldin, l.trials, l.bins, l.heldin, sigma_bins);
  if (log_input)
    for (float& v : x) v = std::log(v + static_cast<float>(kLogInputOffset));
  return x;
}

void SpikeSmoothing::fit(const float* heldin, const float* spikes, const RateLayout& l, const Progress& progress) {
  nn::require(l.trials >= kSmoothingFolds, "SpikeSmoothing::fit: expected at least ", kSmoothingFolds, " trials");
  const int Hi = l.heldin, Ho = l.neurons - l.heldin;
  double best = -std::numeric_limits<double>::infinity();
  const int steps = 2 * static_cast<int>(kSmoothingSigmas.size());
  int done = 0;
  for (bool take_log : {false, true})
    for (double s : kSmoothingSigmas) {
      if (progress) progress("smoothing: choosing the kernel width and GLM", done++, steps);
      const std::vector<double> ll = glm_cv(features(heldin, l, s, take_log), observed_counts(spikes, l, Hi, l.neurons),
                                            l.trials, Hi, Ho, kSmoothingFolds);
      for (size_t a = 0; a < ll.size(); ++a)
        if (ll[a] > best) {
          best = ll[a];
          sigma = s;
          alpha = kGlmAlphas[a];
          log_input = take_log;
        }
    }
  if (progress) progress("smoothing: fitting the GLM", done, steps);
  const std::vector<float> X = features(heldin, l, sigma, log_input), Y = observed_counts(spikes, l, 0, l.neurons);
  fit_glm(glm, X.data(), Y.data(), Y.size() / static_cast<size_t>(l.neurons), Hi, l.neurons, alpha);
  // The forward bins: each neuron's mean training count per forward bin, or the last observed
  // bin's rates held; whichever predicts the training trials' forward bins better.
  const int T = l.total_bins(), N = l.neurons, F = l.forward;
  forward_mean.assign(static_cast<size_t>(F) * N, 0.0f);
  for (int k = 0; k < l.trials; ++k)
    for (int i = 0; i < F * N; ++i)
      forward_mean[static_cast<size_t>(i)] +=
          spikes[(static_cast<size_t>(k) * T + l.bins) * N + i] / static_cast<float>(l.trials);
  hold_last = true;
  if (F > 0) {
    double ll_hold = 0, ll_mean = 0;
    const std::vector<float> r = predict(heldin, l);  // holds the last bin
    for (int k = 0; k < l.trials; ++k)
      for (int i = 0; i < F * N; ++i) {
        const size_t at = (static_cast<size_t>(k) * T + l.bins) * N + i;
        ll_hold += poisson_ll(spikes[at], r[at]);
        ll_mean += poisson_ll(spikes[at], forward_mean[static_cast<size_t>(i)]);
      }
    hold_last = ll_hold > ll_mean;
  }
}

std::vector<float> SpikeSmoothing::predict(const float* heldin, const RateLayout& l) const {
  nn::require(glm.inputs() == l.heldin, "SpikeSmoothing::predict: fit first, on ", l.heldin, " held-in neurons");
  const std::vector<float> sm = features(heldin, l, sigma, log_input);
  const std::vector<float> r = glm.rates(sm.data(), static_cast<size_t>(l.trials) * l.bins);
  const int T = l.total_bins(), N = l.neurons;
  std::vector<float> out(l.size());
  for (int k = 0; k < l.trials; ++k)
    for (int t = 0; t < T; ++t) {
      const bool mean = t >= l.bins && !hold_last && !forward_mean.empty();
      const float* from = mean ? forward_mean.data() + static_cast<size_t>(t - l.bins) * N
                               : r.data() + (static_cast<size_t>(k) * l.bins + std::min(t, l.bins - 1)) * N;
      std::copy_n(from, N, out.begin() + (static_cast<std::ptrdiff_t>(k) * T + t) * N);
    }
  return out;
}

// ---------------------------------------------------------------- smoothed PSTH

namespace {
/// Per-condition mean counts of the chosen trials, smoothed: ids sorted, result (C, T, N).
std::vector<float> condition_means(const float* spikes, const std::vector<int>& condition, const RateLayout& l,
                                   const std::vector<int>& ids, const std::vector<char>& use, double sigma) {
  const int T = l.total_bins(), N = l.neurons, C = static_cast<int>(ids.size());
  const size_t per = static_cast<size_t>(T) * N;
  std::vector<double> sum(static_cast<size_t>(C) * per, 0.0);
  std::vector<int> count(static_cast<size_t>(C), 0);
  for (int k = 0; k < l.trials; ++k) {
    if (!use[static_cast<size_t>(k)]) continue;
    const int c =
        static_cast<int>(std::lower_bound(ids.begin(), ids.end(), condition[static_cast<size_t>(k)]) - ids.begin());
    ++count[static_cast<size_t>(c)];
    for (size_t i = 0; i < per; ++i) sum[static_cast<size_t>(c) * per + i] += spikes[static_cast<size_t>(k) * per + i];
  }
  std::vector<float> mean(sum.size());
  for (int c = 0; c < C; ++c)
    for (size_t i = 0; i < per; ++i)
      mean[static_cast<size_t>(c) * per + i] =
          count[static_cast<size_t>(c)] > 0
              ? static_cast<float>(sum[static_cast<size_t>(c) * per + i] / count[static_cast<size_t>(c)])
              : 0.0f;
  return smooth_trials(mean.data(), C, T, N, sigma);
}
}  // namespace

void SmoothedPsth::fit(const float* spikes, const std::vector<int>& condition, const RateLayout& l) {
  nn::require(static_cast<int>(condition.size()) == l.trials, "SmoothedPsth::fit: expected one condition per trial");
  conditions = condition;
  std::sort(conditions.begin(), conditions.end());
  conditions.erase(std::unique(conditions.begin(), conditions.end()), conditions.end());
  bins = l.total_bins();
  neurons = l.neurons;
  const size_t per = static_cast<size_t>(bins) * neurons;
  double best = -std::numeric_limits<double>::infinity();
  for (double s : kPsthSigmas) {
    double ll = 0;
    for (int f = 0; f < kPsthFolds; ++f) {
      // Folds run over each condition's own trials, so every condition keeps trials to average.
      std::vector<char> use(static_cast<size_t>(l.trials));
      std::vector<int> seen(static_cast<size_t>(conditions.size()), 0);
      for (int k = 0; k < l.trials; ++k) {
        const size_t c = static_cast<size_t>(
            std::lower_bound(conditions.begin(), conditions.end(), condition[static_cast<size_t>(k)]) -
            conditions.begin());
        use[static_cast<size_t>(k)] = (seen[c]++ % kPsthFolds) != f;
      }
      const std::vector<float> m = condition_means(spikes, condition, l, conditions, use, s);
      for (int k = 0; k < l.trials; ++k) {
        if (use[static_cast<size_t>(k)]) continue;
        const size_t c = static_cast<size_t>(
            std::lower_bound(conditions.begin(), conditions.end(), condition[static_cast<size_t>(k)]) -
            conditions.begin());
        for (size_t i = 0; i < per; ++i) ll += poisson_ll(spikes[static_cast<size_t>(k) * per + i], m[c * per + i]);
      }
    }
    if (ll > best) {
      best = ll;
      sigma = s;
    }
  }
  psth = condition_means(spikes, condition, l, conditions, std::vector<char>(static_cast<size_t>(l.trials), 1), sigma);
}

bool SmoothedPsth::knows(int condition) const {
  return std::binary_search(conditions.begin(), conditions.end(), condition);
}

std::vector<float> SmoothedPsth::predict(const std::vector<int>& condition, const RateLayout& l) const {
  nn::require(l.total_bins() == bins && l.neurons == neurons, "SmoothedPsth::predict: fit first, on this layout");
  const size_t per = static_cast<size_t>(bins) * neurons;
  std::vector<float> out(l.size());
  for (int k = 0; k < l.trials; ++k) {
    const int id = condition[static_cast<size_t>(k)];
    nn::require(knows(id), "SmoothedPsth::predict: condition ", id,
                " has no training trials (the PSTH is not defined)");
    const size_t c =
        static_cast<size_t>(std::lower_bound(conditions.begin(), conditions.end(), id) - conditions.begin());
    std::copy_n(psth.begin() + static_cast<std::ptrdiff_t>(c * per), per,
                out.begin() + static_cast<std::ptrdiff_t>(k * per));
  }
  return out;
}

// ---------------------------------------------------------------- GPFA

namespace {
/// Counts summed over `w` consecutive bins: x (K, T, W) -> (K, T / w, W), T divisible by w.
std::vector<float> rebin(const float* x, int K, int T, int W, int w) {
  const int Tc = T / w;
  std::vector<float> out(static_cast<size_t>(K) * Tc * W, 0.0f);
  for (int k = 0; k < K; ++k)
    for (int t = 0; t < Tc * w; ++t)
      for (int n = 0; n < W; ++n)
        out[(static_cast<size_t>(k) * Tc + t / w) * W + n] += x[(static_cast<size_t>(k) * T + t) * W + n];
  return out;
}

/// Latents (K, T_total, q) of trials from their held-in square-root counts, in bins of `w` fine
/// bins, interpolated linearly between coarse bin centres back to every fine bin.
std::vector<float> gpfa_latents(const models::Gpfa& g, const float* heldin, const RateLayout& l, int w) {
  std::vector<int> observed(static_cast<size_t>(l.heldin));
  for (int i = 0; i < l.heldin; ++i) observed[static_cast<size_t>(i)] = i;
  const int Tc = l.bins / w, Tt = l.total_bins() / w, q = g.config().latents, T = l.total_bins();
  std::vector<float> y = rebin(heldin, l.trials, l.bins, l.heldin, w);
  for (float& v : y) v = std::sqrt(v);
  const std::vector<float> zc = g.infer(y.data(), l.trials, Tc, observed, Tt);  // (K, Tt, q)
  if (w == 1) return zc;
  std::vector<float> z(static_cast<size_t>(l.trials) * T * q);
  for (int t = 0; t < T; ++t) {
    const double p = std::clamp((t + 0.5) / w - 0.5, 0.0, static_cast<double>(Tt - 1));
    const int c0 = static_cast<int>(p), c1 = std::min(c0 + 1, Tt - 1);
    const double f = p - c0;
    for (int k = 0; k < l.trials; ++k)
      for (int i = 0; i < q; ++i)
        z[(static_cast<size_t>(k) * T + t) * q + i] =
            static_cast<float>((1 - f) * zc[(static_cast<size_t>(k) * Tt + c0) * q + i] +
                               f * zc[(static_cast<size_t>(k) * Tt + c1) * q + i]);
  }
  return z;
}
}  // namespace

void GpfaBaseline::fit(const float* spikes, const RateLayout& l, const Progress& progress) {
  const int T = l.total_bins(), N = l.neurons, Hi = l.heldin, Ho = N - Hi;
  const std::vector<float> heldin = slice(spikes, l.trials, T, N, l.bins, 0, Hi);
  const std::vector<float> observed = slice(spikes, l.trials, T, N, l.bins, 0, N);
  // GPFA's observations: square-root counts in bins of w fine bins (Yu et al. used 20 ms bins).
  const auto gpfa_input = [&](const std::vector<float>& counts, int K, int w) {
    std::vector<float> y = rebin(counts.data(), K, l.bins, N, w);
    for (float& v : y) v = std::sqrt(v);
    return y;
  };
  std::vector<int> widths;
  for (int w : bin_widths)
    if (l.bins % w == 0 && T % w == 0 && l.bins / w >= 2) widths.push_back(w);
  nn::require(!widths.empty(), "GpfaBaseline::fit: no bin width divides ", l.bins, " and ", T, " bins");
  const int steps = static_cast<int>(candidates.size() * widths.size()) * kGpfaFolds + 1;
  int done = 0;
  const auto report = [&](const std::string& what) {
    return [&, what](int it, double) {
      if (progress && it % 10 == 0) progress(what, done, steps);
    };
  };
  double best = -std::numeric_limits<double>::infinity();
  // The held-out neurons' counts in the observed bins: what the choice scores.
  const std::vector<float> heldout = observed_counts(spikes, l, Hi, N);
  const size_t per_in = static_cast<size_t>(l.bins) * Hi, per_y = static_cast<size_t>(l.bins) * N;
  for (int w : widths)
    for (int q : candidates) {
      if (q > N) continue;
      std::vector<double> ll(kGlmAlphas.size(), 0.0);
      for (int f = 0; f < kGpfaFolds; ++f, ++done) {
        // The fold's slices, gathered when needed rather than kept for every pair: memory.
        const std::vector<size_t> fit_trials = fold_rows(l.trials, 1, kGpfaFolds, f, false),
                                  val_trials = fold_rows(l.trials, 1, kGpfaFolds, f, true);
        RateLayout lf = l, lv = l;
        lf.trials = static_cast<int>(fit_trials.size());
        lv.trials = static_cast<int>(val_trials.size());
        models::GpfaConfig c;
        c.latents = q;
        c.max_iterations = kGpfaCvIterations;
        models::Gpfa g(c);
        g.fit(gpfa_input(gather_rows(observed.data(), per_y, fit_trials), lf.trials, w).data(), lf.trials, l.bins / w,
              N,
              report("GPFA: choosing the latent dimension and bin width (" + std::to_string(q) + " latents, " +
                     std::to_string(10 * w) + " ms)"));
        lf.forward = lv.forward = 0;  // the choice scores held-out neurons over observed bins
        const std::vector<float> zf = gpfa_latents(g, gather_rows(heldin.data(), per_in, fit_trials).data(), lf, w),
                                 zv = gpfa_latents(g, gather_rows(heldin.data(), per_in, val_trials).data(), lv, w);
        const size_t bins = static_cast<size_t>(l.bins);
        const std::vector<size_t> fit_rows = fold_rows(l.trials, bins, kGpfaFolds, f, false);
        const std::vector<size_t> thin = thinned(all_rows(fit_rows.size()), kGlmMaxRows);
        const std::vector<float> xf = gather_rows(zf.data(), q, thin);
        const std::vector<float> yf = gather_rows(heldout.data(), Ho, thinned(fit_rows, kGlmMaxRows));
        const std::vector<float> yv = gather_rows(heldout.data(), Ho, fold_rows(l.trials, bins, kGpfaFolds, f, true));
        const size_t n = thin.size();
        for (size_t a = 0; a < kGlmAlphas.size(); ++a) {
          PoissonGlm glm_q;
          glm_q.fit(xf.data(), yf.data(), n, q, Ho, kGlmAlphas[a] * static_cast<double>(n));
          ll[a] += sum_ll(glm_q.rates(zv.data(), zv.size() / static_cast<size_t>(q)), yv);
        }
      }
      for (size_t a = 0; a < ll.size(); ++a)
        if (ll[a] > best) {
          best = ll[a];
          latents = q;
          bin_width = w;
          alpha = kGlmAlphas[a];
        }
    }
  models::GpfaConfig c;
  c.latents = latents;
  gpfa = models::Gpfa(c);
  const std::vector<float> y = gpfa_input(observed, l.trials, bin_width);
  gpfa.fit(y.data(), l.trials, l.bins / bin_width, N, report("GPFA: fitting " + std::to_string(latents) + " latents"));
  ++done;
  // The GLM from latents inferred as at evaluation (held-in neurons, GP-extended) to every neuron and bin.
  fit_glm(glm, gpfa_latents(gpfa, heldin.data(), l, bin_width).data(), spikes,
          static_cast<size_t>(l.trials) * l.total_bins(), latents, N, alpha);
  if (progress) progress("GPFA: done", steps, steps);
}

std::vector<float> GpfaBaseline::predict(const float* heldin, const RateLayout& l) const {
  nn::require(glm.inputs() == latents && latents > 0, "GpfaBaseline::predict: fit first");
  const std::vector<float> z = gpfa_latents(gpfa, heldin, l, bin_width);
  return glm.rates(z.data(), static_cast<size_t>(l.trials) * l.total_bins());
}

// ---------------------------------------------------------------- scoring and the baselines on a split

NlbScores score_method(const data::LorenzData& d, const data::NlbSplit& split, const std::vector<int>& evaluated,
                       const std::vector<float>& eval_rates, const std::vector<int>& train,
                       const std::vector<float>& train_rates) {
  const RateLayout le = RateLayout::of(d, split, static_cast<int>(evaluated.size()));
  const RateLayout lt = RateLayout::of(d, split, static_cast<int>(train.size()));
  nn::require(eval_rates.size() == le.size() && train_rates.size() == lt.size(), "score_method: expected rates (K, ",
              le.total_bins(), ", ", le.neurons, ") of the evaluation and training trials");
  const int T = d.total_bins(), N = d.neurons;
  const std::vector<float> spikes = data::gather_trials(d.spikes, T, N, evaluated);
  const std::vector<float> truth = d.true_rates(evaluated);
  std::vector<int> cond;
  for (int k : evaluated) cond.push_back(d.condition[static_cast<size_t>(k)]);
  NlbScores s;
  s.co_bps = co_bps(eval_rates.data(), spikes.data(), le);
  s.fp_bps = fp_bps(eval_rates.data(), spikes.data(), le);
  s.rate_r2 = rate_r2(eval_rates.data(), truth.data(), le);
  s.psth_r2 = psth_r2(eval_rates.data(), truth.data(), cond, le);
  const std::vector<float> lat_t = data::gather_trials(d.latent, T, 3, train);
  const std::vector<float> lat_e = data::gather_trials(d.latent, T, 3, evaluated);
  s.decode_r2 = decode_r2(train_rates.data(), lat_t.data(), lt, eval_rates.data(), lat_e.data(), le);
  return s;
}

NlbBaselines fit_baselines(const data::LorenzData& d, const data::NlbSplit& split, const Progress& progress) {
  const std::vector<int>& train = split.train_trials;
  const RateLayout l = RateLayout::of(d, split, static_cast<int>(train.size()));
  const std::vector<float> spikes = data::gather_trials(d.spikes, d.total_bins(), d.neurons, train);
  const std::vector<float> heldin = data::heldin_spikes(d, split.heldin, train);
  std::vector<int> cond;
  for (int k : train) cond.push_back(d.condition[static_cast<size_t>(k)]);
  NlbBaselines b;
  b.smoothing.fit(heldin.data(), spikes.data(), l, progress);
  if (progress) progress("smoothed PSTH: choosing the kernel width", 0, 1);
  b.psth.fit(spikes.data(), cond, l);
  b.gpfa.fit(spikes.data(), l, progress);
  return b;
}

EvalSets EvalSets::all(const data::NlbSplit& split) {
  return {split.train_trials, split.heldout_trials, split.heldout_condition_trials};
}

EvalSets EvalSets::subset(const data::NlbSplit& split, int train, int heldout_trials, int heldout_conditions) {
  const auto first = [](const std::vector<int>& v, int n, const char* name) {
    nn::require_int_range(n, 2, static_cast<long long>(v.size()), name);
    // Evenly spread, so a subset still covers every condition.
    std::vector<int> out;
    for (int i = 0; i < n; ++i)
      out.push_back(v[static_cast<size_t>(static_cast<long long>(i) * static_cast<long long>(v.size()) / n)]);
    return out;
  };
  return {first(split.train_trials, train, "EvalSets: train"),
          first(split.heldout_trials, heldout_trials, "EvalSets: heldout_trials"),
          first(split.heldout_condition_trials, heldout_conditions, "EvalSets: heldout_conditions")};
}

MethodRates baseline_rates(const data::LorenzData& d, const data::NlbSplit& split, const EvalSets& sets,
                           const NlbBaselines& b, const std::string& method) {
  const auto rates = [&](const std::vector<int>& trials) {
    const RateLayout l = RateLayout::of(d, split, static_cast<int>(trials.size()));
    if (method == "psth") {
      std::vector<int> cond;
      for (int k : trials) cond.push_back(d.condition[static_cast<size_t>(k)]);
      return b.psth.predict(cond, l);
    }
    const std::vector<float> heldin = data::heldin_spikes(d, split.heldin, trials);
    if (method == "smoothing") return b.smoothing.predict(heldin.data(), l);
    nn::require(method == "gpfa", "baseline_rates: method: expected smoothing, psth or gpfa, got '", method, "'");
    return b.gpfa.predict(heldin.data(), l);
  };
  MethodRates m;
  m.train = rates(sets.train);
  m.heldout_trials = rates(sets.heldout_trials);
  if (method != "psth") m.heldout_conditions = rates(sets.heldout_conditions);
  return m;
}

}  // namespace eval
