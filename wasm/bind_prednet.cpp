// PredNet for JS: the predictive-coding page trains it live and draws its units.
//   const m = new Module.PredNet({layers: 3, loss: 'L0', lr: 0.001, seed: 1});
//   m.trainSteps(5);                                 // mean loss of 5 Adam steps (4 sequences each)
//   const seq = m.surpriseSequence('reverse', 6, 1); // Float32Array (T*H*W)
//   const out = m.run(seq, -1);                      // {predictions, layerError, ahat[], error[], r[]}
//   m.delete();
// Frames are Float32Arrays of whole sequences (N, T, 1, H, W), values in [0, 1].
#include <cmath>

#include "data_parallel.h"
#include "eval/prednet_eval.h"
#include "js_interop.h"
#include "models/prednet_trainer.h"

using emscripten::val;

namespace {

// ---------------------------------------------------------------- config

/// A JS array of integers in [lo, hi] (a plain Array, not a typed array).
std::vector<int> int_array(const val& v, const std::string& name, int lo, int hi) {
  nn::require(v.isArray(), name, ": expected an array of integers, got ", js::type_name(v));
  std::vector<int> out;
  const int n = v["length"].as<int>();
  for (int i = 0; i < n; ++i) out.push_back(js::integer(v[i], (name + "[" + std::to_string(i) + "]").c_str(), lo, hi));
  return out;
}

std::vector<float> number_array(const val& v, const std::string& name) {
  nn::require(v.isArray(), name, ": expected an array of numbers, got ", js::type_name(v));
  std::vector<float> out;
  const int n = v["length"].as<int>();
  for (int i = 0; i < n; ++i)
    out.push_back(static_cast<float>(js::number(v[i], (name + "[" + std::to_string(i) + "]").c_str())));
  return out;
}

struct ParsedConfig {
  models::PredNetTrainerConfig trainer;
  data::IdxImages images;           // sprites only
  data::IdxImages held_out_images;  // sprites only, optional (count 0: held-out sprites use `images`)
};

// Channel sizes for `layers` when the caller gives none: the default model and its deeper/shallower kin.
constexpr int kDefaultA[] = {1, 8, 16, 32, 64, 128};
constexpr int kDefaultR[] = {8, 16, 32, 64, 128, 256};

ParsedConfig parse_prednet_config(const val& obj) {
  const char* owner = "PredNetLab config";
  js::ConfigObject c(
      obj, owner,
      {"size", "frames", "layers", "aChannels", "rChannels", "loss", "layerWeights", "lr", "batch", "passBytes", "clip",
       "seed", "dataset", "blobs", "sprites", "images", "heldOutImages", "imageRows", "imageCols"});
  ParsedConfig p;
  models::PredNetTrainerConfig& t = p.trainer;
  models::PredNetConfig& m = t.model;
  m.height = m.width = c.integer("size", m.height);
  m.frames = c.integer("frames", m.frames);
  const val given = obj.isUndefined() || obj.isNull() ? val::object() : obj;
  const int layers = c.integer("layers", m.layers());
  nn::require_int_range(layers, 1, 6, "PredNetLab config.layers");
  m.a_channels.assign(kDefaultA, kDefaultA + layers);
  m.r_channels.assign(kDefaultR, kDefaultR + layers);
  if (!given["aChannels"].isUndefined())
    m.a_channels = int_array(given["aChannels"], "PredNetLab config.aChannels", 1, 512);
  if (!given["rChannels"].isUndefined())
    m.r_channels = int_array(given["rChannels"], "PredNetLab config.rChannels", 1, 512);
  nn::require(given["layerWeights"].isUndefined() || given["loss"].isUndefined(),
              "PredNetLab config: give loss or layerWeights, not both");
  if (!given["layerWeights"].isUndefined())
    m.layer_weights = number_array(given["layerWeights"], "PredNetLab config.layerWeights");
  else
    m.layer_weights = models::prednet_layer_weights(c.string("loss", "L0"), m.layers());
  t.lr = static_cast<float>(c.number("lr", t.lr));
  t.batch = c.integer("batch", t.batch);
  t.pass_bytes = c.integer("passBytes", 0);
  t.clip = static_cast<float>(c.number("clip", t.clip));
  const int seed = c.integer("seed", static_cast<int>(t.seed));
  nn::require(seed >= 0, "PredNetLab config.seed: expected a non-negative integer, got ", seed);
  t.seed = static_cast<uint64_t>(seed);
  t.dataset = c.string("dataset", t.dataset);
  t.blobs.blobs = c.integer("blobs", t.blobs.blobs);
  t.sprites.sprites = c.integer("sprites", t.sprites.sprites);
  // images: the training sprites; heldOutImages (optional): the held-out sequences' sprites, images
  // training never sees (the page passes the subset's test split, as the native eval uses t10k).
  const auto read_images = [&](const char* key, const char* what, data::IdxImages& out) {
    if (given[key].isUndefined()) return;
    out.rows = js::integer(given["imageRows"].isUndefined() ? val(28) : given["imageRows"],
                           "PredNetLab config.imageRows", 1, 1024);
    out.cols = js::integer(given["imageCols"].isUndefined() ? val(28) : given["imageCols"],
                           "PredNetLab config.imageCols", 1, 1024);
    out.pixels = js::uint8_array(given[key], what);
    const size_t per = static_cast<size_t>(out.rows) * out.cols;
    nn::require(!out.pixels.empty() && out.pixels.size() % per == 0, what, ": expected a whole number of ", out.rows,
                "x", out.cols, " images, got ", out.pixels.size(), " bytes");
    out.count = static_cast<int>(out.pixels.size() / per);
  };
  read_images("images", "PredNetLab config.images", p.images);
  read_images("heldOutImages", "PredNetLab config.heldOutImages", p.held_out_images);
  t.sync();
  t.validate();
  return p;
}

val float_arrays(const std::vector<std::vector<float>>& xs) {
  val out = val::array();
  for (const auto& x : xs) out.call<void>("push", js::to_float32_array(x.data(), x.size()));
  return out;
}

val doubles(const std::vector<double>& xs) {
  val out = val::array();
  for (double x : xs) out.call<void>("push", x);
  return out;
}

// ---------------------------------------------------------------- the class

class PredNetLabJs {
 public:
  static PredNetLabJs* create(val config) {
    return js::guard([&] {
      ParsedConfig p = parse_prednet_config(config);
      return new PredNetLabJs(p);
    });
  }
  static PredNetLabJs* create_default() { return create(val::undefined()); }

