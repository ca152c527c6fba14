// Fitted NLB baselines in a weights file (see encode_baselines in nlb.h).
#include <algorithm>
#include <cstdio>

#include "eval/nlb.h"
#include "nn/check.h"
#include "nn/weights.h"
#include "util/kv.h"

namespace eval {

namespace {
std::string exact(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

/// Adds a tensor of `shape` holding `values` (converted to float32).
template <class T>
void add_tensor(nn::Params& p, const std::string& name, nn::Shape shape, const std::vector<T>& values) {
  nn::require(static_cast<int64_t>(values.size()) == shape.numel(), "encode_baselines: ", name, ": expected ",
              shape.numel(), " values, got ", values.size());
  const int id = p.add(name, shape);
  for (size_t i = 0; i < values.size(); ++i) p.value(id)[i] = static_cast<float>(values[i]);
}

const nn::WeightsFile::Tensor& tensor(const nn::WeightsFile& f, const std::string& name, nn::Shape shape) {
  for (const auto& t : f.tensors)
    if (t.name == name) {
      nn::require(t.shape == shape, "decode_baselines: ", name, ": expected shape ", shape, ", got ", t.shape);
      return t;
    }
  nn::fail("decode_baselines: the file has no tensor '", name, "'");
}

std::vector<double> doubles(const nn::WeightsFile::Tensor& t) { return {t.data.begin(), t.data.end()}; }
Eigen::VectorXd vector_of(const nn::WeightsFile::Tensor& t) {
  Eigen::VectorXd v(static_cast<Eigen::Index>(t.data.size()));
  for (size_t i = 0; i < t.data.size(); ++i) v(static_cast<Eigen::Index>(i)) = t.data[i];
  return v;
}
}  // namespace

std::vector<uint8_t> encode_baselines(const NlbBaselines& b) {
  const SpikeSmoothing& s = b.smoothing;
  const SmoothedPsth& psth = b.psth;
  const GpfaBaseline& g = b.gpfa;
  nn::require(s.glm.inputs() > 0 && !psth.conditions.empty() && g.gpfa.fitted(),
              "encode_baselines: fit the baselines first");
  const int N = s.glm.outputs(), Hi = s.glm.inputs(), q = g.latents;
  util::KeyValues kv;
  kv["smoothing_sigma"] = exact(s.sigma);
  kv["smoothing_alpha"] = exact(s.alpha);
  kv["smoothing_log_input"] = s.log_input ? "1" : "0";
  kv["smoothing_hold_last"] = s.hold_last ? "1" : "0";
  kv["psth_sigma"] = exact(psth.sigma);
  kv["psth_bins"] = std::to_string(psth.bins);
  kv["gpfa_latents"] = std::to_string(q);
  kv["gpfa_bin_width"] = std::to_string(g.bin_width);
  kv["gpfa_alpha"] = exact(g.alpha);
  kv["gpfa_gp_noise"] = exact(g.gpfa.config().gp_noise);
  kv["neurons"] = std::to_string(N);
  kv["heldin"] = std::to_string(Hi);
  nn::Params p;
  add_tensor(p, "smoothing.glm", nn::Shape{Hi + 1, N}, s.glm.weights());
  add_tensor(p, "smoothing.forward_mean", nn::Shape{static_cast<int>(s.forward_mean.size()) / N, N}, s.forward_mean);
  add_tensor(p, "psth.conditions", nn::Shape{static_cast<int>(psth.conditions.size())}, psth.conditions);
  add_tensor(p, "psth.rates", nn::Shape{static_cast<int>(psth.conditions.size()), psth.bins, psth.neurons}, psth.psth);
  const auto& C = g.gpfa.loading();
  add_tensor(p, "gpfa.loading", nn::Shape{N, q}, std::vector<double>(C.data(), C.data() + C.size()));
  const auto as_vector = [](const Eigen::VectorXd& v) { return std::vector<double>(v.data(), v.data() + v.size()); };
  add_tensor(p, "gpfa.offset", nn::Shape{N}, as_vector(g.gpfa.offset()));
  add_tensor(p, "gpfa.private_variance", nn::Shape{N}, as_vector(g.gpfa.private_variance()));
  add_tensor(p, "gpfa.timescales", nn::Shape{q}, as_vector(g.gpfa.timescales()));
  add_tensor(p, "gpfa.glm", nn::Shape{q + 1, N}, g.glm.weights());
  return nn::encode_weights(p, kNlbBaselinesKind, util::format_kv(kv));
}

NlbBaselines decode_baselines(const uint8_t* bytes, size_t size) {
  const nn::WeightsFile f = nn::decode_weights(bytes, size);
  nn::require(f.kind == kNlbBaselinesKind, "decode_baselines: expected a '", kNlbBaselinesKind, "' file, got '", f.kind,
              "'");
  const util::KeyValues kv = util::parse_kv(f.config);
  const int N = util::kv_int(kv, "neurons", 0), Hi = util::kv_int(kv, "heldin", 0),
            q = util::kv_int(kv, "gpfa_latents", 0);
  const int bins = util::kv_int(kv, "psth_bins", 0);
  nn::require(N >= 2 && Hi >= 1 && Hi < N && q >= 1 && q <= N && bins >= 1,
              "decode_baselines: expected 1 <= heldin < neurons, ",
              "1 <= gpfa_latents <= neurons and psth_bins >= 1, got ", Hi, ", ", N, ", ", q, ", ", bins);
  NlbBaselines b;
  SpikeSmoothing& s = b.smoothing;
  s.sigma = util::kv_double(kv, "smoothing_sigma", 0);
  s.alpha = util::kv_double(kv, "smoothing_alpha", 0);
  s.log_input = util::kv_int(kv, "smoothing_log_input", 0) != 0;
  s.hold_last = util::kv_int(kv, "smoothing_hold_last", 1) != 0;
  s.glm.set_weights(Hi, N, doubles(tensor(f, "smoothing.glm", nn::Shape{Hi + 1, N})));
  for (const auto& t : f.tensors)
    if (t.name == "smoothing.forward_mean") {
      nn::require(t.shape.rank == 2 && t.shape[1] == N, "decode_baselines: smoothing.forward_mean: expected (forward, ",
                  N, "), got ", t.shape);
      s.forward_mean = t.data;
    }
  SmoothedPsth& psth = b.psth;
  psth.sigma = util::kv_double(kv, "psth_sigma", 0);
  psth.bins = bins;
  psth.neurons = N;
  for (const auto& t : f.tensors)
    if (t.name == "psth.conditions") {
      nn::require(t.shape.rank == 1 && t.shape[0] >= 1, "decode_baselines: psth.conditions: expected a list, got ",
                  t.shape);
      for (float c : t.data) psth.conditions.push_back(static_cast<int>(c));
    }
  nn::require(std::is_sorted(psth.conditions.begin(), psth.conditions.end()),
              "decode_baselines: psth.conditions: expected sorted ids");
  psth.psth = tensor(f, "psth.rates", nn::Shape{static_cast<int>(psth.conditions.size()), bins, N}).data;
  GpfaBaseline& g = b.gpfa;
  g.latents = q;
  g.bin_width = util::kv_int(kv, "gpfa_bin_width", 1);
  g.alpha = util::kv_double(kv, "gpfa_alpha", 0);
  models::GpfaConfig c;
  c.latents = q;
  c.gp_noise = util::kv_double(kv, "gpfa_gp_noise", c.gp_noise);
  g.gpfa = models::Gpfa(c);
  const auto& loading = tensor(f, "gpfa.loading", nn::Shape{N, q});
  models::Gpfa::RowMatrix C(N, q);
  for (int i = 0; i < N * q; ++i) C.data()[i] = loading.data[static_cast<size_t>(i)];
  g.gpfa.set_parameters(C, vector_of(tensor(f, "gpfa.offset", nn::Shape{N})),
                        vector_of(tensor(f, "gpfa.private_variance", nn::Shape{N})),
                        vector_of(tensor(f, "gpfa.timescales", nn::Shape{q})));
  g.glm.set_weights(q, N, doubles(tensor(f, "gpfa.glm", nn::Shape{q + 1, N})));
  return b;
}

}  // namespace eval
