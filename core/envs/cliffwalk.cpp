#include "cliffwalk.h"

#include <algorithm>
#include <cmath>

#include "nn/check.h"
#include "util/det_math.h"

namespace envs {

BlindCliffwalk::BlindCliffwalk(int n, uint64_t seed) : n_(n) {
  nn::require_int_range(n, 1, 64, "BlindCliffwalk: n");
  nn::Rng rng(seed, 0xc11ff);
  for (int s = 0; s < n; ++s) right_.push_back(static_cast<int>(rng.below(2)));
  reset();
}

void BlindCliffwalk::reset() {
  state_ = 0;
  over_ = false;
}

Step BlindCliffwalk::step(int action) {
  nn::require(action == 0 || action == 1, "BlindCliffwalk::step: action: expected 0 or 1, got ", action);
  nn::require(!over_, "BlindCliffwalk::step: the episode is over; call reset()");
  Step s;
  if (action != right_action(state_)) {
    s.terminal = true;
  } else if (state_ == n_ - 1) {
    s.reward = 1.0f;
    s.terminal = true;
  } else {
    ++state_;
  }
  over_ = s.terminal;
  return s;
}

void BlindCliffwalk::observe(float* out) const {
  std::fill(out, out + n_, 0.0f);
  out[state_] = 1.0f;
}

double BlindCliffwalk::optimal_q(int s, int a, double gamma) const {
  return a == right_action(s) ? util::det_pow(gamma, n_ - 1 - s) : 0.0;
}

}  // namespace envs
