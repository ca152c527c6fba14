// LFADS on a recording of your own, for JS (the LFADS page's "Your data"):
//   const c = Module.binSpikeTimes({units: [Float64Array, ...], align, stop, binSeconds, start, bins});
//   const lab = new Module.LfadsRecordingLab({counts: c.counts, trials: c.trials, bins: c.bins,
//                                             neurons: c.neurons, binSeconds: c.binSeconds, factors: 8, ...});
//   lab.trainSteps(10); lab.fitSmoothing(); lab.evaluate().coBps; lab.trial(0).rates; lab.delete();
// Counts are (trials, bins, neurons) trial-major; spike times are seconds (Float64Array: an hour's
// recording needs more than float32's 7 digits).
#include <cmath>
#include <memory>

#include "data/spike_counts.h"
#include "eval/lfads_recording.h"
#include "js_interop.h"
#include "lfads_config.h"

using emscripten::val;

namespace {

/// {counts (Float32Array), trials, bins, neurons, binSeconds} from {units: [Float64Array of spike
/// times per unit], align, stop (Float64Array per trial), binSeconds, start, bins}.
val bin_spike_times(val spec) {
  return js::guard([&] {
    js::ConfigObject c(spec, "binSpikeTimes", {"units", "align", "stop", "binSeconds", "start", "bins"});
    const val units = spec["units"];
    nn::require(units.isArray(), "binSpikeTimes.units: expected an array of Float64Arrays (one per unit), got ",
                js::type_name(units));
    std::vector<std::vector<double>> times(units["length"].as<size_t>());
    for (size_t n = 0; n < times.size(); ++n)
      times[n] = js::float64_array(units[n], ("binSpikeTimes.units[" + std::to_string(n) + "]").c_str());
    data::BinSpec b;
    b.bin_seconds = c.number("binSeconds", b.bin_seconds);
    b.start = c.number("start", b.start);
    b.bins = c.integer("bins", b.bins);
    const data::SpikeCounts counts =
        data::bin_spike_times(times, js::float64_array(spec["align"], "binSpikeTimes.align"),
                              js::float64_array(spec["stop"], "binSpikeTimes.stop"), b);
    val o = val::object();
    o.set("counts", js::floats(counts.counts));
    o.set("trials", counts.trials);
    o.set("bins", counts.bins);
    o.set("neurons", counts.neurons);
    o.set("binSeconds", counts.bin_seconds);
    return o;
  });
}

class LfadsRecordingLabJs {
 public:
  static LfadsRecordingLabJs* create(val config) {
    return js::guard([&] {
      const char* owner = "LfadsRecordingLab config";
      js::ConfigObject c(config, owner, {"counts",
                                         "trials",
                                         "bins",
                                         "neurons",
                                         "binSeconds",
                                         "heldOutFraction",
                                         "splitSeed",
                                         "factors",
                                         "generator",
                                         "encoder",
                                         "ic",
                                         "controller",
                                         "controllerInputLag",
                                         "klWeight",
                                         "l2Weight",
                                         "dropout",
                                         "lr",
                                         "batch",
                                         "rampSteps",
                                         "seed"});
      const int K = c.integer("trials", 0), T = c.integer("bins", 0), N = c.integer("neurons", 0);
      const std::vector<float> values = js::float32_array(config["counts"], "LfadsRecordingLab config.counts", -1);
      data::SpikeCounts counts =
          data::counts_from_array(values.data(), values.size(), K, T, N, "LfadsRecordingLab config.counts");
      counts.bin_seconds = c.number("binSeconds", 0.0);
      auto [mc, tc] = js::lfads_configs(c, owner);
      eval::RecordingSplitConfig split;
      split.heldout_neuron_fraction = c.number("heldOutFraction", split.heldout_neuron_fraction);
      const int split_seed = c.integer("splitSeed", 1);
      nn::require(split_seed >= 0, owner, ".splitSeed: expected a non-negative integer, got ", split_seed);
      split.seed = static_cast<uint64_t>(split_seed);
      return new LfadsRecordingLabJs(counts, mc, tc, split);
    });
  }

