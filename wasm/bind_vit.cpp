// The attention case study for JS: a Vision Transformer that trains on Fashion-MNIST images and
// reports where it attends.
//   const subset = Module.decodeFashionSubset(bytes);             // the page's image file
//   const vit = new Module.VitLab({patch: 4, dim: 64, depth: 4, heads: 4, seed: 1});
//   vit.setTrainData(subset.train.pixels, subset.train.labels);
//   vit.trainSteps(10); vit.inspect(image, null).attention; vit.delete();
// Images from JS are Float32Arrays of pixels in [0, 1] (784 per 28 x 28 image); data sets are
// Uint8Arrays as in Fashion-MNIST (0..255, one label byte per image). A head mask is a
// Float32Array of depth * heads factors in [0, 1] (0 lesions the head), or null for none.
#include "data/vit_data.h"
#include "data_parallel.h"
#include "eval/vit_baselines.h"
#include "js_interop.h"
#include "models/vit_trainer.h"
#include "nn/weights.h"

using emscripten::val;

namespace {

models::VitTrainConfig parse_vit_config(const val& obj) {
  js::ConfigObject c(obj, "VitLab config",
                     {"patch", "dim", "depth", "heads", "mlp", "lr", "weightDecay", "batch", "passBytes", "warmup",
                      "decaySteps", "clip", "shift", "flip", "seed"});
  models::VitTrainConfig cfg;
  cfg.model.patch = c.integer("patch", cfg.model.patch);
  cfg.model.dim = c.integer("dim", cfg.model.dim);
  cfg.model.depth = c.integer("depth", cfg.model.depth);
  cfg.model.heads = c.integer("heads", cfg.model.heads);
  cfg.model.mlp = c.integer("mlp", cfg.model.mlp);
  cfg.lr = static_cast<float>(c.number("lr", cfg.lr));
  cfg.weight_decay = static_cast<float>(c.number("weightDecay", cfg.weight_decay));
  cfg.batch = c.integer("batch", cfg.batch);
  cfg.pass_bytes = c.integer("passBytes", 0);
  cfg.warmup = c.integer("warmup", cfg.warmup);
  cfg.decay_steps = c.integer("decaySteps", cfg.decay_steps);
  cfg.clip = static_cast<float>(c.number("clip", cfg.clip));
  cfg.shift = c.integer("shift", cfg.shift);
  cfg.flip = c.boolean("flip", cfg.flip);
  const int seed = c.integer("seed", static_cast<int>(cfg.seed));
  nn::require(seed >= 0, "VitLab config.seed: expected a non-negative integer, got ", seed);
  cfg.seed = static_cast<uint64_t>(seed);
  cfg.validate();
  return cfg;
}

val config_object(const models::VitConfig& c) {
  val o = val::object();
  o.set("image", c.image);
  o.set("channels", c.channels);
  o.set("patch", c.patch);
  o.set("dim", c.dim);
  o.set("depth", c.depth);
  o.set("heads", c.heads);
  o.set("mlp", c.mlp);
  o.set("classes", c.classes);
  o.set("grid", c.grid());
  o.set("patches", c.patches());
  o.set("tokens", c.tokens());
  return o;
}

val labeled_object(const data::LabeledImages& s) {
  val o = val::object();
  o.set("count", s.count);
  o.set("pixels", js::to_uint8_array(s.pixels.data(), s.pixels.size()));
  o.set("labels", js::to_uint8_array(s.labels.data(), s.labels.size()));
  return o;
}

/// A data set from JS: pixels (count * image_size bytes) and labels (count bytes).
data::LabeledImages labeled_from(const val& pixels, const val& labels, const models::VitConfig& m, const char* what) {
  const std::string p = std::string(what) + ": pixels", l = std::string(what) + ": labels";
  data::LabeledImages s;
  s.rows = s.cols = m.image;
  s.labels = js::uint8_array(labels, l.c_str());
  s.count = static_cast<int>(s.labels.size());
  s.pixels = js::uint8_array(pixels, p.c_str());
  // Overflow-safe: labels * pixels per image wrapped wasm32's size_t (5478275 labels of 784 pixels: 304 bytes).
  const int64_t bytes = nn::checked_product({static_cast<int64_t>(s.labels.size()), m.pixels()}, int64_t{1} << 31,
                                            p + ": images * pixels per image");
  nn::require(static_cast<int64_t>(s.pixels.size()) == bytes, p, ": expected ", bytes, " bytes (", s.labels.size(),
              " images of ", m.image, "x", m.image, "), got ", s.pixels.size());
  data::validate(s, m.classes, what);
  return s;
}

/// Float32Array pixels of n images in [0, 1]; n = length / pixels per image (a whole number).
std::vector<float> images_from(const val& v, const char* name, const models::VitConfig& m, long long expected = -1) {
  std::vector<float> x = js::float32_array(v, name, expected, m.pixels());
  nn::require(!x.empty(), name, ": expected at least one image of ", m.pixels(), " pixels, got none");
  for (size_t i = 0; i < x.size(); ++i)
    nn::require(x[i] >= 0.0f && x[i] <= 1.0f, name, "[", i, "]: expected a pixel in [0, 1], got ", x[i]);
  return x;
}

class VitLabJs {
 public:
  static VitLabJs* create(val config) {
    return js::guard([&] { return new VitLabJs(parse_vit_config(config)); });
  }

