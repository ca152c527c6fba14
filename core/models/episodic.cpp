#include "episodic.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "nn/check.h"

namespace models {

std::vector<float> discounted_returns(const std::vector<float>& rewards, float gamma) {
  std::vector<float> g(rewards.size());
  float acc = 0;
  for (size_t t = rewards.size(); t-- > 0;) g[t] = acc = rewards[t] + gamma * acc;
  return g;
}

// ---------------------------------------------------------------- EpisodicTable

EpisodicTable::EpisodicTable(int capacity, int key_size) : capacity_(capacity), key_size_(key_size) {
  nn::require_int_range(capacity, 1, 1 << 22, "EpisodicTable: capacity");
  nn::require_int_range(key_size, 1, 1 << 16, "EpisodicTable: key_size");
}

void EpisodicTable::nearest(const float* key, int k, std::vector<int>& out, std::vector<float>* dist2) const {
  const int n = size();
  k = std::min(k, n);
  std::vector<float>& d = dist2_;
  std::vector<int>& order = order_;
  d.resize(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const float* e = this->key(i);
    float s = 0;
    for (int j = 0; j < key_size_; ++j) s += (e[j] - key[j]) * (e[j] - key[j]);
    d[static_cast<size_t>(i)] = s;
  }
  order.resize(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), 0);
  auto closer = [&](int a, int b) {
    const float da = d[static_cast<size_t>(a)], db = d[static_cast<size_t>(b)];
    return da < db || (da == db && a < b);
  };
  // Only the k smallest need ordering: partial selection, then sort those k.
  std::nth_element(order.begin(), order.begin() + k, order.end(), closer);
  std::sort(order.begin(), order.begin() + k, closer);
  out.assign(order.begin(), order.begin() + k);
  if (dist2) {
    dist2->resize(static_cast<size_t>(k));
    for (int i = 0; i < k; ++i) (*dist2)[static_cast<size_t>(i)] = d[static_cast<size_t>(out[static_cast<size_t>(i)])];
  }
}

int EpisodicTable::find_exact(const float* key) const {
  for (int i = 0; i < size(); ++i)
    if (std::equal(key, key + key_size_, this->key(i))) return i;
  return -1;
}

EpisodicTable::Lookup EpisodicTable::lookup(const float* key, int k, long long now) {
  nn::require(size() > 0, "EpisodicTable::lookup: the table is empty");
  nn::require(k >= 1, "EpisodicTable::lookup: k: expected at least 1, got ", k);
  Lookup r;
  const int exact = find_exact(key);
  if (exact >= 0) {
    r.exact = true;
    r.decided = exact;
    r.value = values_[static_cast<size_t>(exact)];
    r.neighbors = {exact};
    last_used_[static_cast<size_t>(exact)] = now;
    return r;
  }
  nearest(key, k, r.neighbors);
  double sum = 0;
  for (int i : r.neighbors) {
    sum += values_[static_cast<size_t>(i)];
    last_used_[static_cast<size_t>(i)] = now;
  }
  r.value = static_cast<float>(sum / static_cast<double>(r.neighbors.size()));
  r.decided = r.neighbors.front();
  return r;
}

void EpisodicTable::update(const float* key, float ret, long long now, int tag) {
  nn::require(std::isfinite(ret), "EpisodicTable::update: return: expected a finite number, got ", ret);
  const int exact = find_exact(key);
  if (exact >= 0) {
    values_[static_cast<size_t>(exact)] = std::max(values_[static_cast<size_t>(exact)], ret);
    last_used_[static_cast<size_t>(exact)] = now;
    return;
  }
  int slot = size();
  if (slot == capacity_) {  // evict the least recently used entry
    slot = static_cast<int>(std::min_element(last_used_.begin(), last_used_.end()) - last_used_.begin());
  } else {
    keys_.resize(keys_.size() + static_cast<size_t>(key_size_));
    values_.push_back(0);
    last_used_.push_back(0);
    tags_.push_back(0);
  }
  std::copy(key, key + key_size_, keys_.begin() + static_cast<std::ptrdiff_t>(slot) * key_size_);
  values_[static_cast<size_t>(slot)] = ret;
  last_used_[static_cast<size_t>(slot)] = now;
  tags_[static_cast<size_t>(slot)] = tag;
}

