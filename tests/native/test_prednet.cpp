// PredNet: gradients end to end, shapes, the split of the error units, clipping, extrapolation,
// determinism, bad input, weights round trip, and a short fixed-seed training that beats
// copy-last-frame on bouncing blobs.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "eval/prednet_eval.h"
#include "gradcheck.h"
#include "models/prednet_trainer.h"
#include "nn/weights.h"

using Catch::Matchers::Contains;

namespace {

/// The tiny PredNet: 2 layers, 3 steps, 8x8 frames.
models::PredNetConfig tiny_prednet_config() {
  models::PredNetConfig c;
  c.height = c.width = 8;
  c.frames = 3;
  c.a_channels = {1, 3};
  c.r_channels = {2, 3};
  c.layer_weights = {1.0f, 0.5f};
  return c;
}

models::PredNetTrainerConfig trainer_config(const models::PredNetConfig& model, uint64_t seed = 1) {
  models::PredNetTrainerConfig c;
  c.model = model;
  c.seed = seed;
  c.sync();
  return c;
}

std::vector<float> random_frames(int count, const models::PredNetConfig& c, uint64_t seed) {
  nn::Rng rng(seed);
  std::vector<float> f(static_cast<size_t>(count) * c.frames * c.a_channels[0] * c.height * c.width);
  for (auto& v : f) v = rng.uniform();
  return f;
}

}  // namespace

TEST_CASE("PredNet gradients match finite differences end to end (2 layers, 3 steps, 8x8)", "[prednet]") {
  const models::PredNetConfig c = tiny_prednet_config();
  models::PredNet net(c, 3);
  const auto frames = random_frames(2, c, 4);
  // Every parameter tensor of both layers (ConvLSTM gates, Ahat, A) gets its gradient checked:
  // the loss reaches the top layer through E_1 (lambda_1 = 0.5) and the bottom through E_0.
  testing::check_param_gradients(
      net.params(), [&](nn::Tape& t) { return net.forward(t, frames.data(), 2); }, 16);
  // The same with only the bottom layer in the loss (L0): upper layers learn only through Up(R).
  models::PredNetConfig l0 = c;
  l0.layer_weights = {1.0f, 0.0f};
  l0.time_weights = {0.0f, 0.3f, 0.7f};
  models::PredNet net0(l0, 5);
  testing::check_param_gradients(
      net0.params(), [&](nn::Tape& t) { return net0.forward(t, frames.data(), 2); }, 16);
}

TEST_CASE("PredNet parameters and read-outs have the documented shapes", "[prednet]") {
  models::PredNetConfig c;  // the default: 3 layers, 32x32, T = 10
  models::PredNet net(c, 1);
  const nn::Params& p = net.params();
  REQUIRE(p.size() == 3 * 4 + 2 * 2);
  // LSTM inputs: [R_l, E_l (2 a_l), Up(R_{l+1})]; four gates out.
  CHECK(p.entry(p.find("layer0.lstm.weight")).shape == nn::Shape{4 * 8, 8 + 2 + 16, 3, 3});
  CHECK(p.entry(p.find("layer1.lstm.weight")).shape == nn::Shape{4 * 16, 16 + 16 + 32, 3, 3});
  CHECK(p.entry(p.find("layer2.lstm.weight")).shape == nn::Shape{4 * 32, 32 + 32, 3, 3});
  CHECK(p.entry(p.find("layer0.ahat.weight")).shape == nn::Shape{1, 8, 3, 3});
  CHECK(p.entry(p.find("layer0.a.weight")).shape == nn::Shape{8, 2, 3, 3});
  CHECK(p.entry(p.find("layer1.a.weight")).shape == nn::Shape{16, 16, 3, 3});
  CHECK(p.find("layer2.a.weight") == -1);  // no layer above the top

  const auto frames = random_frames(2, c, 7);
  nn::Tape tape;
  nn::NoGradScope no_grad(tape);
  models::PredNetTrace trace;
  nn::Var loss = net.forward(tape, frames.data(), 2, -1, &trace);
  CHECK(loss.shape().rank == 0);
  REQUIRE(trace.e.size() == 10);
  for (int l = 0; l < 3; ++l) {
    const int side = 32 >> l;
    CHECK(trace.ahat[4][l].shape() == nn::Shape{2, c.a_channels[l], side, side});
    CHECK(trace.e[4][l].shape() == nn::Shape{2, 2 * c.a_channels[l], side, side});
    CHECK(trace.r[4][l].shape() == nn::Shape{2, c.r_channels[l], side, side});
  }

  models::PredNetTrainer trainer(trainer_config(c));
  const models::PredNetReadout out = trainer.run(frames.data(), 2, -1, true);
  CHECK(out.predictions.size() == 2u * 10 * 32 * 32);
  CHECK(out.layer_error.size() == 10u * 3);
  CHECK(out.error[1].size() == 2u * 10 * 16 * 16 * 16);
  CHECK(out.r[2].size() == 2u * 10 * 32 * 8 * 8);
}

