// Finite-difference gradient check of every op's backward kernel.
#include "gradcheck.h"

using namespace nn;
using testing::away_from_zero;
using testing::check_op_gradients;
using testing::random_tensor;
using V = std::vector<Var>;

TEST_CASE("matmul: all transpose combinations, folded and batched", "[gradcheck]") {
  Rng rng(1);
  for (int ta = 0; ta < 2; ++ta)
    for (int tb = 0; tb < 2; ++tb) {
      SECTION("2-D ta=" + std::to_string(ta) + " tb=" + std::to_string(tb)) {
        auto a = random_tensor(ta ? Shape{4, 3} : Shape{3, 4}, rng);
        auto b = random_tensor(tb ? Shape{5, 4} : Shape{4, 5}, rng);
        check_op_gradients({a, b}, [&](const V& v) { return matmul(v[0], v[1], ta, tb); });
      }
      SECTION("batched a, shared b, ta=" + std::to_string(ta) + " tb=" + std::to_string(tb)) {
        auto a = random_tensor(ta ? Shape{2, 4, 3} : Shape{2, 3, 4}, rng);
        auto b = random_tensor(tb ? Shape{5, 4} : Shape{4, 5}, rng);
        check_op_gradients({a, b}, [&](const V& v) { return matmul(v[0], v[1], ta, tb); });
      }
      SECTION("batched a and b, ta=" + std::to_string(ta) + " tb=" + std::to_string(tb)) {
        auto a = random_tensor(ta ? Shape{2, 2, 4, 3} : Shape{2, 2, 3, 4}, rng);
        auto b = random_tensor(tb ? Shape{2, 2, 5, 4} : Shape{2, 2, 4, 5}, rng);
        check_op_gradients({a, b}, [&](const V& v) { return matmul(v[0], v[1], ta, tb); });
      }
    }
}

TEST_CASE("add, sub, mul with broadcasting", "[gradcheck]") {
  Rng rng(2);
  const std::vector<std::pair<Shape, Shape>> cases = {{Shape{3, 4}, Shape{3, 4}},
                                                      {Shape{3, 4}, Shape{4}},
                                                      {Shape{2, 3, 4}, Shape{3, 1}},
                                                      {Shape{2, 3, 2, 2}, Shape{3, 1, 1}},
                                                      {Shape{3, 4}, Shape{1}}};
  for (const auto& [sa, sb] : cases) {
    auto a = random_tensor(sa, rng), b = random_tensor(sb, rng);
    SECTION("add " + sa.str() + " + " + sb.str()) {
      check_op_gradients({a, b}, [](const V& v) { return add(v[0], v[1]); });
    }
    SECTION("sub " + sa.str() + " - " + sb.str()) {
      check_op_gradients({a, b}, [](const V& v) { return sub(v[0], v[1]); });
    }
    SECTION("mul " + sa.str() + " * " + sb.str()) {
      check_op_gradients({a, b}, [](const V& v) { return mul(v[0], v[1]); });
    }
  }
}

TEST_CASE("conv2d: 3x3 same with bias, patchify, strided", "[gradcheck]") {
  Rng rng(3);
  SECTION("3x3 same padding with bias") {
    auto x = random_tensor(Shape{2, 3, 5, 4}, rng), w = random_tensor(Shape{2, 3, 3, 3}, rng),
         b = random_tensor(Shape{2}, rng);
    check_op_gradients({x, w, b}, [](const V& v) { return conv2d(v[0], v[1], v[2], 1, 1); });
  }
  SECTION("patchify: kernel = stride = 2, no bias") {
    auto x = random_tensor(Shape{2, 2, 4, 6}, rng), w = random_tensor(Shape{3, 2, 2, 2}, rng);
    check_op_gradients({x, w}, [](const V& v) { return conv2d(v[0], v[1], Var{}, 2, 0); });
  }
  SECTION("3x3, stride 2, pad 1") {
    auto x = random_tensor(Shape{1, 2, 5, 5}, rng), w = random_tensor(Shape{2, 2, 3, 3}, rng),
         b = random_tensor(Shape{2}, rng);
    check_op_gradients({x, w, b}, [](const V& v) { return conv2d(v[0], v[1], v[2], 2, 1); });
  }
}

TEST_CASE("max_pool2x2 and upsample2x", "[gradcheck]") {
  Rng rng(4);
  // Distinct values spaced well beyond eps so the argmax never flips under the perturbation.
  testing::Tensor x{Shape{2, 2, 4, 4}, {}};
  for (int i = 0; i < 64; ++i) x.data.push_back(0.05f * static_cast<float>((i * 37) % 64) - 1.6f);
  check_op_gradients({x}, [](const V& v) { return max_pool2x2(v[0]); });
  auto y = random_tensor(Shape{2, 3, 2, 3}, rng);
  check_op_gradients({y}, [](const V& v) { return upsample2x(v[0]); });
}

