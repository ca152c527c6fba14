// Replay: the sum tree, prioritized and uniform buffers, environments, the Cliffwalk experiment
// and DQN.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "envs/cartpole.h"
#include "envs/catch.h"
#include "envs/cliffwalk.h"
#include "eval/cliffwalk_replay.h"
#include "gradcheck.h"
#include "models/dqn.h"
#include "models/replay.h"

using Catch::Matchers::Contains;
using models::ReplayBuffer;
using models::ReplayConfig;
using models::SumTree;

namespace {

ReplayBuffer filled_buffer(int n, bool prioritized, float alpha = 0.6f, int capacity = -1) {
  ReplayConfig c;
  c.capacity = capacity > 0 ? capacity : n;
  c.prioritized = prioritized;
  c.alpha = alpha;
  ReplayBuffer buffer(c, 2, 11);
  for (int i = 0; i < n; ++i) {
    const float obs[2] = {static_cast<float>(i), -1.0f}, next[2] = {static_cast<float>(i + 1), -1.0f};
    buffer.add(obs, i % 3, 0.5f * i, next, i % 5 == 0);
  }
  return buffer;
}

std::vector<int> iota_vector(int n) {
  std::vector<int> v(static_cast<size_t>(n));
  std::iota(v.begin(), v.end(), 0);
  return v;
}

}  // namespace

TEST_CASE("sum tree: every node is the sum of its leaves after random updates, any capacity", "[replay]") {
  nn::Rng rng(1);
  for (int capacity : {1, 2, 3, 7, 16, 100, 1000, 5000}) {
    SumTree tree(capacity);
    std::vector<double> leaf(static_cast<size_t>(capacity), 0.0);
    for (int u = 0; u < 5 * capacity + 20; ++u) {
      const int j = static_cast<int>(rng.below(static_cast<uint32_t>(capacity)));
      leaf[static_cast<size_t>(j)] = rng.uniform() < 0.1f ? 0.0 : rng.uniform(0.0f, 3.0f);
      tree.set(j, leaf[static_cast<size_t>(j)]);
    }
    // Each internal node against the brute-force sum of the leaves below it.
    for (int node = 1; node < tree.leaves(); ++node) {
      int lo = node, hi = node + 1;
      while (lo < tree.leaves()) { lo *= 2; hi *= 2; }
      double expect = 0;
      for (int l = lo - tree.leaves(); l < hi - tree.leaves(); ++l) expect += l < capacity ? leaf[static_cast<size_t>(l)] : 0.0;
      REQUIRE(tree.node(node) == Approx(expect).margin(1e-9));
    }
    for (int l = 0; l < capacity; ++l) REQUIRE(tree.node(tree.leaves() + l) == leaf[static_cast<size_t>(l)]);
    double positive_min = INFINITY;
    for (double v : leaf) if (v > 0) positive_min = std::min(positive_min, v);
    CHECK(tree.min_positive() == positive_min);
    for (int j = 0; j <= capacity; ++j)
      REQUIRE(tree.prefix(j) == Approx(std::accumulate(leaf.begin(), leaf.begin() + j, 0.0)).margin(1e-9));
  }
}

