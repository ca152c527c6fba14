// Your own spikes: binning spike times into counts, counts from arrays, and LFADS on a recording
// without ground truth (eval/lfads_recording.h), checked on Lorenz-driven spikes whose truth the
// test keeps: the counts come back from their spike times exactly, LFADS beats spike smoothing
// on held-out neurons of held-out trials, and its rates recover the true ones.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "data/lorenz.h"
#include "data/spike_counts.h"
#include "eval/lfads_recording.h"
#include "lfads_fixtures.h"
#include "nn/check.h"
#include "nn/rng.h"

using Catch::Matchers::Contains;

namespace {

constexpr double kBin = 0.01;

/// Lorenz-driven Poisson counts (8 conditions x 10 trials, 20 neurons, 40 bins of 10 ms), with their truth.
data::LorenzData lorenz_recording() {
  data::LorenzConfig c;
  c.conditions = 8;
  c.trials = 10;
  c.neurons = 20;
  c.bins = 40;
  c.forward_bins = 0;
  c.steps_per_bin = 4;
  return data::make_lorenz(c, 5);
}

/// The counts as a recording would store them: each spike at a time inside its bin, trials 10 s apart.
struct SpikeTimes {
  std::vector<std::vector<double>> units;
  std::vector<double> align, stop;
};
SpikeTimes spike_times_of(const data::LorenzData& d) {
  SpikeTimes s;
  s.units.resize(static_cast<size_t>(d.neurons));
  nn::Rng rng(11);
  for (int k = 0; k < d.count(); ++k) {
    const double a = 10.0 * k + 0.5;
    s.align.push_back(a);
    s.stop.push_back(a + d.bins * kBin + 0.003);
    for (int b = 0; b < d.bins; ++b)
      for (int n = 0; n < d.neurons; ++n)
        for (int i = 0; i < static_cast<int>(d.trial_spikes(k)[b * d.neurons + n]); ++i)
          s.units[static_cast<size_t>(n)].push_back(a + (b + 0.999 * rng.uniform()) * kBin);
  }
  return s;
}

}  // namespace

TEST_CASE("spike times binned per trial give the counts back; edges, starts and bad input", "[lfads_recording]") {
  const data::LorenzData d = lorenz_recording();
  const SpikeTimes s = spike_times_of(d);
  const data::SpikeCounts c = data::bin_spike_times(s.units, s.align, s.stop, {kBin, 0.0, 0});
  CHECK((c.trials == d.count() && c.bins == d.bins && c.neurons == d.neurons && c.bin_seconds == kBin));
  CHECK(c.counts == d.spikes);
  // A spike on a left edge counts in that bin; the window from start for `bins` bins.
  const data::SpikeCounts e = data::bin_spike_times({{1.0, 1.1, 1.25, 2.0}}, {1.0}, {2.0}, {0.1, 0.0, 0});
  CHECK(e.bins == 10);
  CHECK(e.counts == std::vector<float>{1, 1, 1, 0, 0, 0, 0, 0, 0, 0});
  const data::SpikeCounts before = data::bin_spike_times({{0.95, 1.0, 1.05}}, {1.0}, {2.0}, {0.1, -0.1, 2});
  CHECK(before.counts == std::vector<float>{1, 2});  // 0.95 before the alignment; 1.0 on the second bin's left edge
  REQUIRE_THROWS_WITH(data::bin_spike_times({{1.0}}, {1.0}, {2.0}, {0.0, 0.0, 0}), Contains("bin width"));
  REQUIRE_THROWS_WITH(data::bin_spike_times({{1.0}}, {1.0, 2.0}, {2.0}, {0.1, 0.0, 0}),
                      Contains("expected a stop time per trial"));
  REQUIRE_THROWS_WITH(data::bin_spike_times({{1.0}}, {2.0}, {1.0}, {0.1, 0.0, 0}), Contains("stop >= alignment"));
  REQUIRE_THROWS_WITH(data::bin_spike_times({{std::nan("")}}, {1.0}, {2.0}, {0.1, 0.0, 0}),
                      Contains("unit 0: a spike time is not finite"));
  REQUIRE_THROWS_WITH(data::bin_spike_times({{1.0}}, {1.0}, {1.05}, {0.1, 0.0, 0}), Contains("holds no"));
  REQUIRE_THROWS_WITH(data::bin_spike_times({}, {1.0}, {2.0}, {0.1, 0.0, 0}), Contains("at least one unit"));
}