  void set_train_data(val pixels, val labels) {
    js::guard([&] {
      auto set = labeled_from(pixels, labels, model_.config().model, "setTrainData");
      nn::require(set.count >= 1, "setTrainData: expected at least one image");
      model_.set_train_data(std::move(set));
    });
  }
  void set_test_data(val pixels, val labels) {
    js::guard([&] { test_ = labeled_from(pixels, labels, model_.config().model, "setTestData"); });
  }
  int train_count() const { return model_.train_data().count; }
  int test_count() const { return test_.count; }

  /// Trains `steps` minibatch steps; returns their mean loss.
  double train_steps(val steps) {
    return js::guard([&] { return model_.train(js::integer(steps, "trainSteps: steps", 0, 100000)); });
  }

  // Data-parallel steps (web/js/engine/replicas.js; models::VitTrainer::begin_step): the lab that
  // owns the step draws the batch, hands shares of it to replicas, adds its own share and theirs.
  /// {images (n * pixels Float32Array), labels (n Int32Array)}: images [first, first + n) of the
  /// batch beginStep drew, a replica's share (the rest of the data-parallel API: data_parallel.h).
  val batch_share(val first, val n) {
    return js::guard([&] {
      const int B = static_cast<int>(model_.batch_labels().size());
      nn::require(B > 0, "batchShare: no batch drawn (call beginStep first)");
      const int f = js::integer(first, "batchShare: first", 0, B - 1), k = js::integer(n, "batchShare: n", 1, B - f);
      const size_t pixels = static_cast<size_t>(model_.config().model.pixels());
      val o = val::object();
      o.set("images", js::to_float32_array(model_.batch_images().data() + f * pixels, k * pixels));
      o.set("labels",
            js::ints(std::vector<int>(model_.batch_labels().begin() + f, model_.batch_labels().begin() + f + k)));
      return o;
    });
  }
  /// A replica's part: {loss, gradients (paramCount Float32Array)} of a share of `batch` images.
  val replica_gradient(val share, val batch) {
    return js::guard([&] {
      const models::VitConfig& m = model_.config().model;
      const std::vector<float> x = images_from(share["images"], "replicaGradient: share.images", m);
      const int n = static_cast<int>(x.size() / static_cast<size_t>(m.pixels()));
      const std::vector<int> y = js::int32_array(share["labels"], "replicaGradient: share.labels", n);
      const int b = js::integer(batch, "replicaGradient: batch", n, 1 << 20);
      return js::replica_answer(*this, model_.replica_gradient(x.data(), y.data(), n, b));
    });
  }
  models::VitTrainer& trainer() { return model_; }
  nn::Params& params() { return model_.model().params(); }

