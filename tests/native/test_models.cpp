// Model-level checks: gradient check of the MLP end to end, the spiral demo learns, configs.
#include "gradcheck.h"
#include "models/spiral_trainer.h"

using Catch::Matchers::Contains;

TEST_CASE("MLP gradients match finite differences end to end", "[models]") {
  for (const char* act : {"tanh", "relu"}) {
    models::MlpConfig c;
    c.hidden = 6;
    c.layers = 2;
    c.activation = act;
    models::Mlp mlp(c, 5);
    nn::Rng rng(6);
    auto x = testing::random_tensor(nn::Shape{4, 2}, rng);
    const int labels[4] = {0, 2, 1, 2};
    testing::check_param_gradients(mlp.params(), [&](nn::Tape& t) {
      return nn::cross_entropy_logits(mlp.forward(t, t.constant(x.data.data(), x.shape)), labels, 4);
    });
  }
}

TEST_CASE("the spiral MLP learns to separate three arms", "[models]") {
  models::SpiralTrainerConfig c;
  c.seed = 1;
  models::SpiralTrainer model(c);
  const float before = model.loss();
  model.train(600);
  CHECK(model.loss() < 0.25f * before);
  CHECK(model.accuracy() > 0.9f);
  std::vector<float> grid(static_cast<size_t>(8 * 8 * 3));
  model.decision_grid(8, 1.2f, grid.data());
  for (int i = 0; i < 64; ++i) CHECK(grid[3 * i] + grid[3 * i + 1] + grid[3 * i + 2] == Approx(1.0f).margin(1e-5));
}

TEST_CASE("configs are validated with the field's name", "[models]") {
  models::SpiralTrainerConfig c;
  c.hidden = 0;
  REQUIRE_THROWS_WITH(models::SpiralTrainer(c), Contains("MlpConfig.hidden: expected an integer in [1, 4096], got 0"));
  c = {};
  c.lr = NAN;
  REQUIRE_THROWS_WITH(models::SpiralTrainer(c), Contains("SpiralTrainerConfig.lr"));
  c = {};
  c.activation = "swish";
  REQUIRE_THROWS_WITH(models::SpiralTrainer(c), Contains("MlpConfig.activation"));
  c = {};
  c.data.classes = 1;
  REQUIRE_THROWS_WITH(models::SpiralTrainer(c), Contains("SpiralConfig.classes"));
  models::SpiralTrainer ok(models::SpiralTrainerConfig{});
  const float xy[2] = {NAN, 0};
  float probs[3];
  REQUIRE_THROWS_WITH(ok.predict(xy, 1, probs), Contains("xy[0]: expected a finite number"));
}