void EpisodicTable::clear() {
  keys_.clear();
  values_.clear();
  last_used_.clear();
  tags_.clear();
}

// ---------------------------------------------------------------- MFEC

void MfecConfig::validate() const {
  nn::require_int_range(projection, 1, 4096, "MfecConfig.projection");
  nn::require_int_range(k, 1, 1000, "MfecConfig.k");
  nn::require_int_range(capacity, 1, 1 << 20, "MfecConfig.capacity");
  nn::require(k <= capacity, "MfecConfig.k: expected at most the capacity (", capacity, "), got ", k);
  nn::require_range(gamma, 0.0, 1.0, "MfecConfig.gamma");
  nn::require_range(epsilon, 0.0, 1.0, "MfecConfig.epsilon");
}

MfecAgent::MfecAgent(const MfecConfig& config, nn::Shape observation_shape, int actions)
    : config_((config.validate(), config)),
      obs_size_(static_cast<int>(observation_shape.numel())),
      actions_(actions),
      rng_(config.seed, 0x3fec) {
  nn::require_int_range(actions, 1, 256, "MfecAgent: actions");
  const int F = config_.projection;
  projection_.resize(static_cast<size_t>(F) * obs_size_);
  const float sd = 1.0f / std::sqrt(static_cast<float>(F));  // variance 1/F
  for (float& a : projection_) a = rng_.normal(0.0f, sd);
  for (int a = 0; a < actions; ++a) tables_.emplace_back(config_.capacity, F);
  key_.resize(static_cast<size_t>(F));
  q_.resize(static_cast<size_t>(actions));
}

void MfecAgent::embed(const float* obs, float* key) const {
  const int F = config_.projection;
  for (int f = 0; f < F; ++f) {
    const float* row = projection_.data() + static_cast<size_t>(f) * obs_size_;
    float s = 0;
    for (int j = 0; j < obs_size_; ++j) s += row[j] * obs[j];
    key[f] = s;
  }
}

void MfecAgent::estimate(const float* obs, float* q, std::vector<EpisodicTable::Lookup>* lookups) {
  embed(obs, key_.data());
  if (lookups) lookups->assign(static_cast<size_t>(actions_), {});
  for (int a = 0; a < actions_; ++a) {
    EpisodicTable& t = tables_[static_cast<size_t>(a)];
    if (t.size() == 0) {
      q[a] = 0.0f;
      continue;
    }
    EpisodicTable::Lookup l = t.lookup(key_.data(), config_.k, ++clock_);
    q[a] = l.value;
    if (lookups) (*lookups)[static_cast<size_t>(a)] = std::move(l);
  }
}

int MfecAgent::act(const float* obs) {
  if (rng_.uniform() < config_.epsilon) return static_cast<int>(rng_.below(static_cast<uint32_t>(actions_)));
  estimate(obs, q_.data());
  // Greedy, ties broken at random (all actions tie while the tables are empty).
  const float best = *std::max_element(q_.begin(), q_.end());
  int ties = 0, choice = 0;
  for (int a = 0; a < actions_; ++a)
    if (q_[static_cast<size_t>(a)] == best && rng_.below(static_cast<uint32_t>(++ties)) == 0) choice = a;
  return choice;
}

