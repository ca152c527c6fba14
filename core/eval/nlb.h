// The Neural Latents Benchmark's metrics (Pei et al. 2021; nlb_tools' evaluation), reimplemented,
// and the baselines every latent-variable model is compared with: spike smoothing, the smoothed
// PSTH and GPFA. Each is fitted on training trials only, with its settings chosen by
// cross-validation on training trials, and predicts from what a model may read of an evaluation
// trial: its held-in neurons over the observed bins (data::heldin_spikes) and, for the PSTH alone,
// its condition label.
//
// Rates are spikes per bin, (K, T, N) trial-major over T = bins + forward_bins, neurons in split
// order (the `heldin` neurons first, then the held-out ones).
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "data/lorenz.h"
#include "models/gpfa.h"

namespace eval {

/// The shape of a set of trials' rates: K trials, `bins` observed + `forward` bins, N neurons of
/// which the first `heldin` are read.
struct RateLayout {
  int trials = 0, bins = 0, forward = 0, neurons = 0, heldin = 0;
  int total_bins() const { return bins + forward; }
  size_t size() const { return static_cast<size_t>(trials) * total_bins() * neurons; }
  static RateLayout of(const data::LorenzData& d, const data::NlbSplit& s, int trials) {
    return {trials, d.bins, d.forward_bins, d.neurons, s.heldin};
  }
};

/// NLB's bits per spike of predicted rates (> 0) against the null model of each neuron's mean
/// count over the same entries: (LL(rates) - LL(null)) / (spikes * ln 2), Poisson. Only the bins
/// [t0, t1) and neurons [n0, n1) of each trial count.
double bits_per_spike(const float* rates, const float* spikes, const RateLayout& l, int t0, int t1, int n0, int n1);
/// co-bps: bits per spike of the held-out neurons over the observed bins.
double co_bps(const float* rates, const float* spikes, const RateLayout& l);
/// fp-bps: bits per spike of every neuron over the forward bins (NaN without forward bins).
double fp_bps(const float* rates, const float* spikes, const RateLayout& l);
/// R^2 of predicted against true rates per neuron over trials x observed bins, averaged over neurons.
double rate_r2(const float* rates, const float* truth, const RateLayout& l);
/// PSTH R^2: predicted rates averaged over each condition's trials against the condition's true
/// rates, R^2 per neuron over conditions x observed bins, averaged over neurons. (nlb_tools
/// compares single-trial rates with the PSTH; here trials of a condition share their true rates,
/// so that would equal rate_r2: the condition average is what separates the two.)
double psth_r2(const float* rates, const float* truth, const std::vector<int>& conditions, const RateLayout& l);
/// Decoding R^2 of the Lorenz state from predicted rates (all neurons, observed bins) by ridge
/// regression, the penalty chosen from 1e-4 .. 1 (9 values, log-spaced) by 5-fold
/// cross-validation on the training trials, fitted on them, R^2 on the evaluation trials
/// (averaged over the 3 coordinates), as nlb_tools' velocity decoding.
double decode_r2(const float* train_rates, const float* train_latent, const RateLayout& train, const float* eval_rates,
                 const float* eval_latent, const RateLayout& evaluated);

/// Poisson regression y ~ Poisson(exp(X w + b)) per output column, an L2 penalty on w, fitted by
/// Newton's method with step halving (the GLM of NLB's smoothing and GPFA baselines).
class PoissonGlm {
 public:
  /// X (n, p), Y (n, q) counts.
  void fit(const float* X, const float* Y, size_t n, int p, int q, double l2);
  /// Rates (n, q) for X (n, p).
  std::vector<float> rates(const float* X, size_t n) const;
  int inputs() const { return p_; }
  int outputs() const { return q_; }
  /// (p + 1, q): the weights, then the bias row.
  const std::vector<double>& weights() const { return w_; }
  /// A fitted GLM's weights, (p + 1, q) as weights() gives them.
  void set_weights(int p, int q, std::vector<double> w);

