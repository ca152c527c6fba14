// The latent-dynamics case study for JS:
//   LfadsLab: the seeded Lorenz spike data split as the Neural Latents Benchmark does (held-in and
//   held-out neurons, held-out trials, held-out conditions), an LFADS model, training steps,
//   held-out read-outs (rates, factors, inferred inputs, the factors mapped into Lorenz space by an
//   affine fit), NLB's metrics for LFADS and for the baselines (smoothing, smoothed PSTH, GPFA,
//   fitted by the native CLI and loaded), and weights. `infer` runs the model on spike counts of your own.
#include <algorithm>
#include <cmath>
#include <memory>

#include "data/lorenz.h"
#include "data_parallel.h"
#include "eval/lfads_eval.h"
#include "eval/nlb.h"
#include "eval/regression.h"
#include "js_interop.h"
#include "lfads_config.h"
#include "models/lfads.h"
#include "models/lfads_trainer.h"
#include "nn/weights.h"

using emscripten::val;

namespace {

val scores_object(const eval::NlbScores& s) {
  val o = val::object();
  o.set("coBps", s.co_bps);
  o.set("fpBps", s.fp_bps);
  o.set("rateR2", s.rate_r2);
  o.set("psthR2", s.psth_r2);
  o.set("decodeR2", s.decode_r2);
  return o;
}

class LfadsLabJs {
 public:
  static LfadsLabJs* create(val config) {
    return js::guard([&] {
      js::ConfigObject c(config, "LfadsLab config",
                         {"factors", "generator", "encoder", "ic", "controller", "controllerInputLag", "klWeight",
                          "l2Weight", "dropout", "lr", "batch", "rampSteps", "seed", "dataSeed", "replica"});
      auto [mc, tc] = js::lfads_configs(c, "LfadsLab config");
      // The data set: the case study's, or another of the same shape (tools/lfads-scratch-select.mjs).
      const int data_seed = c.integer("dataSeed", static_cast<int>(eval::kLfadsDataSeed));
      nn::require(data_seed >= 0, "LfadsLab config.dataSeed: expected a non-negative integer, got ", data_seed);
      // A data-parallel replica (web/js/engine/replica-worker.js) computes gradients of the trials it
      // is handed: it holds data of the study's shape with a handful of trials, not the study's.
      const bool replica = c.boolean("replica", false);
      return new LfadsLabJs(mc, tc, static_cast<uint64_t>(data_seed), replica);
    });
  }

  /// {total, reconstruction, klIc, klInputs, l2, ramp, lr, steps} averaged over `steps` steps.
  val train_steps(val steps) {
    return js::guard([&] {
      const int n = js::integer(steps, "trainSteps: steps", 1, 10000);
      models::LfadsLosses sum;
      for (int s = 0; s < n; ++s) {
        begin_step();
        trainer_->accumulate(0, trainer_->train_config().batch);
        const models::LfadsLosses l = last_losses_ = trainer_->finish_step();
        sum.total += l.total / n;
        sum.reconstruction += l.reconstruction / n;
        sum.kl_ic += l.kl_ic / n;
        sum.kl_inputs += l.kl_inputs / n;
        sum.l2 += l.l2 / n;
        sum.ramp = l.ramp;
      }
      return losses_object(sum);
    });
  }
  /// The last step's losses (as trainSteps(1) returns them), however it was taken: a
  /// data-parallel step's (finishStep) with every share's added.
  val last_losses() const { return losses_object(last_losses_); }

