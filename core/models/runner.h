// One agent in one environment, stepped one action at a time (what the pages animate) or run
// for whole episodes (what the evaluations count). Any agent with
//   int act(const float* obs);
//   float observe(const float* obs, int action, float reward, const float* next_obs, const envs::Step& step);
// and a constructor (config..., observation_shape, actions) fits.
#pragma once
#include <memory>
#include <utility>
#include <vector>

#include "envs/env.h"
#include "nn/check.h"

namespace models {

template <class Agent>
class Runner {
 public:
  /// Builds the agent from `agent_args` followed by the environment's observation shape and
  /// number of actions, and starts the first episode.
  template <class... Args>
  explicit Runner(std::unique_ptr<envs::Env> env, Args&&... agent_args)
      : env_(std::move(env)),
        agent_(std::forward<Args>(agent_args)..., env_->observation_shape(), env_->num_actions()),
        obs_(static_cast<size_t>(env_->observation_size())),
        next_obs_(obs_.size()) {
    env_->reset();
    env_->observe(obs_.data());
  }

  struct Result {
    envs::Step step;
    int action = 0;
    float info = 0;  // what observe() returned (the DQN loss; NaN when nothing trained)
    bool episode_end = false;
  };

  Result step() {
    Result r;
    r.action = agent_.act(obs_.data());
    r.step = env_->step(r.action);
    env_->observe(next_obs_.data());
    r.info = agent_.observe(obs_.data(), r.action, r.step.reward, next_obs_.data(), r.step);
    episode_return_ += r.step.reward;
    if (r.step.done()) {
      r.episode_end = true;
      returns_.push_back(episode_return_);
      episode_return_ = 0;
      env_->reset();
      env_->observe(obs_.data());
    } else {
      std::swap(obs_, next_obs_);
    }
    return r;
  }

  /// Runs whole episodes; returns their returns.
  std::vector<float> run_episodes(int episodes) {
    nn::require_int_range(episodes, 0, 1 << 24, "Runner::run_episodes: episodes");
    const size_t first = returns_.size();
    while (returns_.size() < first + static_cast<size_t>(episodes)) step();
    return std::vector<float>(returns_.begin() + static_cast<std::ptrdiff_t>(first), returns_.end());
  }

  envs::Env& env() { return *env_; }
  Agent& agent() { return agent_; }
  /// The observation the agent acts on next.
  const std::vector<float>& observation() const { return obs_; }
  const std::vector<float>& returns() const { return returns_; }
  float episode_return() const { return episode_return_; }

 private:
  std::unique_ptr<envs::Env> env_;
  Agent agent_;
  std::vector<float> obs_, next_obs_, returns_;
  float episode_return_ = 0;
};

/// Mean regret per episode over the first `episodes`: max_return - return, averaged.
template <class Agent>
double mean_regret(Runner<Agent>& runner, int episodes) {
  const auto returns = runner.run_episodes(episodes);
  double regret = 0;
  for (float r : returns) regret += runner.env().max_return() - r;
  return episodes > 0 ? regret / episodes : 0.0;
}

}  // namespace models
