// DQN (Mnih et al. 2015) with the Double-DQN target (van Hasselt et al. 2016) and a replay buffer
// that is uniform, proportional or rank-based prioritized (Schaul et al. 2016) by one setting.
//
//   y_i = r_i + gamma (1 - done_i) Q_target(s'_i, argmax_a Q_online(s'_i, a))
//   loss = mean_i w_i Huber(Q_online(s_i, a_i) - y_i),  w_i the importance weights (1 for uniform)
// The TD errors |Q(s_i, a_i) - y_i| become the new priorities. The target network is a copy of
// the online one refreshed every target_period training steps; actions are epsilon-greedy with
// epsilon decaying linearly from eps_start to eps_end. With planned_steps set, the importance-sampling
// exponent beta anneals from beta0 to 1 over the training steps of the planned run, reaching 1 at its
// last one (the paper: "reaches 1 only at the end of learning").
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "envs/env.h"
#include "models/replay.h"
#include "models/runner.h"
#include "nn/ops.h"
#include "nn/optim.h"
#include "nn/params.h"

namespace models {

struct QNetworkConfig {
  std::string kind = "conv";  // "conv": 2 x (3x3 conv, ReLU) on (C, H, W) pixels, then an MLP; "mlp"
  int channels = 8;
  int hidden = 64;
  void validate() const;
};

/// obs (B, observation...) -> Q (B, actions).
class QNetwork {
 public:
  QNetwork(const QNetworkConfig& config, nn::Shape observation_shape, int actions, uint64_t seed);
  nn::Var forward(nn::Tape& tape, nn::Var obs);
  nn::Params& params() { return params_; }

 private:
  QNetworkConfig config_;
  nn::Shape obs_shape_;
  nn::Params params_;
  int conv1_w_ = -1, conv1_b_ = -1, conv2_w_ = -1, conv2_b_ = -1;
  int fc1_w_ = -1, fc1_b_ = -1, fc2_w_ = -1, fc2_b_ = -1, out_w_ = -1, out_b_ = -1;
};

struct DqnConfig {
  QNetworkConfig network;
  ReplayConfig replay;
  float gamma = 0.99f;
  float lr = 1e-3f;
  int batch = 32;
  int target_period = 100;  // training steps between target-network copies
  float eps_start = 1.0f;
  float eps_end = 0.05f;
  int eps_decay_steps = 1000;  // environment steps from eps_start to eps_end
  int learning_starts = 100;   // environment steps before the first training step
  int train_every = 1;         // environment steps per training step
  float grad_clip = 10.0f;
  bool double_dqn = true;
  long long planned_steps = 0;  // environment steps the run is planned for; beta reaches 1 at its last
                                // training step (0: replay.beta_steps sample() calls, as configured)
  uint64_t seed = 1;
  void validate() const;
};

class DqnAgent {
 public:
  DqnAgent(const DqnConfig& config, nn::Shape observation_shape, int actions);

  /// Epsilon-greedy action for one observation (advances the exploration schedule).
  int act(const float* obs);
  /// The greedy action.
  int greedy(const float* obs);
  /// Q(obs, .) into out (actions floats).
  void q_values(const float* obs, float* out);
  /// Stores a transition and trains when the schedule says so; returns the loss or NaN.
  float observe(const float* obs, int action, float reward, const float* next_obs, const envs::Step& step);
  /// One gradient step on a replayed batch; returns the weighted Huber loss.
  float train_step();

  float epsilon() const;
  /// Training steps in the first `env_steps` environment steps under this config's schedule.
  long long planned_train_steps(long long env_steps) const;
  long long env_steps() const { return env_steps_; }
  long long train_steps() const { return train_steps_; }
  ReplayBuffer& replay() { return replay_; }
  const DqnConfig& config() const { return config_; }
  QNetwork& online() { return online_; }
  /// |TD error| of the last trained batch (B).
  const std::vector<float>& last_td_errors() const { return td_errors_; }

 private:
  DqnConfig config_;
  nn::Shape obs_shape_;
  int obs_size_, actions_;
  QNetwork online_, target_;
  nn::Adam adam_;
  ReplayBuffer replay_;
  nn::Rng rng_;
  nn::Tape tape_;
  long long env_steps_ = 0, train_steps_ = 0;
  std::vector<float> q_buffer_, td_errors_, targets_, onehot_;
};

/// The case studies' settings per environment: "catch" (conv network on the board), "maze" and
/// "maze-moving" (conv on the map, slower exploration decay) and "cartpole" (MLP, slower decay,
/// larger buffer).
DqnConfig dqn_preset(const std::string& env_name);

using DqnRunner = Runner<DqnAgent>;

/// Episodes until the mean return of the last `window` episodes reaches `target`
/// (max_episodes when it never does).
int episodes_to_reach(const std::string& env_name, const DqnConfig& config, float target, int window, int max_episodes);

/// One run of a planned length, played to its end.
struct PlannedRun {
  int episodes_to_reach = 0;  // first episode whose trailing `window` mean reaches target (episodes when never)
  double final_mean = 0;      // mean return of the last `window` episodes
  float final_beta = 0;       // beta of the last training batch
  long long env_steps = 0, train_steps = 0;
};
/// Plays `episodes` episodes of Catch (fixed length, so the plan is known in environment steps:
/// config.planned_steps is set to it and beta reaches 1 at the last training step).
PlannedRun run_planned_catch(const DqnConfig& config, int episodes, float target, int window);

}  // namespace models