  /// {frames (n sequences, Float32Array)}: sequences [first, first + n) of the batch beginStep drew,
  /// a replica's share (the rest of the data-parallel API: data_parallel.h).
  val batch_share(val first, val n) {
    return js::guard([&] {
      const int B = static_cast<int>(static_cast<int64_t>(trainer_.batch_frames().size()) / trainer_.sequence_size());
      nn::require(B > 0, "batchShare: no batch drawn (call beginStep first)");
      const int f = js::integer(first, "batchShare: first", 0, B - 1), k = js::integer(n, "batchShare: n", 1, B - f);
      const size_t per = static_cast<size_t>(trainer_.sequence_size());
      val o = val::object();
      o.set("frames", js::to_float32_array(trainer_.batch_frames().data() + f * per, k * per));
      return o;
    });
  }
  /// A replica's part: {loss, gradients (the parameters' count, Float32Array)} of a share of `batch` sequences.
  val replica_gradient(val share, val batch) {
    return js::guard([&] {
      const std::vector<float> frames = js::float32_array(share["frames"], "replicaGradient: share.frames", -1,
                                                          static_cast<int>(trainer_.sequence_size()));
      const int n = trainer_.check_sequences(static_cast<int64_t>(frames.size()), "replicaGradient: share.frames");
      const int b = js::integer(batch, "replicaGradient: batch", n, 1024);
      return js::replica_answer(*this, trainer_.replica_gradient(frames.data(), n, b));
    });
  }
  models::PredNetTrainer& trainer() { return trainer_; }
  nn::Params& params() { return trainer_.model().params(); }

  /// `steps` Adam steps on fresh sequences from the data source; their mean loss.
  double train_steps(val steps) {
    return js::guard([&] { return trainer_.train(js::integer(steps, "trainSteps: steps", 0, 100000)); });
  }
  /// One Adam step on the given sequences; its loss.
  double train_on(val frames) {
    return js::guard([&] {
      const auto f = sequences(frames, "trainOn: frames");
      return trainer_.train_on(f.data(), count_);
    });
  }
  double loss_on(val frames) {
    return js::guard([&] {
      const auto f = sequences(frames, "lossOn: frames");
      return trainer_.loss_on(f.data(), count_);
    });
  }
  double steps() const { return static_cast<double>(trainer_.steps()); }
  void set_learning_rate(val lr) {
    js::guard([&] { trainer_.set_lr(static_cast<float>(js::number(lr, "setLearningRate: lr"))); });
  }

