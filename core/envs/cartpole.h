// CartPole (Barto, Sutton & Anderson 1983), with the dynamics and constants of the classic
// control benchmark: a pole hinged on a cart; push left (0) or right (1) with 10 N. Euler steps of
// 0.02 s; the episode terminates when |x| > 2.4 m or |theta| > 12 degrees, and is truncated after
// 500 steps. Reward 1 per step. Observation (x, x_dot, theta, theta_dot).
#pragma once
#include "env.h"
#include "nn/rng.h"

namespace envs {

class CartPole : public Env {
 public:
  explicit CartPole(uint64_t seed, int max_steps = 500);
  std::string name() const override { return "cartpole"; }
  nn::Shape observation_shape() const override { return nn::Shape{4}; }
  int num_actions() const override { return 2; }
  void reset() override;
  Step step(int action) override;
  void observe(float* out) const override;
  float max_return() const override { return static_cast<float>(max_steps_); }

  /// The state (x, x_dot, theta, theta_dot); settable for tests.
  const double* state() const { return s_; }
  void set_state(double x, double x_dot, double theta, double theta_dot);
  int steps() const { return steps_; }

 private:
  int max_steps_;
  nn::Rng rng_;
  double s_[4] = {0, 0, 0, 0};
  int steps_ = 0;
  bool over_ = true;
};

}  // namespace envs
