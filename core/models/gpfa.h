// GPFA: Gaussian-process factor analysis (Yu, Cunningham, Santhanam, Ryu, Shenoy & Sahani 2009,
// J Neurophysiol 102:614), fitted by exact EM.
//
//   latents  x_i(.) ~ GP(0, k_i), i = 1..q,
//            k_i(t1, t2) = (1 - eps) exp(-(t1 - t2)^2 / (2 tau_i^2)) + eps delta(t1, t2)
//   neurons  y_t = C x_t + d + noise,  noise ~ N(0, R), R diagonal       y_t (N), x_t (q)
//
// Observations are real-valued (spike counts or their square roots, binned). All trials have
// the same length T, so the posterior covariance of a trial's latents is the same for every trial
// and is computed once per EM iteration; the posterior means of all trials are one matrix product.
// The kernels are symmetric Toeplitz, so the posterior splits exactly into the parts even and odd
// under time reversal (t -> T-1-t): two (q T/2)-sized problems instead of one (q T)-sized one.
// No (N T) x (N T) matrix is ever formed: the likelihood uses the matrix determinant lemma and
// Woodbury's identity. Cost per EM iteration: O((q T)^3 / 4 + (q T)^2 K / 2 + q N T K).
// Everything inside is double precision; inputs and outputs are float32, row-major.
#pragma once
#include <functional>
#include <vector>

#include "nn/eigen.h"

namespace models {

struct GpfaConfig {
  int latents = 8;                // q
  int max_iterations = 200;       // E-steps (EM iterations, extrapolations included)
  double tolerance = 1e-6;        // stop when an iteration gains less than this fraction of |log-likelihood|
  double initial_tau = 5.0;       // GP timescale of every latent at the start, in bins
  double gp_noise = 1e-3;         // eps: the white part of each latent's unit prior variance (fixed)
  double min_private_var = 1e-3;  // floor on R's diagonal, as a fraction of each neuron's variance
  bool lag_start = true;          // start from FA rotated by lag-1 covariance, taus from it (false: FA, initial_tau)
  bool accelerate = true;         // SQUAREM extrapolation between EM steps, kept only when it raises the likelihood
  void validate() const;
};

class Gpfa {
 public:
  using RowMatrix = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  /// The range the learned timescales are kept in, in bins.
  static constexpr double kMinTau = 0.1, kMaxTau = 1e4;

  /// Validates the config; the model has no parameters until fit() or set_parameters().
  explicit Gpfa(const GpfaConfig& config);

  /// Fits by EM on y (K, T, N): K trials of T bins of N neurons. Starts from factor analysis of
  /// all bins pooled (itself started from PCA: deterministic, no seed needed); with
  /// config.lag_start its latents are rotated to be uncorrelated at lag 1 and each tau starts from
  /// its latent's lag-1 autocorrelation, otherwise every tau starts at config.initial_tau (Yu et
  /// al.). M-step: C and d jointly in closed form, R in closed form (floored), each tau by a few
  /// steps of gradient ascent on log tau with a backtracking line search. With config.accelerate,
  /// SQUAREM (Varadhan & Roland 2008) extrapolates after every two EM steps and the result is kept
  /// only if its likelihood is higher (a rejected one costs an E-step and is not reported). So the
  /// log-likelihood never decreases. progress(iteration, log_likelihood) is called for each new
  /// parameter set (iterations count from 1) with the model already holding it (infer() may be
  /// called from it; if progress throws, fitting stops there and the model keeps them). Returns
  /// the log-likelihood of y at each of those parameter sets.
  std::vector<double> fit(const float* y, int K, int T, int N, const std::function<void(int, double)>& progress = {});

  /// The exact posterior mean of the latents (K, T_total, q) for trials of which only the neurons
  /// `observed` (indices into 0..N-1, any order, no repeats) are seen, over the first T_obs bins:
  /// y is (K, T_obs, observed.size()), column j holding neuron observed[j]. Bins T_obs..T_total-1
  /// are predicted forward by the GP prior (E[x_future | y] = K_fo K_oo^-1 E[x_obs | y]).
  std::vector<float> infer(const float* y, int K, int T_obs, const std::vector<int>& observed, int T_total) const;
  /// infer() in double precision (the same computation, not rounded to float32).
  std::vector<double> posterior_mean(const float* y, int K, int T_obs, const std::vector<int>& observed,
                                     int T_total) const;
  /// The posterior mean of the latents (K, T, q) of y (K, T, N), every neuron seen.
  std::vector<float> infer(const float* y, int K, int T) const;

  /// C x + d for every neuron: latents (K, T, q) -> (K, T, N).
  std::vector<float> predict(const float* latents, int K, int T) const;

  /// The marginal log-likelihood of y (K, T, N) under the model (natural log, summed over trials).
  double log_likelihood(const float* y, int K, int T, int N) const;

  /// Sets the parameters directly (C (N, q), d (N), R (N) > 0, tau (q) in [kMinTau, kMaxTau]);
  /// q must be config().latents. The model then counts as fitted.
  void set_parameters(const RowMatrix& C, const Eigen::VectorXd& d, const Eigen::VectorXd& R,
                      const Eigen::VectorXd& tau);

  /// Whether fit() or set_parameters() has given the model parameters.
  bool fitted() const { return neurons_ > 0; }
  /// N, the number of neurons the model was fitted on (0 before).
  int neurons() const { return neurons_; }
  /// The loading matrix C (N, q), row-major.
  const RowMatrix& loading() const { return C_; }
  /// The offsets d (N).
  const Eigen::VectorXd& offset() const { return d_; }
  /// The private (independent) noise variances, R's diagonal (N).
  const Eigen::VectorXd& private_variance() const { return R_; }
  /// The GP timescales tau (q), in bins.
  const Eigen::VectorXd& timescales() const { return tau_; }
  /// The config the model was built with.
  const GpfaConfig& config() const { return config_; }

 private:
  void require_fitted(const char* where) const;

  GpfaConfig config_;
  RowMatrix C_;          // (N, q)
  Eigen::VectorXd d_;    // (N)
  Eigen::VectorXd R_;    // (N)
  Eigen::VectorXd tau_;  // (q)
  int neurons_ = 0;
};

}  // namespace models