TEST_CASE("counts from an array: the shape must match and every value must be a count", "[lfads_recording]") {
  const std::vector<float> ok{0, 1, 2, 3, 4, 5};
  const data::SpikeCounts c = data::counts_from_array(ok.data(), ok.size(), 1, 3, 2, "spikes.npy");
  CHECK((c.trials == 1 && c.bins == 3 && c.neurons == 2 && c.counts == ok));
  REQUIRE_THROWS_WITH(data::counts_from_array(ok.data(), ok.size(), 2, 3, 2, "spikes.npy"),
                      Contains("spikes.npy: expected 2 x 3 x 2 = 12 counts, got 6"));
  const std::vector<float> bad{0, 1, 2.5, 3, 4, 5};
  REQUIRE_THROWS_WITH(data::counts_from_array(bad.data(), bad.size(), 1, 3, 2, "spikes.npy"),
                      Contains("trial 0, bin 1, neuron 0: expected a non-negative integer count, got 2.5"));
}

TEST_CASE("LFADS on a recording: beats smoothing on held-out neurons and recovers the true rates",
          "[lfads_recording][learning]") {
  data::LorenzData truth = lorenz_recording();
  const SpikeTimes s = spike_times_of(truth);
  const data::SpikeCounts counts = data::bin_spike_times(s.units, s.align, s.stop, {kBin, 0.0, 0});
  eval::LfadsRecording rec(counts, small_lfads(), short_lfads_training(), {0.2, 5, 5});
  CHECK((rec.split().heldin == 16 && rec.split().heldout == 4));
  CHECK((rec.split().train_trials.size() == 64 && rec.split().heldout_trials.size() == 16));
  CHECK(std::isnan(rec.evaluate().co_bps_smoothing));
  rec.train_steps(1000);
  rec.fit_smoothing();
  const eval::RecordingScores scores = rec.evaluate();
  // Recovery: the held-out trials' inferred rates against the truth (neurons in split order).
  double r2 = 0;
  const int T = truth.bins, N = truth.neurons;
  for (int j = 0; j < N; ++j) {
    const int n = rec.split().neuron_order[static_cast<size_t>(j)];
    double mean = 0, ss = 0, err = 0;
    std::vector<std::pair<float, float>> pairs;
    for (int i = 0; i < static_cast<int>(rec.split().heldout_trials.size()); ++i) {
      const eval::RecordingTrial t = rec.trial(i);
      const float* true_rates = truth.trial_rates(t.trial);
      for (int b = 0; b < T; ++b) pairs.emplace_back(t.rates[static_cast<size_t>(b) * N + j], true_rates[b * N + n]);
    }
    for (const auto& p : pairs) mean += p.second / pairs.size();
    for (const auto& p : pairs) {
      ss += (p.second - mean) * (p.second - mean);
      err += (p.first - p.second) * (p.first - p.second);
    }
    r2 += (1 - err / ss) / N;
  }
  INFO("co-bps " << scores.co_bps << " (smoothing " << scores.co_bps_smoothing << "), rate R2 " << r2);
  CHECK(scores.trials == 16);
  CHECK(scores.co_bps > scores.co_bps_smoothing);
  CHECK(scores.co_bps > 0);
  CHECK(r2 > 0.5);
  REQUIRE_THROWS_WITH(rec.trial(16), Contains("index"));
  // The factors' first three components: most of their variance (4 factors of a 3-D system).
  double explained = 0;
  const std::vector<float> xyz = rec.factor_trajectories(5, &explained);
  CHECK(xyz.size() == 5u * 40 * 3);
  INFO("explained " << explained);
  CHECK((explained > 0.8 && explained <= 1.0));
}

TEST_CASE("a recording too small to split is refused with what it lacks", "[lfads_recording]") {
  const std::vector<float> few(6 * 4 * 3, 1.0f);
  const data::SpikeCounts c = data::counts_from_array(few.data(), few.size(), 6, 4, 3, "few");
  REQUIRE_THROWS_WITH(eval::LfadsRecording(c, {}, {}), Contains("6 trials leave too few"));
  const std::vector<float> one(20 * 4 * 1, 1.0f);
  const data::SpikeCounts n1 = data::counts_from_array(one.data(), one.size(), 20, 4, 1, "one neuron");
  REQUIRE_THROWS_WITH(eval::LfadsRecording(n1, {}, {}), Contains("at least 1 trial x 2 bins x 2 neurons"));
}
