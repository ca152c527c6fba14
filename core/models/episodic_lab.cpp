#include "episodic_lab.h"

#include <algorithm>

namespace models {

namespace {
MfecConfig seeded(MfecConfig c, uint64_t seed) {
  c.seed = seed;
  return c;
}
SimpleEpisodicConfig seeded(SimpleEpisodicConfig c, uint64_t seed) {
  c.seed = seed;
  return c;
}
DqnConfig dqn_for(const std::string& env, uint64_t seed) {
  DqnConfig c = dqn_preset(env);
  c.seed = seed;
  return c;
}
}  // namespace

void EpisodicLabConfig::validate() const {
  nn::require(env == "maze" || env == "maze-moving" || env == "catch",
              "EpisodicLabConfig.env: expected \"maze\", \"maze-moving\" or \"catch\", got \"", env, "\"");
  mfec.validate();
  simple.validate();
}

EpisodicLab::EpisodicLab(const EpisodicLabConfig& config)
    : config_((config.validate(), config)),
      mfec_(envs::make_env(config.env, config.seed), seeded(config.mfec, config.seed)),
      simple_(envs::make_env(config.env, config.seed), seeded(config.simple, config.seed)),
      dqn_(envs::make_env(config.env, config.seed), dqn_for(config.env, config.seed)) {
  mfec_.agent().set_tag(mfec_.env().state_id());
}

void EpisodicLab::step(int env_steps) {
  nn::require_int_range(env_steps, 0, 1 << 20, "EpisodicLab::step: env_steps");
  for (int s = 0; s < env_steps; ++s) {
    mfec_.agent().set_tag(mfec_.env().state_id());  // entries remember where they were stored
    mfec_.step();
    simple_.step();
    dqn_.step();
  }
}

EpisodicLab::Decision EpisodicLab::mfec_decision() {
  Decision d;
  MfecAgent& agent = mfec_.agent();
  d.q.resize(static_cast<size_t>(agent.actions()));
  agent.estimate(mfec_.observation().data(), d.q.data(), &d.lookups);
  d.greedy = static_cast<int>(std::max_element(d.q.begin(), d.q.end()) - d.q.begin());
  return d;
}

void EpisodicLab::clear_memory() {
  mfec_.agent().clear();
  simple_.agent().clear();
}

envs::Env& EpisodicLab::env(int agent) {
  nn::require(agent >= 0 && agent <= 2, "EpisodicLab: agent: expected 0 (MFEC), 1 (simple) or 2 (DQN), got ", agent);
  return agent == kMfec ? mfec_.env() : agent == kSimple ? simple_.env() : dqn_.env();
}

const std::vector<float>& EpisodicLab::returns(int agent) const {
  nn::require(agent >= 0 && agent <= 2, "EpisodicLab: agent: expected 0 (MFEC), 1 (simple) or 2 (DQN), got ", agent);
  return agent == kMfec ? mfec_.returns() : agent == kSimple ? simple_.returns() : dqn_.returns();
}

const std::vector<float>& EpisodicLab::observation(int agent) const {
  nn::require(agent >= 0 && agent <= 2, "EpisodicLab: agent: expected 0 (MFEC), 1 (simple) or 2 (DQN), got ", agent);
  return agent == kMfec ? mfec_.observation() : agent == kSimple ? simple_.observation() : dqn_.observation();
}

}  // namespace models