TEST_CASE("sum tree find: zero leaves are never returned, a draw at the total lands on the last positive leaf", "[replay]") {
  SumTree tree(8);
  const double values[8] = {0, 1, 0, 2, 3, 0, 0.5, 0};
  for (int j = 0; j < 8; ++j) tree.set(j, values[j]);
  for (double m = 0; m < tree.total(); m += 0.01) {
    const int j = tree.find(m);
    REQUIRE(values[j] > 0);
  }
  CHECK(tree.find(tree.total()) == 6);
  CHECK(tree.find(1e9) == 6);
  CHECK(tree.find(-1) == 1);
  CHECK(tree.find(0.999) == 1);
  CHECK(tree.find(1.0) == 3);
  std::vector<int> path;
  tree.find(3.5, &path);
  CHECK(path == std::vector<int>{1, 3, 6, 12});  // root, right half, left quarter, leaf 4
  // find_many agrees with find, paths included.
  nn::Rng rng(2);
  std::vector<double> masses(50);
  for (auto& m : masses) m = rng.uniform(-0.5f, 7.0f);
  std::vector<double> copy = masses;
  std::vector<int> leaves(50), paths(50 * 4);
  tree.find_many(copy.data(), 50, leaves.data(), paths.data());
  for (int k = 0; k < 50; ++k) {
    REQUIRE(leaves[static_cast<size_t>(k)] == tree.find(masses[static_cast<size_t>(k)], &path));
    REQUIRE(std::vector<int>(paths.begin() + 4 * k, paths.begin() + 4 * k + 4) == path);
  }
  REQUIRE_THROWS_WITH(tree.set(2, -1.0), Contains("expected a finite number >= 0"));
  REQUIRE_THROWS_WITH(tree.set(2, NAN), Contains("expected a finite number >= 0"));
  REQUIRE_THROWS_WITH(tree.set(8, 1.0), Contains("index"));
  REQUIRE_THROWS_WITH(SumTree(0), Contains("capacity"));
}

TEST_CASE("prioritized sampling frequencies follow p^alpha (chi-square, fixed seed)", "[replay]") {
  const int n = 16;
  ReplayBuffer buffer = filled_buffer(n, true, 0.6f);
  std::vector<float> p(n);
  nn::Rng rng(5);
  for (auto& v : p) v = rng.uniform(0.05f, 4.0f);
  buffer.set_priorities(iota_vector(n), p);
  std::vector<double> expected(n);
  double z = 0;
  for (int i = 0; i < n; ++i) z += expected[static_cast<size_t>(i)] = std::pow(p[static_cast<size_t>(i)], 0.6);
  for (int i = 0; i < n; ++i) CHECK(buffer.probability(i) == Approx(expected[static_cast<size_t>(i)] / z));
  std::vector<double> counts(n, 0.0);
  const int batches = 20000, B = 8;
  for (int k = 0; k < batches; ++k)
    for (int i : buffer.sample(B).indices) counts[static_cast<size_t>(i)] += 1;
  double chi2 = 0;
  for (int i = 0; i < n; ++i) {
    const double e = batches * B * expected[static_cast<size_t>(i)] / z;
    chi2 += (counts[static_cast<size_t>(i)] - e) * (counts[static_cast<size_t>(i)] - e) / e;
  }
  // 15 degrees of freedom: P(chi2 > 37.7) = 0.001. Stratification only lowers the variance.
  CHECK(chi2 < 37.7);
  // The same draws against p (alpha ignored) must be rejected: the test can fail.
  double chi2_wrong = 0, zp = std::accumulate(p.begin(), p.end(), 0.0);
  for (int i = 0; i < n; ++i) {
    const double e = batches * B * p[static_cast<size_t>(i)] / zp;
    chi2_wrong += (counts[static_cast<size_t>(i)] - e) * (counts[static_cast<size_t>(i)] - e) / e;
  }
  CHECK(chi2_wrong > 1000);
}

TEST_CASE("importance weights: (N P(i))^-beta over the largest weight in the buffer", "[replay]") {
  ReplayConfig c;
  c.capacity = 4;
  c.alpha = 1.0f;
  c.beta0 = 0.5f;
  c.beta_steps = 1 << 30;
  ReplayBuffer buffer(c, 1, 3);
  const float x = 0;
  for (int i = 0; i < 4; ++i) buffer.add(&x, 0, 0, &x, false);
  buffer.set_priorities({0, 1, 2, 3}, {1, 2, 3, 4});  // P = 0.1, 0.2, 0.3, 0.4
  const auto& b = buffer.sample(4);
  const double w_max = std::pow(4 * 0.1, -0.5);
  for (int k = 0; k < 4; ++k) {
    const double P = (b.indices[static_cast<size_t>(k)] + 1) / 10.0;
    CHECK(b.weights[static_cast<size_t>(k)] == Approx(std::pow(4 * P, -0.5) / w_max).epsilon(1e-5));
    CHECK(b.weights[static_cast<size_t>(k)] <= 1.0f);
  }
  CHECK(b.beta == Approx(0.5f));
}

