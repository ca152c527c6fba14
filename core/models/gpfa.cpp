#include "gpfa.h"

#include <Eigen/Cholesky>
#include <Eigen/Eigenvalues>
#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <string>

#include "nn/check.h"
#include "util/det_math.h"

namespace models {

using Eigen::Index;
using Eigen::MatrixXd;
using Eigen::VectorXd;

namespace {

constexpr double kLog2Pi = 1.8378770664093454836;
constexpr int kFaIterations = 200;         // factor-analysis EM iterations for the start (at most)
constexpr double kFaTolerance = 1e-9;      // ...stopping when FA's log-likelihood gains less than this fraction
constexpr int kTauSteps = 3;               // gradient steps on each log tau per M-step (a partial M-step)
constexpr double kMaxLogTauStep = 1.0;     // the largest change of log tau in one step
constexpr double kMaxExtrapolation = 256;  // SQUAREM's longest extrapolation (in EM steps, roughly)

// ---------------------------------------------------------------- time-reversal parity
//
// The bins 0..T-1 split into a part even and a part odd under t -> T-1-t. Basis vector j of a
// part is wa e_a + wb e_b with b = T-1-a and wa = 1/sqrt2, wb = +-1/sqrt2 (a < T/2), or, for the
// middle bin of an odd T (even part), e_a alone (b = -1). The basis is orthonormal, and every
// symmetric Toeplitz matrix (a stationary kernel on the grid) is block-diagonal in it.
struct ParityBasis {
  int dim = 0;
  std::vector<int> a, b;
  std::vector<double> wa, wb;
};

ParityBasis parity_basis(int T, int parity) {
  ParityBasis p;
  const int m = T / 2;
  const double h = std::sqrt(0.5);
  for (int j = 0; j < m; ++j) {
    p.a.push_back(j);
    p.b.push_back(T - 1 - j);
    p.wa.push_back(h);
    p.wb.push_back(parity == 0 ? h : -h);
  }
  if (parity == 0 && T % 2 == 1) {
    p.a.push_back(m);
    p.b.push_back(-1);
    p.wa.push_back(1.0);
    p.wb.push_back(0.0);
  }
  p.dim = static_cast<int>(p.a.size());
  return p;
}

// Q' F Q for the stationary F(t1, t2) = f[|t1 - t2|] and the basis Q of one part: (dim, dim).
MatrixXd project_stationary(const ParityBasis& p, const std::vector<double>& f) {
  auto at = [&f](int u, int v) { return f[static_cast<size_t>(std::abs(u - v))]; };
  MatrixXd out(p.dim, p.dim);
  for (int j = 0; j < p.dim; ++j)
    for (int l = 0; l <= j; ++l) {
      double v = p.wa[j] * p.wa[l] * at(p.a[j], p.a[l]);
      if (p.b[l] >= 0) v += p.wa[j] * p.wb[l] * at(p.a[j], p.b[l]);
      if (p.b[j] >= 0) v += p.wb[j] * p.wa[l] * at(p.b[j], p.a[l]);
      if (p.b[j] >= 0 && p.b[l] >= 0) v += p.wb[j] * p.wb[l] * at(p.b[j], p.b[l]);
      out(j, l) = out(l, j) = v;
    }
  return out;
}

// The kernel k(t1, t2) at lags 0..T-1 (eps included at lag 0), and optionally dk / d log tau.
void kernel_lags(double tau, double eps, int T, std::vector<double>& k, std::vector<double>* dk) {
  k.assign(static_cast<size_t>(T), 0.0);
  if (dk) dk->assign(static_cast<size_t>(T), 0.0);
  for (int lag = 0; lag < T; ++lag) {
    const double s = static_cast<double>(lag) * lag / (tau * tau);
    const double se = (1.0 - eps) * util::det_exp(-0.5 * s);
    k[static_cast<size_t>(lag)] = se + (lag == 0 ? eps : 0.0);
    if (dk) (*dk)[static_cast<size_t>(lag)] = se * s;
  }
}

// The full kernel matrix (T, T) of one latent.
MatrixXd kernel_matrix(double tau, double eps, int T) {
  std::vector<double> k;
  kernel_lags(tau, eps, T, k, nullptr);
  MatrixXd out(T, T);
  for (int i = 0; i < T; ++i)
    for (int j = 0; j < T; ++j) out(i, j) = k[static_cast<size_t>(std::abs(i - j))];
  return out;
}

// sum_i log v_i. (A plain loop: GCC 12 warns inside its own AVX-512 headers on Eigen's vector log.)
template <class Vector>
double sum_log(const Vector& v) {
  double s = 0;
  for (Index i = 0; i < v.size(); ++i) s += util::det_log(v(i));
  return s;
}

// Copies the lower triangle of a square matrix onto its upper triangle.
void mirror_lower(MatrixXd& m) {
  for (Index j = 1; j < m.cols(); ++j)
    for (Index i = 0; i < j; ++i) m(i, j) = m(j, i);
}

// ---------------------------------------------------------------- trials in the parity bases

// K trials of N neurons with every trial's bins rewritten in the two parity bases: part p is
// (N, K dim_p), column k dim_p + j holding basis vector j's coordinate of trial k. The
// transformation is orthogonal in time, so sums over bins of products (y y', x y', x x') are the
// same in either representation.
struct Parts {
  int K = 0, T = 0, N = 0;
  std::array<ParityBasis, 2> basis;
  std::array<MatrixXd, 2> y;     // [part] (N, K dim)
  std::array<VectorXd, 2> ones;  // [part] (dim): the coordinates of the all-ones bin vector
};

// y (K, T, N) minus offset (N), in the parity bases.
Parts to_parts(const float* y, int K, int T, int N, const VectorXd& offset) {
  Parts out;
  out.K = K;
  out.T = T;
  out.N = N;
  for (int p = 0; p < 2; ++p) {
    const ParityBasis& pb = out.basis[static_cast<size_t>(p)] = parity_basis(T, p);
    const int dim = pb.dim;
    VectorXd& ones = out.ones[static_cast<size_t>(p)];
    ones.resize(dim);
    for (int j = 0; j < dim; ++j) ones(j) = pb.wa[j] + (pb.b[j] >= 0 ? pb.wb[j] : 0.0);
    MatrixXd& yp = out.y[static_cast<size_t>(p)];
    yp.resize(N, static_cast<Index>(K) * dim);
    for (int k = 0; k < K; ++k)
      for (int j = 0; j < dim; ++j) {
        double* dst = yp.data() + (static_cast<Index>(k) * dim + j) * N;
        const float* ra = y + (static_cast<size_t>(k) * T + pb.a[j]) * N;
        if (pb.b[j] >= 0) {
          const float* rb = y + (static_cast<size_t>(k) * T + pb.b[j]) * N;
          for (int n = 0; n < N; ++n) dst[n] = pb.wa[j] * (ra[n] - offset(n)) + pb.wb[j] * (rb[n] - offset(n));
        } else {
          for (int n = 0; n < N; ++n) dst[n] = pb.wa[j] * (ra[n] - offset(n));
        }
      }
  }
  return out;
}

// ---------------------------------------------------------------- the shared posterior

// One part's posterior covariance, the same for every trial. Latent-major, with (latent i,
// basis j) at i * dim + j: the prior is Kp = blockdiag_i(L_i L_i') and the data precision M ⊗ I
// (M = C' R^-1 C), so the covariance is (Kp^-1 + M ⊗ I)^-1 = Lbar A^-1 Lbar' with
// A = I + Lbar' (M ⊗ I) Lbar (eigenvalues >= 1: well conditioned however small eps is).
struct PartPosterior {
  MatrixXd sigma;              // (q dim, q dim), basis-major: (basis j, latent i) at j * q + i
  MatrixXd block_trace;        // (q, q): the trace of each (latent, latent) block: sum over bins of Cov(x_i, x_l)
  std::vector<MatrixXd> diag;  // [latent] (dim, dim): each latent's own block
  double logdet_a = 0;         // log |A| = log |Kp| + log |Kp^-1 + M ⊗ I|
  bool ok = true;              // false: A was not positive definite in floating point
};

// The (q dim)^2 buffers of one part, kept from one E-step to the next: no allocation churn in EM.
struct PartWorkspace {
  MatrixXd A;   // A, then its Cholesky factor L_A in place (lower triangle)
  MatrixXd W;   // L_A^-1 Lbar' (block lower triangular)
  MatrixXd lm;  // the covariance, latent-major
  PartPosterior post;
};
using Workspace = std::array<PartWorkspace, 2>;

// Fills ws.post for one part.
void part_posterior(const MatrixXd& M, const VectorXd& tau, double eps, int T, const ParityBasis& basis,
                    PartWorkspace& ws) {
  PartPosterior& out = ws.post;
  out.ok = true;
  const int d = basis.dim, q = static_cast<int>(M.rows()), n = q * d;
  std::vector<MatrixXd> L(static_cast<size_t>(q));  // (d, d) lower Cholesky factors of each latent's kernel
  std::vector<double> k;
  for (int i = 0; i < q; ++i) {
    kernel_lags(tau(i), eps, T, k, nullptr);
    Eigen::LLT<MatrixXd> llt(project_stationary(basis, k));
    NN_ASSERT(llt.info() == Eigen::Success);
    L[static_cast<size_t>(i)] = llt.matrixL();
  }
  MatrixXd& A = ws.A;  // (q d, q d)
  A.setIdentity(n, n);
  for (int i = 0; i < q; ++i)
    for (int l = 0; l <= i; ++l) {
      A.block(i * d, l * d, d, d).noalias() +=
          M(i, l) * (L[static_cast<size_t>(i)].transpose() * L[static_cast<size_t>(l)]);
      if (l != i) A.block(l * d, i * d, d, d) = A.block(i * d, l * d, d, d).transpose();
    }
  const Eigen::LLT<Eigen::Ref<MatrixXd>> llt(A);  // in place: A's lower triangle becomes L_A
  if (llt.info() != Eigen::Success) {             // only for absurd parameters (a SQUAREM extrapolation): A = I + PSD
    out.ok = false;
    return;
  }
  out.logdet_a = 2.0 * sum_log(A.diagonal());
  // W = L_A^-1 Lbar', one latent's columns at a time: they are zero above that latent's rows.
  MatrixXd& W = ws.W;
  W.resize(n, n);
  for (int i = 0; i < q; ++i) {
    const int rows = n - i * d;
    auto w = W.block(i * d, i * d, rows, d);
    w.setZero();
    w.topRows(d) = L[static_cast<size_t>(i)].transpose();
    A.bottomRightCorner(rows, rows).triangularView<Eigen::Lower>().solveInPlace(w);
  }
  // Sigma = W' W, block by block (latent-major), then reordered basis-major.
  MatrixXd& lm = ws.lm;
  lm.resize(n, n);
  out.block_trace.resize(q, q);
  out.diag.resize(static_cast<size_t>(q));
  for (int i = 0; i < q; ++i)
    for (int l = i; l < q; ++l) {
      MatrixXd s = W.block(l * d, i * d, n - l * d, d).transpose() * W.block(l * d, l * d, n - l * d, d);  // (d, d)
      if (l == i) mirror_lower(s);  // exactly symmetric
      lm.block(i * d, l * d, d, d) = s;
      lm.block(l * d, i * d, d, d) = s.transpose();
      out.block_trace(i, l) = out.block_trace(l, i) = s.trace();
      if (l == i) out.diag[static_cast<size_t>(i)] = s;
    }
  out.sigma.resize(n, n);
  for (int jj = 0; jj < d; ++jj)
    for (int l = 0; l < q; ++l) {
      const double* src = lm.data() + static_cast<Index>(l * d + jj) * n;   // column (l, jj), latent-major rows
      double* dst = out.sigma.data() + static_cast<Index>(jj * q + l) * n;  // column (jj, l), basis-major rows
      for (int j = 0; j < d; ++j)
        for (int i = 0; i < q; ++i) dst[j * q + i] = src[i * d + j];
    }
}

// ---------------------------------------------------------------- E-step

// Posterior means and the sufficient statistics of one E-step, summed over trials and bins.
struct Estep {
  double log_likelihood = 0;     // -inf (and nothing else filled) for parameters out of numerical reach
  std::array<MatrixXd, 2> mean;  // [part] (q dim, K): column k is trial k's posterior mean, basis-major
  MatrixXd exx;                  // (q, q) sum of E[x_t x_t']
  VectorXd ex;                   // (q) sum of E[x_t]
  MatrixXd exy;                  // (q, N) sum of E[x_t] y_t'
  std::array<std::vector<MatrixXd>, 2>
      s;  // [part][latent] (dim, dim): sum over trials of E[x_i x_i'] in the part's basis
};

// C (N, q), d (N), R (N), tau (q); the trials in the parity bases. Trials are processed in
// chunks, so each chunk's data stays in cache between the products that read it.
Estep e_step(const MatrixXd& C, const VectorXd& d, const VectorXd& R, const VectorXd& tau, double eps,
             const Parts& data, bool want_stats, bool want_means, Workspace& ws) {
  const int q = static_cast<int>(C.cols()), N = data.N, K = data.K, T = data.T;
  const VectorXd rinv = R.cwiseInverse();
  const MatrixXd G = C.transpose() * rinv.asDiagonal();  // (q, N): C' R^-1
  const MatrixXd M = G * C;                              // (q, q): C' R^-1 C
  const VectorXd Gd = G * d;                             // (q)
  const int chunk = std::clamp(131072 / std::max(1, N * T), 32, std::max(32, K));

  Estep out;
  if (want_stats) {
    out.exx = MatrixXd::Zero(q, q);
    out.ex = VectorXd::Zero(q);
    out.exy = MatrixXd::Zero(q, N);
  }
  double quad = 0, logdet = 0, residual = 0;
  for (int p = 0; p < 2; ++p) {
    const ParityBasis& pb = data.basis[static_cast<size_t>(p)];
    const int dim = pb.dim;
    if (dim == 0) continue;
    const VectorXd& ones = data.ones[static_cast<size_t>(p)];
    const MatrixXd& yp = data.y[static_cast<size_t>(p)];
    part_posterior(M, tau, eps, T, pb, ws[static_cast<size_t>(p)]);
    const PartPosterior& post = ws[static_cast<size_t>(p)].post;
    if (!post.ok) {
      out.log_likelihood = -std::numeric_limits<double>::infinity();
      return out;
    }
    logdet += post.logdet_a;
    const MatrixXd offset = Gd * ones.transpose();  // (q, dim): C' R^-1 d in each basis vector
    const VectorXd rinv_d = rinv.cwiseProduct(d);
    const double d_rinv_d = d.dot(rinv_d);
    if (want_means) out.mean[static_cast<size_t>(p)].resize(q * dim, K);
    std::vector<MatrixXd> s;
    if (want_stats)
      for (int i = 0; i < q; ++i) s.push_back(static_cast<double>(K) * post.diag[static_cast<size_t>(i)]);
    MatrixXd B(q, static_cast<Index>(chunk) * dim), Mu(q, static_cast<Index>(chunk) * dim), tmp(dim, chunk);
    for (int k0 = 0; k0 < K; k0 += chunk) {
      const int nk = std::min(chunk, K - k0);
      const Index cols = static_cast<Index>(nk) * dim;
      const auto Yc = yp.middleCols(static_cast<Index>(k0) * dim, cols);  // (N, nk dim)
      auto Bc = B.leftCols(cols);                                         // (q, nk dim): C' R^-1 (y - d)
      Bc.noalias() = G * Yc;
      for (int kk = 0; kk < nk; ++kk) Bc.middleCols(static_cast<Index>(kk) * dim, dim) -= offset;
      // The same memory as (q dim, nk): one column per trial, basis-major.
      const Eigen::Map<const MatrixXd> Bv(B.data(), static_cast<Index>(q) * dim, nk);
      Eigen::Map<MatrixXd> Mv(Mu.data(), static_cast<Index>(q) * dim, nk);
      Mv.noalias() = post.sigma * Bv;  // every trial's posterior mean in one product
      quad += (Mv.array() * Bv.array()).sum();
      // (y - d)' R^-1 (y - d) summed over this chunk's basis vectors.
      for (Index c = 0; c < cols; ++c) {
        const double u = ones(static_cast<Index>(c % dim));
        residual += Yc.col(c).cwiseAbs2().dot(rinv) - 2.0 * u * Yc.col(c).dot(rinv_d) + u * u * d_rinv_d;
      }
      if (want_means) out.mean[static_cast<size_t>(p)].middleCols(k0, nk) = Mv;
      if (!want_stats) continue;
      const auto Mq = Mu.leftCols(cols);  // (q, nk dim)
      out.exy.noalias() += Mq * Yc.transpose();
      out.exx.selfadjointView<Eigen::Lower>().rankUpdate(Mq);
      for (int kk = 0; kk < nk; ++kk) out.ex.noalias() += Mq.middleCols(static_cast<Index>(kk) * dim, dim) * ones;
      for (int i = 0; i < q; ++i) {
        auto t = tmp.leftCols(nk);  // (dim, nk): latent i's rows of Mv
        for (int kk = 0; kk < nk; ++kk)
          for (int j = 0; j < dim; ++j) t(j, kk) = Mv(static_cast<Index>(j) * q + i, kk);
        s[static_cast<size_t>(i)].selfadjointView<Eigen::Lower>().rankUpdate(t);
      }
    }
    if (!want_stats) continue;
    out.exx += static_cast<double>(K) * post.block_trace;
    for (MatrixXd& si : s) mirror_lower(si);
    out.s[static_cast<size_t>(p)] = std::move(s);
  }
  if (want_stats) mirror_lower(out.exx);
  const double bins = static_cast<double>(K) * T;
  out.log_likelihood =
      -0.5 * (bins * N * kLog2Pi + bins * sum_log(R) + static_cast<double>(K) * logdet + residual - quad);
  return out;
}

// ---------------------------------------------------------------- M-step for the timescales

// The part of the expected complete-data log-likelihood that depends on tau_i, as a function of
// log tau: -1/2 sum over parts of [K log|K_p| + tr(K_p^-1 S_p)], and its derivative.
double tau_objective(double log_tau, double eps, int T, int K, const std::array<ParityBasis, 2>& basis,
                     const std::array<const MatrixXd*, 2>& S, double* grad) {
  std::vector<double> k, dk;
  kernel_lags(util::det_exp(log_tau), eps, T, k, &dk);
  double f = 0, g = 0;
  for (int p = 0; p < 2; ++p) {
    if (basis[static_cast<size_t>(p)].dim == 0) continue;
    const MatrixXd Kp = project_stationary(basis[static_cast<size_t>(p)], k);
    Eigen::LLT<MatrixXd> llt(Kp);
    if (llt.info() != Eigen::Success) return -std::numeric_limits<double>::infinity();
    const MatrixXd X = llt.solve(*S[static_cast<size_t>(p)]);                             // K^-1 S
    const MatrixXd Z = llt.solve(project_stationary(basis[static_cast<size_t>(p)], dk));  // K^-1 dK
    f += -0.5 * (K * 2.0 * sum_log(llt.matrixLLT().diagonal()) + X.trace());
    // d f = -1/2 [K tr(K^-1 dK) - tr(K^-1 S K^-1 dK)]
    g += -0.5 * (K * Z.trace() - X.cwiseProduct(Z.transpose()).sum());
  }
  if (grad) *grad = g;
  return f;
}

// Gradient ascent on log tau with a backtracking (Armijo) line search: the objective never
// decreases. eta is the step scale, kept between calls and adapted.
double update_tau(double tau, double& eta, double eps, int T, int K, const std::array<ParityBasis, 2>& basis,
                  const std::array<const MatrixXd*, 2>& S) {
  const double lo = util::det_log(Gpfa::kMinTau), hi = util::det_log(Gpfa::kMaxTau);
  double theta = util::det_log(tau), g = 0;
  double f = tau_objective(theta, eps, T, K, basis, S, &g);
  bool moved = false;
  for (int step = 0; step < kTauSteps; ++step) {
    if (!(std::fabs(g) > 0) || !std::isfinite(f)) break;
    double delta = std::clamp(theta + std::clamp(eta * g, -kMaxLogTauStep, kMaxLogTauStep), lo, hi) - theta;
    bool accepted = false;
    for (int halvings = 0; halvings < 40 && delta != 0; ++halvings, delta *= 0.5) {
      double g_new = 0;
      const double f_new = tau_objective(theta + delta, eps, T, K, basis, S, &g_new);
      if (f_new > f && f_new >= f + 1e-4 * delta * g) {
        eta = halvings == 0 ? 2 * eta : std::fabs(delta / g);
        theta += delta;
        f = f_new;
        g = g_new;
        accepted = moved = true;
        break;
      }
    }
    if (!accepted) {
      eta = std::max(eta * 1e-3, 1e-300);
      break;
    }
    if (std::fabs(delta) < 1e-10) break;
  }
  return moved ? std::clamp(util::det_exp(theta), Gpfa::kMinTau, Gpfa::kMaxTau) : tau;
}

// ---------------------------------------------------------------- the start: factor analysis

// Factor analysis of the pooled bins by EM from a PCA start. cov (N, N): the data covariance.
// C (N, q) and R (N) out; R is floored at `floor`.
void factor_analysis(const MatrixXd& cov, int q, const VectorXd& floor, MatrixXd& C, VectorXd& R) {
  const int N = static_cast<int>(cov.rows());
  Eigen::SelfAdjointEigenSolver<MatrixXd> es(cov);
  NN_ASSERT(es.info() == Eigen::Success);
  const VectorXd& lambda = es.eigenvalues();  // ascending
  const double top = std::max(lambda(N - 1), 0.0);
  const double sigma2 = N > q ? std::max(lambda.head(N - q).mean(), 0.0) : 0.0;
  C.resize(N, q);
  for (int i = 0; i < q; ++i) {
    const int col = N - 1 - i;
    const double scale = std::sqrt(std::max(lambda(col) - sigma2, 1e-3 * top));
    C.col(i) = es.eigenvectors().col(col) * scale;
  }
  R = (cov.diagonal() - C.rowwise().squaredNorm()).cwiseMax(floor);
  const MatrixXd I = MatrixXd::Identity(q, q);
  double prev_ll = -std::numeric_limits<double>::infinity();
  for (int it = 0; it < kFaIterations; ++it) {
    const VectorXd rinv = R.cwiseInverse();
    const MatrixXd G = C.transpose() * rinv.asDiagonal();  // (q, N)
    const Eigen::LLT<MatrixXd> llt(I + G * C);             // (I + C' R^-1 C)
    NN_ASSERT(llt.info() == Eigen::Success);
    const MatrixXd beta = llt.solve(G);  // (q, N): C' (C C' + R)^-1 by Woodbury
    // The log-likelihood per bin of the current (C, R), up to constants: for the stopping rule.
    const MatrixXd precision = MatrixXd(rinv.asDiagonal()) - G.transpose() * beta;  // (C C' + R)^-1
    const double ll =
        -0.5 * (sum_log(R) + 2.0 * sum_log(llt.matrixLLT().diagonal()) + precision.cwiseProduct(cov).sum());
    if (it > 0 && ll - prev_ll <= kFaTolerance * std::fabs(prev_ll)) break;
    prev_ll = ll;
    const MatrixXd cov_beta = cov * beta.transpose();  // (N, q)
    const MatrixXd exx = I - beta * C + beta * cov_beta;
    C = exx.llt().solve(cov_beta.transpose()).transpose();
    R = (cov.diagonal() - (C.array() * cov_beta.array()).rowwise().sum().matrix()).cwiseMax(floor);
  }
}

// Rotates the factor-analysis start so that its latents are uncorrelated at lag 1 too, and starts
// each tau from that latent's lag-1 autocorrelation (second-order blind source separation, as in
// AMUSE). With x = U z for independent unit-variance GPs z, FA's per-bin posterior means are
// x^ = P x + (white noise), P = C'(C C' + R)^-1 C, so their lag-1 covariance is P U diag(rho) U' P
// with rho_i = k_i(t, t+1): U and rho are the eigenvectors and eigenvalues of P^-1 S1 P^-1. Any
// rotation of C is as good a factor analysis, so only the GP part of the model sees the change.
// y (K, T, N) as given, mean (N); C (N, q) rotated in place, tau (q) out. T >= 2.
void lag_start(const float* y, int K, int T, const VectorXd& mean, double eps, const VectorXd& R, MatrixXd& C,
               VectorXd& tau) {
  const int N = static_cast<int>(C.rows()), q = static_cast<int>(C.cols());
  const MatrixXd G = C.transpose() * R.cwiseInverse().asDiagonal();     // (q, N)
  const MatrixXd M = G * C;                                             // (q, q) C' R^-1 C
  const MatrixXd beta = (MatrixXd::Identity(q, q) + M).llt().solve(G);  // (q, N): x^ = beta (y - mean)
  MatrixXd S1 = MatrixXd::Zero(q, q);                                   // sum over adjacent bins of x^_t x^_{t+1}'
  MatrixXd Yk(N, T);                                                    // one trial, centred
  for (int k = 0; k < K; ++k) {
    for (int t = 0; t < T; ++t)
      for (int n = 0; n < N; ++n) Yk(n, t) = y[(static_cast<size_t>(k) * T + t) * N + n] - mean(n);
    const MatrixXd X = beta * Yk;  // (q, T)
    S1.noalias() += X.leftCols(T - 1) * X.rightCols(T - 1).transpose();
  }
  S1 = (S1 + S1.transpose()) / (2.0 * K * (T - 1));
  // P = M (I + M)^-1, so P^-1 = I + M^-1 (M's eigenvalues floored: a latent FA barely sees).
  const Eigen::SelfAdjointEigenSolver<MatrixXd> em(M);
  NN_ASSERT(em.info() == Eigen::Success);
  const VectorXd m = em.eigenvalues().cwiseMax(1e-9 * std::max(em.eigenvalues().maxCoeff(), 1e-300));
  const MatrixXd Pinv =
      em.eigenvectors() * (VectorXd::Ones(q) + m.cwiseInverse()).asDiagonal() * em.eigenvectors().transpose();
  MatrixXd lag = Pinv * S1 * Pinv;
  lag = 0.5 * (lag + lag.transpose()).eval();
  const Eigen::SelfAdjointEigenSolver<MatrixXd> el(lag);
  NN_ASSERT(el.info() == Eigen::Success);
  C = C * el.eigenvectors();
  tau.resize(q);
  for (int i = 0; i < q; ++i) {
    // k(t, t+1) = (1 - eps) exp(-1 / (2 tau^2)); the start is kept within [kMinTau, T].
    const double rho = el.eigenvalues()(i) / (1.0 - eps);
    const double t = rho <= 0   ? Gpfa::kMinTau
                     : rho >= 1 ? static_cast<double>(T)
                                : std::sqrt(-0.5 / util::det_log(rho));
    tau(i) = std::clamp(t, Gpfa::kMinTau, std::max(Gpfa::kMinTau, static_cast<double>(T)));
  }
}

// ---------------------------------------------------------------- input checks

// Checks the sizes of y (K, T, N) and that every value is finite; returns each neuron's mean.
VectorXd check_trials(const char* where, const float* y, int K, int T, int N) {
  nn::require(K >= 1, where, ": K: expected at least 1 trial, got ", K);
  nn::require(T >= 1, where, ": T: expected at least 1 bin, got ", T);
  nn::require(N >= 1, where, ": N: expected at least 1 neuron, got ", N);
  nn::require(y != nullptr, where, ": y: expected K * T * N values, got a null pointer");
  const Index bins = static_cast<Index>(K) * T;
  VectorXd mean = VectorXd::Zero(N);
  for (Index c = 0; c < bins; ++c)
    for (int n = 0; n < N; ++n) {
      const float v = y[c * N + n];
      if (!std::isfinite(v))
        nn::fail(where, ": y: expected finite values, got ", v, " at trial ", c / T, ", bin ", c % T, ", neuron ", n);
      mean(n) += v;
    }
  return mean / static_cast<double>(bins);
}

// The posterior means of an E-step (want_means) back in bins: (K, T, q) row-major.
std::vector<double> means_in_bins(const Estep& st, const Parts& data, int q) {
  const int K = data.K, T = data.T;
  std::vector<double> out(static_cast<size_t>(K) * T * q, 0.0);
  for (int p = 0; p < 2; ++p) {
    const ParityBasis& pb = data.basis[static_cast<size_t>(p)];
    for (int k = 0; k < K; ++k)
      for (int j = 0; j < pb.dim; ++j) {
        const double* src = st.mean[static_cast<size_t>(p)].data() + (static_cast<Index>(k) * pb.dim + j) * q;
        double* ra = out.data() + (static_cast<size_t>(k) * T + pb.a[j]) * q;
        for (int i = 0; i < q; ++i) ra[i] += pb.wa[j] * src[i];
        if (pb.b[j] >= 0) {
          double* rb = out.data() + (static_cast<size_t>(k) * T + pb.b[j]) * q;
          for (int i = 0; i < q; ++i) rb[i] += pb.wb[j] * src[i];
        }
      }
  }
  return out;
}

}  // namespace

// ---------------------------------------------------------------- config

void GpfaConfig::validate() const {
  nn::require_int_range(latents, 1, 64, "GpfaConfig.latents");
  nn::require_int_range(max_iterations, 1, 1000000, "GpfaConfig.max_iterations");
  nn::require_range(tolerance, 0.0, 1.0, "GpfaConfig.tolerance");
  nn::require_range(initial_tau, Gpfa::kMinTau, Gpfa::kMaxTau, "GpfaConfig.initial_tau");
  nn::require_range(gp_noise, 1e-8, 0.5, "GpfaConfig.gp_noise");
  nn::require_range(min_private_var, 1e-8, 1.0, "GpfaConfig.min_private_var");
}

// ---------------------------------------------------------------- model

Gpfa::Gpfa(const GpfaConfig& config) : config_((config.validate(), config)) {}

void Gpfa::require_fitted(const char* where) const {
  nn::require(fitted(), where, ": the model has no parameters yet: call fit() (or set_parameters()) first");
}

void Gpfa::set_parameters(const RowMatrix& C, const VectorXd& d, const VectorXd& R, const VectorXd& tau) {
  const Index N = C.rows(), q = config_.latents;
  nn::require(N >= 1 && C.cols() == q, "Gpfa::set_parameters: C: expected (N, ", q, ") with N >= 1, got (", C.rows(),
              ", ", C.cols(), ")");
  nn::require(C.allFinite(), "Gpfa::set_parameters: C: expected finite values");
  nn::require(d.size() == N && d.allFinite(), "Gpfa::set_parameters: d: expected ", N, " finite values, got ",
              d.size());
  nn::require(R.size() == N, "Gpfa::set_parameters: R: expected ", N, " values, got ", R.size());
  for (Index n = 0; n < N; ++n)
    nn::require(std::isfinite(R(n)) && R(n) > 0, "Gpfa::set_parameters: R[", n, "]: expected a positive variance, got ",
                R(n));
  nn::require(tau.size() == q, "Gpfa::set_parameters: tau: expected ", q, " values, got ", tau.size());
  for (Index i = 0; i < q; ++i)
    nn::require(std::isfinite(tau(i)) && tau(i) >= kMinTau && tau(i) <= kMaxTau, "Gpfa::set_parameters: tau[", i,
                "]: expected a number in [", kMinTau, ", ", kMaxTau, "], got ", tau(i));
  C_ = C;
  d_ = d;
  R_ = R;
  tau_ = tau;
  neurons_ = static_cast<int>(N);
}

std::vector<double> Gpfa::fit(const float* y, int K, int T, int N, const std::function<void(int, double)>& progress) {
  const int q = config_.latents;
  const VectorXd mean = check_trials("Gpfa::fit", y, K, T, N);  // (N)
  nn::require(q <= N, "Gpfa::fit: GpfaConfig.latents: expected at most N = ", N, " (the number of neurons), got ", q);
  const double bins = static_cast<double>(K) * T;
  const double eps = config_.gp_noise;

  // The data centred (d is kept relative to the mean, so no sum cancels a large offset), in the parity bases.
  const Parts data = to_parts(y, K, T, N, mean);
  VectorXd ss = VectorXd::Zero(N), ysum = VectorXd::Zero(N);  // sums over bins of (y - mean)^2 and of y - mean (~0)
  MatrixXd cov = MatrixXd::Zero(N, N);                        // (N, N) the data covariance
  for (int p = 0; p < 2; ++p) {
    const MatrixXd& yp = data.y[static_cast<size_t>(p)];
    const int dim = data.basis[static_cast<size_t>(p)].dim;
    if (dim == 0) continue;
    ss += yp.rowwise().squaredNorm();
    for (int k = 0; k < K; ++k)
      ysum.noalias() += yp.middleCols(static_cast<Index>(k) * dim, dim) * data.ones[static_cast<size_t>(p)];
    cov.selfadjointView<Eigen::Lower>().rankUpdate(yp, 1.0 / bins);
  }
  mirror_lower(cov);
  const VectorXd var = ss / bins;
  const double mean_var = var.mean();
  VectorXd floor(N);
  for (int n = 0; n < N; ++n) {
    // A (nearly) constant neuron gets a floor from the typical variance: its R must stay positive.
    const double ref = mean_var > 0 ? std::max(var(n), 1e-6 * mean_var) : 1.0;
    floor(n) = config_.min_private_var * ref;
  }

  // The parameters EM moves, d relative to the data's mean.
  struct Params {
    MatrixXd C;       // (N, q)
    VectorXd dc;      // (N) d - mean
    VectorXd R, tau;  // (N), (q)
  };
  Params p0;
  factor_analysis(cov, q, floor, p0.C, p0.R);
  p0.dc = VectorXd::Zero(N);
  p0.tau = VectorXd::Constant(q, config_.initial_tau);
  if (config_.lag_start && T >= 2) lag_start(y, K, T, mean, eps, p0.R, p0.C, p0.tau);
  std::vector<double> eta(static_cast<size_t>(q), 1.0 / bins);  // the tau step scales

  Workspace ws;
  const auto e_step_at = [&](const Params& p) { return e_step(p.C, p.dc, p.R, p.tau, eps, data, true, false, ws); };
  const auto m_step = [&](const Estep& st, Params p) {
    // C and d jointly: [C d] = (sum y E[x~]') (sum E[x~ x~'])^-1 with x~ = [x; 1].
    MatrixXd xx(q + 1, q + 1), xy(q + 1, N);
    xx.topLeftCorner(q, q) = st.exx;
    xx.topRightCorner(q, 1) = st.ex;
    xx.bottomLeftCorner(1, q) = st.ex.transpose();
    xx(q, q) = bins;
    xy.topRows(q) = st.exy;
    xy.row(q) = ysum.transpose();
    const Eigen::LDLT<MatrixXd> ldlt(xx);
    const MatrixXd w = ldlt.solve(xy);  // (q + 1, N): column n is [c_n; d_n]
    p.C = w.topRows(q).transpose();
    p.dc = w.row(q).transpose();
    // R: the expected squared residual per bin, sum E[(y - w' x~)^2] / (K T), floored.
    for (int n = 0; n < N; ++n) {
      const double resid = ss(n) - 2.0 * w.col(n).dot(xy.col(n)) + w.col(n).dot(xx * w.col(n));
      p.R(n) = std::max(resid / bins, floor(n));
    }
    for (int i = 0; i < q; ++i)
      p.tau(i) = update_tau(p.tau(i), eta[static_cast<size_t>(i)], eps, T, K, data.basis,
                            {st.s[0].empty() ? nullptr : &st.s[0][static_cast<size_t>(i)],
                             st.s[1].empty() ? nullptr : &st.s[1][static_cast<size_t>(i)]});
    return p;
  };
  // SQUAREM works on (C, d, log R, log tau): R and tau stay positive.
  const Index dims = static_cast<Index>(N) * q + 2 * N + q;
  const auto to_vector = [&](const Params& p) {
    VectorXd v(dims);
    v << Eigen::Map<const VectorXd>(p.C.data(), static_cast<Index>(N) * q), p.dc, p.R.array().log().matrix(),
        p.tau.array().log().matrix();
    return v;
  };
  const auto from_vector = [&](const VectorXd& v) {
    Params p;
    p.C = Eigen::Map<const MatrixXd>(v.data(), N, q);
    p.dc = v.segment(static_cast<Index>(N) * q, N);
    p.R = v.segment(static_cast<Index>(N) * q + N, N).array().exp().matrix().cwiseMax(floor);
    p.tau = v.tail(q).array().exp().matrix().cwiseMax(kMinTau).cwiseMin(kMaxTau);
    return p;
  };

  std::vector<double> history;
  int steps = 0;  // E-steps after the start's
  Estep s0 = e_step_at(p0);
  NN_ASSERT(s0.log_likelihood > -std::numeric_limits<double>::infinity());
  // Takes p (with its E-step st) as the model's current parameters.
  const auto record = [&](const Params& p, const Estep& st) {
    set_parameters(RowMatrix(p.C), p.dc + mean, p.R, p.tau);
    history.push_back(st.log_likelihood);
    if (progress) progress(static_cast<int>(history.size()), st.log_likelihood);
  };
  // Whether the gain per E-step since the last check (one EM step, or one SQUAREM cycle) fell below the tolerance.
  double mark_ll = s0.log_likelihood;
  int mark_steps = 0;
  const auto converged = [&](double ll) {
    const double gain = (ll - mark_ll) / std::max(1, steps - mark_steps);
    const bool done = gain < config_.tolerance * std::fabs(mark_ll);
    mark_ll = ll;
    mark_steps = steps;
    return done;
  };
  double step_max = 1;  // SQUAREM's bound on the extrapolation length
  while (steps < config_.max_iterations) {
    Params p1 = m_step(s0, p0);
    Estep s1 = e_step_at(p1);
    NN_ASSERT(s1.log_likelihood > -std::numeric_limits<double>::infinity());
    ++steps;
    record(p1, s1);
    if (!config_.accelerate || steps == config_.max_iterations) {
      if (converged(s1.log_likelihood)) break;
      p0 = std::move(p1);
      s0 = std::move(s1);
      continue;
    }
    // SQUAREM (Varadhan & Roland 2008, scheme 3): two EM steps p0 -> p1 -> p2, then a step along
    // the extrapolated path p0 - 2 a r + a^2 v, kept only where it beats p2.
    Params p2 = m_step(s1, p1);
    Estep s2 = e_step_at(p2);
    NN_ASSERT(s2.log_likelihood > -std::numeric_limits<double>::infinity());
    ++steps;
    record(p2, s2);
    const VectorXd v0 = to_vector(p0), v1 = to_vector(p1), v2 = to_vector(p2);
    const VectorXd r = v1 - v0, v = v2 - 2 * v1 + v0;
    const double a = std::clamp(-std::sqrt(r.squaredNorm() / std::max(v.squaredNorm(), 1e-300)), -step_max, -1.0);
    if (a == -step_max) step_max = std::min(4 * step_max, kMaxExtrapolation);
    const VectorXd ve = v0 - 2 * a * r + a * a * v;
    p0 = std::move(p2);  // unless the extrapolation does better
    s0 = std::move(s2);
    if (a != -1.0 && ve.allFinite() && steps < config_.max_iterations) {  // a = -1 lands on p2 itself
      Params pe = from_vector(ve);
      Estep se = e_step_at(pe);
      ++steps;
      if (se.log_likelihood > s0.log_likelihood) {
        p0 = std::move(pe);
        s0 = std::move(se);
        record(p0, s0);
      } else {  // not kept (the E-step is spent); later extrapolations are shorter
        step_max = std::max(1.0, step_max / 4);
      }
    }
    if (converged(s0.log_likelihood)) break;
  }
  return history;
}

std::vector<float> Gpfa::infer(const float* y, int K, int T_obs, const std::vector<int>& observed, int T_total) const {
  const std::vector<double> mean = posterior_mean(y, K, T_obs, observed, T_total);
  return std::vector<float>(mean.begin(), mean.end());
}

std::vector<double> Gpfa::posterior_mean(const float* y, int K, int T_obs, const std::vector<int>& observed,
                                         int T_total) const {
  require_fitted("Gpfa::infer");
  const int N = neurons_, q = config_.latents;
  nn::require(!observed.empty(), "Gpfa::infer: observed: expected at least one neuron index");
  std::vector<char> seen(static_cast<size_t>(N), 0);
  for (size_t j = 0; j < observed.size(); ++j) {
    const int n = observed[j];
    nn::require(n >= 0 && n < N, "Gpfa::infer: observed[", j, "]: expected a neuron index in [0, ", N, "), got ", n);
    nn::require(!seen[static_cast<size_t>(n)], "Gpfa::infer: observed[", j, "]: neuron ", n, " is listed twice");
    seen[static_cast<size_t>(n)] = 1;
  }
  const int Nobs = static_cast<int>(observed.size());
  check_trials("Gpfa::infer", y, K, T_obs, Nobs);
  nn::require(T_total >= T_obs, "Gpfa::infer: T_total: expected at least T_obs = ", T_obs, ", got ", T_total);
  MatrixXd C(Nobs, q);
  VectorXd d(Nobs), R(Nobs);
  for (int j = 0; j < Nobs; ++j) {
    const int n = observed[static_cast<size_t>(j)];
    C.row(j) = C_.row(n);
    d(j) = d_(n);
    R(j) = R_(n);
  }
  const Parts data = to_parts(y, K, T_obs, Nobs, d);
  Workspace ws;
  const Estep st = e_step(C, VectorXd::Zero(Nobs), R, tau_, config_.gp_noise, data, false, true, ws);
  nn::require(st.log_likelihood > -std::numeric_limits<double>::infinity(),
              "Gpfa::infer: the model's parameters are out of numerical range (C' R^-1 C overflows)");
  const std::vector<double> seen_mean = means_in_bins(st, data, q);  // (K, T_obs, q)
  const int T_future = T_total - T_obs;
  if (T_future == 0) return seen_mean;
  std::vector<double> out(static_cast<size_t>(K) * T_total * q);  // (K, T_total, q)
  for (int k = 0; k < K; ++k)
    std::copy_n(seen_mean.begin() + static_cast<std::ptrdiff_t>(k) * T_obs * q, static_cast<size_t>(T_obs) * q,
                out.begin() + static_cast<std::ptrdiff_t>(k) * T_total * q);
  // Forward prediction per latent: E[x_f | y] = K_fo K_oo^-1 E[x_o | y].
  for (int i = 0; i < q; ++i) {
    const MatrixXd Kfull = kernel_matrix(tau_(i), config_.gp_noise, T_total);
    const Eigen::LLT<MatrixXd> llt(Kfull.topLeftCorner(T_obs, T_obs));
    NN_ASSERT(llt.info() == Eigen::Success);
    const MatrixXd Wf = llt.solve(Kfull.topRightCorner(T_obs, T_future)).transpose();  // (T_future, T_obs)
    MatrixXd mo(T_obs, K);  // this latent's posterior means, one column per trial
    for (int k = 0; k < K; ++k)
      for (int t = 0; t < T_obs; ++t) mo(t, k) = seen_mean[(static_cast<size_t>(k) * T_obs + t) * q + i];
    const MatrixXd mf = Wf * mo;  // (T_future, K)
    for (int k = 0; k < K; ++k)
      for (int t = 0; t < T_future; ++t) out[(static_cast<size_t>(k) * T_total + T_obs + t) * q + i] = mf(t, k);
  }
  return out;
}

std::vector<float> Gpfa::infer(const float* y, int K, int T) const {
  require_fitted("Gpfa::infer");
  std::vector<int> all(static_cast<size_t>(neurons_));
  for (int n = 0; n < neurons_; ++n) all[static_cast<size_t>(n)] = n;
  return infer(y, K, T, all, T);
}

std::vector<float> Gpfa::predict(const float* latents, int K, int T) const {
  require_fitted("Gpfa::predict");
  const int q = config_.latents, N = neurons_;
  nn::require(K >= 1, "Gpfa::predict: K: expected at least 1 trial, got ", K);
  nn::require(T >= 1, "Gpfa::predict: T: expected at least 1 bin, got ", T);
  nn::require(latents != nullptr, "Gpfa::predict: latents: expected K * T * q values, got a null pointer");
  const Index bins = static_cast<Index>(K) * T;
  for (Index c = 0; c < bins * q; ++c)
    nn::require(std::isfinite(latents[c]), "Gpfa::predict: latents: expected finite values, got ", latents[c],
                " at index ", c);
  const MatrixXd X = Eigen::Map<const Eigen::MatrixXf>(latents, q, bins).cast<double>();  // (q, K T)
  MatrixXd Yp = C_ * X;                                                                   // (N, K T)
  Yp.colwise() += d_;
  std::vector<float> out(static_cast<size_t>(bins) * N);  // (K, T, N)
  Eigen::Map<Eigen::MatrixXf>(out.data(), N, bins) = Yp.cast<float>();
  return out;
}

double Gpfa::log_likelihood(const float* y, int K, int T, int N) const {
  require_fitted("Gpfa::log_likelihood");
  check_trials("Gpfa::log_likelihood", y, K, T, N);
  nn::require(N == neurons_, "Gpfa::log_likelihood: N: expected ", neurons_, " neurons (as fitted), got ", N);
  const Parts data = to_parts(y, K, T, N, d_);
  Workspace ws;
  return e_step(C_, VectorXd::Zero(N), R_, tau_, config_.gp_noise, data, false, false, ws).log_likelihood;
}

}  // namespace models
