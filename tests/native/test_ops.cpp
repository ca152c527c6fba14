// Forward values of ops against hand-worked or naive references, and their argument errors.
#include <catch2/catch.hpp>
#include <cmath>

#include "gradcheck.h"
#include "nn/gemm.h"
#include "nn/ops.h"

using namespace nn;
using Catch::Matchers::Contains;

TEST_CASE("matmul forward matches the reference for every transpose and batch form", "[ops]") {
  Rng rng(10);
  Tape t;
  auto a = testing::random_tensor(Shape{2, 3, 4}, rng), b = testing::random_tensor(Shape{4, 5}, rng);
  Var c = matmul(t.constant(a.data.data(), a.shape), t.constant(b.data.data(), b.shape));
  REQUIRE(c.shape() == Shape{2, 3, 5});
  std::vector<float> ref(30);
  for (int s = 0; s < 2; ++s)
    gemm_reference(false, false, 3, 5, 4, 1.0f, a.data.data() + s * 12, 4, b.data.data(), 5, 0.0f, ref.data() + s * 15,
                   5);
  for (int i = 0; i < 30; ++i) CHECK(c.data()[i] == Approx(ref[i]).margin(1e-5));
  // a^T b^T with both batched
  auto a2 = testing::random_tensor(Shape{2, 4, 3}, rng), b2 = testing::random_tensor(Shape{2, 5, 4}, rng);
  Var c2 = matmul(t.constant(a2.data.data(), a2.shape), t.constant(b2.data.data(), b2.shape), true, true);
  REQUIRE(c2.shape() == Shape{2, 3, 5});
  for (int s = 0; s < 2; ++s)
    gemm_reference(true, true, 3, 5, 4, 1.0f, a2.data.data() + s * 12, 3, b2.data.data() + s * 20, 4, 0.0f,
                   ref.data() + s * 15, 5);
  for (int i = 0; i < 30; ++i) CHECK(c2.data()[i] == Approx(ref[i]).margin(1e-5));
}

TEST_CASE("conv2d forward matches a naive convolution", "[ops]") {
  Rng rng(11);
  Tape t;
  const int N = 2, C = 3, H = 5, W = 6, O = 4;
  auto x = testing::random_tensor(Shape{N, C, H, W}, rng), w = testing::random_tensor(Shape{O, C, 3, 3}, rng),
       b = testing::random_tensor(Shape{O}, rng);
  Var y = conv2d(t.constant(x.data.data(), x.shape), t.constant(w.data.data(), w.shape),
                 t.constant(b.data.data(), b.shape), 1, 1);
  REQUIRE(y.shape() == Shape{N, O, H, W});
  for (int n = 0; n < N; ++n)
    for (int o = 0; o < O; ++o)
      for (int h = 0; h < H; ++h)
        for (int ww = 0; ww < W; ++ww) {
          double acc = b.data[o];
          for (int c = 0; c < C; ++c)
            for (int kh = 0; kh < 3; ++kh)
              for (int kw = 0; kw < 3; ++kw) {
                int ih = h + kh - 1, iw = ww + kw - 1;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                acc += x.data[((n * C + c) * H + ih) * W + iw] * w.data[((o * C + c) * 3 + kh) * 3 + kw];
              }
          CHECK(y.data()[((n * O + o) * H + h) * W + ww] == Approx(acc).margin(1e-5));
        }
}

TEST_CASE("patchify conv splits the image into non-overlapping patches", "[ops]") {
  Tape t;
  std::vector<float> x(16);
  for (int i = 0; i < 16; ++i) x[i] = static_cast<float>(i);
  std::vector<float> ones(4, 1.0f);  // one output channel summing each 2x2 patch
  Var y = conv2d(t.constant(x.data(), Shape{1, 1, 4, 4}), t.constant(ones.data(), Shape{1, 1, 2, 2}), Var{}, 2, 0);
  REQUIRE(y.shape() == Shape{1, 1, 2, 2});
  CHECK(y.data()[0] == 0 + 1 + 4 + 5);
  CHECK(y.data()[1] == 2 + 3 + 6 + 7);
  CHECK(y.data()[2] == 8 + 9 + 12 + 13);
  CHECK(y.data()[3] == 10 + 11 + 14 + 15);
}

