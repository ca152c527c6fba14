// The tape: memory reuse across steps, no-grad mode, gradient accumulation, stale Vars.
#include <catch2/catch.hpp>
#include <cmath>

#include "models/spiral_trainer.h"
#include "nn/ops.h"

using namespace nn;
using Catch::Matchers::Contains;

TEST_CASE("the tape reuses its arena: no growth after the first step", "[tape]") {
  Tape t;
  Params p;
  const int w = p.add("w", Shape{16, 16});
  std::vector<float> x(8 * 16, 0.5f);
  size_t after_first = 0;
  for (int step = 0; step < 5; ++step) {
    t.reset();
    Var h = tanh(matmul(t.constant(x.data(), Shape{8, 16}), p.on(t, w)));
    t.backward(mean(mul(h, h)));
    if (step == 0) after_first = t.arena_capacity();
    CHECK(t.arena_capacity() == after_first);
  }
  CHECK(after_first > 0);
}

TEST_CASE("gradients accumulate into parameters until zero_grad", "[tape]") {
  Params p;
  const int w = p.add("w", Shape{1});
  p.value(w)[0] = 3.0f;
  for (int i = 0; i < 2; ++i) {
    Tape t;
    Var y = mul(p.on(t, w), p.on(t, w));  // d(w^2)/dw = 2w = 6, from two uses of the same leaf
    t.backward(sum(y));
  }
  CHECK(p.grad(w)[0] == Approx(12.0f));
  p.zero_grad();
  CHECK(p.grad(w)[0] == 0.0f);
}

TEST_CASE("no-grad mode records no gradients", "[tape]") {
  Params p;
  const int w = p.add("w", Shape{2});
  Tape t;
  {
    NoGradScope no_grad(t);
    Var y = sum(p.on(t, w));
    t.backward(y);
  }
  CHECK(p.grad(w)[0] == 0.0f);
  CHECK(t.grad_enabled());
}

TEST_CASE("backward refuses non-scalar losses and stale Vars", "[tape]") {
  Tape t;
  Var v = t.constant(Shape{2}, 1.0f);
  REQUIRE_THROWS_WITH(t.backward(v), Contains("expected a one-element loss"));
  t.reset();
  REQUIRE_THROWS_WITH(relu(v), Contains("expected a live Var"));
}

TEST_CASE("the same seed gives bit-identical training", "[tape]") {
  models::SpiralTrainerConfig c;
  c.seed = 7;
  models::SpiralTrainer a(c), b(c);
  for (int s = 0; s < 40; ++s) REQUIRE(a.train_step() == b.train_step());
  REQUIRE(a.model().params().values() == b.model().params().values());
  c.seed = 8;
  models::SpiralTrainer other(c);
  other.train(40);
  CHECK(other.model().params().values() != a.model().params().values());
}

TEST_CASE("ops stay correct when the tape's node list grows while they record", "[tape]") {
  // Thousands of nodes: the node list reallocates many times; shapes read before recording
  // must not dangle (a slice of a slice of ... must keep its geometry).
  Tape t;
  std::vector<float> x(6 * 4);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i);
  Var v = t.constant(x.data(), Shape{6, 4});
  for (int k = 0; k < 5000; ++k) {
    Var s = slice(v, 1, 1, 2);     // (6, 2)
    Var back = concat({s, s}, 1);  // (6, 4)
    v = transpose(transpose(back, {1, 0}), {1, 0});
  }
  REQUIRE(v.shape() == Shape{6, 4});
  CHECK(v.data()[0] == 2.0f);  // columns 1..2 of row 0 were (1, 2); then twice sliced from (1, 2, 1, 2)
  CHECK(v.data()[1] == 1.0f);
  CHECK(t.size() > 20000);
}

TEST_CASE("backward reuses the gradient buffers of nodes it is done with", "[tape]") {
  // A chain of 200 tanh over 64 Ki floats: the values take 200 x 256 KiB; a gradient per node
  // would double that, while a gradient is dead once its node's backward has run, so two
  // buffers (the one being read and the one being written) serve the whole chain.
  constexpr int kLength = 200;
  const std::vector<float> x(65536, 0.5f);
  Tape t;
  Var v = t.variable(x.data(), Shape{65536});
  for (int i = 0; i < kLength; ++i) v = tanh(v);
  const size_t values = t.arena_capacity();
  Var loss = sum(v);
  t.backward(loss);
  const size_t grads = t.arena_capacity() - values;
  CHECK(grads <= 4 * 65536 * sizeof(float) + (size_t{2} << 20));  // a few buffers (and a block's slack)
  // The input's gradient is kept and right: d/dx of tanh^200(x) at 0.5, by the chain rule.
  double y = 0.5, d = 1;
  for (int i = 0; i < kLength; ++i) {
    y = std::tanh(y);
    d *= 1 - y * y;
  }
  REQUIRE(Var{&t, 0}.grad() != nullptr);
  CHECK(Var{&t, 0}.grad()[123] == Approx(d).epsilon(1e-4));
  CHECK(v.grad() == nullptr);  // an op output: its buffer went back to the pool
}
