// Finite-difference gradient checks for ops (on their inputs) and models (on their parameters).
#pragma once
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "nn/ops.h"
#include "nn/params.h"
#include "nn/rng.h"

namespace testing {

struct Tensor {
  nn::Shape shape;
  std::vector<float> data;
};

/// A tensor with entries uniform in [lo, hi).
inline Tensor random_tensor(nn::Shape shape, nn::Rng& rng, float lo = -1.0f, float hi = 1.0f) {
  Tensor t{shape, std::vector<float>(static_cast<size_t>(shape.numel()))};
  for (auto& v : t.data) v = rng.uniform(lo, hi);
  return t;
}

/// Entries with magnitude in [0.2, 1] and a random sign: far from the kinks of relu/clamp at 0.
inline Tensor away_from_zero(nn::Shape shape, nn::Rng& rng) {
  Tensor t = random_tensor(shape, rng, 0.2f, 1.0f);
  for (auto& v : t.data) v = rng.uniform() < 0.5f ? -v : v;
  return t;
}

using Builder = std::function<nn::Var(const std::vector<nn::Var>&)>;

namespace detail {
/// L = sum_i out_i * w_i in double, with fixed weights w (so every output direction is tested).
inline double weighted_sum(nn::Var out, const std::vector<float>& w) {
  double acc = 0;
  for (int64_t i = 0; i < out.numel(); ++i) acc += static_cast<double>(out.data()[i]) * w[static_cast<size_t>(i)];
  return acc;
}
inline std::vector<float> output_weights(int64_t n) {
  nn::Rng rng(777);
  std::vector<float> w(static_cast<size_t>(n));
  for (auto& v : w) v = rng.uniform(-1.0f, 1.0f);
  return w;
}
inline void compare(double analytic, double numeric, const std::string& where, double atol, double rtol) {
  INFO(where << ": analytic " << analytic << " vs numeric " << numeric);
  CHECK(std::fabs(analytic - numeric) <= atol + rtol * std::max(std::fabs(analytic), std::fabs(numeric)));
}
}  // namespace detail

/// Entries the finite differences check per tensor at most. Under the sanitizers (CMake defines
/// NEUROAI_SANITIZED there) a few: each entry is two more forward passes through code the first
/// ones already ran, and the optimised build checks them all.
#ifdef NEUROAI_SANITIZED
constexpr int64_t kFiniteDifferenceEntries = 3;
#else
constexpr int64_t kFiniteDifferenceEntries = INT64_MAX;
#endif

/// Checks d L / d input for every element (up to kFiniteDifferenceEntries) of every input with `differentiable[k]` set.
inline void check_op_gradients(const std::vector<Tensor>& inputs, const Builder& build,
                               std::vector<bool> differentiable = {}, double eps = 1e-3, double atol = 1e-3,
                               double rtol = 1e-2) {
  if (differentiable.empty()) differentiable.assign(inputs.size(), true);
  nn::Tape tape;
  std::vector<nn::Var> vars;
  for (size_t k = 0; k < inputs.size(); ++k)
    vars.push_back(differentiable[k] ? tape.variable(inputs[k].data.data(), inputs[k].shape)
                                     : tape.constant(inputs[k].data.data(), inputs[k].shape));
  nn::Var out = build(vars);
  const auto w = detail::output_weights(out.numel());
  nn::Var loss = nn::sum(nn::mul(out, tape.constant(w.data(), out.shape())));
  tape.backward(loss);
  std::vector<std::vector<float>> analytic;
  for (size_t k = 0; k < inputs.size(); ++k) {
    const float* g = vars[k].grad();
    analytic.emplace_back(g ? std::vector<float>(g, g + inputs[k].data.size())
                            : std::vector<float>(inputs[k].data.size(), 0.0f));
  }
  for (size_t k = 0; k < inputs.size(); ++k) {
    if (!differentiable[k]) continue;
    const size_t checked =
        static_cast<size_t>(std::min<int64_t>(static_cast<int64_t>(inputs[k].data.size()), kFiniteDifferenceEntries));
    for (size_t i = 0; i < checked; ++i) {
      double f[2];
      for (int side = 0; side < 2; ++side) {
        std::vector<Tensor> moved = inputs;
        moved[k].data[i] += static_cast<float>(side == 0 ? eps : -eps);
        nn::Tape t2;
        std::vector<nn::Var> v2;
        for (const auto& m : moved) v2.push_back(t2.constant(m.data.data(), m.shape));
        f[side] = detail::weighted_sum(build(v2), w);
      }
      detail::compare(analytic[k][i], (f[0] - f[1]) / (2 * eps),
                      "input " + std::to_string(k) + " element " + std::to_string(i), atol, rtol);
    }
  }
}

/// Checks d loss / d parameter for up to `max_per_tensor` (and kFiniteDifferenceEntries) entries of each parameter
/// tensor. `loss` builds the scalar loss on the tape from the current parameter values.
inline void check_param_gradients(nn::Params& params, const std::function<nn::Var(nn::Tape&)>& loss,
                                  int max_per_tensor = 12, double eps = 1e-3, double atol = 2e-3, double rtol = 2e-2) {
  nn::Tape tape;
  params.zero_grad();
  tape.backward(loss(tape));
  const std::vector<float> grads = params.grads();
  nn::Rng pick(99);
  for (int p = 0; p < params.size(); ++p) {
    const int64_t n = params.entry(p).shape.numel();
    for (int s = 0; s < std::min<int64_t>({n, max_per_tensor, kFiniteDifferenceEntries}); ++s) {
      const int64_t i = n <= max_per_tensor ? s : pick.below(static_cast<uint32_t>(n));
      float* v = params.value(p) + i;
      const float saved = *v;
      double f[2];
      for (int side = 0; side < 2; ++side) {
        *v = saved + static_cast<float>(side == 0 ? eps : -eps);
        nn::Tape t2;
        t2.set_grad_enabled(false);
        f[side] = loss(t2).item();
      }
      *v = saved;
      detail::compare(grads[params.entry(p).offset + static_cast<size_t>(i)], (f[0] - f[1]) / (2 * eps),
                      params.entry(p).name + "[" + std::to_string(i) + "]", atol, rtol);
    }
  }
}

}  // namespace testing