TEST_CASE("pooling, upsampling, concat, slice and transpose move the right elements", "[ops]") {
  Tape t;
  std::vector<float> x = {1, 5, 2, 0, 3, 4, 9, 8, 7, 6, 1, 1, 0, 0, 2, 3};
  Var p = max_pool2x2(t.constant(x.data(), Shape{1, 1, 4, 4}));
  CHECK(std::vector<float>(p.data(), p.data() + 4) == std::vector<float>{5, 9, 7, 3});
  Var u = upsample2x(t.constant(x.data(), Shape{1, 1, 2, 2}));
  CHECK(std::vector<float>(u.data(), u.data() + 16) ==
        std::vector<float>{1, 1, 5, 5, 1, 1, 5, 5, 2, 2, 0, 0, 2, 2, 0, 0});
  Var a = t.constant(x.data(), Shape{2, 2, 2, 2});
  Var c = concat({a, a}, 1);
  REQUIRE(c.shape() == Shape{2, 4, 2, 2});
  CHECK(c.data()[4] == x[4]);  // image 0: channels 0, 1 of a, then channels 0, 1 again
  CHECK(c.data()[8] == x[0]);
  CHECK(c.data()[16] == x[8]);  // image 1
  Var s = slice(c, 1, 2, 1);
  CHECK(std::vector<float>(s.data(), s.data() + 4) == std::vector<float>{1, 5, 2, 0});
  Var tr = transpose(t.constant(x.data(), Shape{2, 8}), {1, 0});
  CHECK(tr.shape() == Shape{8, 2});
  CHECK(tr.data()[1] == x[8]);
  CHECK(tr.data()[2] == x[1]);
}

TEST_CASE("softmax rows sum to one and layernorm standardizes", "[ops]") {
  Rng rng(12);
  Tape t;
  auto x = testing::random_tensor(Shape{5, 7}, rng, -30.0f, 30.0f);
  Var s = softmax(t.constant(x.data.data(), x.shape));
  for (int r = 0; r < 5; ++r) {
    double total = 0;
    for (int c = 0; c < 7; ++c) total += s.data()[r * 7 + c];
    CHECK(total == Approx(1.0).margin(1e-6));
  }
  Var ln = layernorm(t.constant(x.data.data(), x.shape), t.constant(Shape{7}, 1.0f), t.constant(Shape{7}, 0.0f));
  for (int r = 0; r < 5; ++r) {
    double m = 0, v = 0;
    for (int c = 0; c < 7; ++c) m += ln.data()[r * 7 + c];
    m /= 7;
    for (int c = 0; c < 7; ++c) v += (ln.data()[r * 7 + c] - m) * (ln.data()[r * 7 + c] - m);
    CHECK(m == Approx(0).margin(1e-5));
    CHECK(v / 7 == Approx(1).margin(1e-3));
  }
}