// MFEC learns from the returns of whole episodes: the next observation is not used.
float MfecAgent::observe(const float* obs, int action, float reward, const float* /*next_obs*/,
                         const envs::Step& step) {
  nn::require(action >= 0 && action < actions_, "MfecAgent::observe: action: expected [0, ", actions_ - 1, "], got ",
              action);
  Visit v{std::vector<float>(key_.size()), action, reward, tag_};
  embed(obs, v.key.data());
  episode_.push_back(std::move(v));
  if (step.done()) {
    std::vector<float> rewards;
    for (const Visit& e : episode_) rewards.push_back(e.reward);
    const std::vector<float> g = discounted_returns(rewards, config_.gamma);
    for (size_t t = 0; t < episode_.size(); ++t)
      tables_[static_cast<size_t>(episode_[t].action)].update(episode_[t].key.data(), g[t], ++clock_, episode_[t].tag);
    episode_.clear();
  }
  return NAN;
}

void MfecAgent::clear() {
  for (auto& t : tables_) t.clear();
  episode_.clear();
}

// ---------------------------------------------------------------- the simple episodic agent

void SimpleEpisodicConfig::validate() const {
  nn::require_range(lr, 0.0, 1.0, "SimpleEpisodicConfig.lr");
  nn::require_range(gamma, 0.0, 1.0, "SimpleEpisodicConfig.gamma");
  nn::require_range(mix, 0.0, 1.0, "SimpleEpisodicConfig.mix");
  nn::require_range(min_similarity, -1.0, 1.0, "SimpleEpisodicConfig.min_similarity");
  nn::require_int_range(k, 1, 1000, "SimpleEpisodicConfig.k");
  nn::require_int_range(capacity, 1, 1 << 20, "SimpleEpisodicConfig.capacity");
  nn::require(k <= capacity, "SimpleEpisodicConfig.k: expected at most the capacity (", capacity, "), got ", k);
  nn::require_range(eps_start, 0.0, 1.0, "SimpleEpisodicConfig.eps_start");
  nn::require_range(eps_end, 0.0, 1.0, "SimpleEpisodicConfig.eps_end");
  nn::require_int_range(eps_decay_steps, 1, 1 << 30, "SimpleEpisodicConfig.eps_decay_steps");
}

SimpleEpisodicAgent::SimpleEpisodicAgent(const SimpleEpisodicConfig& config, nn::Shape observation_shape, int actions)
    : config_((config.validate(), config)),
      obs_size_(static_cast<int>(observation_shape.numel())),
      actions_(actions),
      rng_(config.seed, 0x51e) {
  nn::require_int_range(actions, 1, 256, "SimpleEpisodicAgent: actions");
}

std::vector<float>& SimpleEpisodicAgent::row(const float* obs) {
  // The exact state is the key: every distinct observation is its own table row.
  std::string key(reinterpret_cast<const char*>(obs), static_cast<size_t>(obs_size_) * sizeof(float));
  auto it = q_.find(key);
  if (it == q_.end()) it = q_.emplace(std::move(key), std::vector<float>(static_cast<size_t>(actions_), 0.0f)).first;
  return it->second;
}

std::vector<float> SimpleEpisodicAgent::unit_vector(const float* obs) const {
  std::vector<float> u(obs, obs + obs_size_);
  double n = 0;
  for (float v : u) n += static_cast<double>(v) * v;
  const float inv = n > 0 ? static_cast<float>(1.0 / std::sqrt(n)) : 0.0f;
  for (float& v : u) v *= inv;
  return u;
}

float SimpleEpisodicAgent::episodic_estimate(const std::vector<float>& unit, int action) const {
  // The k stored pairs with this action most cosine-similar to the state, weighted by similarity.
  std::vector<std::pair<float, float>> best;  // (similarity, return)
  for (size_t i = 0; i < memory_actions_.size(); ++i) {
    if (memory_actions_[i] != action) continue;
    const float* key = memory_keys_.data() + i * static_cast<size_t>(obs_size_);
    float sim = 0;
    for (int j = 0; j < obs_size_; ++j) sim += key[j] * unit[static_cast<size_t>(j)];
    if (sim >= config_.min_similarity) best.emplace_back(sim, memory_returns_[i]);
  }
  if (best.empty()) return NAN;
  const size_t k = std::min<size_t>(static_cast<size_t>(config_.k), best.size());
  std::partial_sort(best.begin(), best.begin() + static_cast<std::ptrdiff_t>(k), best.end(),
                    [](const auto& a, const auto& b) { return a.first > b.first; });
  double num = 0, den = 0;
  for (size_t i = 0; i < k; ++i) {
    const double w = std::max(0.0f, best[i].first) + 1e-6;
    num += w * best[i].second;
    den += w;
  }
  return static_cast<float>(num / den);
}

