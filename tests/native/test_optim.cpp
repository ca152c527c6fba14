// Adam / AdamW, clipping and initializers.
#include <catch2/catch.hpp>
#include <cmath>

#include "nn/init.h"
#include "nn/ops.h"
#include "nn/optim.h"

using namespace nn;
using Catch::Matchers::Contains;

TEST_CASE("Adam minimizes a quadratic", "[optim]") {
  Params p;
  const int w = p.add("w", Shape{3});
  const float target[3] = {1.0f, -2.0f, 0.5f};
  Adam adam(p, AdamConfig{0.05f});
  float loss = 0;
  for (int step = 0; step < 400; ++step) {
    Tape t;
    p.zero_grad();
    Var l = mse_loss(p.on(t, w), t.constant(target, Shape{3}));
    t.backward(l);
    adam.step(p);
    loss = l.item();
  }
  CHECK(loss < 1e-5f);
  CHECK(p.value(w)[1] == Approx(-2.0f).margin(1e-2));
}

TEST_CASE("Adam's first step moves each weight by lr against its gradient's sign", "[optim]") {
  Params p;
  const int w = p.add("w", Shape{2});
  p.grad(w)[0] = 3.0f;
  p.grad(w)[1] = -0.001f;
  Adam adam(p, AdamConfig{0.1f});
  adam.step(p);
  CHECK(p.value(w)[0] == Approx(-0.1f).margin(1e-6));
  CHECK(p.value(w)[1] == Approx(0.1f).margin(1e-4));
}

TEST_CASE("AdamW decays only tensors marked for decay", "[optim]") {
  Params p;
  const int w = p.add("w", Shape{1}), b = p.add("b", Shape{1}, /*decay=*/false);
  p.value(w)[0] = 1.0f;
  p.value(b)[0] = 1.0f;
  AdamConfig c;
  c.lr = 0.1f;
  c.weight_decay = 0.5f;
  Adam adam(p, c);
  adam.step(p);  // zero gradients: only the decay acts
  CHECK(p.value(w)[0] == Approx(1.0f - 0.1f * 0.5f));
  CHECK(p.value(b)[0] == 1.0f);
}

TEST_CASE("global-norm clipping rescales to the limit and reports the norm", "[optim]") {
  Params p;
  const int w = p.add("w", Shape{2});
  p.grad(w)[0] = 3.0f;
  p.grad(w)[1] = 4.0f;
  CHECK(clip_grad_norm(p, 1.0f) == Approx(5.0f));
  CHECK(std::hypot(p.grad(w)[0], p.grad(w)[1]) == Approx(1.0f).margin(1e-5));
  CHECK(clip_grad_norm(p, 10.0f) == Approx(1.0f).margin(1e-5));  // below the limit: unchanged
  REQUIRE_THROWS_WITH(clip_grad_norm(p, 0.0f), Contains("max_norm"));
  REQUIRE_THROWS_WITH(Adam(p, AdamConfig{NAN}), Contains("AdamConfig.lr"));
}

TEST_CASE("initializers draw with the advertised scale", "[optim]") {
  Params p;
  const int w = p.add("w", Shape{200, 300}), c = p.add("c", Shape{64, 32, 3, 3});
  Rng rng(3);
  init_xavier_uniform(p, w, rng);
  const float a = std::sqrt(6.0f / 500.0f);
  double sq = 0;
  for (int i = 0; i < 60000; ++i) {
    REQUIRE(std::fabs(p.value(w)[i]) <= a);
    sq += p.value(w)[i] * p.value(w)[i];
  }
  CHECK(sq / 60000 == Approx(a * a / 3).epsilon(0.03));
  init_he_normal(p, c, rng);
  sq = 0;
  const int n = 64 * 32 * 9;
  for (int i = 0; i < n; ++i) sq += p.value(c)[i] * p.value(c)[i];
  CHECK(sq / n == Approx(2.0 / (32 * 9)).epsilon(0.05));
}
