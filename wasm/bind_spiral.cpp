// SpiralLab for JS: the landing page's live demo (an MLP on 2-D spirals).
//   const m = new Module.SpiralLab({hidden: 32, lr: 0.01, seed: 1});
//   m.trainSteps(50); m.decisionGrid(64, 1.2); m.delete();
#include "js_interop.h"
#include "models/spiral_trainer.h"
#include "nn/weights.h"

using emscripten::val;

namespace {

models::SpiralTrainerConfig parse_spiral_config(const val& obj) {
  js::ConfigObject c(
      obj, "SpiralLab config",
      {"classes", "pointsPerClass", "noise", "turns", "hidden", "layers", "activation", "lr", "batch", "seed"});
  models::SpiralTrainerConfig cfg;
  cfg.data.classes = c.integer("classes", cfg.data.classes);
  cfg.data.points_per_class = c.integer("pointsPerClass", cfg.data.points_per_class);
  cfg.data.noise = static_cast<float>(c.number("noise", cfg.data.noise));
  cfg.data.turns = static_cast<float>(c.number("turns", cfg.data.turns));
  cfg.hidden = c.integer("hidden", cfg.hidden);
  cfg.layers = c.integer("layers", cfg.layers);
  cfg.activation = c.string("activation", cfg.activation);
  cfg.lr = static_cast<float>(c.number("lr", cfg.lr));
  cfg.batch = c.integer("batch", cfg.batch);
  const int seed = c.integer("seed", static_cast<int>(cfg.seed));
  nn::require(seed >= 0, "SpiralLab config.seed: expected a non-negative integer, got ", seed);
  cfg.seed = static_cast<uint64_t>(seed);
  cfg.validate();
  return cfg;
}

class SpiralLabJs {
 public:
  static SpiralLabJs* create(val config) {
    return js::guard([&] { return new SpiralLabJs(parse_spiral_config(config)); });
  }
  static SpiralLabJs* create_default() { return create(val::undefined()); }

  /// Trains `steps` minibatch steps; returns their mean loss.
  double train_steps(val steps) {
    return js::guard([&] { return model_.train(js::integer(steps, "trainSteps: steps", 0, 100000)); });
  }
  double loss() {
    return js::guard([&] { return model_.loss(); });
  }
  double accuracy() {
    return js::guard([&] { return model_.accuracy(); });
  }
  double steps() const { return static_cast<double>(model_.steps()); }
  int classes() const { return model_.config().data.classes; }

  /// Points (N*2) and labels (N) of the data set, as new typed arrays.
  val points() const { return js::to_float32_array(model_.points().xy.data(), model_.points().xy.size()); }
  val labels() const { return js::ints(model_.points().label); }

  /// Class probabilities (n * classes) for a Float32Array of n (x, y) pairs.
  val predict(val xy) {
    return js::guard([&] {
      const auto in = js::float32_array(xy, "predict: xy", -1, 2);
      const int n = static_cast<int>(in.size() / 2);
      // Not n * classes() in int, which a long enough array overflows.
      const int64_t size = nn::checked_product({n, classes()}, js::kMaxElements, "predict: points * classes");
      std::vector<float> out(static_cast<size_t>(size));
      model_.predict(in.data(), n, out.data());
      return js::to_float32_array(out.data(), out.size());
    });
  }

  /// Probabilities on a res x res grid over [-extent, extent]^2, top row first (res*res*classes).
  val decision_grid(val res, val extent) {
    return js::guard([&] {
      const int r = js::integer(res, "decisionGrid: res", 2, 1024);
      const double e = js::number(extent, "decisionGrid: extent");
      grid_.resize(static_cast<size_t>(r * r * classes()));
      model_.decision_grid(r, static_cast<float>(e), grid_.data());
      return js::to_float32_array(grid_.data(), grid_.size());
    });
  }

  /// A zero-copy view of all parameters (valid until the next call into the module).
  val parameters() { return js::view(model_.model().params().values().data(), model_.model().params().count()); }

  val export_weights() {
    const auto bytes = model_.export_weights();
    return js::to_uint8_array(bytes.data(), bytes.size());
  }
  /// Loads a weights file and adopts its hidden layers and activation; inputs and classes must be the data's.
  void load_weights(val bytes) {
    js::load_weights(bytes, [&](const uint8_t* data, size_t size) { model_.load_weights(data, size); });
  }

 private:
  explicit SpiralLabJs(const models::SpiralTrainerConfig& c) : model_(c) {}
  models::SpiralTrainer model_;
  std::vector<float> grid_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(neuroai_spiral) {
  emscripten::class_<SpiralLabJs>("SpiralLab")
      .constructor(&SpiralLabJs::create_default, emscripten::allow_raw_pointers())
      .constructor(&SpiralLabJs::create, emscripten::allow_raw_pointers())
      .function("trainSteps", &SpiralLabJs::train_steps)
      .function("loss", &SpiralLabJs::loss)
      .function("accuracy", &SpiralLabJs::accuracy)
      .function("steps", &SpiralLabJs::steps)
      .function("classes", &SpiralLabJs::classes)
      .function("points", &SpiralLabJs::points)
      .function("labels", &SpiralLabJs::labels)
      .function("predict", &SpiralLabJs::predict)
      .function("decisionGrid", &SpiralLabJs::decision_grid)
      .function("parameters", &SpiralLabJs::parameters)
      .function("exportWeights", &SpiralLabJs::export_weights)
      .function("loadWeights", &SpiralLabJs::load_weights);
}
