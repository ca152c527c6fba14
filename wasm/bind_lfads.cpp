// The latent-dynamics case study for JS:
//   LfadsLab: the seeded Lorenz spike data, an LFADS model, training steps, held-out read-outs
//   (rates, factors, inferred inputs, the factors mapped into Lorenz space by an affine fit),
//   evaluation and weights. `infer` runs the model on spike counts of your own.
#include <algorithm>

#include "data/lorenz.h"
#include "eval/lfads_eval.h"
#include "eval/regression.h"
#include "js_interop.h"
#include "models/lfads.h"
#include "nn/weights.h"

using emscripten::val;

namespace {

constexpr uint64_t kDataSeed = 2016;  // the same data set as `neuroai train lfads`
constexpr int kHoldOutEvery = 5;

val floats(const std::vector<float>& v) { return js::to_float32_array(v.data(), v.size()); }

class LfadsLabJs {
 public:
  static LfadsLabJs* create(val config) {
    return js::guard([&] {
      js::ConfigObject c(config, "LfadsLab config",
                         {"factors", "generator", "encoder", "ic", "controller", "klWeight", "l2Weight", "dropout", "lr",
                          "batch", "rampSteps", "seed"});
      models::LfadsConfig mc;
      mc.factors = c.integer("factors", mc.factors);
      mc.generator = c.integer("generator", mc.generator);
      mc.encoder = c.integer("encoder", mc.encoder);
      mc.ic = c.integer("ic", mc.ic);
      mc.controller = c.boolean("controller", mc.controller);
      models::LfadsTrainConfig tc;
      tc.kl_weight = static_cast<float>(c.number("klWeight", tc.kl_weight));
      tc.l2_weight = static_cast<float>(c.number("l2Weight", tc.l2_weight));
      tc.coordinated_dropout = static_cast<float>(c.number("dropout", tc.coordinated_dropout));
      tc.lr = static_cast<float>(c.number("lr", tc.lr));
      tc.batch = c.integer("batch", 16);
      tc.ramp_steps = c.integer("rampSteps", tc.ramp_steps);
      tc.ramp_start = std::min(tc.ramp_start, tc.ramp_steps);
      const int seed = c.integer("seed", 1);
      nn::require(seed >= 0, "LfadsLab config.seed: expected a non-negative integer, got ", seed);
      tc.seed = static_cast<uint64_t>(seed);
      return new LfadsLabJs(mc, tc);
    });
  }

  /// {total, reconstruction, klIc, klInputs, l2, ramp, steps} averaged over `steps` steps.
  val train_steps(val steps) {
    return js::guard([&] {
      const int n = js::integer(steps, "trainSteps: steps", 1, 10000);
      models::LfadsLosses sum;
      for (int s = 0; s < n; ++s) {
        std::vector<int> batch(static_cast<size_t>(model_->train_config().batch));
        for (int& b : batch) b = train_[order_.below(static_cast<uint32_t>(train_.size()))];
        const auto l = model_->train_step(data_.spikes.data(), data_.bins, batch);
        sum.total += l.total / n;
        sum.reconstruction += l.reconstruction / n;
        sum.kl_ic += l.kl_ic / n;
        sum.kl_inputs += l.kl_inputs / n;
        sum.l2 += l.l2 / n;
        sum.ramp = l.ramp;
      }
      val o = val::object();
      o.set("total", sum.total);
      o.set("reconstruction", sum.reconstruction);
      o.set("klIc", sum.kl_ic);
      o.set("klInputs", sum.kl_inputs);
      o.set("l2", sum.l2);
      o.set("ramp", sum.ramp);
      o.set("steps", static_cast<double>(model_->steps()));
      return o;
    });
  }

  /// The metrics of `neuroai eval lfads` on the first `heldOut` held-out and `train` training trials.
  val evaluate(val held_out, val train) {
    return js::guard([&] {
      const auto [hs, ts] = eval_trials(held_out, train, "evaluate");
      return report(eval::evaluate_lfads(*model_, data_, ts, hs), static_cast<int>(hs.size()), static_cast<int>(ts.size()));
    });
  }

  /// The spike counts of the trials evaluate(heldOut, train) reads: {heldOut (h, T, N), train (t, T, N)},
  /// trial-major, for an engine outside the core (the WebGPU path runs forwardPlan() on them).
  val eval_spikes(val held_out, val train) {
    return js::guard([&] {
      const auto [hs, ts] = eval_trials(held_out, train, "evalSpikes");
      const size_t per = static_cast<size_t>(data_.bins) * data_.neurons;
      auto gather = [&](const std::vector<int>& trials) {
        std::vector<float> x;
        x.reserve(trials.size() * per);
        for (int k : trials) x.insert(x.end(), data_.trial_spikes(k), data_.trial_spikes(k) + per);
        return floats(x);
      };
      val o = val::object();
      o.set("heldOut", gather(hs));
      o.set("train", gather(ts));
      return o;
    });
  }

