// The Vision Transformer: gradient check end to end, attention and rollout invariants, lesions,
// read-outs, bad input, determinism, and a fixed-seed training run on real Fashion-MNIST images.
#include <algorithm>
#include <array>
#include <cmath>
#include <fstream>
#include <iterator>

#include "data/vit_data.h"
#include "gradcheck.h"
#include "models/vit_trainer.h"
#include "nn/weights.h"

using Catch::Matchers::Contains;
using models::Vit;
using models::VitConfig;

namespace {

VitConfig tiny_vit_config() {
  VitConfig c;
  c.image = 4;
  c.patch = 2;  // 2 x 2 patches + the class token: T = 5
  c.dim = 4;
  c.heads = 2;
  c.depth = 2;
  c.mlp = 6;
  c.classes = 3;
  return c;
}

std::vector<float> random_images(int n, const VitConfig& c, uint64_t seed) {
  nn::Rng rng(seed);
  std::vector<float> x(static_cast<size_t>(n) * c.pixels());
  for (auto& v : x) v = rng.uniform();
  return x;
}

/// A ViT small enough to train a few steps in a test: 7x7 patches, width 16, one block, batch 16.
models::VitTrainConfig tiny_training() {
  models::VitTrainConfig tc;
  tc.model.patch = 7;
  tc.model.dim = 16;
  tc.model.depth = 1;
  tc.model.mlp = 32;
  tc.batch = 16;
  return tc;
}

/// The page's image subset, shipped in assets/ (made by `neuroai export fashion-subset`).
data::FashionSubset load_subset() {
  std::string here = __FILE__;
  const std::string path = here.substr(0, here.rfind("tests/native/")) + "assets/vit/fashion-subset.bin";
  std::ifstream f(path, std::ios::binary);
  REQUIRE(static_cast<bool>(f));
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  return data::decode_fashion_subset(bytes.data(), bytes.size());
}

float max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  float m = 0;
  for (size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

}  // namespace

TEST_CASE("ViT configs are validated with the field's name", "[vit]") {
  VitConfig c;
  c.patch = 5;
  REQUIRE_THROWS_WITH(Vit(c, 1), Contains("VitConfig.patch: expected a divisor of the image size 28, got 5"));
  c = {};
  c.heads = 3;
  REQUIRE_THROWS_WITH(Vit(c, 1), Contains("VitConfig.heads: expected a divisor of dim 64, got 3"));
  c = {};
  c.depth = 0;
  REQUIRE_THROWS_WITH(Vit(c, 1), Contains("VitConfig.depth: expected an integer in [1, 24], got 0"));
  c = {};
  c.patch = 1;  // 784 patches: allowed (the limit is 1024)
  CHECK(Vit(c, 1).config().tokens() == 785);
  CHECK(VitConfig::from_text(VitConfig{}.to_text()).to_text() == VitConfig{}.to_text());
  REQUIRE_THROWS_WITH(VitConfig::from_text("patch=3"), Contains("VitConfig.patch"));
}

TEST_CASE("ViT: the parameter count of the default model", "[vit]") {
  Vit vit(VitConfig{}, 1);
  const int D = 64, M = 128, T = 50, K = 10;
  const int block = 2 * D + (D * 3 * D + 3 * D) + (D * D + D) + 2 * D + (D * M + M) + (M * D + D);
  CHECK(vit.params().count() == static_cast<size_t>(D * 16 + D + D + T * D + 4 * block + 2 * D + D * K + K));
}

TEST_CASE("ViT gradients match finite differences end to end", "[vit]") {
  const VitConfig c = tiny_vit_config();
  Vit vit(c, 3);
  const auto x = random_images(2, c, 4);
  const int labels[2] = {2, 0};
  auto loss = [&](nn::Tape& t, const float* mask) {
    return nn::cross_entropy_logits(vit.forward(t, t.constant(x.data(), nn::Shape{2, 1, 4, 4}), mask), labels, 2);
  };
  SECTION("every parameter") {
    testing::check_param_gradients(
        vit.params(), [&](nn::Tape& t) { return loss(t, nullptr); }, 40);
  }
  SECTION("with one head lesioned and another halved") {
    const float mask[4] = {1.0f, 0.0f, 0.5f, 1.0f};
    testing::check_param_gradients(
        vit.params(), [&](nn::Tape& t) { return loss(t, mask); }, 40);
  }
}

TEST_CASE("attention rows are probability distributions", "[vit]") {
  Vit vit(VitConfig{}, 5);
  const VitConfig& c = vit.config();
  const auto image = random_images(1, c, 6);
  const int T = c.tokens();
  std::vector<float> probs(static_cast<size_t>(c.classes)), attention(static_cast<size_t>(c.depth * c.heads * T * T));
  vit.attention_maps(image.data(), 1, nullptr, probs.data(), attention.data());
  for (int row = 0; row < c.depth * c.heads * T; ++row) {
    double s = 0;
    for (int j = 0; j < T; ++j) {
      const float a = attention[static_cast<size_t>(row) * T + j];
      REQUIRE(a >= 0.0f);
      s += a;
    }
    REQUIRE(s == Approx(1.0).margin(1e-5));
  }
  double p = 0;
  for (float v : probs) p += v;
  CHECK(p == Approx(1.0).margin(1e-5));
}

TEST_CASE("attention rollout: rows sum to one, one block by hand, lesions", "[vit]") {
  Vit vit(VitConfig{}, 7);
  const VitConfig& c = vit.config();
  const int T = c.tokens(), H = c.heads;
  const auto image = random_images(1, c, 8);
  std::vector<float> probs(10), attention(static_cast<size_t>(c.depth * H * T * T)), r(static_cast<size_t>(T * T));
  vit.attention_maps(image.data(), 1, nullptr, probs.data(), attention.data());
  models::vit_rollout(c, attention.data(), nullptr, r.data());
  for (int i = 0; i < T; ++i) {
    double s = 0;
    for (int j = 0; j < T; ++j) s += r[static_cast<size_t>(i * T + j)];
    REQUIRE(s == Approx(1.0).margin(1e-5));
  }
  SECTION("one block: (mean over heads + I) / 2") {
    VitConfig one = c;
    one.depth = 1;
    std::vector<float> r1(static_cast<size_t>(T * T));
    models::vit_rollout(one, attention.data(), nullptr, r1.data());
    for (int i = 0; i < T; ++i)
      for (int j = 0; j < T; ++j) {
        double mean = 0;
        for (int h = 0; h < H; ++h) mean += attention[static_cast<size_t>((h * T + i) * T + j)] / H;
        REQUIRE(r1[static_cast<size_t>(i * T + j)] == Approx(0.5 * mean + (i == j ? 0.5 : 0.0)).margin(1e-6));
      }
  }
  SECTION("every head lesioned: only the residual path is left, R = I") {
    std::vector<float> mask(static_cast<size_t>(c.depth * H), 0.0f), rl(static_cast<size_t>(T * T));
    models::vit_rollout(c, attention.data(), mask.data(), rl.data());
    for (int i = 0; i < T; ++i)
      for (int j = 0; j < T; ++j)
        REQUIRE(rl[static_cast<size_t>(i * T + j)] == Approx(i == j ? 1.0 : 0.0).margin(1e-7));
  }
}

TEST_CASE("lesioning a head equals zeroing its rows of the output projection", "[vit]") {
  const VitConfig c;  // default model
  Vit vit(c, 9), ablated(c, 9);
  const auto images = random_images(3, c, 10);
  const int block = 2, head = 1, dh = c.head_dim();
  // The head's dh columns of the mixed output meet rows head*dh .. of W_out (D, D).
  float* w = ablated.params().value(ablated.params().find("block2.attn.out.weight"));
  for (int r = head * dh; r < (head + 1) * dh; ++r)
    for (int col = 0; col < c.dim; ++col) w[r * c.dim + col] = 0.0f;
  std::vector<float> mask(static_cast<size_t>(c.depth * c.heads), 1.0f);
  mask[static_cast<size_t>(block * c.heads + head)] = 0.0f;
  std::vector<float> lesioned(30), reference(30), intact(30), all_ones(30);
  vit.predict(images.data(), 3, mask.data(), lesioned.data());
  ablated.predict(images.data(), 3, nullptr, reference.data());
  vit.predict(images.data(), 3, nullptr, intact.data());
  std::vector<float> ones(mask.size(), 1.0f);
  vit.predict(images.data(), 3, ones.data(), all_ones.data());
  CHECK(max_abs_diff(lesioned, reference) < 1e-6f);
  CHECK(max_abs_diff(intact, all_ones) == 0.0f);
  CHECK(max_abs_diff(lesioned, intact) > 1e-4f);  // the lesion changes the prediction
}

TEST_CASE("mean attention distance and position similarity", "[vit]") {
  VitConfig c;
  c.patch = 7;  // 4 x 4 patches
  Vit vit(c, 11);
  const int N = c.patches(), G = c.grid();
  const auto images = random_images(4, c, 12);
  std::vector<float> dist(static_cast<size_t>(c.depth * c.heads));
  vit.mean_attention_distance(images.data(), 4, dist.data());
  const float max_dist = 7.0f * std::sqrt(2.0f) * (G - 1);
  for (float d : dist) CHECK((d > 0.0f && d < max_dist));
  SECTION("uniform attention (q = k = 0) gives the mean distance between patch centres") {
    for (int l = 0; l < c.depth; ++l) {
      const std::string tag = "block" + std::to_string(l) + ".attn.qkv.";
      for (const char* part : {"weight", "bias"}) {
        const int i = vit.params().find(tag + part);
        std::fill_n(vit.params().value(i), vit.params().entry(i).shape.numel(), 0.0f);
      }
    }
    vit.mean_attention_distance(images.data(), 4, dist.data());
    double expected = 0;
    for (int i = 0; i < N; ++i)
      for (int j = 0; j < N; ++j) expected += 7.0 * std::hypot(i / G - j / G, i % G - j % G) / (N * N);
    for (float d : dist) CHECK(d == Approx(expected).epsilon(1e-5));
  }
  SECTION("position similarity: cosine, symmetric, one on the diagonal") {
    std::vector<float> sim(static_cast<size_t>(N * N));
    vit.position_similarity(sim.data());
    for (int i = 0; i < N; ++i)
      for (int j = 0; j < N; ++j) {
        CHECK(sim[static_cast<size_t>(i * N + j)] == Approx(sim[static_cast<size_t>(j * N + i)]).margin(1e-6));
        CHECK(std::fabs(sim[static_cast<size_t>(i * N + j)]) <= 1.0f + 1e-6f);
      }
    for (int i = 0; i < N; ++i) CHECK(sim[static_cast<size_t>(i * N + i)] == Approx(1.0f).margin(1e-6));
  }
}

TEST_CASE("the forward plan lists forward()'s ops in order and uses every parameter once", "[vit]") {
  const VitConfig c = tiny_vit_config();
  const Vit vit(c, 3);
  const auto plan = vit.forward_plan();
  const auto& ops = plan.ops;
  REQUIRE(ops.size() == static_cast<size_t>(3 + 12 * c.depth + 4));
  CHECK(ops.front().op == "patchify");
  CHECK(ops.front().inputs == std::vector<std::string>{"images"});
  CHECK(ops.back().op == "softmax");
  CHECK(ops.back().shape == std::vector<int>{-1, c.classes});
  std::vector<std::string> used;
  std::vector<std::string> written{"images"};
  for (const auto& op : ops) {
    for (const auto& in : op.inputs)
      CHECK(std::find(written.begin(), written.end(), in) != written.end());       // computed before
    CHECK(std::find(written.begin(), written.end(), op.output) == written.end());  // written once
    written.push_back(op.output);
    used.insert(used.end(), op.weights.begin(), op.weights.end());
    CHECK(op.shape.front() == -1);
  }
  REQUIRE(used.size() == static_cast<size_t>(vit.params().size()));
  for (int i = 0; i < vit.params().size(); ++i)
    CHECK(std::count(used.begin(), used.end(), vit.params().entry(i).name) == 1);
  // Read-outs: the probabilities, and per block the attention weights and their distances.
  REQUIRE(plan.outputs.size() == 3);
  CHECK(plan.outputs[0].name == "probs");
  CHECK(plan.outputs[0].steps == std::vector<std::string>{ops.back().output});
  for (size_t k = 1; k < 3; ++k) {
    REQUIRE(plan.outputs[k].steps.size() == static_cast<size_t>(c.depth));
    for (const auto& step : plan.outputs[k].steps)
      CHECK(std::find(written.begin(), written.end(), step) != written.end());
  }
  CHECK(plan.outputs[1].name == "attention");
  CHECK(plan.outputs[2].name == "attention_distance");
}

TEST_CASE("attention maps of a batch are each image's own; distances from them match the mean", "[vit]") {
  Vit vit(VitConfig{}, 21);
  const VitConfig& c = vit.config();
  const int n = 3, T = c.tokens(), H = c.heads;
  const size_t per_image = static_cast<size_t>(c.depth) * H * T * T;
  const auto images = random_images(n, c, 22);
  std::vector<float> probs(static_cast<size_t>(n * c.classes)), attention(n * per_image);
  vit.attention_maps(images.data(), n, nullptr, probs.data(), attention.data());
  std::vector<float> one_probs(static_cast<size_t>(c.classes)), one(per_image);
  for (int b = 0; b < n; ++b) {
    vit.attention_maps(images.data() + static_cast<size_t>(b) * c.pixels(), 1, nullptr, one_probs.data(), one.data());
    for (size_t e = 0; e < per_image; ++e) REQUIRE(attention[b * per_image + e] == Approx(one[e]).margin(1e-6));
    for (int k = 0; k < c.classes; ++k)
      REQUIRE(probs[static_cast<size_t>(b * c.classes + k)] == Approx(one_probs[static_cast<size_t>(k)]).margin(1e-6));
  }
  // vit_attention_distance per image and head, averaged over the images = mean_attention_distance.
  std::vector<double> mean(static_cast<size_t>(c.depth * H), 0.0);
  std::vector<float> block(static_cast<size_t>(H) * T * T), d(static_cast<size_t>(H));
  for (int b = 0; b < n; ++b)
    for (int l = 0; l < c.depth; ++l) {
      std::copy_n(attention.begin() + static_cast<long>(b * per_image + static_cast<size_t>(l) * block.size()),
                  block.size(), block.begin());
      models::vit_attention_distance(c, block.data(), 1, d.data());
      for (int hd = 0; hd < H; ++hd) mean[static_cast<size_t>(l * H + hd)] += d[static_cast<size_t>(hd)] / n;
    }
  std::vector<float> expected(static_cast<size_t>(c.depth * H));
  vit.mean_attention_distance(images.data(), n, expected.data());
  for (size_t i = 0; i < expected.size(); ++i) CHECK(mean[i] == Approx(expected[i]).epsilon(1e-5));
}

TEST_CASE("attention distance by hand: all weight on one key patch", "[vit]") {
  VitConfig c;  // 7 x 7 patches of 4 pixels
  const int T = c.tokens(), N = c.patches();
  std::vector<float> a(static_cast<size_t>(c.heads) * T * T, 0.0f), d(static_cast<size_t>(c.heads));
  for (int hd = 0; hd < c.heads; ++hd)
    for (int i = 0; i < T; ++i) {
      float* row = a.data() + (static_cast<size_t>(hd) * T + i) * T;
      row[0] = 0.5f;                                    // the class token: left out, the rest renormalized
      row[1 + (hd == 0 ? 0 : (i + N - 1) % N)] = 0.5f;  // head 0: patch (0, 0); the others: the query itself
    }
  models::vit_attention_distance(c, a.data(), 1, d.data());
  double expected = 0;  // head 0: mean distance of the 49 patch centres to patch (0, 0)
  for (int i = 0; i < N; ++i) expected += 4.0 * std::hypot(i / 7, i % 7) / N;
  CHECK(d[0] == Approx(expected).epsilon(1e-6));
  for (int hd = 1; hd < c.heads; ++hd) CHECK(d[static_cast<size_t>(hd)] == Approx(0.0).margin(1e-7));
}

TEST_CASE("bad input is refused with a clear message", "[vit]") {
  Vit vit(VitConfig{}, 13);
  nn::Tape t;
  REQUIRE_THROWS_WITH(vit.forward(t, t.constant(nn::Shape{2, 1, 27, 27}, 0.0f)),
                      Contains("Vit::forward: x: expected (B, 1, 28, 28), got shape (2, 1, 27, 27)"));
  REQUIRE_THROWS_WITH(vit.forward(t, t.constant(nn::Shape{2, 784}, 0.0f)), Contains("got shape (2, 784)"));
  std::vector<float> mask(16, 1.0f), image(784, 0.5f), probs(10);
  mask[5] = 2.0f;
  REQUIRE_THROWS_WITH(vit.predict(image.data(), 1, mask.data(), probs.data()),
                      Contains("head_mask[5]: expected a number in [0, 1] (block 1, head 1), got 2"));
  mask[5] = NAN;
  REQUIRE_THROWS_WITH(vit.predict(image.data(), 1, mask.data(), probs.data()), Contains("head_mask[5]"));

  models::VitTrainConfig tc;
  models::VitTrainer model(tc);
  REQUIRE_THROWS_WITH(model.train_step(), Contains("no training data"));
  data::LabeledImages bad{2, 28, 28, std::vector<uint8_t>(2 * 784, 0), {3, 10}};
  REQUIRE_THROWS_WITH(model.set_train_data(bad), Contains("label 1 is 10, expected a class in [0, 9]"));
  data::LabeledImages small{1, 27, 27, std::vector<uint8_t>(729, 0), {1}};
  REQUIRE_THROWS_WITH(model.set_train_data(small), Contains("training images are 27x27, expected 28x28"));
  data::LabeledImages short_pixels{2, 28, 28, std::vector<uint8_t>(784, 0), {1, 2}};
  REQUIRE_THROWS_WITH(model.set_train_data(short_pixels),
                      Contains("expected 1568 pixels for 2 images of 28x28, got 784"));
  tc.lr = 0;
  REQUIRE_THROWS_WITH(models::VitTrainer(tc), Contains("VitTrainConfig.lr"));
}

TEST_CASE("ViT training is bit-identical for the same seed and weights round-trip", "[vit]") {
  const data::FashionSubset subset = load_subset();
  models::VitTrainConfig tc = tiny_training();
  std::vector<float> losses[2];
  std::vector<float> params[2];
  for (int run = 0; run < 2; ++run) {
    models::VitTrainer m(tc);
    m.set_train_data(data::slice(subset.train, 0, 200));
    for (int s = 0; s < 4; ++s) losses[run].push_back(m.train_step());
    params[run] = m.model().params().values();
    if (run == 1) {
      const auto bytes = nn::encode_weights(m.model().params(), "vit", m.model().config().to_text());
      const nn::WeightsFile f = nn::decode_weights(bytes.data(), bytes.size());
      Vit copy(VitConfig::from_text(f.config), 99);
      nn::assign_weights(copy.params(), f, "vit");
      CHECK(copy.params().values() == m.model().params().values());
    }
  }
  CHECK(losses[0] == losses[1]);
  CHECK(params[0] == params[1]);
}

TEST_CASE("per-class accuracy from the confusion matrix", "[vit]") {
  models::VitEvaluation e;
  e.confusion = {3, 1, 0, 0, 2, 0, 0, 0, 0};  // rows: true classes 0, 1, 2 (class 2 has no images)
  const std::vector<double> acc = e.per_class_accuracy();
  REQUIRE(acc.size() == 3);
  CHECK(acc[0] == Approx(0.75));
  CHECK(acc[1] == Approx(1.0));
  CHECK(acc[2] == 0.0);
}

TEST_CASE("load_weights adopts the file's architecture; a ViT for other images than the data's is refused", "[vit]") {
  models::VitTrainConfig small = tiny_training();
  small.seed = 4;
  const models::VitTrainer writer(small);
  models::VitTrainer reader(models::VitTrainConfig{});  // the default architecture
  reader.set_train_data(data::LabeledImages{1, 28, 28, std::vector<uint8_t>(784, 100), {3}});
  const std::vector<uint8_t> bytes = writer.export_weights();
  reader.load_weights(bytes.data(), bytes.size());
  CHECK(reader.config().model.to_text() == writer.config().model.to_text());
  CHECK(reader.model().params().values() == writer.model().params().values());
  CHECK(std::isfinite(reader.train_step()));
  models::VitTrainConfig wide = small;
  wide.model.image = 32;
  wide.model.patch = 8;  // 32 / 8: a 4 x 4 grid of patches
  const std::vector<uint8_t> other = models::VitTrainer(wide).export_weights();
  const std::vector<float> before = reader.model().params().values();
  REQUIRE_THROWS_WITH(reader.load_weights(other.data(), other.size()),
                      Contains("holds a ViT for 1-channel 32x32 images of 10 classes; the training data are 1-channel "
                               "28x28 images of 10 classes"));
  CHECK(reader.model().params().values() == before);
}

TEST_CASE("a small ViT learns Fashion-MNIST well above chance (fixed seed)", "[vit][learning]") {
  const data::FashionSubset subset = load_subset();
  models::VitTrainConfig tc;
  tc.model.patch = 7;
  tc.model.dim = 32;
  tc.model.depth = 2;
  tc.model.heads = 2;
  tc.model.mlp = 64;
  tc.batch = 32;
  tc.lr = 2e-3f;
  tc.warmup = 20;
  tc.seed = 3;
  models::VitTrainer model(tc);
  model.set_train_data(data::slice(subset.train, 0, 2000));
  const double before = model.evaluate(subset.test).accuracy;
  const float first = model.train(20);
  model.train(460);
  const float last = model.train(20);
  const models::VitEvaluation after = model.evaluate(subset.test);
  INFO("accuracy before " << before << ", after " << after.accuracy << "; loss " << first << " -> " << last);
  CHECK(before < 0.3);
  CHECK(after.accuracy > 0.5);  // chance: 0.1 (this run reaches about 0.67)
  CHECK(last < 0.6f * first);
  int total = 0;
  for (int v : after.confusion) total += v;
  CHECK(total == subset.test.count);
}

TEST_CASE("a ViT step in passes equals the step at once, and the tape estimate holds", "[vit]") {
  const data::FashionSubset subset = load_subset();
  models::VitTrainConfig tc = tiny_training();
  std::vector<float> losses[2], params[2];
  for (int run = 0; run < 2; ++run) {
    if (run == 1)
      tc.pass_bytes = 5 * int64_t{sizeof(float)} * tc.model.tape_floats_per_image();  // passes of 5, 5, 5, 1
    CHECK(tc.pass_images() == (run == 0 ? 16 : 5));
    models::VitTrainer m(tc);
    m.set_train_data(data::slice(subset.train, 0, 200));
    for (int s = 0; s < 4; ++s) losses[run].push_back(m.train_step());
    params[run] = m.model().params().values();
  }
  for (int s = 0; s < 4; ++s)
    CHECK(losses[1][static_cast<size_t>(s)] == Approx(losses[0][static_cast<size_t>(s)]).epsilon(1e-5));
  for (size_t i = 0; i < params[0].size(); ++i) CHECK(params[1][i] == Approx(params[0][i]).margin(1e-4));

  // The estimate against the tape of a training pass, for the shipped and the largest page model.
  for (const auto& [patch, dim, depth, heads] : {std::array{4, 64, 4, 4}, std::array{4, 128, 6, 8}}) {
    VitConfig c;
    c.patch = patch;
    c.dim = dim;
    c.depth = depth;
    c.heads = heads;
    c.mlp = 2 * dim;
    constexpr int kImages = 8;
    Vit vit(c, 1);
    nn::Tape t;
    const std::vector<float> x = random_images(kImages, c, 5);
    const std::vector<int> labels(kImages, 1);
    t.backward(nn::cross_entropy_logits(vit.forward(t, t.constant(x.data(), nn::Shape{kImages, 1, 28, 28})),
                                        labels.data(), kImages));
    const double measured = static_cast<double>(t.arena_capacity()) / sizeof(float) / kImages;
    INFO("patch " << patch << " dim " << dim << " depth " << depth << ": " << measured << " floats per image, estimate "
                  << c.tape_floats_per_image());
    CHECK(static_cast<double>(c.tape_floats_per_image()) >= 0.6 * measured);
    CHECK(static_cast<double>(c.tape_floats_per_image()) <= 1.6 * measured + 2.0 * (1 << 20) / sizeof(float) / kImages);
  }
}
