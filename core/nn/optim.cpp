#include "optim.h"

#include <algorithm>
#include <cmath>

#include "util/det_math.h"

namespace nn {

void AdamConfig::validate() const {
  require_range(lr, 0.0, 10.0, "AdamConfig.lr");
  require_range(beta1, 0.0, 0.999999, "AdamConfig.beta1");
  require_range(beta2, 0.0, 0.9999999, "AdamConfig.beta2");
  require_range(eps, 1e-12, 1.0, "AdamConfig.eps");
  require_range(weight_decay, 0.0, 1.0, "AdamConfig.weight_decay");
}

Adam::Adam(const Params& params, AdamConfig config)
    : config_(config), m_(params.count(), 0.0f), v_(params.count(), 0.0f) {
  config_.validate();
}

void Adam::reset() {
  std::fill(m_.begin(), m_.end(), 0.0f);
  std::fill(v_.begin(), v_.end(), 0.0f);
  t_ = 0;
}

void Adam::step(Params& params) {
  NN_ASSERT(params.count() == m_.size());
  ++t_;
  const float b1 = config_.beta1, b2 = config_.beta2;
  // Bias corrections folded into the step size: lr_t = lr * sqrt(1 - b2^t) / (1 - b1^t).
  const double c1 = 1.0 - util::det_pow(static_cast<double>(b1), static_cast<double>(t_));
  const double c2 = 1.0 - util::det_pow(static_cast<double>(b2), static_cast<double>(t_));
  const float lr_t = static_cast<float>(config_.lr * std::sqrt(c2) / c1);
  const float eps_t = static_cast<float>(config_.eps * std::sqrt(c2));
  float* w = params.values().data();
  const float* g = params.grads().data();
  for (int e = 0; e < params.size(); ++e) {
    const auto& entry = params.entry(e);
    const size_t begin = entry.offset, end = begin + static_cast<size_t>(entry.shape.numel());
    const float decay = entry.decay ? config_.lr * config_.weight_decay : 0.0f;
    for (size_t i = begin; i < end; ++i) {
      m_[i] = b1 * m_[i] + (1.0f - b1) * g[i];
      v_[i] = b2 * v_[i] + (1.0f - b2) * g[i] * g[i];
      w[i] -= decay * w[i] + lr_t * m_[i] / (std::sqrt(v_[i]) + eps_t);
    }
  }
}

float clip_grad_norm(Params& params, float max_norm) {
  require(max_norm > 0 && std::isfinite(max_norm), "clip_grad_norm: max_norm: expected a positive number, got ",
          max_norm);
  double sq = 0;
  for (float g : params.grads()) sq += static_cast<double>(g) * g;
  const float norm = static_cast<float>(std::sqrt(sq));
  if (norm > max_norm) {
    const float s = max_norm / (norm + 1e-6f);
    for (float& g : params.grads()) g *= s;
  }
  return norm;
}

}  // namespace nn
