// Adam / AdamW (Kingma & Ba 2015; Loshchilov & Hutter 2019) and global-norm gradient clipping.
#pragma once
#include <vector>

#include "params.h"

namespace nn {

struct AdamConfig {
  float lr = 1e-3f;
  float beta1 = 0.9f;
  float beta2 = 0.999f;
  float eps = 1e-8f;
  float weight_decay = 0.0f;  // decoupled (AdamW) when > 0; skips tensors with decay = false
  void validate() const;
};

class Adam {
 public:
  Adam(const Params& params, AdamConfig config);
  /// One update from the gradients in params (they are not cleared).
  void step(Params& params);
  void reset();
  AdamConfig& config() { return config_; }
  long long steps() const { return t_; }
  /// First and second moments, contiguous like Params::values().
  const std::vector<float>& m() const { return m_; }
  const std::vector<float>& v() const { return v_; }

 private:
  AdamConfig config_;
  std::vector<float> m_, v_;
  long long t_ = 0;
};

/// Scales all gradients so that their global L2 norm is at most max_norm; returns the norm before.
float clip_grad_norm(Params& params, float max_norm);

}  // namespace nn
