// Episodic memory: the nearest-neighbour table, MFEC, the simple agent, the grid maze.
#include <algorithm>
#include <numeric>

#include "envs/maze.h"
#include "gradcheck.h"
#include "models/episodic.h"
#include "models/episodic_trainer.h"

using Catch::Matchers::Contains;
using models::EpisodicTable;

TEST_CASE("k nearest neighbours agree with a brute-force sort", "[episodic]") {
  nn::Rng rng(1);
  EpisodicTable table(200, 6);
  for (int i = 0; i < 150; ++i) {
    std::vector<float> key(6);
    for (auto& v : key) v = rng.normal();
    table.update(key.data(), static_cast<float>(i), i, i);
  }
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<float> q(6);
    for (auto& v : q) v = rng.normal();
    std::vector<std::pair<double, int>> all;
    for (int i = 0; i < table.size(); ++i) {
      double d = 0;
      for (int j = 0; j < 6; ++j) d += (table.key(i)[j] - q[j]) * (table.key(i)[j] - q[j]);
      all.emplace_back(d, i);
    }
    std::sort(all.begin(), all.end());
    std::vector<int> got;
    table.nearest(q.data(), 11, got);
    REQUIRE(got.size() == 11);
    for (int k = 0; k < 11; ++k) REQUIRE(got[static_cast<size_t>(k)] == all[static_cast<size_t>(k)].second);
    const auto l = table.lookup(q.data(), 11, 1000 + trial);
    double mean = 0;
    for (int k = 0; k < 11; ++k) mean += table.value(all[static_cast<size_t>(k)].second) / 11.0;
    CHECK(!l.exact);
    CHECK(l.value == Approx(mean));
    CHECK(l.decided == all[0].second);
  }
}

TEST_CASE("exact matches return the stored value; updates keep the maximum", "[episodic]") {
  EpisodicTable table(10, 2);
  const float a[2] = {1, 2}, b[2] = {3, 4};
  table.update(a, 0.5f, 1, 7);
  table.update(b, -1.0f, 2, 8);
  table.update(a, 0.2f, 3, 7);  // lower: kept at 0.5
  auto l = table.lookup(a, 3, 4);
  CHECK(l.exact);
  CHECK(l.value == 0.5f);
  table.update(a, 0.9f, 5, 7);  // higher: replaced
  CHECK(table.lookup(a, 3, 6).value == 0.9f);
  CHECK(table.size() == 2);
  CHECK(table.tag(0) == 7);
}

TEST_CASE("least-recently-used eviction", "[episodic]") {
  EpisodicTable table(3, 1);
  const float k1 = 1, k2 = 2, k3 = 3, k4 = 4, k5 = 5;
  table.update(&k1, 1, 1, 0);
  table.update(&k2, 2, 2, 0);
  table.update(&k3, 3, 3, 0);
  table.lookup(&k1, 1, 4);     // k1 used again: k2 is now the least recently used
  table.update(&k4, 4, 5, 0);  // evicts k2
  std::vector<float> keys;
  for (int i = 0; i < table.size(); ++i) keys.push_back(table.key(i)[0]);
  std::sort(keys.begin(), keys.end());
  CHECK(keys == std::vector<float>{1, 3, 4});
  table.update(&k5, 5, 6, 0);  // evicts k3
  keys.clear();
  for (int i = 0; i < table.size(); ++i) keys.push_back(table.key(i)[0]);
  std::sort(keys.begin(), keys.end());
  CHECK(keys == std::vector<float>{1, 4, 5});
}

TEST_CASE("returns are walked back from the end of a hand-worked episode", "[episodic]") {
  CHECK(models::discounted_returns({0, 0, 1}, 0.5f) == std::vector<float>{0.25f, 0.5f, 1.0f});
  CHECK(models::discounted_returns({1, -1, 2}, 1.0f) == std::vector<float>{2, 1, 2});
  // MFEC writes them into the tables of the actions taken, at the end of the episode only.
  models::MfecConfig c;
  c.projection = 4;
  c.k = 1;
  c.gamma = 0.5f;
  models::MfecAgent agent(c, nn::Shape{3}, 2);
  const float s0[3] = {1, 0, 0}, s1[3] = {0, 1, 0}, s2[3] = {0, 0, 1};
  agent.observe(s0, 1, 0.0f, s1, envs::Step{});
  agent.observe(s1, 0, 0.0f, s2, envs::Step{});
  CHECK(agent.table(0).size() + agent.table(1).size() == 0);
  envs::Step end;
  end.reward = 1.0f;
  end.terminal = true;
  agent.observe(s2, 1, 1.0f, s2, end);
  CHECK(agent.table(0).size() == 1);
  CHECK(agent.table(1).size() == 2);
  float q[2];
  agent.estimate(s0, q);
  CHECK(q[1] == Approx(0.25f));  // exact match of s0 in table 1
  agent.estimate(s1, q);
  CHECK(q[0] == Approx(0.5f));
}

