// Replay: the sum tree, the rank heap, uniform / proportional / rank-based buffers, environments,
// the Cliffwalk experiments and DQN.
#include <algorithm>
#include <cmath>
#include <numeric>
#include <tuple>

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
using models::ReplayKind;
using models::SumTree;

namespace {

ReplayBuffer filled_buffer(int n, bool prioritized, float alpha = 0.6f, int capacity = -1,
                           ReplayKind kind = ReplayKind::kProportional) {
  ReplayConfig c;
  c.capacity = capacity > 0 ? capacity : n;
  c.kind = prioritized ? kind : ReplayKind::kUniform;
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
      while (lo < tree.leaves()) {
        lo *= 2;
        hi *= 2;
      }
      double expect = 0;
      for (int l = lo - tree.leaves(); l < hi - tree.leaves(); ++l)
        expect += l < capacity ? leaf[static_cast<size_t>(l)] : 0.0;
      REQUIRE(tree.node(node) == Approx(expect).margin(1e-9));
    }
    for (int l = 0; l < capacity; ++l) REQUIRE(tree.node(tree.leaves() + l) == leaf[static_cast<size_t>(l)]);
    double positive_min = INFINITY;
    for (double v : leaf)
      if (v > 0) positive_min = std::min(positive_min, v);
    CHECK(tree.min_positive() == positive_min);
    for (int j = 0; j <= capacity; ++j)
      REQUIRE(tree.prefix(j) == Approx(std::accumulate(leaf.begin(), leaf.begin() + j, 0.0)).margin(1e-9));
  }
}

