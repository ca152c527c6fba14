// The latent-dynamics case study on the command line:
//   neuroai train lfads   LFADS on seeded Lorenz spike data; writes a weights file with --out
//   neuroai eval lfads    the shipped weights on held-out trials (rate R^2, factor R^2, decoding)
//   neuroai bench lfads   training trials per second
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>

#include "data/lorenz.h"
#include "eval/lfads_eval.h"
#include "models/lfads.h"
#include "nn/weights.h"
#include "util/json.h"
#include "commands.h"

namespace cli {

namespace {

constexpr uint64_t kDataSeed = 2016;  // the Lorenz data set of the case study
constexpr int kHoldOutEvery = 5;      // every 5th trial of each condition is held out

models::LfadsConfig model_options(Args& args) {
  models::LfadsConfig c;
  c.factors = args.get_int("factors", c.factors, 1, 256);
  c.generator = args.get_int("generator", c.generator, 1, 1024);
  c.encoder = args.get_int("encoder", c.encoder, 1, 1024);
  c.ic = args.get_int("ic", c.ic, 1, 1024);
  c.controller = args.get_int("controller", 1, 0, 1) == 1;
  return c;
}

void report_json(util::Json& out, const eval::LfadsReport& r) {
  out.field("rate_r2", r.rate_r2)
      .field("factor_r2", r.factor_r2)
      .field("bits_per_spike", r.bits_per_spike)
      .field("decode_r2_smoothed", r.decode_r2_smoothed)
      .field("decode_r2_factors", r.decode_r2_factors)
      .field("smoothing_sigma_bins", r.smoothing_sigma)
      .field("rate_r2_smoothed_baseline", r.rate_r2_smoothed)
      .field("rate_r2_trial_average_baseline", r.rate_r2_trial_average);
}

}  // namespace

int train_lfads(Args& args) {
  models::LfadsConfig c = model_options(args);
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
  const bool json = args.flag("json");
  args.finish("train lfads");

  const data::LorenzData d = data::make_lorenz(data::LorenzConfig{}, kDataSeed);
  c.neurons = d.neurons;
  std::vector<int> train, held_out;
  data::split_trials(d, kHoldOutEvery, train, held_out);
  models::Lfads model(c, tc, tc.seed);
  nn::Rng order(tc.seed, 0x0dd);
  const auto t0 = std::chrono::steady_clock::now();
  models::LfadsLosses last;
  double recent = 0;
  for (int s = 1; s <= steps; ++s) {
    std::vector<int> batch(static_cast<size_t>(tc.batch));
    for (int& b : batch) b = train[order.below(static_cast<uint32_t>(train.size()))];
    last = model.train_step(d.spikes.data(), d.bins, batch);
    recent += last.reconstruction;
    if (s % eval_every == 0 || s == steps) {
      const auto r = eval::evaluate_lfads(model, d, train, held_out);
      const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      std::fprintf(stderr, "step %6d  recon %.2f  kl %.2f + %.2f  ramp %.2f  rate R2 %.3f  factor R2 %.3f  (%.0f s)\n",
                   s, recent / eval_every, last.kl_ic, last.kl_inputs, last.ramp, r.rate_r2, r.factor_r2, secs);
      recent = 0;
    }
  }
  if (!out_path.empty()) {
    std::ofstream f(out_path, std::ios::binary);
    nn::require(static_cast<bool>(f), "--out: cannot open '", out_path, "' for writing");
    nn::write_weights(f, model.params(), "lfads", c.to_text());
  }
  const auto r = eval::evaluate_lfads(model, d, train, held_out);
  util::Json out;
  out.begin_object().field("model", "lfads").field("steps", steps);
  report_json(out, r);
  out.end_object();
  std::printf("%s\n", out.str().c_str());
  (void)json;
  return 0;
}

int eval_lfads(Args& args) {
  const std::string path = args.get_string("weights", "assets/lfads/lfads-lorenz.nrai");
  const bool json = args.flag("json");
  args.finish("eval lfads");
  std::ifstream f(path, std::ios::binary);
  nn::require(static_cast<bool>(f), "--weights: cannot open '", path, "'");
  const nn::WeightsFile file = nn::read_weights(f);
  const models::LfadsConfig c = models::LfadsConfig::from_text(file.config);
  models::Lfads model(c, models::LfadsTrainConfig{}, 1);
  nn::assign_weights(model.params(), file, "lfads");
  const data::LorenzData d = data::make_lorenz(data::LorenzConfig{}, kDataSeed);
  std::vector<int> train, held_out;
  data::split_trials(d, kHoldOutEvery, train, held_out);
  const auto r = eval::evaluate_lfads(model, d, train, held_out);
  util::Json out;
  out.begin_object();
  report_json(out, r);
  out.field("held_out_trials", static_cast<int>(held_out.size())).end_object();
  if (json) std::printf("%s\n", out.str().c_str());
  else std::printf("rate R2 %.3f (smoothing %.3f, trial average %.3f), factor R2 %.3f, %.3f bits/spike, "
                   "decoding R2 smoothed %.3f vs factors %.3f\n", r.rate_r2, r.rate_r2_smoothed, r.rate_r2_trial_average,
                   r.factor_r2, r.bits_per_spike, r.decode_r2_smoothed, r.decode_r2_factors);
  return 0;
}

int bench_lfads(Args& args) {
  models::LfadsConfig c = model_options(args);
  const int batch = args.get_int("batch", 32, 1, 1024);
  const int repeats = args.get_int("repeats", 5, 1, 101);
  const bool json = args.flag("json");
  args.finish("bench lfads");
  data::LorenzConfig dc;
  dc.conditions = 8;
  dc.trials = 8;
  const data::LorenzData d = data::make_lorenz(dc, 1);
  c.neurons = d.neurons;
  models::LfadsTrainConfig tc;
  tc.batch = batch;
  models::Lfads model(c, tc, 1);
  std::vector<int> idx(static_cast<size_t>(batch));
  for (int b = 0; b < batch; ++b) idx[static_cast<size_t>(b)] = b % d.count();
  model.train_step(d.spikes.data(), d.bins, idx);  // warm-up (arena sizing)
  std::vector<double> rates;
  for (int r = 0; r < repeats; ++r) {
    const auto t0 = std::chrono::steady_clock::now();
    int steps = 0;
    do {
      model.train_step(d.spikes.data(), d.bins, idx);
      ++steps;
    } while (std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() < 0.3);
    rates.push_back(steps * batch / std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(rates.begin(), rates.end());
  const double trials_per_s = rates[rates.size() / 2];
  util::Json out;
  out.begin_object().field("bench", "lfads").field("batch", batch).field("bins", d.bins).field("neurons", d.neurons)
      .field("controller", c.controller).field("train_trials_per_s", trials_per_s).end_object();
  if (json) std::printf("%s\n", out.str().c_str());
  else std::printf("LFADS training: %.1f trials/s (batch %d, %d bins, %d neurons, controller %s)\n", trials_per_s, batch,
                   d.bins, d.neurons, c.controller ? "on" : "off");
  return 0;
}

}  // namespace cli