TEST_CASE("PredNet error units split the prediction error into its positive and negative parts", "[prednet]") {
  const models::PredNetConfig c = tiny_prednet_config();
  models::PredNetTrainer trainer(trainer_config(c, 9));
  trainer.train(3);  // away from the initial weights
  const auto frames = random_frames(3, c, 11);
  const models::PredNetReadout out = trainer.run(frames.data(), 3, -1, true);
  const int64_t plane = 8 * 8;
  int positive = 0, negative = 0;
  for (int n = 0; n < 3; ++n)
    for (int t = 0; t < 3; ++t)
      for (int64_t i = 0; i < plane; ++i) {
        const int64_t seq_t = n * 3 + t;
        const float x = frames[seq_t * plane + i];
        const float pred = out.predictions[seq_t * plane + i];
        const float e_plus = out.error[0][seq_t * 2 * plane + i];           // ReLU(A - Ahat)
        const float e_minus = out.error[0][seq_t * 2 * plane + plane + i];  // ReLU(Ahat - A)
        REQUIRE(e_plus >= 0.0f);
        REQUIRE(e_minus >= 0.0f);
        REQUIRE(e_plus * e_minus == 0.0f);  // at most one of the pair fires
        REQUIRE(e_plus - e_minus == Approx(x - pred).margin(1e-6));
        REQUIRE(pred >= 0.0f);
        REQUIRE(pred <= 1.0f);
        positive += e_plus > 0;
        negative += e_minus > 0;
      }
  CHECK(positive > 0);
  CHECK(negative > 0);
  // layer_error is mean(E_l(t)) over the sequences: recompute layer 1 at t = 2.
  double sum = 0;
  const int64_t per = 2 * 3 * 4 * 4;
  for (int n = 0; n < 3; ++n)
    for (int64_t i = 0; i < per; ++i) sum += out.error[1][(n * 3 + 2) * per + i];
  CHECK(out.layer_error[2 * 2 + 1] == Approx(sum / (3 * per)).epsilon(1e-5));
}

TEST_CASE("PredNet clips the frame prediction at pixel_max", "[prednet]") {
  models::PredNetConfig c = tiny_prednet_config();
  models::PredNet net(c, 2);
  nn::Params& p = net.params();
  std::fill_n(p.value(p.find("layer0.ahat.bias")), 1, 5.0f);  // ReLU(conv + 5) > 1 everywhere
  const auto frames = random_frames(1, c, 3);
  nn::Tape tape;
  models::PredNetTrace trace;
  net.forward(tape, frames.data(), 1, -1, &trace);
  for (int t = 0; t < 3; ++t) {
    const nn::Var a = trace.ahat[t][0];
    CHECK(*std::min_element(a.data(), a.data() + a.numel()) == 1.0f);
    CHECK(*std::max_element(a.data(), a.data() + a.numel()) == 1.0f);
  }
}