 private:
  std::vector<double> w_;  // (p + 1, q): weights, then the bias row
  int p_ = 0, q_ = 0;
};

/// A progress report for long fits: (what, done, of).
using Progress = std::function<void(const std::string&, int, int)>;

/// Single-trial spike smoothing with NLB's recipe: each held-in neuron smoothed by a Gaussian of
/// `sigma` bins, then a Poisson GLM from the smoothed held-in neurons to every neuron (held-out
/// ones included); forward bins hold the last observed bin's rates or take each neuron's mean
/// training count per forward bin, whichever fits the training trials better. sigma, the GLM's penalty and
/// its input (the smoothed counts as NLB, or their logarithm, log(x + 0.01): the Lorenz rates are
/// log-linear, so the log makes the GLM the right model) by 3-fold cross-validation of co-bps on
/// the training trials.
struct SpikeSmoothing {
  double sigma = 0, alpha = 0;
  bool log_input = false, hold_last = true;
  std::vector<float> forward_mean;  // (forward, N) mean training counts
  PoissonGlm glm;
  /// The GLM's input: held-in (K, bins, heldin) smoothed (and logged) -> (K * bins, heldin).
  static std::vector<float> features(const float* heldin, const RateLayout& l, double sigma, bool log_input);
  void fit(const float* heldin, const float* spikes, const RateLayout& train, const Progress& progress = {});
  /// heldin (K, bins, heldin) -> rates (K, T, N).
  std::vector<float> predict(const float* heldin, const RateLayout& l) const;
};

/// The smoothed PSTH: each condition's mean training counts, smoothed by a Gaussian of `sigma`
/// bins (by 3-fold cross-validation of the Poisson likelihood on the training trials). It reads
/// the condition label of a trial and no spikes; it is not defined for conditions it never saw.
struct SmoothedPsth {
  double sigma = 0;
  int bins = 0, neurons = 0;
  std::vector<int> conditions;  // condition ids with a PSTH, sorted
  std::vector<float> psth;      // (conditions, T, N)
  void fit(const float* spikes, const std::vector<int>& condition, const RateLayout& train);
  bool knows(int condition) const;
  std::vector<float> predict(const std::vector<int>& condition, const RateLayout& l) const;
};

/// GPFA (Yu et al. 2009) on square-root counts of every neuron over the observed bins of the
/// training trials, in bins of 10 or 20 ms (Yu et al. used 20 ms; latents interpolated back to
/// 10 ms), its latent dimension, bin width and the GLM's penalty by 2-fold cross-validation of
/// co-bps on the training trials; an evaluation trial's latents are the exact posterior given its
/// held-in neurons, extended over the forward bins by the GP prior; rates by a Poisson GLM from the
/// latents to every neuron, fitted on the training trials' latents inferred the same way.
struct GpfaBaseline {
  int latents = 0, bin_width = 1;  // bin_width: fine bins summed into one GPFA bin
  double alpha = 0;
  std::vector<int> candidates = {4, 8, 12};
  std::vector<int> bin_widths = {1, 2};
  models::Gpfa gpfa{models::GpfaConfig{}};
  PoissonGlm glm;
  /// spikes (K, T, N) of the training trials.
  void fit(const float* spikes, const RateLayout& train, const Progress& progress = {});
  std::vector<float> predict(const float* heldin, const RateLayout& l) const;
};

/// The five numbers of one method on one evaluation set.
struct NlbScores {
  double co_bps = 0, fp_bps = 0, rate_r2 = 0, psth_r2 = 0, decode_r2 = 0;
};

/// Scores rates of the evaluation trials `evaluated` (their layout from d and split), with the
/// decoder fitted on the same method's rates of the training trials `train`.
NlbScores score_method(const data::LorenzData& d, const data::NlbSplit& split, const std::vector<int>& evaluated,
                       const std::vector<float>& eval_rates, const std::vector<int>& train,
                       const std::vector<float>& train_rates);

/// The trials a table is computed on: the split's sets, or `n` trials of each spread evenly over
/// it (so over every condition) where the whole would take too long. A held-out subset with fewer
/// trials than its set has conditions leaves one trial per condition, where PSTH R^2 equals rate R^2.
struct EvalSets {
  std::vector<int> train, heldout_trials, heldout_conditions;
  static EvalSets all(const data::NlbSplit& split);
  static EvalSets subset(const data::NlbSplit& split, int train, int heldout_trials, int heldout_conditions);
};

/// The three baselines fitted on the split's training trials.
struct NlbBaselines {
  SpikeSmoothing smoothing;
  SmoothedPsth psth;
  GpfaBaseline gpfa;
};
NlbBaselines fit_baselines(const data::LorenzData& d, const data::NlbSplit& split, const Progress& progress = {});

/// The model kind of a baselines file.
inline constexpr const char* kNlbBaselinesKind = "nlb-baselines";
/// Fitted baselines as a weights file: the settings cross-validation chose in its config text
/// (exact), the parameters as float32 tensors. The LFADS page scores the shipped fit
/// (assets/lfads/nlb-baselines.nrai, written by `neuroai eval lfads --save-baselines`) instead of
/// fitting in the browser: the fit takes about a minute and 300 MiB of wasm heap.
std::vector<uint8_t> encode_baselines(const NlbBaselines& b);
/// Parses and checks a baselines file (kind, settings, tensor shapes); nn::Error says what is wrong.
NlbBaselines decode_baselines(const uint8_t* bytes, size_t size);

/// Rates of one method for the training trials, held-out trials and held-out conditions.
struct MethodRates {
  std::vector<float> train, heldout_trials, heldout_conditions;
};
MethodRates baseline_rates(const data::LorenzData& d, const data::NlbSplit& split, const EvalSets& sets,
                           const NlbBaselines& b, const std::string& method);

}  // namespace eval