  // Data-parallel steps (web/js/engine/replicas.js; models::LfadsTrainer::begin_step): the lab that
  // owns the step draws the batch's trials, hands shares of them to replicas with the noise and
  // masks it drew for them, adds its own share and theirs (the rest of the API: data_parallel.h).
  /// {x, mask, icNoise, inputNoise (Float32Arrays), binsIn, bins, n, klWeight}: trials [first,
  /// first + n) of the batch beginStep drew, a replica's share.
  val batch_share(val first, val n) {
    return js::guard([&] {
      const int B = trainer_->train_config().batch;
      nn::require(trainer_->stepping(), "batchShare: no batch drawn (call beginStep first)");
      const int f = js::integer(first, "batchShare: first", 0, B - 1), k = js::integer(n, "batchShare: n", 1, B - f);
      const models::LfadsTrainer::Share share = trainer_->batch_share(f, k);
      val o = val::object();
      o.set("x", js::floats(share.x));
      o.set("mask", js::floats(share.mask));
      o.set("icNoise", js::floats(share.ic_noise));
      o.set("inputNoise", js::floats(share.input_noise));
      o.set("binsIn", share.T_in);
      o.set("bins", share.T_out);
      o.set("n", share.n);
      o.set("klWeight", share.kl_weight);
      return o;
    });
  }
  /// A replica's part: {loss, gradients (paramCount Float32Array), parts [total, reconstruction,
  /// klIc, klInputs]} of a share of `batch` trials.
  val replica_gradient(val share, val batch) {
    return js::guard([&] {
      nn::require(share.typeOf().as<std::string>() == "object" && !share.isNull(),
                  "replicaGradient: share: expected batchShare()'s object");
      const models::LfadsConfig& c = trainer_->config();
      models::LfadsTrainer::Share s;
      s.T_in = js::integer(share["binsIn"], "replicaGradient: share.binsIn", 2, 100000);
      s.T_out = js::integer(share["bins"], "replicaGradient: share.bins", s.T_in, 100000);
      s.n = js::integer(share["n"], "replicaGradient: share.n", 1, 1 << 20);
      const double kl_weight = js::number(share["klWeight"], "replicaGradient: share.klWeight");
      nn::require(std::isfinite(kl_weight) && kl_weight >= 0,
                  "replicaGradient: share.klWeight: expected a finite number >= 0, got ", kl_weight);
      s.kl_weight = static_cast<float>(kl_weight);
      const auto read = [&](const char* key, long long count) {
        return js::float32_array(share[key], (std::string("replicaGradient: share.") + key).c_str(), count);
      };
      s.x = read("x", static_cast<long long>(s.T_out) * s.n * c.out_neurons());
      const bool dropout = trainer_->train_config().coordinated_dropout > 0;
      s.mask = read("mask", dropout ? static_cast<long long>(s.T_in) * s.n * c.neurons : 0);
      s.ic_noise = read("icNoise", static_cast<long long>(s.n) * c.ic);
      s.input_noise = read("inputNoise", c.controller ? static_cast<long long>(s.T_out) * s.n * c.inputs : 0);
      const int b = js::integer(batch, "replicaGradient: batch", s.n, 1 << 20);
      const models::LfadsLosses l = trainer_->replica_gradient(s, b);
      val o = js::replica_answer(*this, l.total);
      o.set("parts", js::floats(std::vector<float>{l.total, l.reconstruction, l.kl_ic, l.kl_inputs}));
      return o;
    });
  }
  /// Adds a replica's loss parts ([total, reconstruction, klIc, klInputs], its answer's) to the step's.
  void add_losses(val parts) {
    js::guard([&] {
      const std::vector<float> p = js::float32_array(parts, "addLosses: parts", 4);
      models::LfadsLosses l;
      l.total = p[0];
      l.reconstruction = p[1];
      l.kl_ic = p[2];
      l.kl_inputs = p[3];
      trainer_->add_losses(l);
    });
  }
  /// The data-parallel steps of this lab (js::register_data_parallel): the lab draws the trials.
  class Steps {
   public:
    explicit Steps(LfadsLabJs& lab) : lab_(lab) {}
    struct Config {
      int batch;
    };
    Config config() const { return {lab_.trainer_->train_config().batch}; }
    void begin_step() { lab_.begin_step(); }
    double accumulate(int first, int n) { return lab_.trainer_->accumulate(first, n).total; }
    void add_gradients(const float* g, size_t count) { lab_.trainer_->add_gradients(g, count); }
    void finish_step() { lab_.last_losses_ = lab_.trainer_->finish_step(); }

   private:
    LfadsLabJs& lab_;
  };
  Steps trainer() { return Steps(*this); }
  nn::Params& params() { return trainer_->model().params(); }
  double param_count() { return static_cast<double>(params().count()); }
  /// A zero-copy view of all parameters (valid until the next call into the module).
  val parameters() { return js::view(params().values().data(), params().count()); }

