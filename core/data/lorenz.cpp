#include "lorenz.h"

#include <algorithm>
#include <cmath>

#include "nn/check.h"
#include "nn/rng.h"
#include "util/det_math.h"

namespace data {

void LorenzConfig::validate() const {
  nn::require_int_range(conditions, 1, 10000, "LorenzConfig.conditions");
  nn::require_int_range(trials, 1, 1000, "LorenzConfig.trials");
  nn::require_int_range(neurons, 1, 4096, "LorenzConfig.neurons");
  nn::require_int_range(bins, 2, 10000, "LorenzConfig.bins");
  nn::require_int_range(forward_bins, 0, 10000, "LorenzConfig.forward_bins");
  nn::require_int_range(steps_per_bin, 1, 100, "LorenzConfig.steps_per_bin");
  nn::require_range(bin_seconds, 1e-4, 1.0, "LorenzConfig.bin_seconds");
  nn::require_int_range(burn_in, 0, 1000000, "LorenzConfig.burn_in");
}

LorenzData make_lorenz(const LorenzConfig& c, uint64_t seed) {
  c.validate();
  nn::Rng rng(seed, 0x10e2);
  LorenzData d;
  d.conditions = c.conditions;
  d.trials = c.trials;
  d.neurons = c.neurons;
  d.bins = c.bins;
  d.forward_bins = c.forward_bins;
  const int T = c.bins + c.forward_bins;
  constexpr double kSigma = 10.0, kRho = 28.0, kBeta = 8.0 / 3.0, kDt = 0.006;
  // One Lorenz trajectory per condition.
  std::vector<double> states(static_cast<size_t>(c.conditions) * T * 3);
  for (int cond = 0; cond < c.conditions; ++cond) {
    double x = rng.uniform(-15, 15), y = rng.uniform(-15, 15), z = rng.uniform(0, 40);
    auto euler = [&] {
      const double dx = kSigma * (y - x), dy = x * (kRho - z) - y, dz = x * y - kBeta * z;
      x += kDt * dx;
      y += kDt * dy;
      z += kDt * dz;
    };
    for (int s = 0; s < c.burn_in; ++s) euler();
    for (int t = 0; t < T; ++t) {
      for (int s = 0; s < c.steps_per_bin; ++s) euler();
      double* out = states.data() + (static_cast<size_t>(cond) * T + t) * 3;
      out[0] = x;
      out[1] = y;
      out[2] = z;
    }
  }
  // Normalize each coordinate: zero mean, largest |value| 1.
  for (int dim = 0; dim < 3; ++dim) {
    double mean = 0, max_abs = 0;
    const size_t n = states.size() / 3;
    for (size_t i = 0; i < n; ++i) mean += states[3 * i + dim];
    mean /= static_cast<double>(n);
    for (size_t i = 0; i < n; ++i) max_abs = std::max(max_abs, std::fabs(states[3 * i + dim] - mean));
    for (size_t i = 0; i < n; ++i) states[3 * i + dim] = (states[3 * i + dim] - mean) / max_abs;
  }
  // The readout.
  std::vector<double> w(static_cast<size_t>(c.neurons) * 3), base(static_cast<size_t>(c.neurons));
  for (auto& v : w) v = (rng.uniform() < 0.5f ? -1.0 : 1.0) * rng.uniform(1.0f, 1.5f);
  for (auto& b : base) b = rng.uniform(5.0f, 15.0f);
  const int K = c.conditions * c.trials;
  d.spikes.resize(static_cast<size_t>(K) * T * c.neurons);
  d.condition_rates.resize(static_cast<size_t>(c.conditions) * T * c.neurons);
  d.latent.resize(static_cast<size_t>(K) * T * 3);
  d.condition.resize(static_cast<size_t>(K));
  // The rates depend on the condition only: computed once per condition with the exp(-rate) that
  // Knuth's Poisson draw needs (the exps were most of the cost), then each trial draws its counts
  // from them, in the same order as ever.
  const size_t per_trial = static_cast<size_t>(T) * c.neurons;
  // One condition's rates, in double (the Poisson draws take them unrounded), and their exp(-rate).
  std::vector<double> rates(per_trial), exp_neg_rates(per_trial);
  for (int cond = 0; cond < c.conditions; ++cond) {
    for (int t = 0; t < T; ++t) {
      const double* z = states.data() + (static_cast<size_t>(cond) * T + t) * 3;
      for (int n = 0; n < c.neurons; ++n) {
        const double drive = w[static_cast<size_t>(3 * n)] * z[0] + w[static_cast<size_t>(3 * n + 1)] * z[1] +
                             w[static_cast<size_t>(3 * n + 2)] * z[2];
        rates[static_cast<size_t>(t) * c.neurons + n] =
            base[static_cast<size_t>(n)] * util::det_exp(drive) * c.bin_seconds;
      }
    }
    for (size_t i = 0; i < per_trial; ++i)
      exp_neg_rates[i] = rates[i] > 0 && rates[i] <= 30 ? util::det_exp(-rates[i]) : 0.0;
    std::transform(rates.begin(), rates.end(),
                   d.condition_rates.begin() + static_cast<std::ptrdiff_t>(cond * per_trial),
                   [](double r) { return static_cast<float>(r); });
    for (int rep = 0; rep < c.trials; ++rep) {
      const int k = cond * c.trials + rep;
      d.condition[static_cast<size_t>(k)] = cond;
      for (int t = 0; t < T; ++t) {
        const double* z = states.data() + (static_cast<size_t>(cond) * T + t) * 3;
        float* lat = d.latent.data() + (static_cast<size_t>(k) * T + t) * 3;
        for (int dim = 0; dim < 3; ++dim) lat[dim] = static_cast<float>(z[dim]);
      }
      float* spikes = d.spikes.data() + static_cast<size_t>(k) * per_trial;
      for (size_t i = 0; i < per_trial; ++i) spikes[i] = static_cast<float>(rng.poisson(rates[i], exp_neg_rates[i]));
    }
  }
  return d;
}

std::vector<float> LorenzData::true_rates(const std::vector<int>& trials) const {
  const size_t per = static_cast<size_t>(total_bins()) * neurons;
  std::vector<float> out(trials.size() * per);
  for (size_t i = 0; i < trials.size(); ++i) {
    nn::require_int_range(trials[i], 0, count() - 1, "LorenzData::true_rates: trial");
    std::copy_n(trial_rates(trials[i]), per, out.begin() + static_cast<std::ptrdiff_t>(i * per));
  }
  return out;
}

void split_trials(const LorenzData& d, int every, std::vector<int>& train, std::vector<int>& held_out) {
  nn::require_int_range(every, 2, 1000, "split_trials: every");
  train.clear();
  held_out.clear();
  for (int k = 0; k < d.count(); ++k) ((k % d.trials) % every == every - 1 ? held_out : train).push_back(k);
}

void NlbSplitConfig::validate() const {
  nn::require_range(heldout_neuron_fraction, 0.0, 0.9, "NlbSplitConfig.heldout_neuron_fraction");
  nn::require_int_range(heldout_conditions, 0, 10000, "NlbSplitConfig.heldout_conditions");
  nn::require_int_range(heldout_trial_every, 2, 1000, "NlbSplitConfig.heldout_trial_every");
}

NlbSplit make_nlb_split(LorenzData& d, const NlbSplitConfig& c, uint64_t seed) {
  c.validate();
  nn::require(c.heldout_conditions < d.conditions, "NlbSplitConfig.heldout_conditions: expected fewer than the ",
              d.conditions, " conditions, got ", c.heldout_conditions);
  nn::require(d.trials >= c.heldout_trial_every, "NlbSplitConfig.heldout_trial_every: expected at most the ", d.trials,
              " trials per condition, got ", c.heldout_trial_every);
  nn::Rng rng(seed, 0x5b1);
  // A seeded Fisher-Yates shuffle draws each held-out set.
  const auto shuffled = [&](int n) {
    std::vector<int> v(static_cast<size_t>(n));
    for (int i = 0; i < n; ++i) v[static_cast<size_t>(i)] = i;
    for (int i = n - 1; i > 0; --i) std::swap(v[static_cast<size_t>(i)], v[rng.below(static_cast<uint32_t>(i + 1))]);
    return v;
  };
  NlbSplit s;
  const int N = d.neurons;
  s.heldout = static_cast<int>(std::lround(c.heldout_neuron_fraction * N));
  s.heldin = N - s.heldout;
  nn::require(s.heldin >= 1, "NlbSplitConfig.heldout_neuron_fraction: leaves no held-in neuron of ", N);
  std::vector<int> order = shuffled(N);
  std::sort(order.begin(), order.begin() + s.heldin);
  std::sort(order.begin() + s.heldin, order.end());
  s.neuron_order = order;
  std::vector<int> conds = shuffled(d.conditions);
  s.heldout_conditions.assign(conds.begin(), conds.begin() + c.heldout_conditions);
  std::sort(s.heldout_conditions.begin(), s.heldout_conditions.end());
  std::vector<char> new_condition(static_cast<size_t>(d.conditions), 0);
  for (int cond : s.heldout_conditions) new_condition[static_cast<size_t>(cond)] = 1;
  for (int k = 0; k < d.count(); ++k) {
    if (new_condition[static_cast<size_t>(d.condition[static_cast<size_t>(k)])])
      s.heldout_condition_trials.push_back(k);
    else if ((k % d.trials) % c.heldout_trial_every == c.heldout_trial_every - 1)
      s.heldout_trials.push_back(k);
    else
      s.train_trials.push_back(k);
  }
  // Permute the neurons in place: new neuron j is generated neuron order[j].
  std::vector<float> row(static_cast<size_t>(N));
  for (auto* a : {&d.spikes, &d.condition_rates})
    for (size_t r = 0; r < a->size() / static_cast<size_t>(N); ++r) {
      float* p = a->data() + r * static_cast<size_t>(N);
      for (int j = 0; j < N; ++j) row[static_cast<size_t>(j)] = p[order[static_cast<size_t>(j)]];
      std::copy(row.begin(), row.end(), p);
    }
  return s;
}

std::vector<float> heldin_spikes(const LorenzData& d, int heldin, const std::vector<int>& trials) {
  nn::require_int_range(heldin, 1, d.neurons, "heldin_spikes: heldin");
  const int T = d.total_bins(), N = d.neurons;
  std::vector<float> out;
  out.reserve(trials.size() * static_cast<size_t>(d.bins) * heldin);
  for (int k : trials) {
    nn::require_int_range(k, 0, d.count() - 1, "heldin_spikes: trial");
    for (int t = 0; t < d.bins; ++t) {
      const float* p = d.spikes.data() + (static_cast<size_t>(k) * T + t) * N;
      out.insert(out.end(), p, p + heldin);
    }
  }
  return out;
}

std::vector<float> gather_trials(const std::vector<float>& all, int total_bins, int width,
                                 const std::vector<int>& trials, int bins) {
  if (bins < 0) bins = total_bins;
  nn::require(bins <= total_bins, "gather_trials: bins: expected at most ", total_bins, ", got ", bins);
  const size_t per = static_cast<size_t>(total_bins) * width, keep = static_cast<size_t>(bins) * width;
  std::vector<float> out;
  out.reserve(trials.size() * keep);
  for (int k : trials) {
    nn::require(static_cast<size_t>(k + 1) * per <= all.size(), "gather_trials: trial ", k, " is out of range");
    out.insert(out.end(), all.begin() + static_cast<std::ptrdiff_t>(k * per),
               all.begin() + static_cast<std::ptrdiff_t>(k * per + keep));
  }
  return out;
}

void validate_spikes(const float* spikes, int trials, int bins, int neurons, const char* what) {
  nn::require(trials >= 1, what, ": expected at least one trial, got ", trials);
  nn::require(bins >= 1, what, ": expected at least one bin, got ", bins);
  nn::require(neurons >= 1, what, ": expected at least one neuron, got ", neurons);
  const size_t per_trial = static_cast<size_t>(bins) * neurons;
  for (int k = 0; k < trials; ++k)
    for (size_t i = 0; i < per_trial; ++i) {
      const float v = spikes[static_cast<size_t>(k) * per_trial + i];
      nn::require(std::isfinite(v) && v >= 0 && v == std::floor(v), what, ": trial ", k, ", bin ",
                  i / static_cast<size_t>(neurons), ", neuron ", i % static_cast<size_t>(neurons),
                  ": expected a non-negative integer count, got ", v);
    }
}

}  // namespace data
