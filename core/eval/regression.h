// Metrics and linear read-outs for the latent-dynamics case study: R^2, ridge regression with an
// intercept (affine fits included, lambda = 0), Gaussian smoothing of spike trains, PCA and bits
// per spike. Rows are samples, columns are variables (row-major, float in, double inside).
#pragma once
#include <vector>

#include "nn/eigen.h"

namespace eval {

/// 1 - SSE / SST of one variable (SST around the truth's mean). -inf when the truth is constant.
double r2(const float* pred, const float* truth, size_t n, size_t stride = 1);
/// R^2 of each of q columns, averaged.
double mean_column_r2(const float* pred, const float* truth, size_t n, int q);

/// Y ~ X W + b fitted by least squares with an L2 penalty lambda on W (not on b).
class Ridge {
 public:
  /// X (n, p), Y (n, q).
  void fit(const float* X, const float* Y, size_t n, int p, int q, double lambda);
  /// Y (n, q) for X (n, p).
  std::vector<float> predict(const float* X, size_t n) const;
  const Eigen::MatrixXd& weights() const { return W_; }  // (p, q)
  const Eigen::RowVectorXd& bias() const { return b_; }  // (q)

 private:
  Eigen::MatrixXd W_;
  Eigen::RowVectorXd b_;
  int p_ = 0, q_ = 0;
};

/// Smooths each of N channels over T bins with a Gaussian of `sigma` bins (truncated at 3 sigma,
/// renormalized at the edges). x (T, N) -> (T, N).
std::vector<float> gaussian_smooth(const float* x, int T, int N, double sigma);

/// The top `k` principal components of X (n, p): {mean (p), components (k, p) row-major}.
struct Pca {
  std::vector<double> mean;
  std::vector<double> components;
  std::vector<double> explained;  // variance along each component
  int k = 0, p = 0;
  /// X (n, p) -> (n, k).
  std::vector<float> project(const float* X, size_t n) const;
};
Pca pca(const float* X, size_t n, int p, int k);

/// Bits per spike of predicted log-rates against a null model of each neuron's mean rate:
/// (LL(model) - LL(null)) / (spike count * ln 2), Poisson log-likelihoods. (n, N) each.
double bits_per_spike(const float* log_rates, const float* spikes, size_t n, int N);

}  // namespace eval