  /// evaluate()'s metrics from read-outs computed elsewhere: heldOut {logRates (T, h, N), factors
  /// (T, h, F)} and train {factors (T, t, F)}, time-major as forwardPlan()'s outputs.
  val evaluate_outputs(val held_out, val train, val held_out_outputs, val train_outputs) {
    return js::guard([&] {
      const auto [hs, ts] = eval_trials(held_out, train, "evaluateOutputs");
      const int T = data_.bins, N = data_.neurons, F = model_->config().factors;
      const int h = static_cast<int>(hs.size()), t = static_cast<int>(ts.size());
      nn::require(held_out_outputs.typeOf().as<std::string>() == "object" && !held_out_outputs.isNull(),
                  "evaluateOutputs: heldOutOutputs: expected {logRates, factors}");
      nn::require(train_outputs.typeOf().as<std::string>() == "object" && !train_outputs.isNull(),
                  "evaluateOutputs: trainOutputs: expected {factors}");
      models::LfadsOutputs test, fit;
      test.T = fit.T = T;
      test.B = h;
      fit.B = t;
      test.log_rates = js::float32_array(held_out_outputs["logRates"], "evaluateOutputs: heldOutOutputs.logRates",
                                         static_cast<long long>(T) * h * N);
      test.factors = js::float32_array(held_out_outputs["factors"], "evaluateOutputs: heldOutOutputs.factors",
                                       static_cast<long long>(T) * h * F);
      fit.factors = js::float32_array(train_outputs["factors"], "evaluateOutputs: trainOutputs.factors",
                                      static_cast<long long>(T) * t * F);
      return report(eval::evaluate_lfads_outputs(data_, F, ts, hs, test, fit), h, t);
    });
  }

  /// The posterior-mean inference pass as data (models::Lfads::forward_plan for the data's bins):
  /// {config, ops, outputs: [{name, steps}], weights}. Shapes give the batch as "B"; the input is
  /// "spikes" (B, bins, neurons); weights are copies, so the plan stays valid while training goes on.
  val forward_plan() const {
    return js::guard([&] {
      const models::LfadsPlan plan = model_->forward_plan(data_.bins);
      val cfg = config();
      cfg.set("cellClip", model_->config().cell_clip);
      return js::plan_object(cfg, plan.ops, plan.outputs, model_->params());
    });
  }
  /// Training steps taken (the GPU path re-uploads the weights when this moves).
  double steps() const { return static_cast<double>(model_->steps()); }

  /// Held-out trial i: {spikes, rates, inferred, factors, inputs, latent (T x .), condition}.
  val trial(val index) {
    return js::guard([&] {
      const int i = js::integer(index, "trial: index", 0, static_cast<int>(held_out_.size()) - 1);
      const int k = held_out_[static_cast<size_t>(i)], T = data_.bins, N = data_.neurons;
      const models::LfadsOutputs out = model_->infer(data_.spikes.data(), T, {k});
      std::vector<float> inferred(out.log_rates.size());
      for (size_t j = 0; j < inferred.size(); ++j) inferred[j] = std::exp(out.log_rates[j]);
      val o = val::object();
      o.set("bins", T);
      o.set("neurons", N);
      o.set("spikes", js::to_float32_array(data_.trial_spikes(k), static_cast<size_t>(T) * N));
      o.set("rates", js::to_float32_array(data_.trial_rates(k), static_cast<size_t>(T) * N));
      o.set("inferred", floats(inferred));
      o.set("factors", floats(out.factors));
      o.set("inputs", floats(out.inputs));
      o.set("latent", js::to_float32_array(data_.trial_latent(k), static_cast<size_t>(T) * 3));
      o.set("condition", data_.condition[static_cast<size_t>(k)]);
      return o;
    });
  }