TEST_CASE("sum tree find: zero leaves are never returned, a draw at the total lands on the last positive leaf",
          "[replay]") {
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

// ---------------------------------------------------------------- rank-based

namespace {
/// P(rank r) = r^-alpha / sum_{k=1..n} k^-alpha, computed here independently of the buffer.
std::vector<double> rank_law(int n, double alpha) {
  std::vector<double> p(static_cast<size_t>(n));
  double z = 0;
  for (int r = 1; r <= n; ++r) z += p[static_cast<size_t>(r - 1)] = std::pow(r, -alpha);
  for (auto& v : p) v /= z;
  return p;
}
}  // namespace

TEST_CASE("rank-based sampling frequencies follow rank^-alpha exactly (chi-square, fixed seed)", "[replay]") {
  // Significance level 0.001: the chi-square critical values for n - 1 degrees of freedom.
  struct Case {
    int n, batch;
    double critical;
  };
  for (const Case& k : {Case{16, 8, 37.70}, Case{5, 5, 18.47}, Case{100, 7, 148.23}}) {
    ReplayBuffer buffer = filled_buffer(k.n, true, 0.7f, -1, ReplayKind::kRank);
    std::vector<float> p(static_cast<size_t>(k.n));
    nn::Rng rng(5);
    for (auto& v : p) v = rng.uniform(0.05f, 4.0f);
    buffer.set_priorities(iota_vector(k.n), p);  // the heap is now only approximately sorted
    const models::RankHeap& heap = *buffer.rank_heap();
    REQUIRE(heap.heap_ok());
    const std::vector<double> law = rank_law(k.n, 0.7f);
    for (int i = 0; i < k.n; ++i)
      REQUIRE(buffer.probability(i) == Approx(law[static_cast<size_t>(heap.position_of(i))]).epsilon(1e-9));
    std::vector<double> counts(static_cast<size_t>(k.n), 0.0);
    const int batches = 20000;
    for (int b = 0; b < batches; ++b) {
      const auto& batch = buffer.sample(k.batch);
      for (int d = 0; d < k.batch; ++d) {
        REQUIRE(heap.slot_at(batch.positions[static_cast<size_t>(d)]) == batch.indices[static_cast<size_t>(d)]);
        counts[static_cast<size_t>(batch.indices[static_cast<size_t>(d)])] += 1;
      }
    }
    const double draws = static_cast<double>(batches) * k.batch;
    double chi2 = 0, chi2_uniform = 0;
    for (int i = 0; i < k.n; ++i) {
      const double e = draws * law[static_cast<size_t>(heap.position_of(i))], c = counts[static_cast<size_t>(i)];
      chi2 += (c - e) * (c - e) / e;
      chi2_uniform += (c - draws / k.n) * (c - draws / k.n) / (draws / k.n);
    }
    INFO("n " << k.n << ", batch " << k.batch << ": chi2 " << chi2);
    CHECK(chi2 < k.critical);
    CHECK(chi2_uniform > 10 * k.critical);  // the test can fail: uniform draws are rejected
  }
}

TEST_CASE("rank-based importance weights: (N P(rank))^-beta over the last rank's weight", "[replay]") {
  ReplayConfig c;
  c.capacity = 10;
  c.kind = ReplayKind::kRank;
  c.use_paper_exponents();
  CHECK(c.alpha == 0.7f);
  CHECK(c.beta0 == 0.5f);
  c.beta_steps = 1 << 30;
  ReplayBuffer buffer(c, 1, 3);
  const float x = 0;
  for (int i = 0; i < 10; ++i) buffer.add(&x, 0, 0, &x, false);
  buffer.set_priorities(iota_vector(10), {3, 1, 4, 1.5f, 5, 9, 2, 6, 5.5f, 0.5f});
  const std::vector<double> law = rank_law(10, 0.7f);
  const double w_max = std::pow(10 * law[9], -0.5);
  for (int round = 0; round < 20; ++round) {
    const auto& b = buffer.sample(10);
    CHECK(b.beta == Approx(0.5f));
    for (int k = 0; k < 10; ++k) {
      const int r = b.positions[static_cast<size_t>(k)] + 1;
      CHECK(b.weights[static_cast<size_t>(k)] ==
            Approx(std::pow(10 * law[static_cast<size_t>(r - 1)], -0.5) / w_max).epsilon(1e-5));
      CHECK(b.weights[static_cast<size_t>(k)] <= 1.0f);
    }
  }
  // The closed form: w(r) = (r / N)^(alpha beta); rank N weighs 1.
  CHECK(std::pow(10 * law[2], -0.5) / w_max == Approx(std::pow(3.0 / 10, 0.35)));
}

TEST_CASE("rank heap: the heap invariant holds after updates, re-sorts come every capacity changes", "[replay]") {
  const int n = 64;
  ReplayBuffer buffer = filled_buffer(n, true, 0.7f, n, ReplayKind::kRank);
  const models::RankHeap& heap = *buffer.rank_heap();
  CHECK(heap.resort_period() == n);
  CHECK(heap.resorts() == 1);  // the 64 insertions were 64 changes
  nn::Rng rng(9);
  auto random_update = [&] {
    const int i = static_cast<int>(rng.below(n));
    buffer.update_priorities({i}, {rng.uniform(-3.0f, 3.0f)});
  };
  for (int u = 0; u < n - 1; ++u) {
    random_update();
    REQUIRE(heap.heap_ok());
  }
  CHECK(heap.resorts() == 1);
  bool sorted = true;
  for (int p = 1; p < n; ++p) sorted = sorted && heap.priority_at(p - 1) >= heap.priority_at(p);
  CHECK_FALSE(sorted);  // a heap, not a sorted array, between re-sorts
  random_update();      // the 64th change: a full re-sort
  CHECK(heap.resorts() == 2);
  REQUIRE(heap.heap_ok());
  for (int p = 1; p < n; ++p) REQUIRE(heap.priority_at(p - 1) >= heap.priority_at(p));
  // Ranks follow priorities after the sort: the largest priority is rank 1.
  double top = 0;
  int top_slot = -1;
  for (int i = 0; i < n; ++i)
    if (heap.priority(i) > top) top = heap.priority(i), top_slot = i;
  CHECK(heap.position_of(top_slot) == 0);
  // A ring buffer at capacity: overwritten slots come back at the largest priority, on top.
  const float obs[2] = {1, 2};
  for (int k = 0; k < 10; ++k) {
    buffer.add(obs, 0, 0, obs, false);
    REQUIRE(heap.heap_ok());
    REQUIRE(heap.position_of(k) == 0);
    REQUIRE(heap.size() == n);
  }
}

TEST_CASE("rank-based: the newest item is drawable at rank 1; one item works", "[replay]") {
  ReplayBuffer buffer = filled_buffer(20, true, 0.7f, 32, ReplayKind::kRank);
  buffer.update_priorities(iota_vector(20), std::vector<float>(20, 0.01f));
  buffer.update_priorities({4}, {7.0f});
  const float obs[2] = {9, 9};
  buffer.add(obs, 1, 0, obs, false);  // slot 20 at the largest priority so far (7 + eps)
  CHECK(buffer.rank_heap()->position_of(20) == 0);
  CHECK(buffer.probability(20) == Approx(rank_law(21, 0.7f)[0]));
  bool newest_drawn = false;
  for (int k = 0; k < 200 && !newest_drawn; ++k) newest_drawn = buffer.sample(1).indices[0] == 20;
  CHECK(newest_drawn);
  // Zero priority still has a rank: rank-based draws every stored slot.
  buffer.set_priorities({3}, {0.0f});
  CHECK(buffer.probability(3) > 0);

  ReplayBuffer one = filled_buffer(1, true, 0.7f, 1, ReplayKind::kRank);
  const auto& b = one.sample(1);
  CHECK(b.indices[0] == 0);
  CHECK(b.weights[0] == 1.0f);
  CHECK(one.probability(0) == 1.0);
  one.update_priorities({0}, {2.0f});
  CHECK(one.sample(1).indices[0] == 0);
}

TEST_CASE("rank-based replay refuses bad input with a message naming the argument", "[replay]") {
  REQUIRE_THROWS_WITH(models::parse_replay_kind("ranked", "--replay"),
                      Contains("--replay: expected \"uniform\", \"proportional\" or \"rank\", got \"ranked\""));
  CHECK(models::parse_replay_kind("rank", "x") == ReplayKind::kRank);
  ReplayConfig c;
  c.kind = ReplayKind::kRank;
  c.resort_period = -1;
  REQUIRE_THROWS_WITH(ReplayBuffer(c, 2, 1), Contains("ReplayConfig.resort_period"));
  c.resort_period = 0;
  c.alpha = 1.5f;
  REQUIRE_THROWS_WITH(ReplayBuffer(c, 2, 1), Contains("ReplayConfig.alpha"));
  REQUIRE_THROWS_WITH(models::RankHeap(0, 0.7, 0), Contains("RankHeap: capacity"));
  models::RankHeap heap(4, 0.7, 0);
  REQUIRE_THROWS_WITH(heap.set(4, 1.0), Contains("RankHeap::set: index"));
  REQUIRE_THROWS_WITH(heap.set(0, NAN), Contains("RankHeap::set: priority: expected a finite number >= 0"));
  ReplayBuffer buffer = filled_buffer(5, true, 0.7f, 8, ReplayKind::kRank);
  REQUIRE_THROWS_WITH(buffer.sample(6), Contains("6 is more than the 5 transitions stored"));
  std::vector<int> before;
  for (int p = 0; p < 5; ++p) before.push_back(buffer.rank_heap()->slot_at(p));
  REQUIRE_THROWS_WITH(buffer.set_priorities({0, 1}, {1.0f, -2.0f}),
                      Contains("priorities[1]: expected a finite number >= 0"));
  REQUIRE_THROWS_WITH(buffer.update_priorities({0, 9}, {1.0f, 1.0f}),
                      Contains("indices[1]: expected a stored slot in [0, 4]"));
  for (int p = 0; p < 5; ++p)
    REQUIRE(buffer.rank_heap()->slot_at(p) == before[static_cast<size_t>(p)]);  // nothing applied
}

TEST_CASE("rank-based sampling statistics are kept per rank range", "[replay]") {
  ReplayBuffer buffer = filled_buffer(64, true, 0.7f, 64, ReplayKind::kRank);
  buffer.track_sampling(8);
  for (int k = 0; k < 2000; ++k) buffer.sample(16);
  const auto& drawn = buffer.drawn_per_bin();
  const auto& expected = buffer.expected_per_bin();
  CHECK(std::accumulate(expected.begin(), expected.end(), 0.0) == Approx(32000));
  CHECK(expected[0] > 3 * expected[7]);  // the top ranks are drawn most
  for (int k = 0; k < 8; ++k)
    CHECK(drawn[static_cast<size_t>(k)] == Approx(expected[static_cast<size_t>(k)]).epsilon(0.1));
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
  REQUIRE_THROWS_WITH(buffer.set_priorities({0, 1}, {1.0f, -2.0f}),
                      Contains("priorities[1]: expected a finite number >= 0"));
  REQUIRE_THROWS_WITH(buffer.update_priorities({0, 1}, {1.0f, NAN}),
                      Contains("td_errors[1]: expected a finite number"));
  REQUIRE_THROWS_WITH(buffer.update_priorities({0, 7}, {1.0f, 1.0f}),
                      Contains("indices[1]: expected a stored slot in [0, 4]"));
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
  for (int k = 0; k < 8; ++k)
    CHECK(drawn[static_cast<size_t>(k)] == Approx(expected[static_cast<size_t>(k)]).epsilon(0.1));
}

TEST_CASE("Catch follows the bsuite rules", "[replay]") {
  envs::Catch env(1);
  std::vector<float> obs(50);
  env.set_state(0, 4, 2);
  env.observe(obs.data());
  CHECK(obs[4] == 1.0f);          // ball at row 0, column 4
  CHECK(obs[9 * 5 + 2] == 1.0f);  // paddle at the bottom, column 2
  CHECK(std::accumulate(obs.begin(), obs.end(), 0.0f) == 2.0f);
  envs::Step s = env.step(2);  // right
  CHECK(env.paddle_col() == 3);
  CHECK(env.ball_row() == 1);
  CHECK(!s.done());
  env.step(2);
  CHECK(env.paddle_col() == 4);
  env.step(2);  // clamped at the wall
  CHECK(env.paddle_col() == 4);
  for (int k = 0; k < 5; ++k) CHECK(!env.step(1).done());
  s = env.step(1);  // ball reaches row 9 under the paddle
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

TEST_CASE("DQN learns Catch within a small budget, reproducibly", "[replay][learning]") {
  for (bool prioritized : {false, true}) {
    models::DqnConfig c = models::dqn_preset("catch");
    c.replay.kind = prioritized ? ReplayKind::kProportional : ReplayKind::kUniform;
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

TEST_CASE("DQN anneals beta over its planned run: beta0 at the first training step, 1 at the last", "[replay]") {
  for (ReplayKind kind : {ReplayKind::kProportional, ReplayKind::kRank}) {
    models::DqnConfig c = models::dqn_preset("catch");
    c.replay.kind = kind;
    c.replay.use_paper_exponents();
    c.planned_steps = 9 * 30;  // 30 Catch episodes of 9 steps
    c.seed = 5;
    models::DqnRunner runner(envs::make_env("catch", c.seed), c);
    const models::DqnAgent& agent = runner.agent();
    CHECK(agent.planned_train_steps(c.planned_steps) == 9 * 30 - 100 + 1);  // steps 100 .. 270 train
    float first = -1;
    while (agent.env_steps() < c.planned_steps) {
      runner.step();
      if (first < 0 && agent.train_steps() == 1) first = runner.agent().replay().last_batch().beta;
    }
    CHECK(agent.train_steps() == agent.planned_train_steps(c.planned_steps));
    CHECK(first == Approx(c.replay.beta0));
    CHECK(runner.agent().replay().last_batch().beta == Approx(1.0f));
  }
  models::DqnConfig c = models::dqn_preset("catch");
  c.learning_starts = 10;
  c.batch = 4;
  c.train_every = 4;
  models::DqnAgent agent(c, nn::Shape{1, 10, 5}, 3);
  CHECK(agent.planned_train_steps(9) == 0);
  CHECK(agent.planned_train_steps(12) == 1);    // step 12
  CHECK(agent.planned_train_steps(100) == 23);  // 12, 16, ..., 100
  const models::PlannedRun r = models::run_planned_catch(models::dqn_preset("catch"), 25, 0.9f, 10);
  CHECK(r.env_steps == 225);
  CHECK(r.final_beta == Approx(1.0f));
  c.planned_steps = -1;
  REQUIRE_THROWS_WITH(models::DqnAgent(c, nn::Shape{1, 10, 5}, 3), Contains("DqnConfig.planned_steps"));
}

// ---------------------------------------------------------------- Blind Cliffwalk as the paper ran it

TEST_CASE("the paper's Cliffwalk memory for n = 3: all 8 action sequences run until termination", "[replay]") {
  const auto memory = eval::cliffwalk_exhaustive_memory(3, 1);
  REQUIRE(memory.size() == 14);  // 2^(n+1) - 2
  // Right actions alternate: 1 in state 0, 0 in state 1, 1 in state 2.
  CHECK(eval::cliffwalk_right_action(0) == 1);
  CHECK(eval::cliffwalk_right_action(1) == 0);
  CHECK(eval::cliffwalk_right_action(2) == 1);
  int count[3][2] = {{0, 0}, {0, 0}, {0, 0}}, rewards = 0;
  std::vector<std::vector<int>> episodes(1);
  for (size_t i = 0; i < memory.size(); ++i) {
    const auto& t = memory[i];
    ++count[t.s][t.a];
    const bool right = t.a == eval::cliffwalk_right_action(t.s);
    CHECK(t.terminal == (!right || t.s == 2));
    CHECK(t.r == (right && t.s == 2 ? 1.0f : 0.0f));
    if (!t.terminal) CHECK(t.s2 == t.s + 1);
    rewards += t.r > 0;
    // Episodes are contiguous: each starts in state 0 and walks on until it ends.
    CHECK(t.s == static_cast<int>(episodes.back().size()));
    episodes.back().push_back(t.a);
    if (t.terminal && i + 1 < memory.size()) episodes.emplace_back();
  }
  CHECK(rewards == 1);
  // State s is reached by 2^(3-s) sequences, half of which take each action there.
  CHECK(count[0][0] == 4);
  CHECK(count[0][1] == 4);
  CHECK(count[1][0] == 2);
  CHECK(count[1][1] == 2);
  CHECK(count[2][0] == 1);
  CHECK(count[2][1] == 1);
  // The 8 sequences as episodes: 4 end at once, 2 after one right step, 1 fails at the end, 1 succeeds.
  std::sort(episodes.begin(), episodes.end());
  const std::vector<std::vector<int>> expect = {{0}, {0}, {0}, {0}, {1, 0, 0}, {1, 0, 1}, {1, 1}, {1, 1}};
  CHECK(episodes == expect);
  // Another seed: another order, the same contents.
  auto other = eval::cliffwalk_exhaustive_memory(3, 2);
  auto key = [](const eval::CliffwalkTransition& t) { return std::make_tuple(t.s, t.a, t.r, t.s2, t.terminal); };
  std::vector<std::tuple<int, int, float, int, bool>> a, b;
  for (const auto& t : memory) a.push_back(key(t));
  for (const auto& t : other) b.push_back(key(t));
  CHECK(a != b);
  std::sort(a.begin(), a.end());
  std::sort(b.begin(), b.end());
  CHECK(a == b);
  for (int n = 2; n <= 10; ++n) CHECK(eval::cliffwalk_exhaustive_memory(n, 3).size() == (size_t{2} << n) - 2);
}

TEST_CASE("the paper's Cliffwalk: every method converges; the oracle never needs more steps than uniform", "[replay]") {
  using eval::CliffwalkMethod;
  eval::CliffwalkPaperConfig c;
  for (int n = 2; n <= 6; ++n) {
    c.n = n;
    for (double eta : {0.25, 1.0}) {
      c.step_size = eta;
      for (uint64_t seed = 1; seed <= 5; ++seed) {
        c.method = CliffwalkMethod::kUniform;
        const auto uniform = eval::run_cliffwalk_paper(c, seed);
        c.method = CliffwalkMethod::kOracle;
        const auto oracle = eval::run_cliffwalk_paper(c, seed);
        INFO("n " << n << ", eta " << eta << ", seed " << seed << ": uniform " << uniform.steps << ", oracle "
                  << oracle.steps);
        REQUIRE(uniform.converged);
        REQUIRE(oracle.converged);
        CHECK(oracle.steps <= uniform.steps);
        CHECK(oracle.initial_error == uniform.initial_error);  // the same seed, the same initial theta
        CHECK(oracle.final_error < c.threshold);
        CHECK(uniform.memory == (2 << n) - 2);
      }
    }
  }
  c.n = 6;
  c.step_size = 0.25;
  for (auto model : {eval::CliffwalkModel::kTabular, eval::CliffwalkModel::kLinear})
    for (auto method : {CliffwalkMethod::kRank, CliffwalkMethod::kProportional, CliffwalkMethod::kOracle}) {
      c.model = model;
      c.method = method;
      const auto r = eval::run_cliffwalk_paper(c, 4);
      INFO(eval::cliffwalk_method_name(method) << (model == eval::CliffwalkModel::kLinear ? " linear" : " tabular"));
      CHECK(r.converged);
      CHECK(r.final_error < c.threshold);
      CHECK(eval::run_cliffwalk_paper(c, 4).steps == r.steps);  // reproducible
    }
  // The step size comes from the grid, the best median, the same criterion for every method.
  c.model = eval::CliffwalkModel::kTabular;
  c.method = CliffwalkMethod::kUniform;
  const auto tuned = eval::tuned_cliffwalk_steps(c, {0.5, 0.25, 0.125}, 5);
  double best = 1e18;
  for (double eta : {0.5, 0.25, 0.125}) {
    c.step_size = eta;
    best = std::min(best, eval::median_cliffwalk_steps(c, 5));
  }
  CHECK(tuned.steps == best);
  c.step_size = tuned.step_size;
  CHECK(eval::median_cliffwalk_steps(c, 5) == best);
  c.n = 1;
  REQUIRE_THROWS_WITH(eval::run_cliffwalk_paper(c, 1),
                      Contains("CliffwalkPaperConfig.n: expected an integer in [2, 16], got 1"));
  c.n = 4;
  c.step_size = 0;
  REQUIRE_THROWS_WITH(eval::run_cliffwalk_paper(c, 1), Contains("CliffwalkPaperConfig.step_size"));
  REQUIRE_THROWS_WITH(eval::tuned_cliffwalk_steps(c, {}, 3), Contains("tuned_cliffwalk_steps: grid"));
}