  /// The model's geometry: {size, frames, layers, aChannels, rChannels, layerWeights, parameters, dataset}.
  val describe() const {
    const auto& m = trainer_.model().config();
    val out = val::object();
    out.set("size", m.height);
    out.set("frames", m.frames);
    out.set("layers", m.layers());
    val a = val::array(), r = val::array(), w = val::array();
    for (int l = 0; l < m.layers(); ++l) {
      a.call<void>("push", m.a_channels[l]);
      r.call<void>("push", m.r_channels[l]);
      w.call<void>("push", m.layer_weights[l]);
    }
    out.set("aChannels", a);
    out.set("rChannels", r);
    out.set("layerWeights", w);
    out.set("parameters", static_cast<double>(trainer_.model().params().count()));
    out.set("dataset", trainer_.config().dataset);
    out.set("batch", trainer_.config().batch);
    out.set("config", m.to_text());
    return out;
  }

  /// `count` sequences of the data source drawn with `seed` (N*T*H*W).
  val sample(val count, val seed) {
    return js::guard([&] {
      const int n = sequence_count(count, "sample");
      nn::Rng rng(static_cast<uint64_t>(js::integer(seed, "sample: seed", 0, 1 << 30)), 0x5a3b1e);
      std::vector<float> out(static_cast<size_t>(n * trainer_.sequence_size()));
      trainer_.sample(n, rng, out.data());
      return js::to_float32_array(out.data(), out.size());
    });
  }
  /// One blob sequence with a surprise of `kind` ("none", "reverse", "appear", "occluder") at `frame`.
  val surprise_sequence(val kind, val frame, val seed) {
    return js::guard([&] {
      data::SurpriseConfig s = surprise_config(kind, frame, "surpriseSequence");
      nn::Rng rng(static_cast<uint64_t>(js::integer(seed, "surpriseSequence: seed", 0, 1 << 30)), 0x5c4e);
      std::vector<float> out(static_cast<size_t>(trainer_.sequence_size()));
      data::make_surprise_sequence(s, rng, out.data());
      return js::to_float32_array(out.data(), out.size());
    });
  }
  /// The first `count` held-out sequences (never trained on).
  val held_out(val count) {
    return js::guard([&] {
      const auto& h = trainer_.held_out(sequence_count(count, "heldOut"));
      return js::to_float32_array(h.data(), h.size());
    });
  }

  /// Runs the model over sequences without training. extrapolateFrom: -1, or the step from which
  /// the prediction is fed back as input. Returns {count, predictions, layerError (T*L), ahat[l],
  /// error[l] (E+ channels then E- channels), r[l]}, each a new Float32Array in (N, T, C, H, W) order.
  val run(val frames, val extrapolate_from) {
    return js::guard([&] {
      const auto f = sequences(frames, "run: frames");
      const int ex =
          extrapolate_from.isUndefined() ? -1 : js::integer(extrapolate_from, "run: extrapolateFrom", -1, 100000);
      const models::PredNetReadout out = trainer_.run(f.data(), count_, ex, /*full=*/true);
      val o = val::object();
      o.set("count", out.count);
      o.set("predictions", js::to_float32_array(out.predictions.data(), out.predictions.size()));
      o.set("layerError", js::to_float32_array(out.layer_error.data(), out.layer_error.size()));
      o.set("ahat", float_arrays(out.ahat));
      o.set("error", float_arrays(out.error));
      o.set("r", float_arrays(out.r));
      return o;
    });
  }
  val run_all(val frames) { return run(frames, val::undefined()); }
  /// Only the frame predictions (N*T*H*W) and layerError: the light version of run.
  val predict(val frames, val extrapolate_from) {
    return js::guard([&] {
      const auto f = sequences(frames, "predict: frames");
      const int ex =
          extrapolate_from.isUndefined() ? -1 : js::integer(extrapolate_from, "predict: extrapolateFrom", -1, 100000);
      const models::PredNetReadout out = trainer_.run(f.data(), count_, ex, /*full=*/false);
      val o = val::object();
      o.set("predictions", js::to_float32_array(out.predictions.data(), out.predictions.size()));
      o.set("layerError", js::to_float32_array(out.layer_error.data(), out.layer_error.size()));
      return o;
    });
  }

  val predict_all(val frames) { return predict(frames, val::undefined()); }
  val evaluate_with_ssim(val count) { return evaluate(count, val::undefined()); }

