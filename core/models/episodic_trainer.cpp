#include "episodic_trainer.h"

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

void EpisodicTrainerConfig::validate() const {
  nn::require(env == "maze" || env == "maze-moving" || env == "catch",
              "EpisodicTrainerConfig.env: expected \"maze\", \"maze-moving\" or \"catch\", got \"", env, "\"");
  mfec.validate();
  simple.validate();
}

EpisodicTrainer::EpisodicTrainer(const EpisodicTrainerConfig& config)
    : config_((config.validate(), config)),
      mfec_(envs::make_env(config.env, config.seed), seeded(config.mfec, config.seed)),
      simple_(envs::make_env(config.env, config.seed), seeded(config.simple, config.seed)),
      dqn_(envs::make_env(config.env, config.seed), dqn_for(config.env, config.seed)) {
  mfec_.agent().set_tag(mfec_.env().state_id());
}

void EpisodicTrainer::step(int env_steps) {
  nn::require_int_range(env_steps, 0, 1 << 20, "EpisodicTrainer::step: env_steps");
  for (int s = 0; s < env_steps; ++s) {
    mfec_.agent().set_tag(mfec_.env().state_id());  // entries remember where they were stored
    mfec_.step();
    simple_.step();
    dqn_.step();
  }
}

EpisodicTrainer::Decision EpisodicTrainer::mfec_decision() {
  Decision d;
  MfecAgent& agent = mfec_.agent();
  d.q.resize(static_cast<size_t>(agent.actions()));
  agent.estimate(mfec_.observation().data(), d.q.data(), &d.lookups);
  d.greedy = static_cast<int>(std::max_element(d.q.begin(), d.q.end()) - d.q.begin());
  return d;
}

void EpisodicTrainer::clear_memory() {
  mfec_.agent().clear();
  simple_.agent().clear();
}

envs::Env& EpisodicTrainer::env(int agent) {
  nn::require(agent >= 0 && agent <= 2, "EpisodicTrainer: agent: expected 0 (MFEC), 1 (simple) or 2 (DQN), got ",
              agent);
  return agent == kMfec ? mfec_.env() : agent == kSimple ? simple_.env() : dqn_.env();
}

const std::vector<float>& EpisodicTrainer::returns(int agent) const {
  nn::require(agent >= 0 && agent <= 2, "EpisodicTrainer: agent: expected 0 (MFEC), 1 (simple) or 2 (DQN), got ",
              agent);
  return agent == kMfec ? mfec_.returns() : agent == kSimple ? simple_.returns() : dqn_.returns();
}

const std::vector<float>& EpisodicTrainer::observation(int agent) const {
  nn::require(agent >= 0 && agent <= 2, "EpisodicTrainer: agent: expected 0 (MFEC), 1 (simple) or 2 (DQN), got ",
              agent);
  return agent == kMfec ? mfec_.observation() : agent == kSimple ? simple_.observation() : dqn_.observation();
}

}  // namespace models
