#include "lfads_eval.h"

#include <cmath>

#include "eval/regression.h"

namespace eval {

namespace {
constexpr uint64_t kSplitSeed = 2021;  // its held-out neurons and conditions

/// (T, K, W) time-major read-outs -> (K * T, W) trial-major rows.
std::vector<float> trial_major(const std::vector<float>& x, int T, int K, int W) {
  std::vector<float> out(x.size());
  for (int s = 0; s < T; ++s)
    for (int k = 0; k < K; ++k)
      std::copy_n(x.begin() + (static_cast<std::ptrdiff_t>(s) * K + k) * W, W,
                  out.begin() + (static_cast<std::ptrdiff_t>(k) * T + s) * W);
  return out;
}

/// Factors (K * T, F) restricted to the first `bins` bins of each trial.
std::vector<float> observed_rows(const std::vector<float>& x, int K, int T, int W, int bins) {
  std::vector<float> out;
  out.reserve(static_cast<size_t>(K) * bins * W);
  for (int k = 0; k < K; ++k)
    out.insert(out.end(), x.begin() + static_cast<std::ptrdiff_t>(k) * T * W,
               x.begin() + (static_cast<std::ptrdiff_t>(k) * T + bins) * W);
  return out;
}
}  // namespace

LfadsStudyData lfads_study_data(uint64_t data_seed) {
  LfadsStudyData s{data::make_lorenz(data::LorenzConfig{}, data_seed), {}};
  s.split = data::make_nlb_split(s.data, data::NlbSplitConfig{}, kSplitSeed);
  return s;
}

LfadsStudyData lfads_replica_data() {
  data::LorenzConfig c;
  c.conditions = data::NlbSplitConfig{}.heldout_conditions + 1;
  c.trials = data::NlbSplitConfig{}.heldout_trial_every;
  LfadsStudyData s{data::make_lorenz(c, kLfadsDataSeed), {}};
  s.split = data::make_nlb_split(s.data, data::NlbSplitConfig{}, kSplitSeed);
  return s;
}

models::LfadsOutputs lfads_outputs(models::Lfads& model, const data::LorenzData& d, const data::NlbSplit& split,
                                   const std::vector<int>& trials) {
  nn::require(model.config().neurons == split.heldin && model.config().out_neurons() == d.neurons,
              "lfads_outputs: expected a model that reads ", split.heldin, " held-in neurons and reads out ", d.neurons,
              ", got ", model.config().neurons, " and ", model.config().out_neurons());
  const std::vector<float> x = data::heldin_spikes(d, split.heldin, trials);
  std::vector<int> all(trials.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = static_cast<int>(i);
  return model.infer(x.data(), d.bins, d.total_bins(), all);
}

std::vector<float> rates_from_log_rates(const std::vector<float>& log_rates, int T, int K, int N) {
  std::vector<float> r = trial_major(log_rates, T, K, N);
  for (float& v : r) v = std::exp(v);
  return r;
}

LfadsReport evaluate_lfads_outputs(const data::LorenzData& d, const data::NlbSplit& split, const EvalSets& sets,
                                   int factors, const models::LfadsOutputs& train,
                                   const models::LfadsOutputs& heldout_trials,
                                   const models::LfadsOutputs& heldout_conditions) {
  const int T = d.total_bins(), N = d.neurons, F = factors;
  const auto check = [&](const models::LfadsOutputs& o, const std::vector<int>& trials, const char* name) {
    nn::require(o.T == T && o.B == static_cast<int>(trials.size()) &&
                    o.log_rates.size() == static_cast<size_t>(T) * o.B * N &&
                    o.factors.size() == static_cast<size_t>(T) * o.B * F,
                "evaluate_lfads_outputs: ", name, ": expected log-rates (", T, ", ", trials.size(), ", ", N,
                ") and factors (", T, ", ", trials.size(), ", ", F, ")");
  };
  check(train, sets.train, "train");
  check(heldout_trials, sets.heldout_trials, "heldout_trials");
  check(heldout_conditions, sets.heldout_conditions, "heldout_conditions");
  const std::vector<float> train_rates = rates_from_log_rates(train.log_rates, T, train.B, N);
  LfadsReport r;
  r.heldout_trials =
      score_method(d, split, sets.heldout_trials,
                   rates_from_log_rates(heldout_trials.log_rates, T, heldout_trials.B, N), sets.train, train_rates);
  r.heldout_conditions = score_method(d, split, sets.heldout_conditions,
                                      rates_from_log_rates(heldout_conditions.log_rates, T, heldout_conditions.B, N),
                                      sets.train, train_rates);
  // The factors' affine map into Lorenz space, fitted on training trials over the observed bins.
  const auto fac = [&](const models::LfadsOutputs& o) {
    return observed_rows(trial_major(o.factors, T, o.B, F), o.B, T, F, d.bins);
  };
  const auto lat = [&](const std::vector<int>& trials) {
    return observed_rows(data::gather_trials(d.latent, T, 3, trials), static_cast<int>(trials.size()), T, 3, d.bins);
  };
  const std::vector<float> fit_fac = fac(train), fit_lat = lat(sets.train);
  Ridge affine;
  affine.fit(fit_fac.data(), fit_lat.data(), fit_lat.size() / 3, F, 3, 0.0);
  const auto score = [&](const models::LfadsOutputs& o, const std::vector<int>& trials) {
    const std::vector<float> x = fac(o), y = lat(trials);
    return mean_column_r2(affine.predict(x.data(), y.size() / 3).data(), y.data(), y.size() / 3, 3);
  };
  r.factor_r2_trials = score(heldout_trials, sets.heldout_trials);
  r.factor_r2_conditions = score(heldout_conditions, sets.heldout_conditions);
  return r;
}

LfadsReport evaluate_lfads(models::Lfads& model, const data::LorenzData& d, const data::NlbSplit& split,
                           const EvalSets& sets) {
  return evaluate_lfads_outputs(d, split, sets, model.config().factors, lfads_outputs(model, d, split, sets.train),
                                lfads_outputs(model, d, split, sets.heldout_trials),
                                lfads_outputs(model, d, split, sets.heldout_conditions));
}

LfadsReport evaluate_lfads(models::Lfads& model, const data::LorenzData& d, const data::NlbSplit& split) {
  return evaluate_lfads(model, d, split, EvalSets::all(split));
}

std::pair<MethodScores, MethodScores> score_baselines(const data::LorenzData& d, const data::NlbSplit& split,
                                                      const EvalSets& sets, const NlbBaselines& baselines) {
  std::pair<MethodScores, MethodScores> out;
  for (const char* method : {"gpfa", "smoothing", "psth"}) {
    const MethodRates m = baseline_rates(d, split, sets, baselines, method);
    out.first.emplace_back(method, score_method(d, split, sets.heldout_trials, m.heldout_trials, sets.train, m.train));
    if (!m.heldout_conditions.empty())
      out.second.emplace_back(
          method, score_method(d, split, sets.heldout_conditions, m.heldout_conditions, sets.train, m.train));
  }
  return out;
}

}  // namespace eval