  /// The factors of `count` held-out trials mapped into Lorenz space by an affine fit on training
  /// trials: {fitted (K*T*3), latent (K*T*3), condition (K), r2}.
  val trajectories(val count) {
    return js::guard([&] {
      const int K = js::integer(count, "trajectories: count", 1, static_cast<int>(held_out_.size()));
      const int T = data_.bins, F = model_->config().factors;
      const std::vector<int> fit_trials = spread(train_, std::min<int>(256, static_cast<int>(train_.size())));
      const std::vector<int> show(held_out_.begin(), held_out_.begin() + K);
      auto rows = [&](const std::vector<int>& trials, std::vector<float>& fac, std::vector<float>& lat) {
        const models::LfadsOutputs out = model_->infer(data_.spikes.data(), T, trials);
        const int n = static_cast<int>(trials.size());
        fac.resize(static_cast<size_t>(n) * T * F);
        lat.resize(static_cast<size_t>(n) * T * 3);
        for (int k = 0; k < n; ++k)
          for (int s = 0; s < T; ++s) {
            std::copy_n(out.factors.begin() + (static_cast<std::ptrdiff_t>(s) * n + k) * F, F,
                        fac.begin() + (static_cast<std::ptrdiff_t>(k) * T + s) * F);
            std::copy_n(data_.trial_latent(trials[static_cast<size_t>(k)]) + s * 3, 3,
                        lat.begin() + (static_cast<std::ptrdiff_t>(k) * T + s) * 3);
          }
      };
      std::vector<float> fit_fac, fit_lat, fac, lat;
      rows(fit_trials, fit_fac, fit_lat);
      rows(show, fac, lat);
      eval::Ridge affine;
      affine.fit(fit_fac.data(), fit_lat.data(), fit_lat.size() / 3, F, 3, 0.0);
      const std::vector<float> fitted = affine.predict(fac.data(), lat.size() / 3);
      std::vector<int> cond;
      for (int k : show) cond.push_back(data_.condition[static_cast<size_t>(k)]);
      val o = val::object();
      o.set("bins", T);
      o.set("fitted", floats(fitted));
      o.set("latent", floats(lat));
      o.set("condition", val::global("Int32Array").new_(val(emscripten::typed_memory_view(cond.size(), cond.data()))));
      o.set("r2", eval::mean_column_r2(fitted.data(), lat.data(), lat.size() / 3, 3));
      return o;
    });
  }

  /// Rates for spike counts of your own: spikes (trials * bins * neurons, trial-major, counts).
  val infer(val spikes, val trials, val bins) {
    return js::guard([&] {
      const int K = js::integer(trials, "infer: trials", 1, 100000), T = js::integer(bins, "infer: bins", 2, 100000);
      const int N = model_->config().neurons;
      const auto x = js::float32_array(spikes, "infer: spikes", static_cast<long long>(K) * T * N);
      data::validate_spikes(x.data(), K, T, N);
      std::vector<int> all(static_cast<size_t>(K));
      for (int k = 0; k < K; ++k) all[static_cast<size_t>(k)] = k;
      const models::LfadsOutputs out = model_->infer(x.data(), T, all);
      std::vector<float> rates(out.log_rates.size());  // (T, K, N) -> (K, T, N)
      for (int s = 0; s < T; ++s)
        for (int k = 0; k < K; ++k)
          for (int n = 0; n < N; ++n)
            rates[(static_cast<size_t>(k) * T + s) * N + n] = std::exp(out.log_rates[(static_cast<size_t>(s) * K + k) * N + n]);
      return floats(rates);
    });
  }
  /// The same for a JS array of per-trial Float32Arrays (bins * neurons each); lengths must agree.
  val infer_trials(val list) {
    return js::guard([&] {
      nn::require(list.isArray(), "inferTrials: trials: expected an Array of Float32Arrays, got ", js::type_name(list));
      const int K = list["length"].as<int>(), N = model_->config().neurons;
      nn::require(K >= 1, "inferTrials: trials: expected at least one trial");
      std::vector<float> all;
      long long per = -1;
      for (int k = 0; k < K; ++k) {
        const val t = list[k];
        nn::require(t.instanceof(val::global("Float32Array")), "inferTrials: trials[", k, "]: expected a Float32Array");
        const long long n = t["length"].as<double>();
        if (per < 0) per = n;
        nn::require(n == per, "inferTrials: trials[", k, "] has ", n, " values but trials[0] has ", per,
                    " (trials of unequal length)");
        nn::require(n % N == 0 && n >= 2 * N, "inferTrials: trials[", k, "]: expected bins x ", N, " neurons values, got ", n);
        const auto v = js::float32_array(t, "inferTrials: trials[k]", n);
        all.insert(all.end(), v.begin(), v.end());
      }
      return infer(js::to_float32_array(all.data(), all.size()), val(K), val(static_cast<int>(per / N)));
    });
  }