  double steps() const { return static_cast<double>(model_.steps()); }
  double images_seen() const { return static_cast<double>(model_.images_seen()); }
  double epochs() const { return model_.epochs(); }
  double learning_rate() const { return model_.learning_rate(); }

  /// {accuracy, loss, images, confusion (K*K Int32Array)} on the first maxImages test images.
  val evaluate(val max_images, val head_mask) {
    return js::guard([&] {
      nn::require(test_.count > 0, "evaluate: no test data (call setTestData first)");
      const int n = js::integer(max_images, "evaluate: maxImages", 1, 1 << 24);
      const auto mask = mask_from(head_mask, "evaluate: headMask");
      const models::VitEvaluation e = model_.evaluate(test_, n, mask.empty() ? nullptr : mask.data());
      val o = val::object();
      o.set("accuracy", e.accuracy);
      o.set("loss", e.loss);
      o.set("images", e.images);
      o.set("confusion", js::ints(e.confusion));
      return o;
    });
  }

  /// Class probabilities (n * K) for n images.
  val predict(val images, val head_mask) {
    return js::guard([&] {
      const auto& m = model_.config().model;
      const auto x = images_from(images, "predict: images", m);
      const auto mask = mask_from(head_mask, "predict: headMask");
      const int n = static_cast<int>(x.size() / static_cast<size_t>(m.pixels()));
      std::vector<float> probs(static_cast<size_t>(n) * m.classes);
      model_.model().predict(x.data(), n, mask.empty() ? nullptr : mask.data(), probs.data());
      return js::to_float32_array(probs.data(), probs.size());
    });
  }

  /// One image: {probs (K), attention (depth * heads * T * T), rollout (T * T)}.
  val inspect(val image, val head_mask) {
    return js::guard([&] {
      const auto& m = model_.config().model;
      const auto mask = mask_from(head_mask, "inspect: headMask");
      std::vector<float> attention;
      val o = maps_object(images_from(image, "inspect: image", m, m.pixels()), mask, attention, "inspect");
      std::vector<float> rollout(static_cast<size_t>(m.tokens()) * m.tokens());
      models::vit_rollout(m, attention.data(), mask.empty() ? nullptr : mask.data(), rollout.data());
      o.set("rollout", js::to_float32_array(rollout.data(), rollout.size()));
      return o;
    });
  }

  /// n images: {probs (n * K), attention (n * depth * heads * T * T)}, the batched inspect without rollouts.
  val attention_maps(val images, val head_mask) {
    return js::guard([&] {
      const auto& m = model_.config().model;
      std::vector<float> attention;
      return maps_object(images_from(images, "attentionMaps: images", m),
                         mask_from(head_mask, "attentionMaps: headMask"), attention, "attentionMaps");
    });
  }

  /// The attention rollout (T * T) of one image's attention (depth * heads * T * T, as inspect or
  /// attentionMaps give it; e.g. from the WebGPU path), with the head mask the maps were made with.
  val rollout(val attention, val head_mask) {
    return js::guard([&] {
      const auto& m = model_.config().model;
      const size_t T = static_cast<size_t>(m.tokens());
      const auto a =
          js::float32_array(attention, "rollout: attention", static_cast<long long>(m.depth * m.heads * T * T));
      for (size_t i = 0; i < a.size(); ++i)
        nn::require(a[i] >= 0.0f && a[i] <= 1.0f, "rollout: attention[", i, "]: expected a probability in [0, 1], got ",
                    a[i]);
      const auto mask = mask_from(head_mask, "rollout: headMask");
      std::vector<float> r(T * T);
      models::vit_rollout(m, a.data(), mask.empty() ? nullptr : mask.data(), r.data());
      return js::to_float32_array(r.data(), r.size());
    });
  }

  /// Mean attention distance in pixels (depth * heads) over n images.
  val mean_attention_distance(val images) {
    return js::guard([&] {
      const auto& m = model_.config().model;
      const auto x = images_from(images, "meanAttentionDistance: images", m);
      std::vector<float> out(static_cast<size_t>(m.depth * m.heads));
      model_.model().mean_attention_distance(x.data(), static_cast<int>(x.size() / static_cast<size_t>(m.pixels())),
                                             out.data());
      return js::to_float32_array(out.data(), out.size());
    });
  }

