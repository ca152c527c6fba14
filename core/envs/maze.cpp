#include "maze.h"

#include <algorithm>
#include <queue>

#include "nn/check.h"

namespace envs {

namespace {
const std::vector<std::string> kDefaultLayout = {
    "#######", "#S....#", "#.###.#", "#...#.#", "###.#.#", "#....G#", "#######",
};
constexpr int kDr[4] = {-1, 0, 1, 0}, kDc[4] = {0, 1, 0, -1};
}  // namespace

GridMaze::GridMaze(uint64_t seed, bool moving_goal, int goal_period, int max_steps,
                   const std::vector<std::string>& layout)
    : moving_goal_(moving_goal), goal_period_(goal_period), max_steps_(max_steps), rng_(seed, 0x3a2e) {
  nn::require_int_range(goal_period, 1, 1 << 20, "GridMaze: goal_period");
  nn::require_int_range(max_steps, 1, 1 << 20, "GridMaze: max_steps");
  const auto& rows = layout.empty() ? kDefaultLayout : layout;
  height_ = static_cast<int>(rows.size());
  nn::require(height_ >= 2 && height_ <= 32, "GridMaze: layout: expected 2 to 32 rows, got ", height_);
  width_ = static_cast<int>(rows[0].size());
  nn::require(width_ >= 2 && width_ <= 32, "GridMaze: layout: expected 2 to 32 columns, got ", width_);
  int starts = 0, goals = 0;
  for (int r = 0; r < height_; ++r) {
    nn::require(static_cast<int>(rows[static_cast<size_t>(r)].size()) == width_, "GridMaze: layout: row ", r, " has ",
                rows[static_cast<size_t>(r)].size(), " cells, expected ", width_);
    for (int c = 0; c < width_; ++c) {
      const char ch = rows[static_cast<size_t>(r)][static_cast<size_t>(c)];
      nn::require(ch == '#' || ch == '.' || ch == 'S' || ch == 'G', "GridMaze: layout: unknown cell '", ch, "' at (", r,
                  ", ", c, ")");
      walls_.push_back(ch == '#');
      if (ch == 'S') start_ = r * width_ + c, ++starts;
      if (ch == 'G') goal_ = r * width_ + c, ++goals;
    }
  }
  nn::require(starts == 1 && goals == 1, "GridMaze: layout: expected one 'S' and one 'G'");
  nn::require(distance_to_goal(start_) > 0, "GridMaze: layout: the goal cannot be reached from the start");
  reset();
}

void GridMaze::reset() {
  if (moving_goal_ && episodes_ > 0 && episodes_ % goal_period_ == 0) {
    std::vector<int> open;
    for (int i = 0; i < height_ * width_; ++i)
      if (!walls_[static_cast<size_t>(i)] && i != start_ && i != goal_) open.push_back(i);
    goal_ = open[rng_.below(static_cast<uint32_t>(open.size()))];
  }
  ++episodes_;
  agent_ = start_;
  steps_ = 0;
  over_ = false;
}

Step GridMaze::step(int action) {
  nn::require(action >= 0 && action < 4,
              "GridMaze::step: action: expected 0 (up), 1 (right), 2 (down) or 3 (left), got ", action);
  nn::require(!over_, "GridMaze::step: the episode is over; call reset()");
  const int r = agent_ / width_ + kDr[action], c = agent_ % width_ + kDc[action];
  if (r >= 0 && r < height_ && c >= 0 && c < width_ && !wall(r, c)) agent_ = r * width_ + c;
  ++steps_;
  Step s;
  if (agent_ == goal_) {
    s.reward = 1.0f;
    s.terminal = true;
  } else {
    s.truncated = steps_ >= max_steps_;
  }
  over_ = s.done();
  return s;
}

void GridMaze::observe(float* out) const {
  const int cells = height_ * width_;
  std::fill(out, out + 2 * cells, 0.0f);
  out[agent_] = 1.0f;
  out[cells + goal_] = 1.0f;
}

int GridMaze::distance_to_goal(int from) const {
  std::vector<int> dist(static_cast<size_t>(height_ * width_), -1);
  std::queue<int> q;
  dist[static_cast<size_t>(from)] = 0;
  q.push(from);
  while (!q.empty()) {
    const int i = q.front();
    q.pop();
    if (i == goal_) return dist[static_cast<size_t>(i)];
    for (int a = 0; a < 4; ++a) {
      const int r = i / width_ + kDr[a], c = i % width_ + kDc[a];
      if (r < 0 || r >= height_ || c < 0 || c >= width_ || wall(r, c)) continue;
      const int j = r * width_ + c;
      if (dist[static_cast<size_t>(j)] < 0) {
        dist[static_cast<size_t>(j)] = dist[static_cast<size_t>(i)] + 1;
        q.push(j);
      }
    }
  }
  return -1;
}

float GridMaze::max_return() const { return 1.0f; }

}  // namespace envs