  /// LFADS's NLB scores on `sets` ({train, heldOut, conditions}: trial counts; all trials when
  /// omitted): {heldOutTrials, heldOutConditions: {coBps, fpBps, rateR2, psthR2, decodeR2},
  /// factorR2Trials, factorR2Conditions, counts}.
  val evaluate(val sets) {
    return js::guard([&] {
      const eval::EvalSets e = eval_sets(sets, "evaluate");
      return report(eval::evaluate_lfads(trainer_->model(), study_.data, study_.split, e), e);
    });
  }

  /// What the model reads of the trials evaluate(sets) scores: {train, heldOut, conditions}, each
  /// (K, bins, heldin) trial-major counts, for an engine outside the core (the WebGPU path).
  val eval_spikes(val sets) {
    return js::guard([&] {
      const eval::EvalSets e = eval_sets(sets, "evalSpikes");
      const auto in = [&](const std::vector<int>& t) {
        return js::floats(data::heldin_spikes(study_.data, study_.split.heldin, t));
      };
      val o = val::object();
      o.set("train", in(e.train));
      o.set("heldOut", in(e.heldout_trials));
      o.set("conditions", in(e.heldout_conditions));
      return o;
    });
  }

  /// evaluate()'s scores from read-outs computed elsewhere: outputs {train, heldOut, conditions},
  /// each {logRates (T, K, N), factors (T, K, F)} time-major as forwardPlan()'s outputs.
  val evaluate_outputs(val sets, val outputs) {
    return js::guard([&] {
      const eval::EvalSets e = eval_sets(sets, "evaluateOutputs");
      const data::LorenzData& d = study_.data;
      const int T = d.total_bins(), N = d.neurons, F = trainer_->config().factors;
      nn::require(outputs.typeOf().as<std::string>() == "object" && !outputs.isNull(),
                  "evaluateOutputs: outputs: expected {train, heldOut, conditions}");
      const auto read = [&](const char* key, const std::vector<int>& trials) {
        const val o = outputs[key];
        const std::string where = std::string("evaluateOutputs: outputs.") + key;
        nn::require(o.typeOf().as<std::string>() == "object" && !o.isNull(), where, ": expected {logRates, factors}");
        models::LfadsOutputs out;
        out.T = T;
        out.B = static_cast<int>(trials.size());
        out.log_rates =
            js::float32_array(o["logRates"], (where + ".logRates").c_str(), static_cast<long long>(T) * out.B * N);
        out.factors =
            js::float32_array(o["factors"], (where + ".factors").c_str(), static_cast<long long>(T) * out.B * F);
        return out;
      };
      return report(
          eval::evaluate_lfads_outputs(d, study_.split, e, F, read("train", e.train), read("heldOut", e.heldout_trials),
                                       read("conditions", e.heldout_conditions)),
          e);
    });
  }

  /// Loads fitted baselines (a file of `neuroai eval lfads --save-baselines`, as the page's
  /// assets/lfads/nlb-baselines.nrai) instead of fitting them; returns their settings.
  val load_baselines(val bytes) {
    return js::guard([&] {
      nn::require(case_study_data_,
                  "loadBaselines: the shipped baselines were fitted on the case study's data; this lab's dataSeed "
                  "makes other data");
      const auto data = js::uint8_array(bytes, "loadBaselines: bytes");
      auto loaded = std::make_unique<eval::NlbBaselines>(eval::decode_baselines(data.data(), data.size()));
      const data::LorenzData& d = study_.data;
      nn::require(loaded->smoothing.glm.outputs() == d.neurons &&
                      loaded->smoothing.glm.inputs() == study_.split.heldin && loaded->psth.bins == d.total_bins(),
                  "loadBaselines: the file's baselines read ", loaded->smoothing.glm.inputs(), " of ",
                  loaded->smoothing.glm.outputs(), " neurons over ", loaded->psth.bins, " bins; the data has ",
                  study_.split.heldin, " of ", d.neurons, " over ", d.total_bins());
      baselines_ = std::move(loaded);
      return baseline_settings();
    });
  }
  /// The baselines' scores on `sets` (as evaluate): {heldOutTrials: {gpfa, smoothing, psth},
  /// heldOutConditions: {gpfa, smoothing}, settings}. loadBaselines() first.
  val baseline_scores(val sets) {
    return js::guard([&] {
      nn::require(baselines_ != nullptr, "baselineScores: call loadBaselines() first");
      const eval::EvalSets e = eval_sets(sets, "baselineScores");
      const auto [trials, conditions] = eval::score_baselines(study_.data, study_.split, e, *baselines_);
      const auto table = [](const eval::MethodScores& m) {
        val o = val::object();
        for (const auto& [name, s] : m) o.set(name, scores_object(s));
        return o;
      };
      val o = val::object();
      o.set("heldOutTrials", table(trials));
      o.set("heldOutConditions", table(conditions));
      o.set("settings", baseline_settings());
      o.set("counts", counts(e));
      return o;
    });
  }