  val export_weights() {
    const auto bytes = nn::encode_weights(model_->params(), "lfads", model_->config().to_text());
    return js::to_uint8_array(bytes.data(), bytes.size());
  }
  /// Loads a weights file; the model takes the file's architecture (its config travels in it).
  val load_weights(val bytes) {
    return js::guard([&] {
      const auto data = js::uint8_array(bytes, "loadWeights: bytes");
      const nn::WeightsFile file = nn::decode_weights(data.data(), data.size());
      nn::require(file.kind == "lfads", "loadWeights: the file holds a '", file.kind, "' model, expected 'lfads'");
      models::LfadsConfig c = models::LfadsConfig::from_text(file.config);
      nn::require(c.neurons == data_.neurons, "loadWeights: the file's model reads ", c.neurons, " neurons, the data has ",
                  data_.neurons);
      auto fresh = std::make_unique<models::Lfads>(c, model_->train_config(), model_->train_config().seed);
      nn::assign_weights(fresh->params(), file, "lfads");
      model_ = std::move(fresh);
      return config();
    });
  }
  /// The model's architecture {factors, generator, encoder, ic, controller, inputs, neurons} and the
  /// data's {bins, heldOut, train (trial counts), conditions}.
  val config() const {
    const auto& c = model_->config();
    val o = val::object();
    o.set("factors", c.factors);
    o.set("generator", c.generator);
    o.set("encoder", c.encoder);
    o.set("ic", c.ic);
    o.set("controller", c.controller);
    o.set("inputs", c.inputs);
    o.set("neurons", c.neurons);
    o.set("bins", data_.bins);
    o.set("heldOut", static_cast<int>(held_out_.size()));
    o.set("train", static_cast<int>(train_.size()));
    o.set("conditions", data_.conditions);
    return o;
  }

 private:
  LfadsLabJs(models::LfadsConfig mc, const models::LfadsTrainConfig& tc)
      : data_(data::make_lorenz(data::LorenzConfig{}, kDataSeed)), order_(tc.seed, 0x0dd) {
    mc.neurons = data_.neurons;
    data::split_trials(data_, kHoldOutEvery, train_, held_out_);
    model_ = std::make_unique<models::Lfads>(mc, tc, tc.seed);
  }
  /// The trial lists of evaluate(heldOut, train): the first heldOut held-out trials and `train`
  /// training trials spread over all conditions.
  std::pair<std::vector<int>, std::vector<int>> eval_trials(const val& held_out, const val& train, const std::string& fn) const {
    const int h = js::integer(held_out, (fn + ": heldOut").c_str(), 2, static_cast<int>(held_out_.size()));
    const int t = js::integer(train, (fn + ": train").c_str(), 2, static_cast<int>(train_.size()));
    return {std::vector<int>(held_out_.begin(), held_out_.begin() + h), spread(train_, t)};
  }
  static val report(const eval::LfadsReport& r, int held_out, int train) {
    val o = val::object();
    o.set("rateR2", r.rate_r2);
    o.set("factorR2", r.factor_r2);
    o.set("bitsPerSpike", r.bits_per_spike);
    o.set("decodeR2Smoothed", r.decode_r2_smoothed);
    o.set("decodeR2Factors", r.decode_r2_factors);
    o.set("rateR2SmoothedBaseline", r.rate_r2_smoothed);
    o.set("rateR2TrialAverageBaseline", r.rate_r2_trial_average);
    o.set("heldOut", held_out);
    o.set("train", train);
    return o;
  }
  /// `n` indices spread evenly over `from` (so a subset still covers every condition).
  static std::vector<int> spread(const std::vector<int>& from, int n) {
    std::vector<int> out;
    for (int i = 0; i < n; ++i) out.push_back(from[static_cast<size_t>(static_cast<long long>(i) * from.size() / n)]);
    return out;
  }
  data::LorenzData data_;
  std::vector<int> train_, held_out_;
  std::unique_ptr<models::Lfads> model_;
  nn::Rng order_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(neuroai_lfads) {
  emscripten::class_<LfadsLabJs>("LfadsLab")
      .constructor(&LfadsLabJs::create, emscripten::allow_raw_pointers())
      .function("trainSteps", &LfadsLabJs::train_steps)
      .function("evaluate", &LfadsLabJs::evaluate)
      .function("evalSpikes", &LfadsLabJs::eval_spikes)
      .function("evaluateOutputs", &LfadsLabJs::evaluate_outputs)
      .function("forwardPlan", &LfadsLabJs::forward_plan)
      .function("steps", &LfadsLabJs::steps)
      .function("trial", &LfadsLabJs::trial)
      .function("trajectories", &LfadsLabJs::trajectories)
      .function("infer", &LfadsLabJs::infer)
      .function("inferTrials", &LfadsLabJs::infer_trials)
      .function("exportWeights", &LfadsLabJs::export_weights)
      .function("loadWeights", &LfadsLabJs::load_weights)
      .function("config", &LfadsLabJs::config);
}