  /// Cosine similarity of the patches' position embeddings (patches * patches).
  val position_similarity() {
    const int N = model_.config().model.patches();
    std::vector<float> out(static_cast<size_t>(N) * N);
    model_.model().position_similarity(out.data());
    return js::to_float32_array(out.data(), out.size());
  }

  /// The k-NN baseline in pixel space on this object's data: {accuracy, predictions (Int32Array)}.
  val knn_baseline(val k) {
    return js::guard([&] {
      nn::require(test_.count > 0, "knnBaseline: no test data (call setTestData first)");
      nn::require(model_.train_data().count > 0, "knnBaseline: no training data (call setTrainData first)");
      const int kk = js::integer(k, "knnBaseline: k", 1, 100);
      const eval::KnnResult r = eval::knn_classify(model_.train_data(), test_, kk, model_.config().model.classes);
      val o = val::object();
      o.set("accuracy", r.accuracy);
      o.set("predictions", js::ints(r.predictions));
      return o;
    });
  }

  /// The inference forward pass as data (models::Vit::forward_plan): {config, ops, outputs, weights} for
  /// engines outside the core (web/js/gpu/vit-forward.js). Shapes give the batch as "B"; weights
  /// are copies ({name: Float32Array}), so the plan stays valid after training goes on.
  val forward_plan() const {
    const models::Vit& vit = model_.model();
    const models::VitConfig& m = vit.config();
    val cfg = config_object(m);
    cfg.set("pixelMean", models::kVitPixelMean);
    cfg.set("pixelStd", models::kVitPixelStd);
    cfg.set("lnEps", models::Vit::kLayerNormEps);
    const models::VitPlan plan = vit.forward_plan();
    return js::plan_object(cfg, plan.ops, plan.outputs, vit.params());
  }

  val config() const { return config_object(model_.config().model); }
  double param_count() const { return static_cast<double>(model_.model().params().count()); }
  /// A zero-copy view of all parameters (valid until the next call into the module).
  val parameters() { return js::view(model_.model().params().values().data(), model_.model().params().count()); }

  val export_weights() {
    const auto bytes = model_.export_weights();
    return js::to_uint8_array(bytes.data(), bytes.size());
  }
  /// Loads a weights file and adopts its architecture (see config()); the images must fit it.
  void load_weights(val bytes) {
    js::load_weights(bytes, [&](const uint8_t* data, size_t size) { model_.load_weights(data, size); });
  }

 private:
  /// {probs, attention} of the images x (n * pixels) with the head mask (empty: none); `attention`
  /// keeps the maps, (n, depth, heads, T, T).
  val maps_object(const std::vector<float>& x, const std::vector<float>& mask, std::vector<float>& attention,
                  const std::string& fn) {
    const auto& m = model_.config().model;
    const int n = static_cast<int>(x.size() / static_cast<size_t>(m.pixels()));
    // n * depth * heads * T^2 wrapped wasm32's size_t for many images: check it before allocating.
    const int64_t maps = nn::checked_product({n, m.depth, m.heads, m.tokens(), m.tokens()}, js::kMaxElements,
                                             fn + ": images * depth * heads * tokens^2");
    std::vector<float> probs(static_cast<size_t>(n) * m.classes);
    attention.assign(static_cast<size_t>(maps), 0.0f);
    model_.model().attention_maps(x.data(), n, mask.empty() ? nullptr : mask.data(), probs.data(), attention.data());
    val o = val::object();
    o.set("probs", js::to_float32_array(probs.data(), probs.size()));
    o.set("attention", js::to_float32_array(attention.data(), attention.size()));
    return o;
  }

  explicit VitLabJs(const models::VitTrainConfig& c) : model_(c) {}

