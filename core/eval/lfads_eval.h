// Evaluation of LFADS on the Lorenz spike data as the Neural Latents Benchmark scores models
// (eval/nlb.h): held-out neurons of held-out trials and of held-out conditions, next to the
// baselines on the same splits with the same metrics.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "data/lorenz.h"
#include "eval/nlb.h"
#include "models/lfads.h"

namespace eval {

/// Every method's scores on one evaluation set, in a fixed order (lfads first when present).
using MethodScores = std::vector<std::pair<std::string, NlbScores>>;

struct LfadsReport {
  NlbScores heldout_trials, heldout_conditions;  // LFADS
  double factor_r2_trials = 0;      // affine map factors -> Lorenz state fitted on training trials, R^2 held out
  double factor_r2_conditions = 0;  // the same map on the held-out conditions
};

/// The inputs LFADS reads of `trials` (data::heldin_spikes) and its read-outs over every bin.
models::LfadsOutputs lfads_outputs(models::Lfads& model, const data::LorenzData& d, const data::NlbSplit& split,
                                   const std::vector<int>& trials);

/// Time-major log-rates (T, K, N) -> rates (K, T, N) trial-major.
std::vector<float> rates_from_log_rates(const std::vector<float>& log_rates, int T, int K, int N);

/// LFADS on the sets: its read-outs for the training trials, held-out trials and held-out
/// conditions (each as Lfads::infer gives them, e.g. from the WebGPU path).
LfadsReport evaluate_lfads_outputs(const data::LorenzData& d, const data::NlbSplit& split, const EvalSets& sets,
                                   int factors, const models::LfadsOutputs& train,
                                   const models::LfadsOutputs& heldout_trials,
                                   const models::LfadsOutputs& heldout_conditions);
/// The same with the model's own read-outs; every trial of the split unless `sets` says otherwise.
LfadsReport evaluate_lfads(models::Lfads& model, const data::LorenzData& d, const data::NlbSplit& split);
LfadsReport evaluate_lfads(models::Lfads& model, const data::LorenzData& d, const data::NlbSplit& split,
                           const EvalSets& sets);

/// The baselines' scores: {gpfa, smoothing, psth} on held-out trials, {gpfa, smoothing} on held-out conditions.
std::pair<MethodScores, MethodScores> score_baselines(const data::LorenzData& d, const data::NlbSplit& split,
                                                      const EvalSets& sets, const NlbBaselines& baselines);

/// The seed of the case study's Lorenz data set (its system's starts, its neurons, its spikes).
inline constexpr uint64_t kLfadsDataSeed = 2016;

/// The case study's data: Lorenz spikes from `data_seed`, split as NLB does. Another seed makes
/// another data set of the same shape (other conditions, other neurons): the from-scratch
/// defaults were chosen on such sets (tools/lfads-scratch-select.mjs), never on the case study's.
struct LfadsStudyData {
  data::LorenzData data;
  data::NlbSplit split;
};
LfadsStudyData lfads_study_data(uint64_t data_seed = kLfadsDataSeed);
/// Data of the study's shape (its neurons, bins and split of neurons) with a handful of trials:
/// what a data-parallel replica needs, which reads only the trials it is handed (11 conditions of
/// 5 trials instead of 75 of 20: 1.3 MB instead of 36 MB of counts).
LfadsStudyData lfads_replica_data();

}  // namespace eval