  /// PredNet against copy-last and linear extrapolation on the first `count` held-out sequences.
  /// ssim (default true): also SSIM, which costs about as much again as the MSE (NaN without).
  val evaluate(val count, val with_ssim) {
    return js::guard([&] {
      const int n = sequence_count(count, "evaluate");
      nn::require(with_ssim.isUndefined() || with_ssim.isTrue() || with_ssim.isFalse(),
                  "evaluate: ssim: expected true or false, got ", js::type_name(with_ssim));
      const bool ssim = !with_ssim.isFalse();
      const auto& h = trainer_.held_out(n);
      return evaluation(eval::evaluate_predictions(trainer_, h.data(), n, ssim), n, ssim);
    });
  }

  /// evaluate()'s table from predictions made elsewhere (the WebGPU path): predictions of the first
  /// `count` held-out sequences, (count, T, H, W) as predict() gives; ssim as in evaluate().
  val evaluate_predictions(val count, val predictions, val with_ssim) {
    return js::guard([&] {
      const int n = sequence_count(count, "evaluatePredictions");
      nn::require(with_ssim.isUndefined() || with_ssim.isTrue() || with_ssim.isFalse(),
                  "evaluatePredictions: ssim: expected true or false, got ", js::type_name(with_ssim));
      const bool ssim = !with_ssim.isFalse();
      const auto& m = trainer_.config().model;
      nn::require(m.a_channels[0] == 1, "evaluatePredictions: expected a grayscale model");
      const auto p = js::float32_array(predictions, "evaluatePredictions: predictions",
                                       static_cast<long long>(n) * trainer_.sequence_size());
      const auto& h = trainer_.held_out(n);
      return evaluation(eval::evaluate_prediction_values(p.data(), h.data(), n, m.frames, m.height, m.width, ssim), n,
                        ssim);
    });
  }

  /// The rollout as data (models::PredNet::forward_plan): {config, ops, outputs, weights}; the input is
  /// "frames" (B, T, C, H, W); extrapolateFrom as in run(). Weights are copies.
  val forward_plan(val extrapolate_from) const {
    return js::guard([&] {
      const int ex = extrapolate_from.isUndefined()
                         ? -1
                         : js::integer(extrapolate_from, "forwardPlan: extrapolateFrom", -1, 100000);
      const models::PredNet& model = trainer_.model();
      const models::PredNetPlan plan = model.forward_plan(ex);
      const auto& m = model.config();
      val cfg = val::object();
      cfg.set("height", m.height);
      cfg.set("width", m.width);
      cfg.set("frames", m.frames);
      cfg.set("channels", m.a_channels[0]);
      cfg.set("layers", m.layers());
      cfg.set("pixelMax", m.pixel_max);
      cfg.set("extrapolateFrom", ex);
      return js::plan_object(cfg, plan.ops, plan.outputs, model.params());
    });
  }
  val forward_plan_default() const { return forward_plan(val::undefined()); }

  static val evaluation(const eval::PredNetEvaluation& e, int n, bool ssim) {
    val o = val::object();
    o.set("sequences", n);
    o.set("prednetMse", e.prednet.mse);
    o.set("copyLastMse", e.copy_last.mse);
    o.set("linearMse", e.linear.mse);
    o.set("blankMse", e.blank_mse);
    const double nan = std::nan("");
    o.set("prednetSsim", ssim ? e.prednet.ssim : nan);
    o.set("copyLastSsim", ssim ? e.copy_last.ssim : nan);
    o.set("linearSsim", ssim ? e.linear.ssim : nan);
    o.set("prednetMsePerStep", doubles(e.prednet.mse_per_step));
    o.set("copyLastMsePerStep", doubles(e.copy_last.mse_per_step));
    o.set("linearMsePerStep", doubles(e.linear.mse_per_step));
    return o;
  }
  /// Layer-0 error at a surprise frame on `count` sequences of one kind, against the same sequences
  /// without the event and against the other frames t in [3, T) (eval::evaluate_surprise).
  val surprise_score(val kind, val frame, val count, val seed) {
    return js::guard([&] {
      const data::SurpriseConfig s = surprise_config(kind, frame, "surpriseScore");
      const eval::SurpriseScore sc =
          eval::evaluate_surprise(trainer_, s, sequence_count(count, "surpriseScore"),
                                  static_cast<uint64_t>(js::integer(seed, "surpriseScore: seed", 0, 1 << 30)));
      val o = val::object();
      o.set("kind", sc.kind);
      o.set("frame", sc.frame);
      o.set("surpriseVsControl", sc.surprise_vs_control);
      o.set("surpriseVsOtherFrames", sc.surprise_vs_other_frames);
      o.set("errorAtSurprise", sc.error_at_surprise);
      o.set("controlErrorAtFrame", sc.control_error_at_frame);
      o.set("errorOtherFrames", sc.error_other_frames);
      o.set("errorPerStep", doubles(sc.error_per_step));
      o.set("controlErrorPerStep", doubles(sc.control_error_per_step));
      return o;
    });
  }