  std::vector<float> mask_from(const val& v, const char* name) const {
    if (v.isNull() || v.isUndefined()) return {};
    const auto& m = model_.config().model;
    std::vector<float> mask = js::float32_array(v, name, m.depth * m.heads);
    model_.model().validate_head_mask(mask.data(), name);
    return mask;
  }

  models::VitTrainer model_;
  data::LabeledImages test_;
};

/// {rows, cols, train: {count, pixels, labels}, test: {...}} from a subset file's bytes.
val decode_fashion_subset(val bytes) {
  return js::guard([&] {
    const auto data = js::uint8_array(bytes, "decodeFashionSubset: bytes");
    const data::FashionSubset s = data::decode_fashion_subset(data.data(), data.size());
    val o = val::object();
    o.set("rows", s.train.rows);
    o.set("cols", s.train.cols);
    o.set("train", labeled_object(s.train));
    o.set("test", labeled_object(s.test));
    val names = val::array();
    for (const char* name : data::kFashionClasses) names.call<void>("push", val(name));
    o.set("classNames", names);
    return o;
  });
}

/// {train, test}: a subset file's splits as subset files of their own (Uint8Arrays), each with
/// the other split empty (the site ships them apart: tools/assemble-site.mjs).
val split_fashion_subset(val bytes) {
  return js::guard([&] {
    const auto data = js::uint8_array(bytes, "splitFashionSubset: bytes");
    const data::FashionSubsetFiles files =
        data::split_fashion_subset(data::decode_fashion_subset(data.data(), data.size()));
    val o = val::object();
    o.set("train", js::to_uint8_array(files.train.data(), files.train.size()));
    o.set("test", js::to_uint8_array(files.test.data(), files.test.size()));
    return o;
  });
}

/// The model config stored in a ViT weights file (to construct a matching VitLab).
val vit_weights_config(val bytes) {
  return js::guard([&] {
    const auto data = js::uint8_array(bytes, "vitWeightsConfig: bytes");
    const auto file = nn::decode_weights(data.data(), data.size());
    nn::require(file.kind == "vit", "vitWeightsConfig: the file holds a '", file.kind, "' model, expected 'vit'");
    return config_object(models::VitConfig::from_text(file.config));
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(neuroai_vit) {
  emscripten::class_<VitLabJs> lab("VitLab");
  lab.constructor(&VitLabJs::create, emscripten::allow_raw_pointers())
      .function("setTrainData", &VitLabJs::set_train_data)
      .function("setTestData", &VitLabJs::set_test_data)
      .function("trainCount", &VitLabJs::train_count)
      .function("testCount", &VitLabJs::test_count)
      .function("trainSteps", &VitLabJs::train_steps)
      .function("batchShare", &VitLabJs::batch_share)
      .function("replicaGradient", &VitLabJs::replica_gradient)
      .function("steps", &VitLabJs::steps)
      .function("imagesSeen", &VitLabJs::images_seen)
      .function("epochs", &VitLabJs::epochs)
      .function("learningRate", &VitLabJs::learning_rate)
      .function("evaluate", &VitLabJs::evaluate)
      .function("predict", &VitLabJs::predict)
      .function("inspect", &VitLabJs::inspect)
      .function("attentionMaps", &VitLabJs::attention_maps)
      .function("rollout", &VitLabJs::rollout)
      .function("meanAttentionDistance", &VitLabJs::mean_attention_distance)
      .function("positionSimilarity", &VitLabJs::position_similarity)
      .function("knnBaseline", &VitLabJs::knn_baseline)
      .function("config", &VitLabJs::config)
      .function("forwardPlan", &VitLabJs::forward_plan)
      .function("paramCount", &VitLabJs::param_count)
      .function("parameters", &VitLabJs::parameters)
      .function("exportWeights", &VitLabJs::export_weights)
      .function("loadWeights", &VitLabJs::load_weights);
  js::register_data_parallel(lab);
  emscripten::function("decodeFashionSubset", &decode_fashion_subset);
  emscripten::function("splitFashionSubset", &split_fashion_subset);
  emscripten::function("vitWeightsConfig", &vit_weights_config);
}
