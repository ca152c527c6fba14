#include "dqn.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "envs/catch.h"
#include "nn/init.h"

namespace models {

// ---------------------------------------------------------------- configs

void QNetworkConfig::validate() const {
  nn::require(kind == "conv" || kind == "mlp", "QNetworkConfig.kind: expected \"conv\" or \"mlp\", got \"", kind, "\"");
  nn::require_int_range(channels, 1, 256, "QNetworkConfig.channels");
  nn::require_int_range(hidden, 1, 4096, "QNetworkConfig.hidden");
}

void DqnConfig::validate() const {
  network.validate();
  nn::require_range(gamma, 0.0, 1.0, "DqnConfig.gamma");
  nn::require_range(lr, 1e-7, 1.0, "DqnConfig.lr");
  nn::require_int_range(batch, 1, 4096, "DqnConfig.batch");
  nn::require_int_range(target_period, 1, 1 << 24, "DqnConfig.target_period");
  nn::require_range(eps_start, 0.0, 1.0, "DqnConfig.eps_start");
  nn::require_range(eps_end, 0.0, 1.0, "DqnConfig.eps_end");
  nn::require_int_range(eps_decay_steps, 1, 1 << 30, "DqnConfig.eps_decay_steps");
  nn::require_int_range(learning_starts, 0, 1 << 30, "DqnConfig.learning_starts");
  nn::require_int_range(train_every, 1, 1 << 20, "DqnConfig.train_every");
  nn::require_range(grad_clip, 1e-3, 1e6, "DqnConfig.grad_clip");
  nn::require_int_range(planned_steps, 0, 1LL << 40, "DqnConfig.planned_steps");
}

DqnConfig dqn_preset(const std::string& env_name) {
  DqnConfig c;
  if (env_name == "catch") {
    c.network.kind = "conv";
  } else if (env_name == "maze" || env_name == "maze-moving") {
    c.network.kind = "conv";
    c.eps_decay_steps = 5000;
    c.learning_starts = 500;
  } else if (env_name == "cartpole") {
    c.network.kind = "mlp";
    c.replay.capacity = 50000;
    c.eps_decay_steps = 10000;
    c.learning_starts = 1000;
    c.target_period = 500;
  } else {
    nn::fail("dqn_preset: env: expected \"catch\", \"cartpole\", \"maze\" or \"maze-moving\", got \"", env_name, "\"");
  }
  return c;
}

// ---------------------------------------------------------------- Q-network

QNetwork::QNetwork(const QNetworkConfig& config, nn::Shape observation_shape, int actions, uint64_t seed)
    : config_((config.validate(), config)), obs_shape_(observation_shape) {
  nn::require_int_range(actions, 1, 1024, "QNetwork: actions");
  nn::Rng rng(seed, 0x9e7);
  int flat = static_cast<int>(observation_shape.numel());
  if (config_.kind == "conv") {
    nn::require(observation_shape.rank == 3, "QNetwork: a conv network needs (C, H, W) observations, got ",
                observation_shape);
    const int C = observation_shape[0], K = config_.channels;
    conv1_w_ = params_.add("conv1.weight", nn::Shape{K, C, 3, 3});
    conv1_b_ = params_.add("conv1.bias", nn::Shape{K}, false);
    conv2_w_ = params_.add("conv2.weight", nn::Shape{K, K, 3, 3});
    conv2_b_ = params_.add("conv2.bias", nn::Shape{K}, false);
    nn::init_he_normal(params_, conv1_w_, rng);
    nn::init_he_normal(params_, conv2_w_, rng);
    flat = K * observation_shape[1] * observation_shape[2];
  }
  fc1_w_ = params_.add("fc1.weight", nn::Shape{flat, config_.hidden});
  fc1_b_ = params_.add("fc1.bias", nn::Shape{config_.hidden}, false);
  nn::init_he_normal(params_, fc1_w_, rng);
  if (config_.kind == "mlp") {
    fc2_w_ = params_.add("fc2.weight", nn::Shape{config_.hidden, config_.hidden});
    fc2_b_ = params_.add("fc2.bias", nn::Shape{config_.hidden}, false);
    nn::init_he_normal(params_, fc2_w_, rng);
  }
  out_w_ = params_.add("out.weight", nn::Shape{config_.hidden, actions});
  out_b_ = params_.add("out.bias", nn::Shape{actions}, false);
  nn::init_xavier_uniform(params_, out_w_, rng);
}

nn::Var QNetwork::forward(nn::Tape& t, nn::Var obs) {
  const int B = obs.shape()[0];
  nn::Var h = obs;
  if (config_.kind == "conv") {
    const nn::Shape& s = obs_shape_;
    h = nn::reshape(h, nn::Shape{B, s[0], s[1], s[2]});                                   // (B, C, H, W)
    h = nn::relu(nn::conv2d(h, params_.on(t, conv1_w_), params_.on(t, conv1_b_), 1, 1));  // (B, K, H, W)
    h = nn::relu(nn::conv2d(h, params_.on(t, conv2_w_), params_.on(t, conv2_b_), 1, 1));  // (B, K, H, W)
  }
  h = nn::reshape(h, nn::Shape{B, static_cast<int>(h.numel() / B)});                            // (B, flat)
  h = nn::relu(nn::matmul(h, params_.on(t, fc1_w_)) + params_.on(t, fc1_b_));                   // (B, hidden)
  if (fc2_w_ >= 0) h = nn::relu(nn::matmul(h, params_.on(t, fc2_w_)) + params_.on(t, fc2_b_));  // (B, hidden)
  return nn::matmul(h, params_.on(t, out_w_)) + params_.on(t, out_b_);                          // (B, A)
}

// ---------------------------------------------------------------- agent

DqnAgent::DqnAgent(const DqnConfig& config, nn::Shape observation_shape, int actions)
    : config_((config.validate(), config)),
      obs_shape_(observation_shape),
      obs_size_(static_cast<int>(observation_shape.numel())),
      actions_(actions),
      online_(config.network, observation_shape, actions, config.seed),
      target_(config.network, observation_shape, actions, config.seed),
      adam_(online_.params(), nn::AdamConfig{config.lr}),
      replay_(config.replay, static_cast<int>(observation_shape.numel()), config.seed),
      rng_(config.seed, 0xa9e47) {
  target_.params().copy_values_from(online_.params());
  if (config_.planned_steps > 0) {
    // The k-th sample() call runs at beta0 + (1 - beta0) (k - 1) / beta_steps: beta_steps = k_last - 1
    // puts the last planned training step at beta = 1.
    const long long k = planned_train_steps(config_.planned_steps);
    replay_.set_beta_steps(static_cast<int>(std::min<long long>(std::max<long long>(1, k - 1), 1 << 30)));
  }
}

long long DqnAgent::planned_train_steps(long long env_steps) const {
  // observe() trains at environment step e (1-based) when e >= learning_starts, the buffer holds a
  // batch (e >= batch until the first wrap) and e is a multiple of train_every.
  const long long first = std::max<long long>({1, config_.learning_starts, config_.batch});
  if (env_steps < first) return 0;
  const long long every = config_.train_every;
  return env_steps / every - (first - 1) / every;
}

float DqnAgent::epsilon() const {
  const double progress = std::min(1.0, static_cast<double>(env_steps_) / config_.eps_decay_steps);
  return static_cast<float>(config_.eps_start + (config_.eps_end - config_.eps_start) * progress);
}

void DqnAgent::q_values(const float* obs, float* out) {
  tape_.reset();
  nn::NoGradScope no_grad(tape_);
  nn::Var q = online_.forward(tape_, tape_.constant(obs, nn::Shape{1, obs_size_}));
  std::copy(q.data(), q.data() + actions_, out);
}

int DqnAgent::greedy(const float* obs) {
  q_buffer_.resize(static_cast<size_t>(actions_));
  q_values(obs, q_buffer_.data());
  return static_cast<int>(std::max_element(q_buffer_.begin(), q_buffer_.end()) - q_buffer_.begin());
}

int DqnAgent::act(const float* obs) {
  const float eps = epsilon();
  ++env_steps_;
  if (rng_.uniform() < eps) return static_cast<int>(rng_.below(static_cast<uint32_t>(actions_)));
  return greedy(obs);
}

float DqnAgent::observe(const float* obs, int action, float reward, const float* next_obs, const envs::Step& step) {
  const bool terminal = step.terminal;  // a time limit (truncation) still bootstraps
  nn::require(action >= 0 && action < actions_, "DqnAgent::observe: action: expected [0, ", actions_ - 1, "], got ",
              action);
  replay_.add(obs, action, reward, next_obs, terminal);
  if (env_steps_ < config_.learning_starts || replay_.size() < config_.batch || env_steps_ % config_.train_every != 0)
    return std::numeric_limits<float>::quiet_NaN();
  return train_step();
}

float DqnAgent::train_step() {
  const int B = config_.batch;
  const ReplayBatch& b = replay_.sample(B);
  // Double-DQN target: the online network picks a*, the target network values it.
  targets_.resize(static_cast<size_t>(B));
  {
    tape_.reset();
    nn::NoGradScope no_grad(tape_);
    nn::Var next = tape_.constant(b.next_obs.data(), nn::Shape{B, obs_size_});
    nn::Var q_target = target_.forward(tape_, next);                                  // (B, A)
    nn::Var q_select = config_.double_dqn ? online_.forward(tape_, next) : q_target;  // (B, A)
    for (int i = 0; i < B; ++i) {
      const float* sel = q_select.data() + i * actions_;
      const int best = static_cast<int>(std::max_element(sel, sel + actions_) - sel);
      const float bootstrap = q_target.data()[i * actions_ + best];
      targets_[static_cast<size_t>(i)] =
          b.rewards[static_cast<size_t>(i)] + config_.gamma * (1.0f - b.dones[static_cast<size_t>(i)]) * bootstrap;
    }
  }
  tape_.reset();
  online_.params().zero_grad();
  onehot_.assign(static_cast<size_t>(B * actions_), 0.0f);
  for (int i = 0; i < B; ++i) onehot_[static_cast<size_t>(i * actions_ + b.actions[static_cast<size_t>(i)])] = 1.0f;
  nn::Var q = online_.forward(tape_, tape_.constant(b.obs.data(), nn::Shape{B, obs_size_}));  // (B, A)
  nn::Var q_sa = nn::sum_last(q * tape_.constant(onehot_.data(), nn::Shape{B, actions_}));    // (B)
  nn::Var y = tape_.constant(targets_.data(), nn::Shape{B});
  nn::Var loss = nn::huber_loss(q_sa, y, tape_.constant(b.weights.data(), nn::Shape{B}), 1.0f);
  tape_.backward(loss);
  nn::clip_grad_norm(online_.params(), config_.grad_clip);
  adam_.step(online_.params());
  td_errors_.resize(static_cast<size_t>(B));
  for (int i = 0; i < B; ++i)
    td_errors_[static_cast<size_t>(i)] = std::fabs(q_sa.data()[i] - targets_[static_cast<size_t>(i)]);
  replay_.update_priorities(b.indices, td_errors_);
  if (++train_steps_ % config_.target_period == 0) target_.params().copy_values_from(online_.params());
  return loss.item();
}

// ---------------------------------------------------------------- evaluation

int episodes_to_reach(const std::string& env_name, const DqnConfig& config, float target, int window,
                      int max_episodes) {
  nn::require_int_range(window, 1, 100000, "episodes_to_reach: window");
  DqnRunner runner(envs::make_env(env_name, config.seed), config);
  double sum = 0;
  for (int e = 0; e < max_episodes; ++e) {
    const float r = runner.run_episodes(1)[0];
    sum += r;
    if (e >= window) sum -= runner.returns()[static_cast<size_t>(e - window)];
    if (e + 1 >= window && sum / window >= target) return e + 1;
  }
  return max_episodes;
}

PlannedRun run_planned_catch(const DqnConfig& config, int episodes, float target, int window) {
  nn::require_int_range(episodes, 1, 1 << 20, "run_planned_catch: episodes");
  nn::require_int_range(window, 1, episodes, "run_planned_catch: window");
  DqnConfig c = config;
  auto env = envs::make_env("catch", c.seed);
  NN_ASSERT(dynamic_cast<const envs::Catch*>(env.get()) != nullptr);
  const long long steps_per_episode = env->observation_shape()[1] - 1;  // the ball falls one row per step
  c.planned_steps = steps_per_episode * episodes;
  DqnRunner runner(std::move(env), c);
  const auto returns = runner.run_episodes(episodes);
  NN_ASSERT(runner.agent().env_steps() == c.planned_steps);
  PlannedRun r;
  r.episodes_to_reach = episodes;
  double sum = 0;
  for (int e = 0; e < episodes; ++e) {
    sum += returns[static_cast<size_t>(e)];
    if (e >= window) sum -= returns[static_cast<size_t>(e - window)];
    if (e + 1 >= window && sum / window >= target) {
      r.episodes_to_reach = e + 1;
      break;
    }
  }
  r.final_mean = std::accumulate(returns.end() - window, returns.end(), 0.0) / window;
  r.final_beta = runner.agent().replay().last_batch().beta;
  r.env_steps = runner.agent().env_steps();
  r.train_steps = runner.agent().train_steps();
  return r;
}

}  // namespace models