  /// The posterior-mean inference pass as data (models::Lfads::forward_plan over the observed and
  /// forward bins): {config, ops, outputs: [{name, steps}], weights}. Shapes give the batch as "B";
  /// the input is "spikes" (B, binsIn, neuronsIn); weights are copies.
  val forward_plan() const {
    return js::guard([&] {
      const data::LorenzData& d = study_.data;
      const models::LfadsPlan plan = trainer_->model().forward_plan(d.bins, d.total_bins());
      val cfg = config();
      cfg.set("cellClip", trainer_->config().cell_clip);
      return js::plan_object(cfg, plan.ops, plan.outputs, trainer_->model().params());
    });
  }
  /// Training steps taken (the GPU path re-uploads the weights when this moves).
  double steps() const { return static_cast<double>(trainer_->steps()); }

  /// Trial i of a held-out set ("trials": held-out trials, "conditions": held-out conditions):
  /// {spikes, rates, inferred (T x N over every bin, held-in neurons first), factors, inputs,
  /// latent (T x 3), condition, bins (all), observedBins, heldin}.
  val trial(val index, val set) {
    return js::guard([&] {
      const std::vector<int>& trials = set_of(set, "trial");
      const int i = js::integer(index, "trial: index", 0, static_cast<int>(trials.size()) - 1);
      const data::LorenzData& d = study_.data;
      const int k = trials[static_cast<size_t>(i)], T = d.total_bins(), N = d.neurons;
      const models::LfadsOutputs out = eval::lfads_outputs(trainer_->model(), d, study_.split, {k});
      std::vector<float> inferred(out.log_rates.size());
      for (size_t j = 0; j < inferred.size(); ++j) inferred[j] = std::exp(out.log_rates[j]);
      val o = val::object();
      o.set("bins", T);
      o.set("observedBins", d.bins);
      o.set("neurons", N);
      o.set("heldin", study_.split.heldin);
      o.set("spikes", js::to_float32_array(d.trial_spikes(k), static_cast<size_t>(T) * N));
      o.set("rates", js::to_float32_array(d.trial_rates(k), static_cast<size_t>(T) * N));
      o.set("inferred", js::floats(inferred));
      o.set("factors", js::floats(out.factors));
      o.set("inputs", js::floats(out.inputs));
      o.set("latent", js::to_float32_array(d.trial_latent(k), static_cast<size_t>(T) * 3));
      o.set("condition", d.condition[static_cast<size_t>(k)]);
      return o;
    });
  }

  /// The factors of the first `count` trials of a held-out set mapped into Lorenz space by an
  /// affine fit on training trials (observed bins): {fitted (K*T*3), latent (K*T*3), condition (K), r2, bins}.
  val trajectories(val count, val set) {
    return js::guard([&] {
      const std::vector<int>& trials = set_of(set, "trajectories");
      const int K = js::integer(count, "trajectories: count", 1, static_cast<int>(trials.size()));
      const data::LorenzData& d = study_.data;
      const int T = d.bins, Tt = d.total_bins(), F = trainer_->config().factors;
      const eval::EvalSets fit_sets = eval::EvalSets::subset(
          study_.split, std::min<int>(256, static_cast<int>(study_.split.train_trials.size())), 2, 2);
      const std::vector<int> show(trials.begin(), trials.begin() + K);
      auto rows = [&](const std::vector<int>& ks, std::vector<float>& fac, std::vector<float>& lat) {
        const models::LfadsOutputs out = eval::lfads_outputs(trainer_->model(), d, study_.split, ks);
        const int n = static_cast<int>(ks.size());
        fac.resize(static_cast<size_t>(n) * T * F);
        lat.resize(static_cast<size_t>(n) * T * 3);
        for (int k = 0; k < n; ++k)
          for (int s = 0; s < T; ++s) {
            std::copy_n(out.factors.begin() + (static_cast<std::ptrdiff_t>(s) * n + k) * F, F,
                        fac.begin() + (static_cast<std::ptrdiff_t>(k) * T + s) * F);
            std::copy_n(d.latent.begin() + (static_cast<std::ptrdiff_t>(ks[static_cast<size_t>(k)]) * Tt + s) * 3, 3,
                        lat.begin() + (static_cast<std::ptrdiff_t>(k) * T + s) * 3);
          }
      };
      std::vector<float> fit_fac, fit_lat, fac, lat;
      rows(fit_sets.train, fit_fac, fit_lat);
      rows(show, fac, lat);
      eval::Ridge affine;
      affine.fit(fit_fac.data(), fit_lat.data(), fit_lat.size() / 3, F, 3, 0.0);
      const std::vector<float> fitted = affine.predict(fac.data(), lat.size() / 3);
      std::vector<int> cond;
      for (int k : show) cond.push_back(d.condition[static_cast<size_t>(k)]);
      val o = val::object();
      o.set("bins", T);
      o.set("fitted", js::floats(fitted));
      o.set("latent", js::floats(lat));
      o.set("condition", js::ints(cond));
      o.set("r2", eval::mean_column_r2(fitted.data(), lat.data(), lat.size() / 3, 3));
      return o;
    });
  }

