#include "catch.h"

#include <algorithm>

#include "nn/check.h"

namespace envs {

Catch::Catch(uint64_t seed, int rows, int cols) : rows_(rows), cols_(cols), rng_(seed, 0xca7c4) {
  nn::require_int_range(rows, 2, 64, "Catch: rows");
  nn::require_int_range(cols, 1, 64, "Catch: cols");
  reset();
}

void Catch::reset() {
  ball_row_ = 0;
  ball_col_ = static_cast<int>(rng_.below(static_cast<uint32_t>(cols_)));
  paddle_col_ = cols_ / 2;
  over_ = false;
}

void Catch::set_state(int ball_row, int ball_col, int paddle_col) {
  nn::require_int_range(ball_row, 0, rows_ - 2, "Catch::set_state: ball_row");
  nn::require_int_range(ball_col, 0, cols_ - 1, "Catch::set_state: ball_col");
  nn::require_int_range(paddle_col, 0, cols_ - 1, "Catch::set_state: paddle_col");
  ball_row_ = ball_row;
  ball_col_ = ball_col;
  paddle_col_ = paddle_col;
  over_ = false;
}

Step Catch::step(int action) {
  nn::require(action >= 0 && action < 3, "Catch::step: action: expected 0 (left), 1 (stay) or 2 (right), got ", action);
  nn::require(!over_, "Catch::step: the episode is over; call reset()");
  paddle_col_ = std::clamp(paddle_col_ + action - 1, 0, cols_ - 1);
  ++ball_row_;
  Step s;
  if (ball_row_ == rows_ - 1) {
    s.reward = ball_col_ == paddle_col_ ? 1.0f : -1.0f;
    s.terminal = true;
    over_ = true;
  }
  return s;
}

void Catch::observe(float* out) const {
  std::fill(out, out + rows_ * cols_, 0.0f);
  out[ball_row_ * cols_ + ball_col_] = 1.0f;
  out[(rows_ - 1) * cols_ + paddle_col_] = 1.0f;
}

}  // namespace envs