TEST_CASE("PredNet extrapolation feeds its own prediction back from the chosen step", "[prednet]") {
  models::PredNetConfig c = tiny_prednet_config();
  c.frames = 6;
  models::PredNetTrainer trainer(trainer_config(c, 4));
  trainer.train(2);
  auto frames = random_frames(2, c, 5);
  const models::PredNetReadout normal = trainer.run(frames.data(), 2);
  const models::PredNetReadout ex = trainer.run(frames.data(), 2, 3, true);
  const int64_t plane = 64;
  for (int n = 0; n < 2; ++n)
    for (int t = 0; t < 6; ++t) {
      const float* a = normal.predictions.data() + (n * 6 + t) * plane;
      const float* b = ex.predictions.data() + (n * 6 + t) * plane;
      if (t <= 3) {  // up to and including step 3, the predictions only depend on frames before 3
        for (int64_t i = 0; i < plane; ++i) REQUIRE(a[i] == b[i]);
      }
    }
  // From step 3 on the input is the prediction itself, so the layer-0 error is exactly zero...
  for (int t = 3; t < 6; ++t) CHECK(ex.layer_error[t * 2] == 0.0f);
  CHECK(ex.layer_error[2 * 2] > 0.0f);
  // ... and the frames from step 3 on are never read.
  for (int n = 0; n < 2; ++n)
    for (int t = 3; t < 6; ++t)
      for (int64_t i = 0; i < plane; ++i) frames[(n * 6 + t) * plane + i] = 1.0f - frames[(n * 6 + t) * plane + i];
  const models::PredNetReadout ex2 = trainer.run(frames.data(), 2, 3);
  CHECK(ex2.predictions == ex.predictions);
  CHECK_THROWS_WITH(trainer.run(frames.data(), 2, 0),
                    Contains("extrapolate_from: expected -1 or a step in [1, 6], got 0"));
}

TEST_CASE("PredNet training is deterministic for a seed", "[prednet]") {
  const models::PredNetConfig c = tiny_prednet_config();
  auto losses = [&](uint64_t seed) {
    models::PredNetTrainer t(trainer_config(c, seed));
    std::vector<float> out;
    for (int s = 0; s < 5; ++s) out.push_back(t.train_step());
    const auto bytes = nn::encode_weights(t.model().params(), "prednet", c.to_text());
    return std::make_pair(out, bytes);
  };
  const auto a = losses(3), b = losses(3), other = losses(4);
  CHECK(a.first == b.first);    // bit-identical losses
  CHECK(a.second == b.second);  // and weights
  CHECK(a.first != other.first);
}

TEST_CASE("PredNet refuses bad configs and bad frames with a clear message", "[prednet]") {
  models::PredNetConfig c;
  c.height = 30;  // 3 layers need sides divisible by 4
  CHECK_THROWS_WITH(models::PredNet(c, 1),
                    Contains("frame sides 30x32 must be divisible by 2^(layers-1) = 4 for 3 layers"));
  c = {};
  c.r_channels = {4, 4};
  CHECK_THROWS_WITH(models::PredNet(c, 1), Contains("r_channels: expected 3 values"));
  c = {};
  c.layer_weights = {1, 0};
  CHECK_THROWS_WITH(models::PredNet(c, 1), Contains("layer_weights: expected 3 values"));
  c = {};
  c.time_weights = {0, 1};
  CHECK_THROWS_WITH(models::PredNet(c, 1), Contains("time_weights: expected 10 values"));
  c = {};
  c.frames = 1;
  CHECK_THROWS_WITH(models::PredNet(c, 1), Contains("PredNetConfig.frames: expected an integer in [2, 1000], got 1"));
  CHECK_THROWS_WITH(models::prednet_layer_weights("L1", 3), Contains("loss: expected \"L0\" or \"Lall\", got \"L1\""));
  CHECK(models::prednet_layer_weights("Lall", 4) == std::vector<float>{1, 0.1f, 0.1f, 0.1f});

  const models::PredNetConfig tiny = tiny_prednet_config();
  models::PredNetTrainer trainer(trainer_config(tiny));
  auto frames = random_frames(1, tiny, 1);
  frames[70] = 1.5f;
  CHECK_THROWS_WITH(trainer.run(frames.data(), 1),
                    Contains("frames: expected pixel values in [0, 1], got 1.5 at index 70"));
  frames[70] = NAN;
  CHECK_THROWS_WITH(trainer.train_on(frames.data(), 1), Contains("expected pixel values in [0, 1], got nan"));
  frames[70] = -0.1f;
  CHECK_THROWS_WITH(trainer.loss_on(frames.data(), 1), Contains("got -0.1"));
  CHECK(trainer.steps() == 0);  // nothing trained on the bad frames
  CHECK_THROWS_WITH(
      trainer.check_sequences(3 * 64 + 5, "frames"),
      Contains("frames: expected whole sequences of 3 frames of 1x8x8 (192 values each), got 197 values"));
  CHECK(trainer.check_sequences(2 * 192, "frames") == 2);
  CHECK_THROWS_WITH(trainer.check_sequences(0, "frames"), Contains("got 0 values"));
}