TEST_CASE("concat, slice, reshape, transpose", "[gradcheck]") {
  Rng rng(5);
  auto a = random_tensor(Shape{2, 1, 3, 3}, rng), b = random_tensor(Shape{2, 2, 3, 3}, rng),
       c = random_tensor(Shape{2, 3, 3, 3}, rng);
  check_op_gradients({a, b, c}, [](const V& v) { return concat({v[0], v[1], v[2]}, 1); });
  auto p = random_tensor(Shape{3, 2}, rng), q = random_tensor(Shape{3, 3}, rng);
  check_op_gradients({p, q, p, q, p, q}, [](const V& v) { return concat(v, -1); });  // more than 4 inputs
  check_op_gradients({c}, [](const V& v) { return slice(v[0], 1, 1, 2); });
  check_op_gradients({c}, [](const V& v) { return slice(v[0], 3, 0, 2); });
  check_op_gradients({c}, [](const V& v) { return reshape(v[0], Shape{6, 9}); });
  check_op_gradients({q}, [](const V& v) { return transpose(v[0], {1, 0}); });
  check_op_gradients({b}, [](const V& v) { return transpose(v[0], {0, 2, 3, 1}); });
}

TEST_CASE("activations and pointwise functions", "[gradcheck]") {
  Rng rng(6);
  auto x = away_from_zero(Shape{3, 5}, rng);
  check_op_gradients({x}, [](const V& v) { return relu(v[0]); });
  check_op_gradients({x}, [](const V& v) { return nn::tanh(v[0]); });
  check_op_gradients({x}, [](const V& v) { return sigmoid(v[0]); });
  check_op_gradients({x}, [](const V& v) { return softplus(v[0]); });
  check_op_gradients({x}, [](const V& v) { return gelu(v[0]); });
  check_op_gradients({x}, [](const V& v) { return nn::exp(v[0]); });
  check_op_gradients({x}, [](const V& v) { return affine(v[0], -1.5f, 0.25f); });
  auto wide = random_tensor(Shape{4, 4}, rng, -4.0f, 4.0f);  // crosses hard_sigmoid's flat parts
  for (auto& v : wide.data)
    if (std::fabs(std::fabs(v) - 2.5f) < 0.05f) v += 0.2f;  // keep clear of its kinks at +-2.5
  check_op_gradients({wide}, [](const V& v) { return hard_sigmoid(v[0]); });
  auto positive = random_tensor(Shape{3, 4}, rng, 0.5f, 2.0f);
  check_op_gradients({positive}, [](const V& v) { return nn::log(v[0]); });
  check_op_gradients({x}, [](const V& v) { return clamp(v[0], -0.5f, 0.6f); });
  check_op_gradients({x}, [](const V& v) { return minimum(v[0], 0.1f); });
}

/// gru_cell's inputs: projections (B, 3H) in [-spread, spread], a state (B, H) in [-state, state].
static std::vector<testing::Tensor> gru_inputs(Rng& rng, int B, int H, float spread, float state) {
  return {random_tensor(Shape{B, 3 * H}, rng, -spread, spread), random_tensor(Shape{B, 3 * H}, rng, -spread, spread),
          random_tensor(Shape{B, H}, rng, -state, state)};
}

TEST_CASE("gru_cell: gradients of the projections and the state, clipped and not", "[gradcheck]") {
  Rng rng(11);
  auto in = gru_inputs(rng, 3, 4, 1.5f, 0.9f);
  auto &x = in[0], &hp = in[1], &h = in[2];
  check_op_gradients({x, hp, h}, [](const V& v) { return gru_cell(v[0], v[1], v[2], 5.0f); });
  // A clip of 0.3 stops the gradient of the units beyond it (kept clear of the clip's kinks).
  Tape probe;
  Var out = gru_cell(probe.constant(x.data.data(), x.shape), probe.constant(hp.data.data(), hp.shape),
                     probe.constant(h.data.data(), h.shape), 100.0f);
  int clipped = 0;
  for (int64_t i = 0; i < out.numel(); ++i) {
    const float v = out.data()[i], a = std::fabs(v);
    // h' moves with h (by z): push the unit away from the kink, outward or inward.
    if (std::fabs(a - 0.3f) < 0.03f)
      h.data[static_cast<size_t>(i)] += (a > 0.3f ? 0.1f : -0.1f) * (v < 0 ? -1.0f : 1.0f);
    clipped += a > 0.3f;
  }
  REQUIRE(clipped > 0);
  check_op_gradients({x, hp, h}, [](const V& v) { return gru_cell(v[0], v[1], v[2], 0.3f); });
}