void SimpleEpisodicAgent::values(const float* obs, float* out) {
  const std::vector<float>& q = row(obs);
  const std::vector<float> unit = unit_vector(obs);
  for (int a = 0; a < actions_; ++a) {
    const float e = episodic_estimate(unit, a);
    out[a] =
        std::isnan(e) ? q[static_cast<size_t>(a)] : (1 - config_.mix) * q[static_cast<size_t>(a)] + config_.mix * e;
  }
}

int SimpleEpisodicAgent::act(const float* obs) {
  const double progress = std::min(1.0, static_cast<double>(steps_++) / config_.eps_decay_steps);
  const double eps = config_.eps_start + (config_.eps_end - config_.eps_start) * progress;
  if (rng_.uniform() < eps) return static_cast<int>(rng_.below(static_cast<uint32_t>(actions_)));
  scratch_.resize(static_cast<size_t>(actions_));
  values(obs, scratch_.data());
  const float best = *std::max_element(scratch_.begin(), scratch_.end());
  int ties = 0, choice = 0;
  for (int a = 0; a < actions_; ++a)
    if (scratch_[static_cast<size_t>(a)] == best && rng_.below(static_cast<uint32_t>(++ties)) == 0) choice = a;
  return choice;
}

float SimpleEpisodicAgent::observe(const float* obs, int action, float reward, const float* next_obs,
                                   const envs::Step& step) {
  nn::require(action >= 0 && action < actions_, "SimpleEpisodicAgent::observe: action: expected [0, ", actions_ - 1,
              "], got ", action);
  // Tabular Q-learning on the exact states.
  float bootstrap = 0;
  if (!step.terminal) {
    const std::vector<float>& next = row(next_obs);
    bootstrap = *std::max_element(next.begin(), next.end());
  }
  std::vector<float>& q = row(obs);
  q[static_cast<size_t>(action)] += config_.lr * (reward + config_.gamma * bootstrap - q[static_cast<size_t>(action)]);
  episode_.push_back({unit_vector(obs), action, reward});
  if (step.done()) {  // store the episode's (state, action, return) triples, oldest dropped first
    std::vector<float> rewards;
    for (const Visit& v : episode_) rewards.push_back(v.reward);
    const std::vector<float> g = discounted_returns(rewards, config_.gamma);
    for (size_t t = 0; t < episode_.size(); ++t) {
      if (memory_actions_.size() < static_cast<size_t>(config_.capacity)) {
        memory_keys_.insert(memory_keys_.end(), episode_[t].unit.begin(), episode_[t].unit.end());
        memory_actions_.push_back(episode_[t].action);
        memory_returns_.push_back(g[t]);
      } else {
        std::copy(episode_[t].unit.begin(), episode_[t].unit.end(),
                  memory_keys_.begin() + static_cast<std::ptrdiff_t>(memory_next_ * static_cast<size_t>(obs_size_)));
        memory_actions_[memory_next_] = episode_[t].action;
        memory_returns_[memory_next_] = g[t];
        memory_next_ = (memory_next_ + 1) % static_cast<size_t>(config_.capacity);
      }
    }
    episode_.clear();
  }
  return NAN;
}

void SimpleEpisodicAgent::clear() {
  q_.clear();
  memory_keys_.clear();
  memory_actions_.clear();
  memory_returns_.clear();
  memory_next_ = 0;
  episode_.clear();
}

}  // namespace models