TEST_CASE("PredNet weights and config survive a round trip through a weights file", "[prednet]") {
  models::PredNetConfig c = tiny_prednet_config();
  c.time_weights = {0, 0.25f, 0.75f};
  models::PredNetTrainer a(trainer_config(c, 2));
  a.train(2);
  const auto bytes = nn::encode_weights(a.model().params(), "prednet", a.model().config().to_text());
  const nn::WeightsFile file = nn::decode_weights(bytes.data(), bytes.size());
  const models::PredNetConfig back = models::PredNetConfig::from_text(file.config);
  CHECK(back.a_channels == c.a_channels);
  CHECK(back.r_channels == c.r_channels);
  CHECK(back.layer_weights == c.layer_weights);
  CHECK(back.time_weights == c.time_weights);
  CHECK(back.frames == 3);
  models::PredNetTrainer b(trainer_config(back, 99));
  nn::assign_weights(b.model().params(), file, "prednet");
  const auto frames = random_frames(2, c, 8);
  CHECK(b.run(frames.data(), 2).predictions == a.run(frames.data(), 2).predictions);
  CHECK_THROWS_WITH(models::PredNetConfig::from_text("a_channels=1,x"),
                    Contains("config: a_channels[1] in '1,x': expected an integer, got 'x'"));
  // List items are read as strictly as config values: no spaces, '+', empty items or hex.
  for (const char* text : {"a_channels= 1,4", "a_channels=+1,4", "a_channels=1,,4", "a_channels=1,4,",
                           "layer_weights=1,0x1p3", "layer_weights=1, 0.5", "layer_weights=inf,0"}) {
    INFO(text);
    CHECK_THROWS_AS(models::PredNetConfig::from_text(text), nn::Error);
  }
}

