// Catch (Osband et al. 2020, bsuite): a ball falls one row per step down a 10 x 5 board; the agent
// moves a paddle on the bottom row left, not at all, or right (actions 0, 1, 2). When the ball
// reaches the bottom row the episode ends with +1 if the paddle is under it, -1 otherwise.
// The observation is the board as a (1, rows, cols) image: 1 at the ball and at the paddle.
#pragma once
#include "env.h"
#include "nn/rng.h"

namespace envs {

class Catch : public Env {
 public:
  explicit Catch(uint64_t seed, int rows = 10, int cols = 5);
  std::string name() const override { return "catch"; }
  nn::Shape observation_shape() const override { return nn::Shape{1, rows_, cols_}; }
  int num_actions() const override { return 3; }
  void reset() override;
  Step step(int action) override;
  void observe(float* out) const override;
  float max_return() const override { return 1.0f; }
  /// (ball row * cols + ball column) * cols + paddle column.
  int state_id() const override { return (ball_row_ * cols_ + ball_col_) * cols_ + paddle_col_; }

  int ball_row() const { return ball_row_; }
  int ball_col() const { return ball_col_; }
  int paddle_col() const { return paddle_col_; }
  /// Places the ball and paddle (for tests and hand-worked examples).
  void set_state(int ball_row, int ball_col, int paddle_col);

 private:
  int rows_, cols_;
  nn::Rng rng_;
  int ball_row_ = 0, ball_col_ = 0, paddle_col_ = 0;
  bool over_ = true;
};

}  // namespace envs