TEST_CASE("beta anneals linearly from beta0 to 1", "[replay]") {
  ReplayConfig c;
  c.capacity = 4;
  c.beta0 = 0.4f;
  c.beta_steps = 10;
  ReplayBuffer buffer(c, 1, 3);
  const float x = 0;
  buffer.add(&x, 0, 0, &x, false);
  CHECK(buffer.current_beta() == Approx(0.4f));
  for (int k = 0; k < 5; ++k) buffer.sample(1);
  CHECK(buffer.current_beta() == Approx(0.7f));
  for (int k = 0; k < 20; ++k) buffer.sample(1);
  CHECK(buffer.current_beta() == Approx(1.0f));
}

TEST_CASE("new items get the largest priority so far; one item works; zero priority is never drawn", "[replay]") {
  ReplayBuffer one = filled_buffer(1, true);
  CHECK(one.sample(1).indices[0] == 0);
  ReplayBuffer buffer = filled_buffer(6, true, 1.0f, 8);
  buffer.update_priorities({0, 1, 2}, {5.0f, 0.1f, 0.2f});
  CHECK(buffer.max_priority() == Approx(5.0 + 1e-6));
  const float obs[2] = {9, 9};
  buffer.add(obs, 1, 0, obs, false);  // slot 6, priority 5 (the largest so far)
  CHECK(buffer.probability(6) == Approx(buffer.probability(0)));
  bool newest_drawn = false;
  for (int k = 0; k < 200 && !newest_drawn; ++k) newest_drawn = buffer.sample(1).indices[0] == 6;
  CHECK(newest_drawn);
  buffer.set_priorities({3}, {0.0f});
  for (int k = 0; k < 2000; ++k)
    for (int i : buffer.sample(4).indices) REQUIRE(i != 3);
}

TEST_CASE("the ring overwrites the oldest transitions and batches copy them faithfully", "[replay]") {
  ReplayBuffer buffer = filled_buffer(7, false, 0.6f, 4);  // items 3..6 remain in slots 3, 0, 1, 2
  CHECK(buffer.size() == 4);
  const auto& b = buffer.sample(4);
  for (int k = 0; k < 4; ++k) {
    const int slot = b.indices[static_cast<size_t>(k)];
    const int item = slot == 3 ? 3 : slot + 4;
    CHECK(b.obs[static_cast<size_t>(2 * k)] == static_cast<float>(item));
    CHECK(b.next_obs[static_cast<size_t>(2 * k)] == static_cast<float>(item + 1));
    CHECK(b.actions[static_cast<size_t>(k)] == item % 3);
    CHECK(b.rewards[static_cast<size_t>(k)] == 0.5f * item);
    CHECK(b.dones[static_cast<size_t>(k)] == (item % 5 == 0 ? 1.0f : 0.0f));
    CHECK(b.weights[static_cast<size_t>(k)] == 1.0f);
  }
}