TEST_CASE("bouncing blobs: seeded, in range, moving at bounded speed; surprises break the rules at their frame",
          "[prednet]") {
  data::BlobVideoConfig v;
  nn::Rng r1(5), r2(5);
  const auto a = data::make_blob_dataset(v, 4, r1), b = data::make_blob_dataset(v, 4, r2);
  CHECK(a == b);
  CHECK(*std::min_element(a.begin(), a.end()) >= 0.0f);
  CHECK(*std::max_element(a.begin(), a.end()) <= 1.0f);
  // Blobs stay inside the frame, keep their speed, and reflect off the walls.
  nn::Rng rng(3);
  for (int trial = 0; trial < 50; ++trial) {
    auto blobs = data::random_blobs(v, rng);
    for (auto& bl : blobs) {
      const float speed = std::hypot(bl.vx, bl.vy);
      CHECK(std::fabs(bl.vx) <= v.max_speed);
      CHECK(speed >= v.min_speed);
      for (int t = 0; t < 30; ++t) {
        const data::Blob before = bl;
        data::advance_blob(bl, v.height, v.width);
        CHECK(bl.x >= 0.0f);
        CHECK(bl.x <= 31.0f);
        CHECK(std::hypot(bl.vx, bl.vy) == Approx(speed));
        CHECK(std::hypot(bl.x - before.x, bl.y - before.y) <= speed + 1e-4f);
      }
    }
  }
  // Surprise sequences agree with each other before the surprise frame and differ at it.
  data::SurpriseConfig s;
  s.frame = 5;
  const int64_t plane = 32 * 32, n = 10 * plane;
  std::vector<std::vector<float>> seqs;
  for (auto kind : {data::SurpriseKind::none, data::SurpriseKind::reverse, data::SurpriseKind::appear,
                    data::SurpriseKind::occluder}) {
    s.kind = kind;
    nn::Rng r(71);
    seqs.emplace_back(static_cast<size_t>(n));
    data::make_surprise_sequence(s, r, seqs.back().data());
    data::require_pixels(seqs.back().data(), n, "surprise");
  }
  // seqs[0] is the control ("none"): a plain bouncing-blob sequence.
  for (int k = 1; k < 4; ++k) {
    CHECK(std::equal(seqs[0].begin(), seqs[0].begin() + 5 * plane, seqs[k].begin()));
    CHECK(!std::equal(seqs[0].begin() + 5 * plane, seqs[0].begin() + 6 * plane, seqs[k].begin() + 5 * plane));
  }
  // reverse: at the surprise frame the first blob is back where it was two frames before (this
  // seed has no wall bounce around frame 5), while the second blob goes on as usual.
  nn::Rng r(71);
  auto blobs = data::random_blobs(s.video, r);
  std::vector<data::Blob> first{blobs[0]};
  for (int t = 1; t < 5; ++t) {
    data::advance_blob(blobs[0], 32, 32);
    first.push_back(blobs[0]);
  }
  for (int t = 1; t <= 5; ++t) data::advance_blob(blobs[1], 32, 32);
  std::vector<float> frame(static_cast<size_t>(plane));
  data::render_blobs({first[3], blobs[1]}, s.video.sigma, 32, 32, frame.data());
  for (int64_t i = 0; i < plane; ++i) REQUIRE(seqs[1][5 * plane + i] == Approx(frame[i]).margin(1e-4));
  s.frame = 1;
  CHECK_THROWS_WITH(s.validate(), Contains("SurpriseConfig.frame: expected an integer in [2, 9], got 1"));
  CHECK_THROWS_WITH(data::parse_surprise("explode", "kind"),
                    Contains("kind: expected \"none\", \"reverse\", \"appear\" or \"occluder\""));
}

TEST_CASE("surprise controls are the event sequences without the event, and the scores compare against them",
          "[prednet]") {
  // Several sequences per set, so that a kind drawing extra numbers for its event (appear) would
  // shift the later sequences if the control did not replay each sequence's own draws.
  data::SurpriseConfig s;
  s.video.height = s.video.width = 16;
  s.video.frames = 8;
  s.frame = 5;
  const int count = 6;
  const int64_t plane = 16 * 16, size = s.video.sequence_size();
  for (auto kind : {data::SurpriseKind::reverse, data::SurpriseKind::appear, data::SurpriseKind::occluder}) {
    s.kind = kind;
    const eval::SurprisePairs p = eval::make_surprise_pairs(s, count, 2017);
    INFO(data::surprise_name(kind));
    // The control is what kind none draws alone for the first sequence of the same seed.
    data::SurpriseConfig none = s;
    none.kind = data::SurpriseKind::none;
    std::vector<float> alone(static_cast<size_t>(size));
    nn::Rng rng(2017, 0x5c4e);
    data::make_surprise_sequence(none, rng, alone.data());
    CHECK(std::equal(alone.begin(), alone.end(), p.control.begin()));
    for (int n = 0; n < count; ++n) {
      const float* e = p.event.data() + n * size;
      const float* c = p.control.data() + n * size;
      for (int t = 0; t < s.frame; ++t)  // identical, bit for bit, before the event frame
        REQUIRE(std::equal(e + t * plane, e + (t + 1) * plane, c + t * plane));
      double diff = 0;  // and different at it
      for (int64_t i = 0; i < plane; ++i) diff += std::abs(e[s.frame * plane + i] - c[s.frame * plane + i]);
      CHECK(diff > 0.1);
    }
  }
  // The scores: a fresh model on 16x16, 8-frame sequences; the ratios are the quotients they name.
  models::PredNetConfig m;
  m.height = m.width = 16;
  m.frames = 8;
  m.a_channels = {1, 4};
  m.r_channels = {4, 4};
  m.layer_weights = {1, 0};
  models::PredNetTrainer trainer(trainer_config(m));
  s.kind = data::SurpriseKind::appear;
  const eval::SurpriseScore sc = eval::evaluate_surprise(trainer, s, 4, 2018);
  REQUIRE(sc.error_per_step.size() == 8);
  REQUIRE(sc.control_error_per_step.size() == 8);
  for (int t = 0; t < s.frame; ++t) CHECK(sc.error_per_step[t] == sc.control_error_per_step[t]);
  CHECK(sc.error_at_surprise == sc.error_per_step[5]);
  CHECK(sc.control_error_at_frame == sc.control_error_per_step[5]);
  const double others = (sc.error_per_step[3] + sc.error_per_step[4] + sc.error_per_step[6] + sc.error_per_step[7]) / 4;
  CHECK(sc.error_other_frames == Approx(others).epsilon(1e-12));
  CHECK(sc.surprise_vs_control == Approx(sc.error_at_surprise / sc.control_error_at_frame).epsilon(1e-12));
  CHECK(sc.surprise_vs_other_frames == Approx(sc.error_at_surprise / others).epsilon(1e-12));
  s.kind = data::SurpriseKind::none;
  CHECK_THROWS_WITH(eval::evaluate_surprise(trainer, s, 4, 2018), Contains("expected a surprise kind"));
}