  /// The last step's losses (as LfadsLab.trainSteps).
  val train_steps(val steps) {
    return js::guard([&] {
      const models::LfadsLosses l = rec_.train_steps(js::integer(steps, "trainSteps: steps", 1, 10000));
      return js::lfads_losses(l, rec_.trainer());
    });
  }
  void fit_smoothing() {
    js::guard([&] { rec_.fit_smoothing(); });
  }
  /// {coBps, coBpsSmoothing (NaN before fitSmoothing), trials}.
  val evaluate() {
    return js::guard([&] {
      const eval::RecordingScores s = rec_.evaluate();
      val o = val::object();
      o.set("coBps", s.co_bps);
      o.set("coBpsSmoothing", s.co_bps_smoothing);
      o.set("trials", s.trials);
      return o;
    });
  }
  /// Held-out trial i: {trial (its index in the recording), bins, neurons, neuronsIn, spikes, rates
  /// ((bins, neurons), neurons in split order), factors (bins, F), inputs (bins, U)}.
  val trial(val index) {
    return js::guard([&] {
      const int n = static_cast<int>(rec_.split().heldout_trials.size());
      const eval::RecordingTrial t = rec_.trial(js::integer(index, "trial: index", 0, n - 1));
      val o = val::object();
      o.set("trial", t.trial);
      o.set("bins", rec_.data().bins);
      o.set("neurons", rec_.data().neurons);
      o.set("neuronsIn", rec_.split().heldin);
      o.set("spikes", js::floats(t.spikes));
      o.set("rates", js::floats(t.rates));
      o.set("factors", js::floats(t.factors));
      o.set("inputs", js::floats(t.inputs));
      return o;
    });
  }
  /// {xyz ((count, bins, 3): the factors of the first `count` held-out trials on their first three
  /// principal components), explained (the variance fraction those hold), bins}.
  val factor_trajectories(val count) {
    return js::guard([&] {
      const int K = static_cast<int>(rec_.split().heldout_trials.size());
      double explained = 0;
      const std::vector<float> xyz =
          rec_.factor_trajectories(js::integer(count, "factorTrajectories: count", 1, K), &explained);
      val o = val::object();
      o.set("xyz", js::floats(xyz));
      o.set("explained", explained);
      o.set("bins", rec_.data().bins);
      return o;
    });
  }
  /// {factors, generator, controller, inputs, neuronsIn (the held-in neurons read), neurons,
  /// neuronOrder (the recording's neuron of each, split order: held-in first), bins, trials, train,
  /// heldOut (trial counts)}, named as LfadsLab.config's.
  val config() const {
    const models::LfadsConfig& m = rec_.config();
    const data::NlbSplit& s = rec_.split();
    val o = val::object();
    o.set("factors", m.factors);
    o.set("generator", m.generator);
    o.set("controller", m.controller);
    o.set("inputs", m.controller ? m.inputs : 0);
    o.set("neuronsIn", s.heldin);
    o.set("neurons", rec_.data().neurons);
    o.set("neuronOrder", js::ints(s.neuron_order));
    o.set("bins", rec_.data().bins);
    o.set("trials", rec_.data().count());
    o.set("train", static_cast<int>(s.train_trials.size()));
    o.set("heldOut", static_cast<int>(s.heldout_trials.size()));
    return o;
  }
  double steps() { return static_cast<double>(rec_.trainer().steps()); }

 private:
  LfadsRecordingLabJs(const data::SpikeCounts& counts, const models::LfadsConfig& mc,
                      const models::LfadsTrainConfig& tc, const eval::RecordingSplitConfig& split)
      : rec_(counts, mc, tc, split) {}
  eval::LfadsRecording rec_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(neuroai_lfads_recording) {
  emscripten::function("binSpikeTimes", &bin_spike_times);
  emscripten::class_<LfadsRecordingLabJs>("LfadsRecordingLab")
      .constructor(&LfadsRecordingLabJs::create, emscripten::allow_raw_pointers())
      .function("trainSteps", &LfadsRecordingLabJs::train_steps)
      .function("fitSmoothing", &LfadsRecordingLabJs::fit_smoothing)
      .function("evaluate", &LfadsRecordingLabJs::evaluate)
      .function("trial", &LfadsRecordingLabJs::trial)
      .function("factorTrajectories", &LfadsRecordingLabJs::factor_trajectories)
      .function("config", &LfadsRecordingLabJs::config)
      .function("steps", &LfadsRecordingLabJs::steps);
}
