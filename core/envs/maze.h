// A grid maze: walls, a start and a goal. Actions 0..3 move up, right, down, left; walking into a
// wall leaves the agent in place. Reaching the goal pays 1 and ends the episode (nothing else pays:
// with discounting, shorter paths are worth more); episodes are truncated after max_steps. With moving_goal the goal
// jumps to another open cell every goal_period episodes (a test of how fast a learner adapts). Observation: a (2, H, W)
// image: channel 0 the agent, channel 1 the goal.
#pragma once
#include <string>
#include <vector>

#include "env.h"
#include "nn/rng.h"

namespace envs {

class GridMaze : public Env {
 public:
  /// The default 7 x 7 layout ('#' wall, '.' open, 'S' start, 'G' goal), or a custom one.
  explicit GridMaze(uint64_t seed, bool moving_goal = false, int goal_period = 50, int max_steps = 100,
                    const std::vector<std::string>& layout = {});
  std::string name() const override { return "maze"; }
  nn::Shape observation_shape() const override { return nn::Shape{2, height_, width_}; }
  int num_actions() const override { return 4; }
  void reset() override;
  Step step(int action) override;
  void observe(float* out) const override;
  float max_return() const override;
  int state_id() const override { return agent_; }

  int height() const { return height_; }
  int width() const { return width_; }
  bool wall(int r, int c) const { return walls_[static_cast<size_t>(r * width_ + c)] != 0; }
  int agent() const { return agent_; }  // cell index r * width + c
  int goal() const { return goal_; }
  int start() const { return start_; }
  /// Steps of a shortest path from `from` to the goal (-1 if unreachable).
  int distance_to_goal(int from) const;

 private:
  int height_ = 0, width_ = 0, start_ = 0, goal_ = 0, agent_ = 0;
  std::vector<char> walls_;
  bool moving_goal_;
  int goal_period_, max_steps_, steps_ = 0, episodes_ = 0;
  nn::Rng rng_;
  bool over_ = true;
};

}  // namespace envs