TEST_CASE("activations and losses at hand-worked points", "[ops]") {
  Tape t;
  std::vector<float> x = {-3, -1, 0, 1, 3};
  auto values = [](Var v) { return std::vector<float>(v.data(), v.data() + v.numel()); };
  Var in = t.constant(x.data(), Shape{5});
  CHECK(values(hard_sigmoid(in)) == std::vector<float>{0, 0.3f, 0.5f, 0.7f, 1});
  CHECK(values(relu(in)) == std::vector<float>{0, 0, 0, 1, 3});
  CHECK(values(clamp(in, -1, 1)) == std::vector<float>{-1, -1, 0, 1, 1});
  CHECK(values(minimum(in, 0.5f)) == std::vector<float>{-3, -1, 0, 0.5f, 0.5f});
  CHECK(gelu(in).data()[3] == Approx(0.8413447f));
  CHECK(softplus(in).data()[2] == Approx(std::log(2.0f)));
  CHECK(softplus(t.constant(Shape{1}, 100.0f)).item() == Approx(100.0f));  // no overflow
  std::vector<float> p = {1, 2, 3}, y = {1, 0, 5};
  Var pv = t.constant(p.data(), Shape{3}), yv = t.constant(y.data(), Shape{3});
  CHECK(mse_loss(pv, yv).item() == Approx((0 + 4 + 4) / 3.0));
  CHECK(mae_loss(pv, yv).item() == Approx((0 + 2 + 2) / 3.0));
  CHECK(huber_loss(pv, yv, Var{}, 1.0f).item() == Approx((0 + 1.5 + 1.5) / 3.0));
  std::vector<float> logits = {0, 0, 0, 0};
  const int label[1] = {1};
  CHECK(cross_entropy_logits(t.constant(logits.data(), Shape{1, 4}), label, 1).item() == Approx(std::log(4.0)));
  // KL(N(0,1) || N(0,1)) = 0; KL(N(1,1) || N(0,1)) = 0.5 per dim.
  Var zero = t.constant(Shape{2, 3}, 0.0f), one = t.constant(Shape{2, 3}, 1.0f);
  CHECK(gaussian_kl(zero, zero, t.constant(Shape{3}, 0.0f), t.constant(Shape{3}, 0.0f)).item() ==
        Approx(0).margin(1e-7));
  CHECK(gaussian_kl(one, zero, t.constant(Shape{3}, 0.0f), t.constant(Shape{3}, 0.0f)).item() == Approx(1.5));
  // Poisson on log-rate 0 (rate 1) with count 2: 1 - 2 * 0 = 1.
  CHECK(poisson_nll(t.constant(Shape{1}, 0.0f), t.constant(Shape{1}, 2.0f)).item() == Approx(1.0));
}

TEST_CASE("ops refuse bad arguments with a message naming them", "[ops]") {
  Tape t;
  Var a = t.constant(Shape{2, 3}, 1.0f), b = t.constant(Shape{4, 5}, 1.0f);
  REQUIRE_THROWS_WITH(matmul(a, b), Contains("matmul: inner dimensions differ"));
  REQUIRE_THROWS_WITH(add(a, b), Contains("add: b of shape (4, 5) does not broadcast to (2, 3)"));
  REQUIRE_THROWS_WITH(reshape(a, Shape{4}), Contains("reshape: cannot reshape (2, 3) to (4)"));
  REQUIRE_THROWS_WITH(max_pool2x2(t.constant(Shape{1, 1, 3, 4}, 0.0f)), Contains("expected even H and W"));
  REQUIRE_THROWS_WITH(conv2d(t.constant(Shape{1, 2, 4, 4}, 0.0f), t.constant(Shape{1, 3, 3, 3}, 0.0f), Var{}, 1, 1),
                      Contains("input channels"));
  REQUIRE_THROWS_WITH(slice(a, 1, 2, 2), Contains("slice: [2, 4) is outside axis 1"));
  REQUIRE_THROWS_WITH(transpose(a, {0, 0}), Contains("perm"));
  const int labels[2] = {0, 3};
  REQUIRE_THROWS_WITH(cross_entropy_logits(a, labels, 2), Contains("labels[1]: expected a class in [0, 2], got 3"));
  REQUIRE_THROWS_WITH(poisson_nll(a, t.constant(Shape{2, 3}, -1.0f)), Contains("expected a non-negative count"));
  REQUIRE_THROWS_WITH(clamp(a, 1.0f, -1.0f), Contains("clamp: expected lo <= hi"));
  Tape other;
  REQUIRE_THROWS_WITH(add(a, other.constant(Shape{2, 3}, 1.0f)), Contains("expected a live Var of this tape"));
  REQUIRE_THROWS_AS(Shape({1, 2, 3, 4, 5}), nn::Error);
}
