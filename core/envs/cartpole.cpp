#include "cartpole.h"

#include <cmath>

#include "nn/check.h"
#include "util/det_math.h"

namespace envs {

namespace {
constexpr double kGravity = 9.8, kCartMass = 1.0, kPoleMass = 0.1, kHalfLength = 0.5, kForce = 10.0, kTau = 0.02;
constexpr double kTotalMass = kCartMass + kPoleMass, kPoleMassLength = kPoleMass * kHalfLength;
constexpr double kThetaLimit = 12.0 * 2.0 * 3.141592653589793 / 360.0, kXLimit = 2.4;
}  // namespace

CartPole::CartPole(uint64_t seed, int max_steps) : max_steps_(max_steps), rng_(seed, 0xca27) {
  nn::require_int_range(max_steps, 1, 100000, "CartPole: max_steps");
  reset();
}

void CartPole::reset() {
  for (double& v : s_) v = rng_.uniform(-0.05f, 0.05f);
  steps_ = 0;
  over_ = false;
}

void CartPole::set_state(double x, double x_dot, double theta, double theta_dot) {
  s_[0] = x;
  s_[1] = x_dot;
  s_[2] = theta;
  s_[3] = theta_dot;
  steps_ = 0;
  over_ = false;
}

Step CartPole::step(int action) {
  nn::require(action == 0 || action == 1, "CartPole::step: action: expected 0 (push left) or 1 (push right), got ",
              action);
  nn::require(!over_, "CartPole::step: the episode is over; call reset()");
  const double force = action == 1 ? kForce : -kForce;
  const double cos_t = util::det_cos(s_[2]), sin_t = util::det_sin(s_[2]);
  // Barto et al. (1983), eqs. for the pole's angular and the cart's linear acceleration.
  const double temp = (force + kPoleMassLength * s_[3] * s_[3] * sin_t) / kTotalMass;
  const double theta_acc =
      (kGravity * sin_t - cos_t * temp) / (kHalfLength * (4.0 / 3.0 - kPoleMass * cos_t * cos_t / kTotalMass));
  const double x_acc = temp - kPoleMassLength * theta_acc * cos_t / kTotalMass;
  s_[0] += kTau * s_[1];
  s_[1] += kTau * x_acc;
  s_[2] += kTau * s_[3];
  s_[3] += kTau * theta_acc;
  ++steps_;
  Step st;
  st.reward = 1.0f;
  st.terminal = std::fabs(s_[0]) > kXLimit || std::fabs(s_[2]) > kThetaLimit;
  st.truncated = !st.terminal && steps_ >= max_steps_;
  over_ = st.done();
  return st;
}

void CartPole::observe(float* out) const {
  for (int k = 0; k < 4; ++k) out[k] = static_cast<float>(s_[k]);
}

}  // namespace envs