TEST_CASE("moving sprites: shrunk images move inside the frame", "[prednet]") {
  data::IdxImages images;
  images.count = 2;
  images.rows = images.cols = 28;
  images.pixels.assign(2 * 28 * 28, 0);
  for (int i = 0; i < 28 * 28; ++i) images.pixels[i] = 255;                      // image 0: a white square
  for (int i = 0; i < 28 * 28; ++i) images.pixels[28 * 28 + i] = (i % 2) * 200;  // image 1: stripes
  data::SpriteVideoConfig c;
  c.sprites = 1;
  nn::Rng rng(2);
  std::vector<float> seq(static_cast<size_t>(c.sequence_size()));
  for (int trial = 0; trial < 6; ++trial) {
    data::make_sprite_sequence(c, images, rng, seq.data());
    data::require_pixels(seq.data(), c.sequence_size(), "sprites");
    double first = 0;
    for (int t = 0; t < c.frames; ++t) {
      double mass = 0;
      for (int i = 0; i < 32 * 32; ++i) mass += seq[t * 32 * 32 + i];
      if (t == 0) first = mass;
      CHECK(mass == Approx(first).epsilon(0.02));  // the whole sprite stays in view
      CHECK(mass > 0.3 * 16 * 16 * 200 / 255);
    }
  }
  data::IdxImages empty;
  CHECK_THROWS_WITH(data::make_sprite_sequence(c, empty, rng, seq.data()), Contains("expected at least one image"));
}

TEST_CASE("held-out sprites come from their own images when the trainer is given them", "[prednet]") {
  // Training images all black, held-out images all white: the held-out sequences show sprites and
  // the training samples none; without held-out images both use the training pool.
  data::IdxImages train, test;
  train.count = test.count = 1;
  train.rows = train.cols = test.rows = test.cols = 28;
  train.pixels.assign(28 * 28, 0);
  test.pixels.assign(28 * 28, 255);
  models::PredNetConfig m;
  m.height = m.width = 16;
  m.frames = 3;
  m.a_channels = {1, 2};
  m.r_channels = {2, 2};
  m.layer_weights = {1, 0};
  models::PredNetTrainerConfig c = trainer_config(m);
  c.dataset = "sprites";
  c.sprites.sprite_size = 8;
  c.sync();
  const auto mass = [](const std::vector<float>& v) { return std::accumulate(v.begin(), v.end(), 0.0); };
  models::PredNetTrainer split(c, &train, &test);
  CHECK(mass(split.held_out(2)) > 2 * 3 * 8 * 8 * 0.5);
  std::vector<float> drawn(static_cast<size_t>(2 * split.sequence_size()));
  nn::Rng rng(4);
  split.sample(2, rng, drawn.data());
  CHECK(mass(drawn) == 0.0);
  models::PredNetTrainer pooled(c, &train);
  CHECK(mass(pooled.held_out(2)) == 0.0);
  test.count = 0;
  CHECK_THROWS_WITH(models::PredNetTrainer(c, &train, &test), Contains("held-out images: expected at least one"));
}

