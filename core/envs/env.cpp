#include "env.h"

#include "cartpole.h"
#include "catch.h"
#include "cliffwalk.h"
#include "maze.h"
#include "nn/check.h"

namespace envs {

std::unique_ptr<Env> make_env(const std::string& name, uint64_t seed) {
  if (name == "catch") return std::make_unique<Catch>(seed);
  if (name == "cartpole") return std::make_unique<CartPole>(seed);
  if (name == "maze") return std::make_unique<GridMaze>(seed);
  if (name == "maze-moving") return std::make_unique<GridMaze>(seed, true);
  if (name.rfind("cliffwalk:", 0) == 0) {
    const std::string n = name.substr(10);
    nn::require(!n.empty() && n.find_first_not_of("0123456789") == std::string::npos && n.size() <= 2,
                "environment: expected cliffwalk:<n> with n in 1..64, got '", name, "'");
    return std::make_unique<BlindCliffwalk>(std::stoi(n), seed);
  }
  nn::fail("environment: unknown name '", name,
           "' (expected one of: catch, cartpole, maze, maze-moving, cliffwalk:<n>)");
}

}  // namespace envs
