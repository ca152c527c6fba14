#include "regression.h"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <cmath>
#include <limits>

#include "nn/check.h"
#include "util/det_math.h"

namespace eval {

double r2(const float* pred, const float* truth, size_t n, size_t stride) {
  double mean = 0;
  for (size_t i = 0; i < n; ++i) mean += truth[i * stride];
  mean /= static_cast<double>(n);
  double sse = 0, sst = 0;
  for (size_t i = 0; i < n; ++i) {
    const double e = static_cast<double>(pred[i * stride]) - truth[i * stride];
    const double d = static_cast<double>(truth[i * stride]) - mean;
    sse += e * e;
    sst += d * d;
  }
  return sst > 0 ? 1.0 - sse / sst : -std::numeric_limits<double>::infinity();
}

double mean_column_r2(const float* pred, const float* truth, size_t n, int q) {
  double sum = 0;
  for (int j = 0; j < q; ++j) sum += r2(pred + j, truth + j, n, static_cast<size_t>(q));
  return sum / q;
}

void Ridge::fit(const float* X, const float* Y, size_t n, int p, int q, double lambda) {
  nn::require(n >= 2, "Ridge::fit: expected at least 2 samples, got ", n);
  nn::require(lambda >= 0 && std::isfinite(lambda), "Ridge::fit: lambda: expected a number >= 0, got ", lambda);
  p_ = p;
  q_ = q;
  Eigen::MatrixXd x(static_cast<Eigen::Index>(n), p), y(static_cast<Eigen::Index>(n), q);
  for (size_t i = 0; i < n; ++i) {
    for (int j = 0; j < p; ++j) x(static_cast<Eigen::Index>(i), j) = X[i * p + j];
    for (int j = 0; j < q; ++j) y(static_cast<Eigen::Index>(i), j) = Y[i * q + j];
  }
  // Centre both sides: the intercept then falls out and is not penalized.
  const Eigen::RowVectorXd mx = x.colwise().mean(), my = y.colwise().mean();
  x.rowwise() -= mx;
  y.rowwise() -= my;
  Eigen::MatrixXd gram = x.transpose() * x;
  gram.diagonal().array() += lambda + 1e-10 * (1.0 + gram.diagonal().maxCoeff());  // tiny jitter: solvable
  W_ = gram.ldlt().solve(x.transpose() * y);
  b_ = my - mx * W_;
}

std::vector<float> Ridge::predict(const float* X, size_t n) const {
  std::vector<float> out(n * static_cast<size_t>(q_));
  for (size_t i = 0; i < n; ++i)
    for (int j = 0; j < q_; ++j) {
      double v = b_(j);
      for (int k = 0; k < p_; ++k) v += X[i * p_ + k] * W_(k, j);
      out[i * q_ + j] = static_cast<float>(v);
    }
  return out;
}

std::vector<float> gaussian_smooth(const float* x, int T, int N, double sigma) {
  nn::require(sigma > 0 && std::isfinite(sigma), "gaussian_smooth: sigma: expected a positive number, got ", sigma);
  const int half = static_cast<int>(std::ceil(3 * sigma));
  std::vector<double> kernel(static_cast<size_t>(2 * half + 1));
  for (int d = -half; d <= half; ++d)
    kernel[static_cast<size_t>(d + half)] = util::det_exp(-0.5 * d * d / (sigma * sigma));
  std::vector<float> out(static_cast<size_t>(T) * N);
  for (int t = 0; t < T; ++t)
    for (int c = 0; c < N; ++c) {
      double acc = 0, wsum = 0;
      for (int d = -half; d <= half; ++d) {
        const int s = t + d;
        if (s < 0 || s >= T) continue;
        acc += kernel[static_cast<size_t>(d + half)] * x[static_cast<size_t>(s) * N + c];
        wsum += kernel[static_cast<size_t>(d + half)];
      }
      out[static_cast<size_t>(t) * N + c] = static_cast<float>(acc / wsum);
    }
  return out;
}

Pca pca(const float* X, size_t n, int p, int k) {
  nn::require(k >= 1 && k <= p, "pca: k: expected 1 to ", p, ", got ", k);
  nn::require(n >= 2, "pca: expected at least 2 samples, got ", n);
  Eigen::MatrixXd x(static_cast<Eigen::Index>(n), p);
  for (size_t i = 0; i < n; ++i)
    for (int j = 0; j < p; ++j) x(static_cast<Eigen::Index>(i), j) = X[i * p + j];
  const Eigen::RowVectorXd mean = x.colwise().mean();
  x.rowwise() -= mean;
  const Eigen::MatrixXd cov = (x.transpose() * x) / static_cast<double>(n - 1);
  Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(cov);  // eigenvalues ascending
  Pca out;
  out.k = k;
  out.p = p;
  out.mean.assign(mean.data(), mean.data() + p);
  for (int c = 0; c < k; ++c) {
    const int col = p - 1 - c;
    Eigen::VectorXd v = eig.eigenvectors().col(col);
    // Sign convention: the largest-magnitude entry is positive (so the axes do not flip between runs).
    Eigen::Index imax;
    v.cwiseAbs().maxCoeff(&imax);
    if (v(imax) < 0) v = -v;
    for (int j = 0; j < p; ++j) out.components.push_back(v(j));
    out.explained.push_back(eig.eigenvalues()(col));
  }
  return out;
}

std::vector<float> Pca::project(const float* X, size_t n) const {
  std::vector<float> out(n * static_cast<size_t>(k));
  for (size_t i = 0; i < n; ++i)
    for (int c = 0; c < k; ++c) {
      double v = 0;
      for (int j = 0; j < p; ++j)
        v += (X[i * p + j] - mean[static_cast<size_t>(j)]) * components[static_cast<size_t>(c * p + j)];
      out[i * k + c] = static_cast<float>(v);
    }
  return out;
}

double bits_per_spike(const float* log_rates, const float* spikes, size_t n, int N) {
  std::vector<double> mean(static_cast<size_t>(N), 0.0);
  double total = 0;
  for (size_t i = 0; i < n; ++i)
    for (int j = 0; j < N; ++j) {
      mean[static_cast<size_t>(j)] += spikes[i * N + j];
      total += spikes[i * N + j];
    }
  nn::require(total > 0, "bits_per_spike: expected at least one spike");
  for (double& m : mean) m = std::max(m / static_cast<double>(n), 1e-9);
  double ll_model = 0, ll_null = 0;  // the log k! terms cancel
  for (size_t i = 0; i < n; ++i)
    for (int j = 0; j < N; ++j) {
      const double k = spikes[i * N + j], l = log_rates[i * N + j];
      ll_model += k * l - util::det_exp(l);
      ll_null += k * util::det_log(mean[static_cast<size_t>(j)]) - mean[static_cast<size_t>(j)];
    }
  return (ll_model - ll_null) / (total * util::det_log(2.0));
}

}  // namespace eval