  /// Rates for spike counts of your own: spikes (trials * bins * neuronsIn, trial-major counts) ->
  /// rates (trials * bins * readout neurons).
  val infer(val spikes, val trials, val bins) { return infer_forward(spikes, trials, bins, bins); }
  /// The same read out over `outBins` >= bins: the bins after the observed ones are predicted
  /// forward -> rates (trials * outBins * readout neurons).
  val infer_forward(val spikes, val trials, val bins, val out_bins) {
    return js::guard([&] {
      const int K = js::integer(trials, "infer: trials", 1, 100000), T = js::integer(bins, "infer: bins", 2, 100000);
      const int To = js::integer(out_bins, "infer: outBins", T, 100000);
      const models::LfadsOutputs out = infer_all(spikes, K, T, To, "infer");
      return js::floats(eval::rates_from_log_rates(out.log_rates, To, K, trainer_->config().out_neurons()));
    });
  }
  /// What evaluateOutputs() reads, for `trials` trials of evalSpikes()-style counts (trials *
  /// binsIn * neuronsIn, trial-major): {logRates (bins, trials, neurons), factors (bins, trials,
  /// factors)}, time-major over every bin. The page splits an evaluation's trials over its
  /// training threads with it (web/js/engine/replicas.js parallelInfer): each trial's numbers do
  /// not depend on the others in the pass, so the parts join into evaluate()'s bits.
  val infer_outputs(val spikes, val trials) {
    return js::guard([&] {
      const int K = js::integer(trials, "inferOutputs: trials", 1, 100000);
      const models::LfadsOutputs out = infer_all(spikes, K, study_.data.bins, study_.data.total_bins(), "inferOutputs");
      val o = val::object();
      o.set("logRates", js::floats(out.log_rates));
      o.set("factors", js::floats(out.factors));
      return o;
    });
  }
  /// The same for a JS array of per-trial Float32Arrays (bins * neuronsIn each); lengths must agree.
  val infer_trials(val list) {
    return js::guard([&] {
      nn::require(list.isArray(), "inferTrials: trials: expected an Array of Float32Arrays, got ", js::type_name(list));
      const int K = list["length"].as<int>(), N = trainer_->config().neurons;
      nn::require(K >= 1, "inferTrials: trials: expected at least one trial");
      std::vector<float> all;
      long long per = -1;
      for (int k = 0; k < K; ++k) {
        const val t = list[k];
        nn::require(t.instanceof (val::global("Float32Array")), "inferTrials: trials[", k,
                                 "]: expected a Float32Array");
        const long long n = t["length"].as<double>();
        if (per < 0) per = n;
        nn::require(n == per, "inferTrials: trials[", k, "] has ", n, " values but trials[0] has ", per,
                    " (trials of unequal length)");
        nn::require(n % N == 0 && n >= 2 * N, "inferTrials: trials[", k, "]: expected bins x ", N,
                    " neurons values, got ", n);
        const auto v = js::float32_array(t, "inferTrials: trials[k]", n);
        all.insert(all.end(), v.begin(), v.end());
      }
      return infer(js::to_float32_array(all.data(), all.size()), val(K), val(static_cast<int>(per / N)));
    });
  }

