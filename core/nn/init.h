// Parameter initializers. Fans: dense (in, out); conv (O, C, k, k): fan_in = C k k, fan_out = O k k.
#pragma once
#include "params.h"
#include "rng.h"

namespace nn {

void init_constant(Params& p, int i, float value);
void init_uniform(Params& p, int i, Rng& rng, float lo, float hi);
void init_normal(Params& p, int i, Rng& rng, float mean, float stddev);
/// Glorot/Xavier uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)). Suits tanh/sigmoid layers.
void init_xavier_uniform(Params& p, int i, Rng& rng);
/// He/Kaiming normal: N(0, 2 / fan_in). Suits ReLU layers.
void init_he_normal(Params& p, int i, Rng& rng);
/// Truncated normal at 2 standard deviations (as ViT's initializers).
void init_trunc_normal(Params& p, int i, Rng& rng, float stddev);

/// (fan_in, fan_out) of a parameter shape.
std::pair<int, int> fans(const Shape& s);

}  // namespace nn