TEST_CASE("prediction metrics: SSIM, copy-last and linear extrapolation", "[prednet]") {
  nn::Rng rng(1);
  std::vector<float> x(32 * 32), y(32 * 32);
  for (auto& v : x) v = rng.uniform();
  CHECK(eval::ssim(x.data(), x.data(), 32, 32) == Approx(1.0));
  for (size_t i = 0; i < x.size(); ++i) y[i] = std::clamp(x[i] + rng.uniform(-0.2f, 0.2f), 0.0f, 1.0f);
  const double noisy = eval::ssim(x.data(), y.data(), 32, 32);
  for (size_t i = 0; i < x.size(); ++i) y[i] = std::clamp(x[i] + rng.uniform(-0.5f, 0.5f), 0.0f, 1.0f);
  CHECK(noisy < 0.99);
  CHECK(eval::ssim(x.data(), y.data(), 32, 32) < noisy);
  // A pixel brightening linearly: linear extrapolation is exact from t = 2, copy-last lags by one step.
  const int T = 5;
  std::vector<float> frames(static_cast<size_t>(T * 4));
  for (int t = 0; t < T; ++t)
    for (int i = 0; i < 4; ++i) frames[t * 4 + i] = 0.1f * t + 0.05f * i;
  const auto copy = eval::copy_last_predictions(frames.data(), 1, T, 2, 2);
  const auto lin = eval::linear_predictions(frames.data(), 1, T, 2, 2);
  const eval::FrameScores sc = eval::score_predictions(copy.data(), frames.data(), 1, T, 2, 2);
  const eval::FrameScores sl = eval::score_predictions(lin.data(), frames.data(), 1, T, 2, 2);
  CHECK(sc.mse == Approx(0.01));
  CHECK(sl.mse_per_step[1] == Approx(0.01));  // t = 1: linear copies (one frame seen)
  for (int t = 2; t < T; ++t) CHECK(sl.mse_per_step[t] == Approx(0.0).margin(1e-12));
  CHECK(sl.mse == Approx(0.01 / 4));
  // Linear extrapolation is clipped to [0, 1].
  std::vector<float> up = {0.0f, 0.8f, 1.0f};
  CHECK(eval::linear_predictions(up.data(), 1, 3, 1, 1)[2] == 1.0f);
}

TEST_CASE("the closed-loop rollout is scored from its first fed-back frame against hold-last and linear", "[prednet]") {
  models::PredNetConfig c = tiny_prednet_config();
  c.frames = 6;
  models::PredNetTrainer trainer(trainer_config(c));
  // Every pixel brightens linearly: linear extrapolation is exact, holding the last frame lags by
  // (t - k + 1) steps of 0.05 at frame t >= k.
  const int64_t plane = int64_t{c.height} * c.width;
  std::vector<float> frames(static_cast<size_t>(2 * c.frames * plane));
  for (int n = 0; n < 2; ++n)
    for (int t = 0; t < c.frames; ++t)
      for (int64_t i = 0; i < plane; ++i)
        frames[static_cast<size_t>((n * c.frames + t) * plane + i)] = 0.05f * t + 0.01f * n;
  const eval::RolloutScores r = eval::evaluate_rollout(trainer, frames.data(), 2, 4);
  CHECK(r.from_step == 4);
  CHECK(r.linear_mse == Approx(0.0).margin(1e-12));
  CHECK(r.hold_last_mse == Approx((0.05 * 0.05 + 0.1 * 0.1) / 2).epsilon(1e-4));  // frames 4 and 5
  // PredNet's rollout MSE is the trainer's own predictions from step 4, scored over frames 4 and 5.
  const models::PredNetReadout ex = trainer.run(frames.data(), 2, 4);
  double want = 0;
  for (int n = 0; n < 2; ++n)
    for (int t = 4; t < c.frames; ++t)
      for (int64_t i = 0; i < plane; ++i) {
        const size_t at = static_cast<size_t>((n * c.frames + t) * plane + i);
        want += (ex.predictions[at] - frames[at]) * (ex.predictions[at] - frames[at]);
      }
  CHECK(r.prednet_mse == Approx(want / (2.0 * 2 * plane)));
  REQUIRE_THROWS_WITH(eval::evaluate_rollout(trainer, frames.data(), 2, 1), Contains("from_step"));
  REQUIRE_THROWS_WITH(eval::evaluate_rollout(trainer, frames.data(), 2, 6), Contains("from_step"));
}