  val export_weights() {
    const auto bytes = trainer_->export_weights();
    return js::to_uint8_array(bytes.data(), bytes.size());
  }
  /// Loads a weights file and adopts its architecture (see config()); the neurons must be the data's.
  void load_weights(val bytes) {
    js::load_weights(bytes, [&](const uint8_t* data, size_t size) { trainer_->load_weights(data, size); });
  }
  /// The model's architecture {factors, generator, encoder, ic, controller, controllerInputLag,
  /// inputs, neuronsIn, neurons (read out)} and the data's {bins (all), binsIn (observed),
  /// heldOut, conditionsTrials, train (trial counts), conditions, heldOutConditions}.
  val config() const {
    const auto& c = trainer_->config();
    const data::LorenzData& d = study_.data;
    const data::NlbSplit& s = study_.split;
    val o = val::object();
    o.set("factors", c.factors);
    o.set("generator", c.generator);
    o.set("encoder", c.encoder);
    o.set("ic", c.ic);
    o.set("controller", c.controller);
    o.set("controllerInputLag", c.controller_input_lag);
    o.set("inputs", c.inputs);
    o.set("neuronsIn", c.neurons);
    o.set("neurons", c.out_neurons());
    o.set("bins", d.total_bins());
    o.set("binsIn", d.bins);
    o.set("heldOut", static_cast<int>(s.heldout_trials.size()));
    o.set("conditionsTrials", static_cast<int>(s.heldout_condition_trials.size()));
    o.set("train", static_cast<int>(s.train_trials.size()));
    o.set("conditions", d.conditions);
    o.set("heldOutConditions", static_cast<int>(s.heldout_conditions.size()));
    return o;
  }

