// Differentiable ops on the tape. Each op checks its arguments (a clear nn::Error naming the
// argument), computes its forward kernel and records one backward kernel.
// Layout conventions: row-major; images are (N, C, H, W); dense weights are (in, out).
#pragma once
#include <vector>

#include "tape.h"

namespace nn {

// ---------------------------------------------------------------- linear algebra

/// op(a) @ op(b). a is (..., M, K) ((..., K, M) when trans_a); b is (K, N) ((N, K) when trans_b),
/// shared by every leading index of a, or has the same leading dims as a (batched). Out (..., M, N).
Var matmul(Var a, Var b, bool trans_a = false, bool trans_b = false);
/// x @ w + b in one node. x (..., in), w (in, out), b (out) or an invalid Var -> (..., out).
Var linear(Var x, Var w, Var b);

/// 2-D convolution. x (N, C, H, W), w (O, C, k, k), bias (O) or an invalid Var for none.
/// Out (N, O, Ho, Wo) with Ho = (H + 2 pad - k) / stride + 1. 3x3 "same": stride 1, pad 1;
/// patchify: k = stride, pad 0. Lowered to im2col + one GEMM.
Var conv2d(Var x, Var w, Var bias, int stride, int pad);

/// 2x2 max-pooling with stride 2. x (N, C, H, W) with even H, W -> (N, C, H/2, W/2).
Var max_pool2x2(Var x);
/// Nearest-neighbour 2x upsampling. x (N, C, H, W) -> (N, C, 2H, 2W).
Var upsample2x(Var x);

// ---------------------------------------------------------------- shape

/// Same data, new shape (same number of elements).
Var reshape(Var x, Shape shape);
/// Permutes the axes: out.shape[i] = x.shape[perm[i]].
Var transpose(Var x, std::vector<int> perm);
/// Joins tensors along `axis`; every other dimension must match.
Var concat(const std::vector<Var>& xs, int axis);
/// Elements [start, start + length) along `axis`.
Var slice(Var x, int axis, int start, int length);

// ---------------------------------------------------------------- elementwise

/// a + b. b's shape broadcasts to a's (each of b's dims, aligned from the right, equals a's or is 1).
Var add(Var a, Var b);
/// a - b, b broadcast as in add.
Var sub(Var a, Var b);
/// a * b (elementwise), b broadcast as in add.
Var mul(Var a, Var b);
/// scale * x + shift with scalar constants.
Var affine(Var x, float scale, float shift);

Var relu(Var x);
Var tanh(Var x);
Var sigmoid(Var x);
/// clip(0.2 x + 0.5, 0, 1), as in Keras and PredNet.
Var hard_sigmoid(Var x);
/// log(1 + exp(x)), computed stably.
Var softplus(Var x);
/// Exact GELU: x * Phi(x) with the normal CDF Phi (as in ViT).
Var gelu(Var x);
Var exp(Var x);
/// Natural log; x must be positive.
Var log(Var x);
/// min(max(x, lo), hi). The gradient passes where lo < x < hi.
Var clamp(Var x, float lo, float hi);
/// min(x, c) elementwise.
Var minimum(Var x, float c);

// ---------------------------------------------------------------- recurrent cells

/// One GRU update from its projections as one op: x_proj = x W_x + b and h_proj = h W_h, both
/// (B, 3H) as [z | r | n]: z = sigmoid(xz + hz), r = sigmoid(xr + hr), n = tanh(xn + r hn),
/// h' = clamp(n + z (h - n), -clip, clip). The same values as those ops composed (in their order).
Var gru_cell(Var x_proj, Var h_proj, Var h, float clip);

// ---------------------------------------------------------------- reductions and normalization

/// Sum of all elements -> scalar (rank 0).
Var sum(Var x);
/// Mean of all elements -> scalar.
Var mean(Var x);
/// Sum over the last axis: (..., D) -> (...).
Var sum_last(Var x);
/// Softmax over the last axis.
Var softmax(Var x);
/// Layer normalization over the last axis D with gain and bias of shape (D).
Var layernorm(Var x, Var gamma, Var beta, float eps = 1e-5f);

// ---------------------------------------------------------------- losses (each returns a scalar)

/// mean((pred - target)^2).
Var mse_loss(Var pred, Var target);
/// mean(|pred - target|).
Var mae_loss(Var pred, Var target);
/// Mean over rows of -log softmax(logits)[label]. logits (N, C); labels: N integers in [0, C).
Var cross_entropy_logits(Var logits, const int* labels, int n_labels);
/// mean_i w_i * huber_delta(pred_i - target_i). weights: an invalid Var (all ones) or one weight
/// per element, treated as constants (no gradient flows into them).
Var huber_loss(Var pred, Var target, Var weights, float delta = 1.0f);
/// Poisson negative log-likelihood on log-rates: mean(exp(l) - k * l) (the log k! constant dropped).
/// counts: non-negative, same shape as log_rates, constant.
Var poisson_nll(Var log_rates, Var counts);
/// KL(N(mu, exp(logvar)) || N(prior_mu, exp(prior_logvar))), summed over the last axis and
/// averaged over the rest. The priors broadcast to mu's shape as in add.
Var gaussian_kl(Var mu, Var logvar, Var prior_mu, Var prior_logvar);

// ---------------------------------------------------------------- operators

inline Var operator+(Var a, Var b) { return add(a, b); }
inline Var operator-(Var a, Var b) { return sub(a, b); }
inline Var operator*(Var a, Var b) { return mul(a, b); }
inline Var operator*(float s, Var x) { return affine(x, s, 0.0f); }
inline Var operator+(Var x, float c) { return affine(x, 1.0f, c); }

}  // namespace nn
