// Reinforcement-learning environments: one small interface shared by the replay and episodic
// case studies. Each environment owns a seeded generator; reset() starts a new episode.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "nn/shape.h"

namespace envs {

struct Step {
  float reward = 0.0f;
  bool terminal = false;   // the episode ended in the MDP (no bootstrapping past it)
  bool truncated = false;  // cut by a time limit (bootstrapping continues past it)
  bool done() const { return terminal || truncated; }
};

class Env {
 public:
  virtual ~Env() = default;
  virtual std::string name() const = 0;
  /// The observation's shape: (C, H, W) for pixel boards, (D) for state vectors.
  virtual nn::Shape observation_shape() const = 0;
  int observation_size() const { return static_cast<int>(observation_shape().numel()); }
  virtual int num_actions() const = 0;
  /// Starts an episode.
  virtual void reset() = 0;
  /// Applies an action in [0, num_actions()); refuses others.
  virtual Step step(int action) = 0;
  /// Writes the current observation (observation_size() floats).
  virtual void observe(float* out) const = 0;
  /// The largest total reward an episode can give (for regret).
  virtual float max_return() const = 0;
  /// A small integer naming the current state for drawings (a maze cell, a Catch board); -1 if none.
  virtual int state_id() const { return -1; }
};

/// "catch", "cartpole", "maze", "maze-moving" (and "cliffwalk:<n>"); any other name is refused
/// with the list.
std::unique_ptr<Env> make_env(const std::string& name, uint64_t seed);

}  // namespace envs