TEST_CASE("the simple agent keys its Q-table by the exact state, not a summary", "[episodic]") {
  models::SimpleEpisodicConfig c;
  models::SimpleEpisodicAgent agent(c, nn::Shape{2}, 2);
  const float a[2] = {1, 0}, b[2] = {0, 1};  // same sum, different states
  envs::Step end;
  end.terminal = true;
  agent.observe(a, 0, 1.0f, a, end);
  agent.observe(b, 0, -1.0f, b, end);
  CHECK(agent.states() == 2);
  float va[2], vb[2];
  agent.values(a, va);
  agent.values(b, vb);
  CHECK(va[0] > vb[0]);
  CHECK(agent.stored() == 2);
}

TEST_CASE("the grid maze: walls block, the goal pays, time runs out, the goal can move", "[episodic]") {
  envs::GridMaze maze(1, false, 50, 5);
  CHECK(maze.agent() == maze.start());
  maze.step(0);  // up into the wall
  CHECK(maze.agent() == maze.start());
  maze.step(1);  // right
  CHECK(maze.agent() == maze.start() + 1);
  envs::Step s;
  for (int k = 0; k < 3; ++k) s = maze.step(3);
  CHECK(s.truncated);
  CHECK(s.reward == 0.0f);
  maze.reset();
  // Walk a shortest path: right x4, down x4.
  const int path[8] = {1, 1, 1, 1, 2, 2, 2, 2};
  envs::GridMaze long_maze(1, false, 50, 100);
  for (int a : path) s = long_maze.step(a);
  CHECK(s.terminal);
  CHECK(s.reward == 1.0f);
  CHECK(long_maze.distance_to_goal(long_maze.start()) == 8);
  envs::GridMaze moving(3, true, 2, 100);
  const int goal = moving.goal();
  bool moved = false;
  for (int e = 0; e < 6 && !moved; ++e) {
    moving.reset();
    moved = moving.goal() != goal;
  }
  CHECK(moved);
  REQUIRE_THROWS_WITH(envs::GridMaze(1, false, 50, 100, {"#S#", "#x#"}), Contains("unknown cell 'x'"));
  REQUIRE_THROWS_WITH(envs::GridMaze(1, false, 50, 100, {"S#G", "...", ".#."}).step(4),
                      Contains("action: expected 0 (up), 1 (right), 2 (down) or 3 (left), got 4"));
  REQUIRE_THROWS_WITH(envs::GridMaze(1, false, 50, 100, {"S#G", "##.", "..."}), Contains("cannot be reached"));
}

TEST_CASE("MFEC learns the maze within a few dozen episodes (fixed seed)", "[episodic]") {
  models::MfecConfig c;
  c.seed = 5;
  models::Runner<models::MfecAgent> runner(envs::make_env("maze", 5), c);
  const auto returns = runner.run_episodes(150);
  const double last = std::accumulate(returns.end() - 50, returns.end(), 0.0) / 50;
  CHECK(last > 0.9);
}

TEST_CASE("MFEC has less regret than DQN on Catch in the first episodes (seeds 1-3)", "[episodic][learning]") {
  double mfec_regret = 0, dqn_regret = 0;
  for (uint64_t seed = 1; seed <= 3; ++seed) {
    models::MfecConfig mc;
    mc.seed = seed;
    models::Runner<models::MfecAgent> mfec(envs::make_env("catch", seed), mc);
    models::DqnConfig dc = models::dqn_preset("catch");
    dc.seed = seed;
    models::DqnRunner dqn(envs::make_env("catch", seed), dc);
    mfec_regret += models::mean_regret(mfec, 150) / 3;
    dqn_regret += models::mean_regret(dqn, 150) / 3;
  }
  CHECK(mfec_regret < 0.6 * dqn_regret);
}

TEST_CASE("episodic configs and lookups refuse bad values", "[episodic]") {
  models::MfecConfig c;
  c.k = 0;
  REQUIRE_THROWS_WITH(models::MfecAgent(c, nn::Shape{4}, 2),
                      Contains("MfecConfig.k: expected an integer in [1, 1000], got 0"));
  c = {};
  c.capacity = 5;
  REQUIRE_THROWS_WITH(models::MfecAgent(c, nn::Shape{4}, 2),
                      Contains("MfecConfig.k: expected at most the capacity (5), got 11"));
  c = {};
  c.capacity = 0;
  REQUIRE_THROWS_WITH(models::MfecAgent(c, nn::Shape{4}, 2), Contains("MfecConfig.capacity"));
  EpisodicTable empty(4, 2);
  const float key[2] = {0, 0};
  REQUIRE_THROWS_WITH(empty.lookup(key, 1, 0), Contains("the table is empty"));
  models::EpisodicTrainerConfig lc;
  lc.env = "pong";
  REQUIRE_THROWS_WITH(models::EpisodicTrainer(lc), Contains("EpisodicTrainerConfig.env"));
}