  /// A zero-copy view of all parameters (valid until the next call into the module).
  val parameters() { return js::view(trainer_.model().params().values().data(), trainer_.model().params().count()); }
  val export_weights() const {
    const auto bytes = trainer_.export_weights();
    return js::to_uint8_array(bytes.data(), bytes.size());
  }
  /// Loads a weights file and adopts its architecture (see describe()); the frame size must be the data's.
  void load_weights(val bytes) {
    js::load_weights(bytes, [&](const uint8_t* data, size_t size) { trainer_.load_weights(data, size); });
  }

 private:
  explicit PredNetLabJs(const ParsedConfig& p)
      : trainer_(p.trainer, p.trainer.dataset == "sprites" ? &p.images : nullptr,
                 p.trainer.dataset == "sprites" && p.held_out_images.count > 0 ? &p.held_out_images : nullptr) {}

  /// A count of sequences from JS (1 to 4096) whose values fit one allocation: count * sequence size
  /// once wrapped wasm32's size_t (1024 sequences of 2^22 values allocated nothing).
  int sequence_count(const val& count, const std::string& fn) const {
    const int n = js::integer(count, (fn + ": count").c_str(), 1, 4096);
    nn::checked_product({n, trainer_.sequence_size()}, js::kMaxElements, fn + ": count * sequence size");
    return n;
  }

  /// Copies whole sequences from JS and sets count_; refuses a partial sequence with the layout.
  std::vector<float> sequences(const val& frames, const char* name) {
    std::vector<float> f = js::float32_array(frames, name, -1, 1);
    count_ = trainer_.check_sequences(static_cast<int64_t>(f.size()), name);
    return f;
  }
  data::SurpriseConfig surprise_config(const val& kind, const val& frame, const std::string& fn) const {
    nn::require(trainer_.config().dataset == "blobs", fn, ": surprises are injected into bouncing-blob sequences, but ",
                "this model's data set is \"", trainer_.config().dataset, "\"");
    nn::require(kind.isString(), fn, ": kind: expected a string, got ", js::type_name(kind));
    data::SurpriseConfig s;
    s.video = trainer_.config().blobs;
    s.kind = data::parse_surprise(kind.as<std::string>(), (fn + ": kind").c_str());
    s.frame = js::integer(frame, (fn + ": frame").c_str(), 2, s.video.frames - 1);
    return s;
  }

  models::PredNetTrainer trainer_;
  int count_ = 0;
};

}  // namespace

EMSCRIPTEN_BINDINGS(neuroai_prednet) {
  emscripten::class_<PredNetLabJs> lab("PredNetLab");
  lab.constructor(&PredNetLabJs::create_default, emscripten::allow_raw_pointers())
      .constructor(&PredNetLabJs::create, emscripten::allow_raw_pointers())
      .function("trainSteps", &PredNetLabJs::train_steps)
      .function("trainOn", &PredNetLabJs::train_on)
      .function("lossOn", &PredNetLabJs::loss_on)
      .function("steps", &PredNetLabJs::steps)
      .function("setLearningRate", &PredNetLabJs::set_learning_rate)
      .function("describe", &PredNetLabJs::describe)
      .function("sample", &PredNetLabJs::sample)
      .function("surpriseSequence", &PredNetLabJs::surprise_sequence)
      .function("heldOut", &PredNetLabJs::held_out)
      .function("run", &PredNetLabJs::run_all)
      .function("run", &PredNetLabJs::run)
      .function("predict", &PredNetLabJs::predict_all)
      .function("predict", &PredNetLabJs::predict)
      .function("evaluate", &PredNetLabJs::evaluate_with_ssim)
      .function("evaluate", &PredNetLabJs::evaluate)
      .function("evaluatePredictions", &PredNetLabJs::evaluate_predictions)
      .function("forwardPlan", &PredNetLabJs::forward_plan_default)
      .function("forwardPlan", &PredNetLabJs::forward_plan)
      .function("surpriseScore", &PredNetLabJs::surprise_score)
      .function("parameters", &PredNetLabJs::parameters)
      .function("exportWeights", &PredNetLabJs::export_weights)
      .function("loadWeights", &PredNetLabJs::load_weights)
      .function("batchShare", &PredNetLabJs::batch_share)
      .function("replicaGradient", &PredNetLabJs::replica_gradient);
  js::register_data_parallel(lab);
}
