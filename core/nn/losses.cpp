// Losses. Each returns a scalar and has its own fused backward kernel.
#include <algorithm>
#include <cmath>
#include <cstring>

#include "ops_common.h"
#include "util/det_math.h"

namespace nn {

using namespace detail;

namespace {

void require_same_shape(Var a, Var b, const char* op, const char* an, const char* bn) {
  require(a.shape() == b.shape(), op, ": ", bn, " has shape ", b.shape(), " but ", an, " has ", a.shape());
}

// kind 0: squared error, 1: absolute error. Gradient flows to pred and target.
void pointwise_loss_backward(Tape& t, int id) {
  const Node& n = t.node(id);
  const bool absolute = n.iattr[0] == 1;
  const float* p = input_value(t, n, 0);
  const float* y = input_value(t, n, 1);
  float* gp = input_grad(t, n, 0);
  float* gy = input_grad(t, n, 1);
  const int64_t total = input_shape(t, n, 0).numel();
  const float scale = n.grad[0] / static_cast<float>(std::max<int64_t>(total, 1));
  for (int64_t i = 0; i < total; ++i) {
    const float d = p[i] - y[i];
    const float g = absolute ? scale * static_cast<float>((d > 0) - (d < 0)) : scale * 2.0f * d;
    if (gp) gp[i] += g;
    if (gy) gy[i] -= g;
  }
}

Var pointwise_loss(Var pred, Var target, int kind, const char* op) {
  Tape& t = tape_of({{pred, "pred"}, {target, "target"}});
  require(pred.valid() && target.valid(), op, ": expected valid pred and target");
  require_same_shape(pred, target, op, "pred", "target");
  Var out = t.record(Shape{}, {pred, target}, pointwise_loss_backward);
  Node& n = t.node(out.id);
  n.iattr[0] = kind;
  const int64_t total = pred.numel();
  double acc = 0;
  for (int64_t i = 0; i < total; ++i) {
    const double d = pred.data()[i] - target.data()[i];
    acc += kind == 1 ? std::fabs(d) : d * d;
  }
  n.value[0] = static_cast<float>(acc / static_cast<double>(std::max<int64_t>(total, 1)));
  return out;
}

// Saved: softmax probabilities (N, C) followed by the labels as int32.
void cross_entropy_backward(Tape& t, int id) {
  const Node& n = t.node(id);
  float* gx = input_grad(t, n, 0);
  if (!gx) return;
  const int N = n.iattr[0], C = n.iattr[1];
  const auto* probs = static_cast<const float*>(n.saved);
  const auto* labels = reinterpret_cast<const int32_t*>(probs + int64_t{N} * C);
  const float scale = n.grad[0] / static_cast<float>(N);
  for (int r = 0; r < N; ++r)
    for (int c = 0; c < C; ++c) gx[r * C + c] += scale * (probs[r * C + c] - (c == labels[r] ? 1.0f : 0.0f));
}

// iattr[0]: has weights. fattr[0]: delta.
void huber_backward(Tape& t, int id) {
  const Node& n = t.node(id);
  const float delta = n.fattr[0];
  const float* p = input_value(t, n, 0);
  const float* y = input_value(t, n, 1);
  const float* w = n.iattr[0] ? input_value(t, n, 2) : nullptr;
  float* gp = input_grad(t, n, 0);
  float* gy = input_grad(t, n, 1);
  const int64_t total = input_shape(t, n, 0).numel();
  const float scale = n.grad[0] / static_cast<float>(std::max<int64_t>(total, 1));
  for (int64_t i = 0; i < total; ++i) {
    const float d = p[i] - y[i];
    const float g = scale * (w ? w[i] : 1.0f) * std::max(-delta, std::min(delta, d));
    if (gp) gp[i] += g;
    if (gy) gy[i] -= g;
  }
}

void poisson_backward(Tape& t, int id) {
  const Node& n = t.node(id);
  float* gl = input_grad(t, n, 0);
  if (!gl) return;
  const float* l = input_value(t, n, 0);
  const float* k = input_value(t, n, 1);
  const int64_t total = input_shape(t, n, 0).numel();
  const float scale = n.grad[0] / static_cast<float>(std::max<int64_t>(total, 1));
  for (int64_t i = 0; i < total; ++i) gl[i] += scale * (std::exp(l[i]) - k[i]);
}

// KL(q || p) per element = 0.5 * (lvp - lvq + (exp(lvq) + (mq - mp)^2) / exp(lvp) - 1).
// fattr[0]: 1 / batch (the number of rows over which the per-row sums are averaged).
void gaussian_kl_backward(Tape& t, int id) {
  const Node& n = t.node(id);
  const Shape& s = input_shape(t, n, 0);
  const float* mq = input_value(t, n, 0);
  const float* lq = input_value(t, n, 1);
  const float* mp = input_value(t, n, 2);
  const float* lp = input_value(t, n, 3);
  float* gmq = input_grad(t, n, 0);
  float* glq = input_grad(t, n, 1);
  float* gmp = input_grad(t, n, 2);
  float* glp = input_grad(t, n, 3);
  const Broadcast bm = broadcast_to(input_shape(t, n, 2), s, "gaussian_kl", "prior_mu");
  const Broadcast bl = broadcast_to(input_shape(t, n, 3), s, "gaussian_kl", "prior_logvar");
  const float scale = n.grad[0] * n.fattr[0];
  for_each_broadcast2(bm, bl, [&](int64_t i, int64_t jm, int64_t jl) {
    const float inv_vp = std::exp(-lp[jl]);
    const float vq = std::exp(lq[i]);
    const float diff = mq[i] - mp[jm];
    if (gmq) gmq[i] += scale * diff * inv_vp;
    if (gmp) gmp[jm] -= scale * diff * inv_vp;
    if (glq) glq[i] += scale * 0.5f * (vq * inv_vp - 1.0f);
    if (glp) glp[jl] += scale * 0.5f * (1.0f - (vq + diff * diff) * inv_vp);
  });
}

}  // namespace

Var mse_loss(Var pred, Var target) { return pointwise_loss(pred, target, 0, "mse_loss"); }
Var mae_loss(Var pred, Var target) { return pointwise_loss(pred, target, 1, "mae_loss"); }

Var cross_entropy_logits(Var logits, const int* labels, int n_labels) {
  Tape& t = tape_of({{logits, "logits"}});
  const Shape& s = logits.shape();
  require(s.rank == 2 && s[0] > 0 && s[1] > 0, "cross_entropy_logits: logits: expected (N, C), got shape ", s);
  const int N = s[0], C = s[1];
  require(labels != nullptr && n_labels == N, "cross_entropy_logits: labels: expected ", N, " labels, got ", n_labels);
  for (int r = 0; r < N; ++r)
    require(labels[r] >= 0 && labels[r] < C, "cross_entropy_logits: labels[", r, "]: expected a class in [0, ", C - 1,
            "], got ", labels[r]);
  Var out = t.record(Shape{}, {logits}, cross_entropy_backward);
  Node& n = t.node(out.id);
  n.iattr[0] = N;
  n.iattr[1] = C;
  auto* probs = t.scratch<float>(static_cast<size_t>(int64_t{N} * C + N));
  auto* saved_labels = reinterpret_cast<int32_t*>(probs + int64_t{N} * C);
  n.saved = probs;
  double loss = 0;
  const float* x = logits.data();
  for (int r = 0; r < N; ++r) {
    const float* xr = x + r * C;
    const float m = *std::max_element(xr, xr + C);
    double z = 0;
    for (int c = 0; c < C; ++c) z += (probs[r * C + c] = std::exp(xr[c] - m));
    for (int c = 0; c < C; ++c) probs[r * C + c] = static_cast<float>(probs[r * C + c] / z);
    loss += std::log(z) + m - xr[labels[r]];  // logsumexp - logit[label]
    saved_labels[r] = labels[r];
  }
  n.value[0] = static_cast<float>(loss / N);
  return out;
}

Var huber_loss(Var pred, Var target, Var weights, float delta) {
  Tape& t = tape_of({{pred, "pred"}, {target, "target"}, {weights, "weights"}});
  require(pred.valid() && target.valid(), "huber_loss: expected valid pred and target");
  require_same_shape(pred, target, "huber_loss", "pred", "target");
  require(delta > 0 && std::isfinite(delta), "huber_loss: delta: expected a positive number, got ", delta);
  const bool weighted = weights.valid();
  if (weighted)
    require(weights.numel() == pred.numel(), "huber_loss: weights: expected ", pred.numel(), " weights, got ",
            weights.numel());
  Var out = weighted ? t.record(Shape{}, {pred, target, weights}, huber_backward)
                     : t.record(Shape{}, {pred, target}, huber_backward);
  Node& n = t.node(out.id);
  n.iattr[0] = weighted;
  n.fattr[0] = delta;
  const int64_t total = pred.numel();
  double acc = 0;
  for (int64_t i = 0; i < total; ++i) {
    const double d = std::fabs(static_cast<double>(pred.data()[i]) - target.data()[i]);
    const double h = d <= delta ? 0.5 * d * d : delta * (d - 0.5 * delta);
    acc += (weighted ? weights.data()[i] : 1.0) * h;
  }
  n.value[0] = static_cast<float>(acc / static_cast<double>(std::max<int64_t>(total, 1)));
  return out;
}

Var poisson_nll(Var log_rates, Var counts) {
  Tape& t = tape_of({{log_rates, "log_rates"}, {counts, "counts"}});
  require(log_rates.valid() && counts.valid(), "poisson_nll: expected valid log_rates and counts");
  require_same_shape(log_rates, counts, "poisson_nll", "log_rates", "counts");
  const int64_t total = counts.numel();
  for (int64_t i = 0; i < total; ++i)
    require(counts.data()[i] >= 0.0f && std::isfinite(counts.data()[i]), "poisson_nll: counts[", i,
            "]: expected a non-negative count, got ", counts.data()[i]);
  Var out = t.record(Shape{}, {log_rates, counts}, poisson_backward);
  double acc = 0;
  for (int64_t i = 0; i < total; ++i)
    acc += util::det_exp(static_cast<double>(log_rates.data()[i])) - counts.data()[i] * log_rates.data()[i];
  t.node(out.id).value[0] = static_cast<float>(acc / static_cast<double>(std::max<int64_t>(total, 1)));
  return out;
}

Var gaussian_kl(Var mu, Var logvar, Var prior_mu, Var prior_logvar) {
  Tape& t = tape_of({{mu, "mu"}, {logvar, "logvar"}, {prior_mu, "prior_mu"}, {prior_logvar, "prior_logvar"}});
  require(mu.valid() && logvar.valid() && prior_mu.valid() && prior_logvar.valid(),
          "gaussian_kl: expected valid mu, logvar, prior_mu and prior_logvar");
  require_same_shape(mu, logvar, "gaussian_kl", "mu", "logvar");
  const Shape& s = mu.shape();
  require(s.rank >= 1, "gaussian_kl: mu: expected rank >= 1, got a scalar");
  const Broadcast bm = broadcast_to(prior_mu.shape(), s, "gaussian_kl", "prior_mu");
  const Broadcast bl = broadcast_to(prior_logvar.shape(), s, "gaussian_kl", "prior_logvar");
  Var out = t.record(Shape{}, {mu, logvar, prior_mu, prior_logvar}, gaussian_kl_backward);
  Node& n = t.node(out.id);
  const int64_t rows = s.numel() / std::max(s[-1], 1);
  n.fattr[0] = 1.0f / static_cast<float>(std::max<int64_t>(rows, 1));
  const float *mq = mu.data(), *lq = logvar.data(), *mp = prior_mu.data(), *lp = prior_logvar.data();
  double acc = 0;
  for_each_broadcast2(bm, bl, [&](int64_t i, int64_t jm, int64_t jl) {
    const double diff = static_cast<double>(mq[i]) - mp[jm];
    acc +=
        0.5 *
        (lp[jl] - lq[i] +
         (util::det_exp(static_cast<double>(lq[i])) + diff * diff) * util::det_exp(-static_cast<double>(lp[jl])) - 1.0);
  });
  n.value[0] = static_cast<float>(acc) * n.fattr[0];
  return out;
}

}  // namespace nn
