// The episodic-memory case study on the command line:
//   neuroai eval episodic   mean regret over the first 1000 Catch episodes: MFEC, the simple agent, DQN
//   neuroai train episodic  one agent on one environment, its episode returns
#include <cstdio>

#include "commands.h"
#include "models/dqn.h"
#include "models/episodic.h"
#include "models/runner.h"
#include "util/json.h"

namespace cli {

namespace {

double regret(const std::string& agent, const std::string& env, int episodes, uint64_t seed, double mfec_epsilon) {
  if (agent == "mfec") {
    models::MfecConfig c;
    c.seed = seed;
    c.epsilon = static_cast<float>(mfec_epsilon);
    models::Runner<models::MfecAgent> r(envs::make_env(env, seed), c);
    return models::mean_regret(r, episodes);
  }
  if (agent == "simple") {
    models::SimpleEpisodicConfig c;
    c.seed = seed;
    models::Runner<models::SimpleEpisodicAgent> r(envs::make_env(env, seed), c);
    return models::mean_regret(r, episodes);
  }
  models::DqnConfig c = models::dqn_preset(env);
  c.seed = seed;
  models::DqnRunner r(envs::make_env(env, seed), c);
  return models::mean_regret(r, episodes);
}

}  // namespace

int eval_episodic(Args& args) {
  const int seeds = args.get_int("seeds", 3, 1, 100);
  const int episodes = args.get_int("episodes", 1000, 1, 100000);
  const std::string env = args.get_string("env", "catch");
  const double mfec_epsilon = args.get_double("mfec-epsilon", models::MfecConfig{}.epsilon, 0.0, 1.0);
  const bool json = args.flag("json");
  args.finish("eval episodic");
  const char* agents[] = {"mfec", "simple", "dqn"};
  double mean[3] = {0, 0, 0};
  std::vector<double> per_seed[3];
  for (int s = 0; s < seeds; ++s)
    for (int a = 0; a < 3; ++a) {
      const double r = regret(agents[a], env, episodes, 1 + static_cast<uint64_t>(s), mfec_epsilon);
      per_seed[a].push_back(r);
      mean[a] += r / seeds;
      if (!json) std::printf("seed %d %-6s mean regret %.4f\n", 1 + s, agents[a], r);
    }
  util::Json out;
  const std::string n = std::to_string(episodes);
  out.begin_object()
      .field("mfec_regret_" + n, mean[0])
      .field("dqn_regret_" + n, mean[2])
      .field("simple_regret_" + n, mean[1])
      .field("seeds", seeds)
      .field("env", env)
      .field("mfec_per_seed", per_seed[0])
      .field("dqn_per_seed", per_seed[2])
      .field("simple_per_seed", per_seed[1])
      .end_object();
  if (json)
    std::printf("%s\n", out.str().c_str());
  else
    std::printf("mean regret over the first %d episodes (%d seeds): MFEC %.4f, simple %.4f, DQN %.4f\n", episodes,
                seeds, mean[0], mean[1], mean[2]);
  return 0;
}

}  // namespace cli