TEST_CASE("gru_cell: the same values as the cell composed of slices and elementwise ops", "[ops]") {
  Rng rng(12);
  const int B = 5, H = 6;
  const auto in = gru_inputs(rng, B, H, 3.0f, 1.0f);
  const auto &x = in[0], &hp = in[1], &h = in[2];
  Tape t;
  Var xv = t.constant(x.data.data(), x.shape), hv = t.constant(hp.data.data(), hp.shape),
      s = t.constant(h.data.data(), h.shape);
  Var z = sigmoid(slice(xv, 1, 0, H) + slice(hv, 1, 0, H));
  Var r = sigmoid(slice(xv, 1, H, H) + slice(hv, 1, H, H));
  Var n = nn::tanh(slice(xv, 1, 2 * H, H) + r * slice(hv, 1, 2 * H, H));
  Var composed = clamp(n + z * (s - n), -0.5f, 0.5f);
  Var fused = gru_cell(xv, hv, s, 0.5f);
  for (int64_t i = 0; i < fused.numel(); ++i) REQUIRE(fused.data()[i] == composed.data()[i]);
  REQUIRE_THROWS_WITH(gru_cell(xv, hv, xv, 0.5f),
                      "gru_cell: expected projections (5, 54) for h of shape (5, 18), got (5, 18) and (5, 18)");
  REQUIRE_THROWS_WITH(gru_cell(xv, hv, s, 0.0f), "gru_cell: clip: expected a finite number > 0, got 0");
}

TEST_CASE("reductions, softmax, layernorm", "[gradcheck]") {
  Rng rng(7);
  auto x = random_tensor(Shape{2, 3, 4}, rng, -2.0f, 2.0f);
  check_op_gradients({x}, [](const V& v) { return sum(v[0]); });
  check_op_gradients({x}, [](const V& v) { return mean(v[0]); });
  check_op_gradients({x}, [](const V& v) { return sum_last(v[0]); });
  check_op_gradients({x}, [](const V& v) { return softmax(v[0]); });
  auto g = random_tensor(Shape{4}, rng, 0.5f, 1.5f), b = random_tensor(Shape{4}, rng);
  check_op_gradients({x, g, b}, [](const V& v) { return layernorm(v[0], v[1], v[2]); });
}

TEST_CASE("losses", "[gradcheck]") {
  Rng rng(8);
  auto p = random_tensor(Shape{3, 4}, rng), t = random_tensor(Shape{3, 4}, rng);
  check_op_gradients({p, t}, [](const V& v) { return mse_loss(v[0], v[1]); });
  auto far = away_from_zero(Shape{3, 4}, rng);  // |pred - target| away from 0 for the kink of |.|
  auto zero = testing::Tensor{Shape{3, 4}, std::vector<float>(12, 0.0f)};
  check_op_gradients({far, zero}, [](const V& v) { return mae_loss(v[0], v[1]); });
  const int labels[3] = {2, 0, 3};
  check_op_gradients({p}, [&](const V& v) { return cross_entropy_logits(v[0], labels, 3); });
  // Huber: both the quadratic (|d| < delta) and the linear branch, weighted per element.
  auto big = random_tensor(Shape{3, 4}, rng, -3.0f, 3.0f);
  for (auto& v : big.data)
    if (std::fabs(std::fabs(v) - 1.0f) < 0.05f) v += 0.2f;
  auto w = random_tensor(Shape{3, 4}, rng, 0.1f, 1.0f);
  check_op_gradients({big, zero, w}, [](const V& v) { return huber_loss(v[0], v[1], v[2], 1.0f); },
                     {true, true, false});
  check_op_gradients({big, zero}, [](const V& v) { return huber_loss(v[0], v[1], Var{}, 1.0f); });
  auto counts = testing::Tensor{Shape{3, 4}, {0, 1, 2, 0, 3, 1, 0, 0, 5, 1, 2, 1}};
  check_op_gradients({p, counts}, [](const V& v) { return poisson_nll(v[0], v[1]); }, {true, false});
  auto mu = random_tensor(Shape{2, 3}, rng), lv = random_tensor(Shape{2, 3}, rng), pm = random_tensor(Shape{3}, rng),
       plv = random_tensor(Shape{3}, rng);
  check_op_gradients({mu, lv, pm, plv}, [](const V& v) { return gaussian_kl(v[0], v[1], v[2], v[3]); });
}