 private:
  LfadsLabJs(models::LfadsConfig mc, const models::LfadsTrainConfig& tc, uint64_t data_seed, bool replica)
      : study_(replica ? eval::lfads_replica_data() : eval::lfads_study_data(data_seed)),
        case_study_data_(!replica && data_seed == eval::kLfadsDataSeed),
        order_(tc.seed, 0x0dd) {
    mc.neurons = study_.split.heldin;
    mc.readout_neurons = study_.data.neurons;
    trainer_ = std::make_unique<models::LfadsTrainer>(mc, tc);
  }
  /// The posterior-mean pass over all K trials of `spikes` (K * T * neuronsIn counts, trial-major),
  /// read out over To >= T bins; `fn` names the calling method in errors.
  models::LfadsOutputs infer_all(const val& spikes, int K, int T, int To, const std::string& fn) {
    const models::LfadsConfig& c = trainer_->config();
    // The read-outs (outBins, trials, neurons) and (outBins, trials, factors) are sized in wasm32's
    // size_t, where 1000 trials of 100000 bins wrapped: check before the core allocates them.
    nn::checked_product({K, To, c.out_neurons()}, js::kMaxElements, fn + ": trials * outBins * neurons");
    nn::checked_product({K, To, c.factors}, js::kMaxElements, fn + ": trials * outBins * factors");
    const auto x = js::float32_array(spikes, (fn + ": spikes").c_str(), static_cast<long long>(K) * T * c.neurons);
    data::validate_spikes(x.data(), K, T, c.neurons);
    std::vector<int> all(static_cast<size_t>(K));
    for (int k = 0; k < K; ++k) all[static_cast<size_t>(k)] = k;
    return trainer_->model().infer(x.data(), T, To, all);
  }
  /// {train, heldOut, conditions} trial counts -> the trials (every trial where a count is omitted
  /// or the argument is undefined).
  eval::EvalSets eval_sets(const val& sets, const std::string& fn) const {
    const data::NlbSplit& s = study_.split;
    if (sets.isUndefined() || sets.isNull()) return eval::EvalSets::all(s);
    nn::require(sets.typeOf().as<std::string>() == "object", fn,
                ": sets: expected {train, heldOut, conditions} trial counts");
    const auto count = [&](const char* key, const std::vector<int>& all) {
      const val v = sets[key];
      return v.isUndefined() ? static_cast<int>(all.size())
                             : js::integer(v, (fn + ": sets." + key).c_str(), 2, static_cast<int>(all.size()));
    };
    return eval::EvalSets::subset(s, count("train", s.train_trials), count("heldOut", s.heldout_trials),
                                  count("conditions", s.heldout_condition_trials));
  }
  const std::vector<int>& set_of(const val& set, const char* fn) const {
    nn::require(set.isUndefined() || set.isString(), fn, ": set: expected 'trials' or 'conditions'");
    const std::string name = set.isUndefined() ? "trials" : set.as<std::string>();
    nn::require(name == "trials" || name == "conditions", fn, ": set: expected 'trials' or 'conditions', got '", name,
                "'");
    return name == "trials" ? study_.split.heldout_trials : study_.split.heldout_condition_trials;
  }
  static val counts(const eval::EvalSets& e) {
    val o = val::object();
    o.set("train", static_cast<int>(e.train.size()));
    o.set("heldOut", static_cast<int>(e.heldout_trials.size()));
    o.set("conditions", static_cast<int>(e.heldout_conditions.size()));
    return o;
  }
  static val report(const eval::LfadsReport& r, const eval::EvalSets& e) {
    val o = val::object();
    o.set("heldOutTrials", scores_object(r.heldout_trials));
    o.set("heldOutConditions", scores_object(r.heldout_conditions));
    o.set("factorR2Trials", r.factor_r2_trials);
    o.set("factorR2Conditions", r.factor_r2_conditions);
    o.set("counts", counts(e));
    return o;
  }
  val baseline_settings() const {
    val o = val::object();
    o.set("smoothingSigma", baselines_->smoothing.sigma);
    o.set("psthSigma", baselines_->psth.sigma);
    o.set("gpfaLatents", baselines_->gpfa.latents);
    o.set("gpfaBinMs", 10 * baselines_->gpfa.bin_width);
    return o;
  }
  /// Draws the next batch of training trials (by their position in the split) and begins its step.
  void begin_step() {
    const data::LorenzData& d = study_.data;
    const int K = static_cast<int>(study_.split.train_trials.size());
    std::vector<int> batch(static_cast<size_t>(trainer_->train_config().batch));
    for (int& b : batch) b = study_.split.train_trials[order_.below(static_cast<uint32_t>(K))];
    trainer_->begin_step(d.spikes.data(), d.bins, d.total_bins(), batch);
  }
  val losses_object(const models::LfadsLosses& l) const { return js::lfads_losses(l, *trainer_); }
  eval::LfadsStudyData study_;
  models::LfadsLosses last_losses_;
  bool case_study_data_;  // the case study's data set (not another dataSeed's): the baselines fit it
  std::unique_ptr<models::LfadsTrainer> trainer_;
  std::unique_ptr<eval::NlbBaselines> baselines_;
  nn::Rng order_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(neuroai_lfads) {
  emscripten::class_<LfadsLabJs> lab("LfadsLab");
  lab.constructor(&LfadsLabJs::create, emscripten::allow_raw_pointers())
      .function("trainSteps", &LfadsLabJs::train_steps)
      .function("evaluate", &LfadsLabJs::evaluate)
      .function("evalSpikes", &LfadsLabJs::eval_spikes)
      .function("evaluateOutputs", &LfadsLabJs::evaluate_outputs)
      .function("baselineScores", &LfadsLabJs::baseline_scores)
      .function("loadBaselines", &LfadsLabJs::load_baselines)
      .function("forwardPlan", &LfadsLabJs::forward_plan)
      .function("steps", &LfadsLabJs::steps)
      .function("trial", &LfadsLabJs::trial)
      .function("trajectories", &LfadsLabJs::trajectories)
      .function("infer", &LfadsLabJs::infer)
      .function("inferForward", &LfadsLabJs::infer_forward)
      .function("inferTrials", &LfadsLabJs::infer_trials)
      .function("inferOutputs", &LfadsLabJs::infer_outputs)
      .function("exportWeights", &LfadsLabJs::export_weights)
      .function("loadWeights", &LfadsLabJs::load_weights)
      .function("config", &LfadsLabJs::config)
      .function("lastLosses", &LfadsLabJs::last_losses)
      .function("batchShare", &LfadsLabJs::batch_share)
      .function("replicaGradient", &LfadsLabJs::replica_gradient)
      .function("addLosses", &LfadsLabJs::add_losses)
      .function("paramCount", &LfadsLabJs::param_count)
      .function("parameters", &LfadsLabJs::parameters);
  js::register_data_parallel(lab);
}
