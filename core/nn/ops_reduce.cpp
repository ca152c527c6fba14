// Reductions, softmax and layer normalization.
#include <algorithm>
#include <cmath>

#include "ops_common.h"

namespace nn {

using namespace detail;

namespace {

// fattr[0]: the factor applied (1 for sum, 1/n for mean).
void reduce_all_backward(Tape& t, int id) {
  const Node& n = t.node(id);
  float* gx = input_grad(t, n, 0);
  if (!gx) return;
  const float g = n.grad[0] * n.fattr[0];
  const int64_t total = input_shape(t, n, 0).numel();
  for (int64_t i = 0; i < total; ++i) gx[i] += g;
}

Var reduce_all(Var x, bool average) {
  Tape& t = tape_of({{x, "x"}});
  Var out = t.record(Shape{}, {x}, reduce_all_backward);
  Node& n = t.node(out.id);
  const int64_t total = x.numel();
  n.fattr[0] = average ? (total > 0 ? 1.0f / static_cast<float>(total) : 0.0f) : 1.0f;
  double acc = 0;  // double accumulation: sums of many terms keep their precision
  const float* xv = x.data();
  for (int64_t i = 0; i < total; ++i) acc += xv[i];
  n.value[0] = static_cast<float>(acc) * n.fattr[0];
  return out;
}

void sum_last_backward(Tape& t, int id) {
  const Node& n = t.node(id);
  float* gx = input_grad(t, n, 0);
  if (!gx) return;
  const int D = n.iattr[0];
  const int64_t rows = n.shape.numel();
  for (int64_t r = 0; r < rows; ++r)
    for (int d = 0; d < D; ++d) gx[r * D + d] += n.grad[r];
}

void softmax_backward(Tape& t, int id) {  // dx = y * (g - sum(g * y))
  const Node& n = t.node(id);
  float* gx = input_grad(t, n, 0);
  if (!gx) return;
  const int D = n.shape[-1];
  const int64_t rows = n.shape.numel() / std::max(D, 1);
  for (int64_t r = 0; r < rows; ++r) {
    const float* y = n.value + r * D;
    const float* g = n.grad + r * D;
    float dot = 0;
    for (int d = 0; d < D; ++d) dot += g[d] * y[d];
    for (int d = 0; d < D; ++d) gx[r * D + d] += y[d] * (g[d] - dot);
  }
}

// Saved: per row mean and 1/std (2 floats per row).
void layernorm_backward(Tape& t, int id) {
  const Node& n = t.node(id);
  const int D = n.shape[-1];
  const int64_t rows = n.shape.numel() / D;
  const float* x = input_value(t, n, 0);
  const float* gamma = input_value(t, n, 1);
  const auto* stats = static_cast<const float*>(n.saved);
  float* gx = input_grad(t, n, 0);
  float* ggamma = input_grad(t, n, 1);
  float* gbeta = input_grad(t, n, 2);
  for (int64_t r = 0; r < rows; ++r) {
    const float mean = stats[2 * r], rstd = stats[2 * r + 1];
    const float* xr = x + r * D;
    const float* g = n.grad + r * D;
    // xhat = (x - mean) * rstd; dxhat = g * gamma
    // dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
    float sum_dxhat = 0, sum_dxhat_xhat = 0;
    for (int d = 0; d < D; ++d) {
      const float xhat = (xr[d] - mean) * rstd;
      const float dxhat = g[d] * gamma[d];
      sum_dxhat += dxhat;
      sum_dxhat_xhat += dxhat * xhat;
      if (ggamma) ggamma[d] += g[d] * xhat;
      if (gbeta) gbeta[d] += g[d];
    }
    if (gx) {
      const float inv_d = 1.0f / static_cast<float>(D);
      for (int d = 0; d < D; ++d) {
        const float xhat = (xr[d] - mean) * rstd;
        const float dxhat = g[d] * gamma[d];
        gx[r * D + d] += rstd * (dxhat - inv_d * sum_dxhat - xhat * inv_d * sum_dxhat_xhat);
      }
    }
  }
}

}  // namespace

Var sum(Var x) { return reduce_all(x, false); }
Var mean(Var x) { return reduce_all(x, true); }

Var sum_last(Var x) {
  Tape& t = tape_of({{x, "x"}});
  const Shape& s = x.shape();
  require(s.rank >= 1, "sum_last: x: expected rank >= 1, got a scalar");
  Shape out;
  out.rank = s.rank - 1;
  for (int i = 0; i < out.rank; ++i) out[i] = s[i];
  Var result = t.record(out, {x}, sum_last_backward);
  Node& n = t.node(result.id);
  const int D = s[-1];
  n.iattr[0] = D;
  const int64_t rows = out.numel();
  const float* xv = x.data();
  for (int64_t r = 0; r < rows; ++r) {
    float acc = 0;
    for (int d = 0; d < D; ++d) acc += xv[r * D + d];
    n.value[r] = acc;
  }
  return result;
}

Var softmax(Var x) {
  Tape& t = tape_of({{x, "x"}});
  const Shape& s = x.shape();
  require(s.rank >= 1 && s[-1] > 0, "softmax: x: expected a non-empty last axis, got shape ", s);
  Var out = t.record(s, {x}, softmax_backward);
  float* y = t.node(out.id).value;
  const int D = s[-1];
  const int64_t rows = s.numel() / D;
  const float* xv = x.data();
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = xv + r * D;
    float* yr = y + r * D;
    const float m = *std::max_element(xr, xr + D);  // subtract the max: exp never overflows
    float z = 0;
    for (int d = 0; d < D; ++d) z += (yr[d] = std::exp(xr[d] - m));
    const float inv = 1.0f / z;
    for (int d = 0; d < D; ++d) yr[d] *= inv;
  }
  return out;
}

Var layernorm(Var x, Var gamma, Var beta, float eps) {
  Tape& t = tape_of({{x, "x"}, {gamma, "gamma"}, {beta, "beta"}});
  require(x.valid() && gamma.valid() && beta.valid(), "layernorm: expected valid x, gamma and beta");
  const Shape& s = x.shape();
  require(s.rank >= 1 && s[-1] > 0, "layernorm: x: expected a non-empty last axis, got shape ", s);
  const int D = s[-1];
  require(gamma.shape() == Shape{D}, "layernorm: gamma: expected shape (", D, "), got ", gamma.shape());
  require(beta.shape() == Shape{D}, "layernorm: beta: expected shape (", D, "), got ", beta.shape());
  require(eps > 0 && std::isfinite(eps), "layernorm: eps: expected a positive number, got ", eps);
  Var out = t.record(s, {x, gamma, beta}, layernorm_backward);
  Node& n = t.node(out.id);
  const int64_t rows = s.numel() / D;
  auto* stats = t.scratch<float>(static_cast<size_t>(2 * rows));
  n.saved = stats;
  const float* xv = x.data();
  const float* gv = gamma.data();
  const float* bv = beta.data();
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = xv + r * D;
    float mean = 0;
    for (int d = 0; d < D; ++d) mean += xr[d];
    mean /= static_cast<float>(D);
    float var = 0;
    for (int d = 0; d < D; ++d) var += (xr[d] - mean) * (xr[d] - mean);
    var /= static_cast<float>(D);
    const float rstd = 1.0f / std::sqrt(var + eps);
    stats[2 * r] = mean;
    stats[2 * r + 1] = rstd;
    for (int d = 0; d < D; ++d) n.value[r * D + d] = (xr[d] - mean) * rstd * gv[d] + bv[d];
  }
  return out;
}

}  // namespace nn
