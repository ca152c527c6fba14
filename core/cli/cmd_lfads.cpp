// The latent-dynamics case study on the command line:
//   neuroai train lfads   LFADS on seeded Lorenz spike data, or with --data on a recording of your
//                         own (NWB, .npy, CSV: recording_files.h) scored by co-bps on held-out neurons;
//                         writes a weights file with --out
//   neuroai eval lfads    the shipped weights against GPFA, smoothing and the smoothed PSTH on held-out
//                         neurons of held-out trials and held-out conditions (NLB's metrics)
//   neuroai bench lfads   training trials per second
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iterator>

#include "commands.h"
#include "data/lorenz.h"
#include "eval/lfads_eval.h"
#include "eval/lfads_recording.h"
#include "models/lfads.h"
#include "models/lfads_trainer.h"
#include "nn/weights.h"
#include "recording_files.h"
#include "timing.h"
#include "util/json.h"

namespace cli {

namespace {

models::LfadsConfig lfads_model_options(Args& args) {
  models::LfadsConfig c;
  c.factors = args.get_int("factors", c.factors, 1, 256);
  c.generator = args.get_int("generator", c.generator, 1, 1024);
  c.encoder = args.get_int("encoder", c.encoder, 1, 1024);
  c.ic = args.get_int("ic", c.ic, 1, 1024);
  c.controller = args.get_int("controller", 1, 0, 1) == 1;
  c.controller_input_lag = args.get_int("controller-input-lag", c.controller_input_lag, 0, 16);
  return c;
}

void scores_json(util::Json& out, const eval::NlbScores& s) {
  out.begin_object()
      .field("co_bps", s.co_bps)
      .field("fp_bps", s.fp_bps)
      .field("rate_r2", s.rate_r2)
      .field("psth_r2", s.psth_r2)
      .field("decode_r2", s.decode_r2)
      .end_object();
}

/// {"lfads": {...}, "gpfa": {...}, ...} for one evaluation set.
void methods_json(util::Json& out, const eval::NlbScores& lfads, const eval::MethodScores& baselines) {
  out.begin_object();
  out.key("lfads");
  scores_json(out, lfads);
  for (const auto& [name, s] : baselines) {
    out.key(name);
    scores_json(out, s);
  }
  out.end_object();
}

void print_table(const char* title, const eval::NlbScores& lfads, const eval::MethodScores& baselines) {
  std::printf("%s\n  %-10s %8s %8s %8s %8s %9s\n", title, "method", "co-bps", "fp-bps", "rate R2", "PSTH R2",
              "decode R2");
  const auto row = [](const std::string& name, const eval::NlbScores& s) {
    std::printf("  %-10s %8.3f %8.3f %8.3f %8.3f %9.3f\n", name.c_str(), s.co_bps, s.fp_bps, s.rate_r2, s.psth_r2,
                s.decode_r2);
  };
  row("lfads", lfads);
  for (const auto& [name, s] : baselines) row(name, s);
}

}  // namespace

/// `train lfads --data FILE`: LFADS on a recording of your own, scored as NLB scores models without
/// ground truth: co-bps on the held-out neurons of the held-out trials, beside spike smoothing.
int train_lfads_recording(const std::string& path, const data::BinSpec& bin, const std::string& align,
                          const models::LfadsConfig& c, const models::LfadsTrainConfig& tc, int steps, int eval_every,
                          const std::string& out_path, bool json) {
  std::string described;
  const data::SpikeCounts counts = read_recording(path, bin, align, &described);
  eval::LfadsRecording rec(counts, c, tc);
  std::fprintf(stderr, "%s -> %d trials x %d bins x %d neurons; %d neurons and %zu trials held out\n",
               described.c_str(), counts.trials, counts.bins, counts.neurons, rec.split().heldout,
               rec.split().heldout_trials.size());
  const auto t0 = Clock::now();
  models::LfadsLosses last;
  for (int s = 0; s < steps; s += eval_every) {
    last = rec.train_steps(std::min(eval_every, steps - s));
    std::fprintf(stderr, "step %6d  recon %.2f  co-bps %.4f  (%.0f s)\n", std::min(s + eval_every, steps),
                 static_cast<double>(last.reconstruction), rec.evaluate().co_bps, seconds_since(t0));
  }
  rec.fit_smoothing();
  const eval::RecordingScores scores = rec.evaluate();
  if (!out_path.empty()) {
    std::ofstream f(out_path, std::ios::binary);
    nn::require(static_cast<bool>(f), "--out: cannot open '", out_path, "' for writing");
    nn::write_weights(f, rec.trainer().model().params(), "lfads", rec.config().to_text());
  }
  if (!json) {
    std::printf(
        "%s\nLFADS trained for %d steps; co-bps on the held-out neurons of %d held-out trials: %.4f (spike "
        "smoothing %.4f)%s%s\n",
        described.c_str(), steps, scores.trials, scores.co_bps, scores.co_bps_smoothing,
        out_path.empty() ? "" : "; weights in ", out_path.c_str());
    return 0;
  }
  util::Json out;
  out.begin_object()
      .field("model", "lfads")
      .field("data", path)
      .field("trials", counts.trials)
      .field("bins", counts.bins)
      .field("neurons", counts.neurons)
      .field("bin_seconds", counts.bin_seconds)
      .field("heldout_neurons", rec.split().heldout)
      .field("heldout_trials", scores.trials)
      .field("steps", steps)
      .field("co_bps", scores.co_bps)
      .field("co_bps_smoothing", scores.co_bps_smoothing)
      .end_object();
  std::printf("%s\n", out.str().c_str());
  return 0;
}

int train_lfads(Args& args) {
  models::LfadsConfig c = lfads_model_options(args);
  models::LfadsTrainConfig tc;
  const int steps = args.get_int("steps", 6000, 1, 10000000);
  tc.lr = static_cast<float>(args.get_double("lr", tc.lr, 1e-6, 1.0));
  tc.batch = args.get_int("batch", tc.batch, 1, 1024);
  tc.ramp_steps = args.get_int("ramp-steps", tc.ramp_steps, 1, 1 << 30);
  tc.ramp_start = args.get_int("ramp-start", tc.ramp_start, 0, 1 << 30);
  tc.lr_half_life = args.get_int("lr-half-life", tc.lr_half_life, 1, 1 << 30);
  tc.coordinated_dropout = static_cast<float>(args.get_double("dropout", tc.coordinated_dropout, 0.0, 0.9));
  tc.seed = static_cast<uint64_t>(args.get_int("seed", 1, 0, 1 << 30));
  const int eval_every = args.get_int("eval-every", 1000, 1, 1 << 30);
  const std::string out_path = args.get_string("out", "");
  const std::string data_path = args.get_string("data", "");
  data::BinSpec bin;
  bin.bin_seconds = args.get_double("bin-ms", 20, 0.1, 60000) / 1000;
  bin.start = args.get_double("start-ms", 0, -3600e3, 3600e3) / 1000;
  bin.bins = args.get_int("bins", 0, 0, 100000);
  const std::string align = args.get_string("align", "start_time");
  const bool json = args.flag("json");
  args.finish("train lfads");
  if (!data_path.empty()) return train_lfads_recording(data_path, bin, align, c, tc, steps, eval_every, out_path, json);

  // Training reads the training trials only: their held-in neurons over the observed bins, and
  // scores every neuron over every bin. Progress is reported on the training trials too: the
  // held-out sets are for `neuroai eval lfads`.
  const eval::LfadsStudyData study = eval::lfads_study_data();
  const data::LorenzData& d = study.data;
  const data::NlbSplit& split = study.split;
  c.neurons = split.heldin;
  c.readout_neurons = d.neurons;
  const std::vector<float> train = data::gather_trials(d.spikes, d.total_bins(), d.neurons, split.train_trials);
  const int K = static_cast<int>(split.train_trials.size());
  models::LfadsTrainer trainer(c, tc);
  nn::Rng order(tc.seed, 0x0dd);
  const auto t0 = Clock::now();
  models::LfadsLosses last;
  double recent = 0;
  for (int s = 1; s <= steps; ++s) {
    std::vector<int> batch(static_cast<size_t>(tc.batch));
    for (int& b : batch) b = static_cast<int>(order.below(static_cast<uint32_t>(K)));
    last = trainer.train_step(train.data(), d.bins, d.total_bins(), batch);
    recent += last.reconstruction;
    if (s % eval_every == 0 || s == steps) {
      const double secs = seconds_since(t0);
      std::fprintf(stderr, "step %6d  recon %.2f  kl %.2f + %.2f  ramp %.2f  (%.0f s)\n", s, recent / eval_every,
                   last.kl_ic, last.kl_inputs, last.ramp, secs);
      recent = 0;
    }
  }
  if (!out_path.empty()) {
    std::ofstream f(out_path, std::ios::binary);
    nn::require(static_cast<bool>(f), "--out: cannot open '", out_path, "' for writing");
    nn::write_weights(f, trainer.model().params(), "lfads", c.to_text());
  }
  if (!json) {
    std::printf("LFADS trained for %d steps: reconstruction %.4f at the last step%s%s\n", steps,
                static_cast<double>(last.reconstruction), out_path.empty() ? "" : "; weights in ", out_path.c_str());
    return 0;
  }
  util::Json out;
  out.begin_object()
      .field("model", "lfads")
      .field("steps", steps)
      .field("controller_input_lag", c.controller_input_lag)
      .field("reconstruction", static_cast<double>(last.reconstruction))
      .end_object();
  std::printf("%s\n", out.str().c_str());
  return 0;
}

int eval_lfads(Args& args) {
  const std::string path = args.get_string("weights", "assets/lfads/lfads-lorenz.nrai");
  // --baselines FILE scores a saved fit (the page's: assets/lfads/nlb-baselines.nrai) instead of
  // fitting; --save-baselines FILE writes the fit made here.
  const std::string baselines_path = args.get_string("baselines", "");
  const std::string save_path = args.get_string("save-baselines", "");
  const bool json = args.flag("json");
  args.finish("eval lfads");
  nn::require(baselines_path.empty() || save_path.empty(), "--baselines and --save-baselines: give one or the other");
  std::ifstream f(path, std::ios::binary);
  nn::require(static_cast<bool>(f), "--weights: cannot open '", path, "'");
  const nn::WeightsFile file = nn::read_weights(f);
  const models::LfadsConfig c = models::LfadsConfig::from_text(file.config);
  models::Lfads model(c, 1);
  nn::assign_weights(model.params(), file, "lfads");
  const eval::LfadsStudyData study = eval::lfads_study_data();
  const data::LorenzData& d = study.data;
  const data::NlbSplit& split = study.split;
  const auto t0 = Clock::now();
  std::string last;
  eval::NlbBaselines baselines;
  if (!baselines_path.empty()) {
    std::ifstream in(baselines_path, std::ios::binary);
    nn::require(static_cast<bool>(in), "--baselines: cannot open '", baselines_path, "'");
    const std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    baselines = eval::decode_baselines(bytes.data(), bytes.size());
  } else {
    baselines = eval::fit_baselines(d, split, [&](const std::string& what, int done, int of) {
      const std::string line = what + " " + std::to_string(done) + "/" + std::to_string(of);
      if (!json && line != last) std::fprintf(stderr, "\r%-70s", line.c_str());
      last = line;
    });
    if (!json) std::fprintf(stderr, "\n");
  }
  const double fit_seconds = seconds_since(t0);
  if (!save_path.empty()) {
    const std::vector<uint8_t> bytes = eval::encode_baselines(baselines);
    std::ofstream out(save_path, std::ios::binary);
    nn::require(static_cast<bool>(out), "--save-baselines: cannot write '", save_path, "'");
    out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
    nn::require(static_cast<bool>(out), "--save-baselines: cannot write '", save_path, "'");
  }
  const auto [trials, conditions] = eval::score_baselines(d, split, eval::EvalSets::all(split), baselines);
  const eval::LfadsReport r = eval::evaluate_lfads(model, d, split);
  if (!json) {
    std::printf("LFADS (controller input lag %d) against the baselines, fitted on %zu training trials:\n",
                c.controller_input_lag, split.train_trials.size());
    print_table("held-out trials (of training conditions):", r.heldout_trials, trials);
    print_table("held-out conditions (Lorenz starts never seen in training):", r.heldout_conditions, conditions);
    std::printf(
        "factors -> Lorenz state (affine, fitted on training trials): R2 %.3f held-out trials, %.3f held-out "
        "conditions\nbaselines: smoothing sigma %.1f bins%s, PSTH sigma %.1f bins, GPFA %d latents on %d ms "
        "bins (fits %.1f s)\n",
        r.factor_r2_trials, r.factor_r2_conditions, baselines.smoothing.sigma,
        baselines.smoothing.log_input ? " (log input)" : "", baselines.psth.sigma, baselines.gpfa.latents,
        10 * baselines.gpfa.bin_width, fit_seconds);
    return 0;
  }
  util::Json out;
  out.begin_object().field("model", "lfads").field("controller_input_lag", c.controller_input_lag);
  out.key("heldout_trials");
  methods_json(out, r.heldout_trials, trials);
  out.key("heldout_conditions");
  methods_json(out, r.heldout_conditions, conditions);
  out.key("factor_r2")
      .begin_object()
      .field("heldout_trials", r.factor_r2_trials)
      .field("heldout_conditions", r.factor_r2_conditions)
      .end_object();
  out.key("baselines")
      .begin_object()
      .field("smoothing_sigma_bins", baselines.smoothing.sigma)
      .field("psth_sigma_bins", baselines.psth.sigma)
      .field("smoothing_log_input", baselines.smoothing.log_input)
      .field("gpfa_latents", baselines.gpfa.latents)
      .field("gpfa_bin_ms", 10 * baselines.gpfa.bin_width)
      .field("fit_seconds", fit_seconds)
      .end_object();
  out.key("split")
      .begin_object()
      .field("neurons", d.neurons)
      .field("heldin_neurons", split.heldin)
      .field("heldout_neurons", split.heldout)
      .field("observed_bins", d.bins)
      .field("forward_bins", d.forward_bins)
      .field("train_trials", static_cast<int>(split.train_trials.size()))
      .field("heldout_trials", static_cast<int>(split.heldout_trials.size()))
      .field("heldout_conditions", static_cast<int>(split.heldout_conditions.size()))
      .field("heldout_condition_trials", static_cast<int>(split.heldout_condition_trials.size()))
      .end_object();
  out.end_object();
  std::printf("%s\n", out.str().c_str());
  return 0;
}

int bench_lfads(Args& args) {
  models::LfadsConfig c = lfads_model_options(args);
  const int batch = args.get_int("batch", 32, 1, 1024);
  const int repeats = args.get_int("repeats", 5, 1, 101);
  const bool json = args.flag("json");
  args.finish("bench lfads");
  data::LorenzConfig dc;
  dc.conditions = 8;
  dc.trials = 8;
  const data::LorenzData d = data::make_lorenz(dc, 1);
  c.neurons = static_cast<int>(0.8 * d.neurons);
  c.readout_neurons = d.neurons;
  models::LfadsTrainConfig tc;
  tc.batch = batch;
  models::LfadsTrainer trainer(c, tc);
  std::vector<int> idx(static_cast<size_t>(batch));
  for (int b = 0; b < batch; ++b) idx[static_cast<size_t>(b)] = b % d.count();
  trainer.train_step(d.spikes.data(), d.bins, d.total_bins(), idx);  // warm-up (arena sizing)
  std::vector<double> rates;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = Clock::now();
    int steps = 0;
    do {
      trainer.train_step(d.spikes.data(), d.bins, d.total_bins(), idx);
      ++steps;
    } while (seconds_since(t0) < 0.3);
    rates.push_back(steps * batch / seconds_since(t0));
  }
  std::sort(rates.begin(), rates.end());
  const double trials_per_s = rates[rates.size() / 2];
  util::Json out;
  out.begin_object()
      .field("bench", "lfads")
      .field("batch", batch)
      .field("bins", d.bins)
      .field("neurons", d.neurons)
      .field("controller", c.controller)
      .field("train_trials_per_s", trials_per_s)
      .end_object();
  if (json)
    std::printf("%s\n", out.str().c_str());
  else
    std::printf("LFADS training: %.1f trials/s (batch %d, %d bins, %d neurons, controller %s)\n", trials_per_s, batch,
                d.bins, d.neurons, c.controller ? "on" : "off");
  return 0;
}

}  // namespace cli