TEST_CASE("replay refuses bad input and loses nothing", "[replay]") {
  ReplayConfig c;
  c.capacity = 0;
  REQUIRE_THROWS_WITH(ReplayBuffer(c, 4, 1), Contains("ReplayConfig.capacity"));
  c.capacity = 1 << 24;
  REQUIRE_THROWS_WITH(ReplayBuffer(c, 1000, 1), Contains("more than the 1 GiB"));
  c = {};
  c.alpha = NAN;
  REQUIRE_THROWS_WITH(ReplayBuffer(c, 4, 1), Contains("ReplayConfig.alpha"));
  ReplayBuffer buffer = filled_buffer(5, true, 1.0f, 8);
  REQUIRE_THROWS_WITH(buffer.sample(6), Contains("6 is more than the 5 transitions stored"));
  std::vector<double> before;
  for (int i = 1; i < 2 * buffer.tree()->leaves(); ++i) before.push_back(buffer.tree()->node(i));
  REQUIRE_THROWS_WITH(buffer.set_priorities({0, 1}, {1.0f, -2.0f}), Contains("priorities[1]: expected a finite number >= 0"));
  REQUIRE_THROWS_WITH(buffer.update_priorities({0, 1}, {1.0f, NAN}), Contains("td_errors[1]: expected a finite number"));
  REQUIRE_THROWS_WITH(buffer.update_priorities({0, 7}, {1.0f, 1.0f}), Contains("indices[1]: expected a stored slot in [0, 4]"));
  for (int i = 1; i < 2 * buffer.tree()->leaves(); ++i)
    REQUIRE(buffer.tree()->node(i) == before[static_cast<size_t>(i - 1)]);  // nothing applied
  CHECK(buffer.size() == 5);
  REQUIRE_THROWS_WITH(envs::make_env("pong", 1), Contains("unknown name 'pong'"));
  REQUIRE_THROWS_WITH(models::dqn_preset("pong"), Contains("dqn_preset: env: expected \"catch\""));
}

TEST_CASE("sampling statistics: drawn counts per bin track the expected counts", "[replay]") {
  ReplayBuffer buffer = filled_buffer(64, true);
  buffer.track_sampling(8);
  for (int k = 0; k < 2000; ++k) buffer.sample(16);
  const auto& drawn = buffer.drawn_per_bin();
  const auto& expected = buffer.expected_per_bin();
  CHECK(std::accumulate(drawn.begin(), drawn.end(), 0.0) == 32000);
  CHECK(std::accumulate(expected.begin(), expected.end(), 0.0) == Approx(32000));
  for (int k = 0; k < 8; ++k) CHECK(drawn[static_cast<size_t>(k)] == Approx(expected[static_cast<size_t>(k)]).epsilon(0.1));
}

TEST_CASE("Catch follows the bsuite rules", "[replay]") {
  envs::Catch env(1);
  std::vector<float> obs(50);
  env.set_state(0, 4, 2);
  env.observe(obs.data());
  CHECK(obs[4] == 1.0f);           // ball at row 0, column 4
  CHECK(obs[9 * 5 + 2] == 1.0f);   // paddle at the bottom, column 2
  CHECK(std::accumulate(obs.begin(), obs.end(), 0.0f) == 2.0f);
  envs::Step s = env.step(2);      // right
  CHECK(env.paddle_col() == 3);
  CHECK(env.ball_row() == 1);
  CHECK(!s.done());
  env.step(2);
  CHECK(env.paddle_col() == 4);
  env.step(2);                     // clamped at the wall
  CHECK(env.paddle_col() == 4);
  for (int k = 0; k < 5; ++k) CHECK(!env.step(1).done());
  s = env.step(1);                 // ball reaches row 9 under the paddle
  CHECK(s.terminal);
  CHECK(s.reward == 1.0f);
  REQUIRE_THROWS_WITH(env.step(1), Contains("the episode is over"));
  env.set_state(7, 0, 4);
  env.step(0);
  s = env.step(0);
  CHECK(s.terminal);
  CHECK(s.reward == -1.0f);
  REQUIRE_THROWS_WITH(env.step(3), Contains("expected 0 (left), 1 (stay) or 2 (right), got 3"));
}

TEST_CASE("CartPole follows Barto et al.'s dynamics, terminates and truncates", "[replay]") {
  envs::CartPole env(1, 500);
  env.set_state(0, 0, 0, 0);
  envs::Step s = env.step(1);  // push right from rest
  CHECK(env.state()[0] == Approx(0.0));
  CHECK(env.state()[1] == Approx(0.19512195).epsilon(1e-6));
  CHECK(env.state()[2] == Approx(0.0));
  CHECK(env.state()[3] == Approx(-0.29268293).epsilon(1e-6));
  CHECK(s.reward == 1.0f);
  CHECK(!s.done());
  env.set_state(0, 0, 0.2, 2.0);  // 11.5 degrees, falling fast: over 12 degrees after one step
  CHECK(env.step(1).terminal);
  envs::CartPole short_env(1, 3);
  short_env.set_state(0, 0, 0, 0);
  int actions[3] = {1, 0, 1};
  envs::Step last;
  for (int a : actions) last = short_env.step(a);
  CHECK(last.truncated);
  CHECK(!last.terminal);
}

