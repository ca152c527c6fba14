// The Vision Transformer's fused ops (nn/ops_vit.h): finite-difference gradient checks, and their
// forward values against the same computation composed from the generic ops.
#include <cmath>

#include "gradcheck.h"
#include "nn/ops_vit.h"

using namespace nn;
using testing::check_op_gradients;
using testing::random_tensor;
using V = std::vector<Var>;

namespace {

/// Multi-head attention from generic ops (reshape, transpose, slice, softmax, matmul): the
/// reference for the fused pair. qkv (B, T, 3D) -> probs (B, h, T, T) and mixed (B, T, D).
std::pair<Var, Var> reference_attention(Var qkv, int heads) {
  const int B = qkv.shape()[0], T = qkv.shape()[1], D = qkv.shape()[2] / 3, dh = D / heads;
  Var split = transpose(reshape(qkv, Shape{B, T, 3 * heads, dh}), {0, 2, 1, 3});  // (B, 3h, T, dh)
  Var q = affine(slice(split, 1, 0, heads), 1.0f / std::sqrt(static_cast<float>(dh)), 0.0f);
  Var k = slice(split, 1, heads, heads), v = slice(split, 1, 2 * heads, heads);
  Var p = softmax(matmul(q, k, false, true));                              // (B, h, T, T)
  Var o = reshape(transpose(matmul(p, v), {0, 2, 1, 3}), Shape{B, T, D});  // (B, T, D)
  return {p, o};
}

void require_close(Var a, Var b, float tol) {
  REQUIRE(a.shape() == b.shape());
  for (int64_t i = 0; i < a.numel(); ++i) {
    INFO("element " << i);
    REQUIRE(a.data()[i] == Approx(b.data()[i]).margin(tol));
  }
}

}  // namespace

TEST_CASE("linear: x W + b for 2-D and 3-D x, with and without bias", "[gradcheck_vit]") {
  Rng rng(31);
  auto x2 = random_tensor(Shape{3, 4}, rng), x3 = random_tensor(Shape{2, 3, 4}, rng);
  auto w = random_tensor(Shape{4, 5}, rng), b = random_tensor(Shape{5}, rng);
  check_op_gradients({x2, w, b}, [](const V& v) { return linear(v[0], v[1], v[2]); });
  check_op_gradients({x3, w, b}, [](const V& v) { return linear(v[0], v[1], v[2]); });
  check_op_gradients({x3, w}, [](const V& v) { return linear(v[0], v[1], Var{}); });
  // Same values as matmul + add.
  Tape t;
  Var a = linear(t.constant(x3.data.data(), x3.shape), t.constant(w.data.data(), w.shape),
                 t.constant(b.data.data(), b.shape));
  Var r = matmul(t.constant(x3.data.data(), x3.shape), t.constant(w.data.data(), w.shape)) +
          t.constant(b.data.data(), b.shape);
  require_close(a, r, 1e-5f);
}

TEST_CASE("attention_probs and attention_mix: gradients for 1, 2 and 4 heads", "[gradcheck_vit]") {
  Rng rng(32);
  for (int heads : {1, 2, 4}) {
    SECTION("heads " + std::to_string(heads)) {
      auto qkv = random_tensor(Shape{2, 5, 3 * 8}, rng, -1.5f, 1.5f);  // D = 8
      check_op_gradients({qkv}, [heads](const V& v) { return attention_probs(v[0], heads); });
      auto probs = random_tensor(Shape{2, heads, 5, 5}, rng, 0.0f, 1.0f);  // any values: mix is bilinear
      check_op_gradients({probs, qkv}, [](const V& v) { return attention_mix(v[0], v[1]); });
      // The pair end to end, as the model uses it (qkv reaches the output along both paths).
      check_op_gradients({qkv}, [heads](const V& v) { return attention_mix(attention_probs(v[0], heads), v[0]); });
    }
  }
}

TEST_CASE("fused attention equals the composition of generic ops", "[gradcheck_vit]") {
  Rng rng(33);
  auto qkv = random_tensor(Shape{3, 7, 3 * 12}, rng, -2.0f, 2.0f);
  for (int heads : {1, 3, 4}) {
    Tape t;
    Var x = t.constant(qkv.data.data(), qkv.shape);
    Var p = attention_probs(x, heads);
    Var o = attention_mix(p, x);
    auto [p_ref, o_ref] = reference_attention(x, heads);
    require_close(p, p_ref, 1e-6f);
    require_close(o, o_ref, 1e-5f);
  }
}

TEST_CASE("fused ops refuse bad shapes with the argument's name", "[gradcheck_vit]") {
  using Catch::Matchers::Contains;
  Tape t;
  Var qkv = t.constant(Shape{2, 5, 12}, 0.1f);
  REQUIRE_THROWS_WITH(attention_probs(qkv, 3), Contains("attention_probs: heads: expected a divisor of D = 4, got 3"));
  REQUIRE_THROWS_WITH(attention_probs(t.constant(Shape{2, 5, 13}, 0.0f), 1), Contains("qkv: expected (B, T, 3D)"));
  REQUIRE_THROWS_WITH(attention_mix(t.constant(Shape{2, 2, 4, 4}, 0.0f), qkv), Contains("does not match qkv"));
  REQUIRE_THROWS_WITH(linear(qkv, t.constant(Shape{5, 3}, 0.0f), Var{}), Contains("linear: w: expected (12, out)"));
  REQUIRE_THROWS_WITH(linear(qkv, t.constant(Shape{12, 3}, 0.0f), t.constant(Shape{4}, 0.0f)),
                      Contains("linear: b: expected shape (3)"));
}
