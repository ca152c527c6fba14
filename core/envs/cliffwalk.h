// Blind Cliffwalk (Schaul et al. 2016, Fig. 1): states 0..n-1 in a row, two actions. In each state
// one action (chosen at random per state, unknown to the agent) is "right" and moves on; the other
// is "wrong" and ends the episode with reward 0. The right action in the last state ends the episode
// with reward 1. A random policy needs about 2^n episodes to see that reward once.
// Observation: the state one-hot (n).
#pragma once
#include <vector>

#include "env.h"
#include "nn/rng.h"

namespace envs {

class BlindCliffwalk : public Env {
 public:
  BlindCliffwalk(int n, uint64_t seed);
  std::string name() const override { return "cliffwalk"; }
  nn::Shape observation_shape() const override { return nn::Shape{n_}; }
  int num_actions() const override { return 2; }
  void reset() override;
  Step step(int action) override;
  void observe(float* out) const override;
  float max_return() const override { return 1.0f; }

  int n() const { return n_; }
  int state() const { return state_; }
  /// The action that moves on from state s.
  int right_action(int s) const { return right_[static_cast<size_t>(s)]; }
  /// Q*(s, a) with discount gamma: gamma^(n-1-s) for the right action, 0 for the wrong one.
  double optimal_q(int s, int a, double gamma) const;

 private:
  int n_;
  std::vector<int> right_;
  int state_ = 0;
  bool over_ = true;
};

}  // namespace envs
