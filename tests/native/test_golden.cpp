// Golden trajectories: a short fixed-seed training of every model must reproduce its stored
// values to the last bit, on any x86-64, under the sanitizers (another optimisation level) and
// with the CPU features that change library code switched off (ctest runs this file a second
// time with NEUROAI_GEMM_NO_AVX2=1 and glibc's FMA variants disabled: see CMakeLists.txt).
// The values live in tests/golden/<name>.txt, one per line as the float's bits and its decimal
// value. Regenerate them only on purpose, after a change meant to alter the arithmetic:
//   NEUROAI_GOLDEN_WRITE=1 build/native/neuroai_tests "[golden]"
// and say why in the commit: a shipped weights file made before it no longer retrains exactly.
// The wasm build computes the same runs within a stated tolerance (tests/wasm/golden.test.mjs).
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "data/lorenz.h"
#include "data/vit_data.h"
#include "envs/env.h"
#include "models/dqn.h"
#include "models/episodic.h"
#include "models/lfads.h"
#include "models/lfads_trainer.h"
#include "models/prednet_trainer.h"
#include "models/runner.h"
#include "models/spiral_trainer.h"
#include "models/vit_trainer.h"
#include "nn/rng.h"

namespace {

std::string source_path(const std::string& relative) {
  const std::string here = __FILE__;
  return here.substr(0, here.rfind("tests/native/")) + relative;
}

uint32_t bits_of(float v) {
  uint32_t b;
  std::memcpy(&b, &v, sizeof b);
  return b;
}

/// Compares `values` with tests/golden/<name>.txt bit for bit (or writes it, on request).
void check_golden(const std::string& name, const std::vector<float>& values) {
  const std::string path = source_path("tests/golden/" + name + ".txt");
  REQUIRE(!values.empty());
  if (const char* w = std::getenv("NEUROAI_GOLDEN_WRITE"); w && std::string(w) == "1") {
    std::ofstream out(path);
    out << "# " << name << ": tests/native/test_golden.cpp; float bits, then the value\n";
    char line[64];
    for (float v : values) {
      std::snprintf(line, sizeof line, "%08x %.9g\n", bits_of(v), static_cast<double>(v));
      out << line;
    }
    WARN("wrote " << path);
    return;
  }
  std::ifstream in(path);
  REQUIRE(static_cast<bool>(in));
  std::vector<uint32_t> expected;
  for (std::string line; std::getline(in, line);)
    if (!line.empty() && line[0] != '#')
      expected.push_back(static_cast<uint32_t>(std::stoul(line.substr(0, 8), nullptr, 16)));
  REQUIRE(values.size() == expected.size());
  for (size_t i = 0; i < values.size(); ++i) {
    INFO(name << " value " << i << ": " << values[i] << " (bits " << std::hex << bits_of(values[i]) << ", stored "
              << expected[i] << ")");
    REQUIRE(bits_of(values[i]) == expected[i]);
  }
}

}  // namespace

TEST_CASE("golden: spiral MLP, 60 Adam steps", "[golden]") {
  models::SpiralTrainerConfig c;
  c.seed = 3;
  models::SpiralTrainer model(c);
  std::vector<float> losses;
  for (int s = 0; s < 60; ++s) losses.push_back(static_cast<float>(model.train_step()));
  check_golden("spiral", losses);
}

TEST_CASE("golden: ViT on the page's Fashion-MNIST images, 12 AdamW steps", "[golden]") {
  std::ifstream f(source_path("assets/vit/fashion-subset.bin"), std::ios::binary);
  REQUIRE(static_cast<bool>(f));
  const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  const data::FashionSubset subset = data::decode_fashion_subset(bytes.data(), bytes.size());
  models::VitTrainConfig tc;
  tc.model.dim = 32;
  tc.model.depth = 2;
  tc.model.mlp = 64;
  tc.batch = 32;
  tc.seed = 7;
  models::VitTrainer model(tc);
  model.set_train_data(data::slice(subset.train, 0, 512));
  std::vector<float> losses;
  for (int s = 0; s < 12; ++s) losses.push_back(model.train_step());
  check_golden("vit", losses);
}

TEST_CASE("golden: PredNet on bouncing blobs, 8 Adam steps", "[golden]") {
  models::PredNetTrainerConfig c;
  c.model.height = c.model.width = 16;
  c.model.frames = 6;
  c.model.a_channels = {1, 4};
  c.model.r_channels = {4, 8};
  c.model.layer_weights = {1.0f, 0.1f};
  c.seed = 11;
  c.sync();
  models::PredNetTrainer trainer(c);
  std::vector<float> losses;
  for (int s = 0; s < 8; ++s) losses.push_back(static_cast<float>(trainer.train_step()));
  check_golden("prednet", losses);
}

TEST_CASE("golden: LFADS with its controller on Lorenz spikes, 10 Adam steps", "[golden]") {
  data::LorenzConfig dc;
  dc.conditions = 4;
  dc.trials = 8;
  dc.neurons = 12;
  dc.bins = 30;
  dc.forward_bins = 5;
  const data::LorenzData d = data::make_lorenz(dc, 13);
  models::LfadsConfig c;
  c.neurons = d.neurons;
  c.readout_neurons = d.neurons;
  c.encoder = 16;
  c.ic = 8;
  c.controller_encoder = 8;
  c.controller_size = 8;
  c.generator = 16;
  c.factors = 4;
  models::LfadsTrainConfig tc;
  tc.batch = 8;
  tc.seed = 13;
  models::LfadsTrainer trainer(c, tc);
  nn::Rng order(13);
  std::vector<float> losses;
  for (int s = 0; s < 10; ++s) {
    std::vector<int> batch(8);
    for (int& b : batch) b = static_cast<int>(order.below(static_cast<uint32_t>(d.count())));
    const models::LfadsLosses l = trainer.train_step(d.spikes.data(), d.bins, d.total_bins(), batch);
    losses.insert(losses.end(), {l.total, l.reconstruction, l.kl_ic, l.kl_inputs});
  }
  check_golden("lfads", losses);
}

TEST_CASE("golden: DQN with prioritized replay on Catch, its losses over 600 steps", "[golden]") {
  // The replay page's second agent at its defaults (ReplayTrainer: beta planned over 2,700 steps), so
  // that tests/wasm/golden.test.mjs can run the same agent through the page's binding.
  models::DqnConfig c = models::dqn_preset("catch");
  c.replay.kind = models::ReplayKind::kProportional;
  c.planned_steps = 2700;
  c.seed = 17;
  models::DqnRunner runner(envs::make_env("catch", c.seed), c);
  std::vector<float> losses;
  for (int s = 0; s < 600; ++s) {
    const float loss = runner.step().info;
    if (!std::isnan(loss)) losses.push_back(loss);
  }
  check_golden("dqn-per", losses);
}

TEST_CASE("golden: episodic control on Catch, its value estimates over 40 episodes", "[golden]") {
  models::MfecConfig c;
  c.seed = 19;
  models::Runner<models::MfecAgent> runner(envs::make_env("catch", c.seed), c);
  std::vector<float> values;
  for (int episode = 0; episode < 40; ++episode) {
    runner.run_episodes(1);
    std::vector<float> q(static_cast<size_t>(runner.agent().actions()));
    runner.agent().estimate(runner.observation().data(), q.data());
    values.insert(values.end(), q.begin(), q.end());
  }
  check_golden("episodic", values);
}