TEST_CASE("Blind Cliffwalk: one right action per state, reward only at the end", "[replay]") {
  envs::BlindCliffwalk env(4, 3);
  for (int s = 0; s < 3; ++s) {
    CHECK(env.state() == s);
    CHECK(!env.step(env.right_action(s)).done());
  }
  envs::Step last = env.step(env.right_action(3));
  CHECK(last.terminal);
  CHECK(last.reward == 1.0f);
  env.reset();
  last = env.step(1 - env.right_action(0));
  CHECK(last.terminal);
  CHECK(last.reward == 0.0f);
  CHECK(env.optimal_q(1, env.right_action(1), 0.5) == Approx(0.25));
  CHECK(env.optimal_q(1, 1 - env.right_action(1), 0.5) == 0.0);
}

TEST_CASE("the tabular Cliffwalk experiment converges, faster with prioritized replay", "[replay]") {
  eval::CliffwalkReplayConfig c;
  c.n = 8;
  c.prioritized = false;
  const double uniform = eval::median_cliffwalk_updates(c, 5);
  c.prioritized = true;
  const double prioritized = eval::median_cliffwalk_updates(c, 5);
  CHECK(prioritized < 0.5 * uniform);
  const auto r = eval::run_cliffwalk_replay(c, 1);
  CHECK(r.converged);
  CHECK(r.final_error < c.threshold * r.initial_error);
  CHECK(r.memory > 8);
}

TEST_CASE("the conv Q-network's gradients match finite differences (weighted Huber loss)", "[replay]") {
  models::QNetworkConfig qc;
  qc.channels = 2;
  qc.hidden = 5;
  models::QNetwork net(qc, nn::Shape{1, 4, 3}, 3, 7);
  nn::Rng rng(8);
  auto obs = testing::random_tensor(nn::Shape{2, 12}, rng);
  const float onehot[6] = {0, 1, 0, 0, 0, 1}, target[2] = {0.3f, -2.0f}, weight[2] = {0.5f, 1.0f};
  testing::check_param_gradients(net.params(), [&](nn::Tape& t) {
    nn::Var q = net.forward(t, t.constant(obs.data.data(), obs.shape));
    nn::Var q_sa = nn::sum_last(q * t.constant(onehot, nn::Shape{2, 3}));
    return nn::huber_loss(q_sa, t.constant(target, nn::Shape{2}), t.constant(weight, nn::Shape{2}), 1.0f);
  });
}

TEST_CASE("DQN learns Catch within a small budget, reproducibly", "[replay]") {
  for (bool prioritized : {false, true}) {
    models::DqnConfig c = models::dqn_preset("catch");
    c.replay.prioritized = prioritized;
    c.seed = 4;
    models::DqnRunner runner(envs::make_env("catch", c.seed), c);
    const auto returns = runner.run_episodes(220);
    const double first = std::accumulate(returns.begin(), returns.begin() + 50, 0.0) / 50;
    const double last = std::accumulate(returns.end() - 50, returns.end(), 0.0) / 50;
    INFO("prioritized " << prioritized << ": first 50 " << first << ", last 50 " << last);
    CHECK(first < 0.0);  // about random play at the start
    CHECK(last > 0.6);
  }
  models::DqnConfig c = models::dqn_preset("catch");
  models::DqnRunner a(envs::make_env("catch", 9), c), b(envs::make_env("catch", 9), c);
  CHECK(a.run_episodes(30) == b.run_episodes(30));
}