TEST_CASE("a short fixed-seed training beats copy-last-frame on held-out bouncing blobs", "[prednet][learning]") {
  // A small PredNet on 16x16 frames with one blob (two layers) trained for 100 steps of 4 sequences:
  // beating linear extrapolation takes a model of the motion, not only a copy of the last frame.
  models::PredNetTrainerConfig c;
  c.model.height = c.model.width = 16;
  c.model.frames = 6;
  c.model.a_channels = {1, 8};
  c.model.r_channels = {8, 16};
  c.model.layer_weights = {1, 0};
  c.blobs.blobs = 1;
  c.lr = 5e-3f;
  c.batch = 4;
  c.seed = 3;
  c.sync();
  models::PredNetTrainer trainer(c);
  const auto held_out = trainer.held_out(32);
  const eval::PredNetEvaluation before = eval::evaluate_predictions(trainer, held_out.data(), 32);
  trainer.train(100);
  const eval::PredNetEvaluation after = eval::evaluate_predictions(trainer, held_out.data(), 32);
  INFO("PredNet MSE " << before.prednet.mse << " -> " << after.prednet.mse << ", copy-last " << after.copy_last.mse
                      << ", linear " << after.linear.mse);
  CHECK(after.prednet.mse < 0.5 * before.prednet.mse);
  CHECK(after.prednet.mse < 0.6 * after.copy_last.mse);
  CHECK(after.prednet.mse < after.linear.mse);
}

TEST_CASE("a PredNet step in passes equals the step at once, and the tape estimate holds", "[prednet]") {
  const models::PredNetConfig c = tiny_prednet_config();
  std::vector<float> losses[2];
  std::vector<float> params[2];
  for (int run = 0; run < 2; ++run) {
    models::PredNetTrainerConfig tc = trainer_config(c, 3);
    tc.batch = 5;
    if (run == 1) tc.pass_bytes = 2 * int64_t{sizeof(float)} * c.tape_floats_per_sequence();  // passes of 2, 2, 1
    CHECK(tc.pass_sequences(5) == (run == 0 ? 5 : 2));
    models::PredNetTrainer t(tc);
    for (int s = 0; s < 4; ++s) losses[run].push_back(t.train_step());
    params[run] = t.model().params().values();
  }
  for (int s = 0; s < 4; ++s)
    CHECK(losses[1][static_cast<size_t>(s)] == Approx(losses[0][static_cast<size_t>(s)]).epsilon(1e-5));
  for (size_t i = 0; i < params[0].size(); ++i) CHECK(params[1][i] == Approx(params[0][i]).margin(1e-4));

  // The estimate against the tape of a training pass: the page's default and largest models.
  for (int layers : {3, 4}) {
    models::PredNetConfig m;
    m.a_channels = layers == 3 ? std::vector<int>{1, 8, 16} : std::vector<int>{1, 8, 16, 32};
    m.r_channels = layers == 3 ? std::vector<int>{8, 16, 32} : std::vector<int>{8, 16, 32, 64};
    m.layer_weights = models::prednet_layer_weights("L0", layers);
    constexpr int kSequences = 2;
    models::PredNet net(m, 1);
    nn::Tape t;
    const std::vector<float> frames = random_frames(kSequences, m, 9);
    t.backward(net.forward(t, frames.data(), kSequences));
    const double measured = static_cast<double>(t.arena_capacity()) / sizeof(float) / kSequences;
    INFO(layers << " layers: " << measured << " floats per sequence, estimate " << m.tape_floats_per_sequence());
    CHECK(static_cast<double>(m.tape_floats_per_sequence()) >= 0.6 * measured);
    CHECK(static_cast<double>(m.tape_floats_per_sequence()) <=
          1.6 * measured + 2.0 * (1 << 20) / sizeof(float) / kSequences);
  }
}
