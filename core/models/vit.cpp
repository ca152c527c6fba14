#include "vit.h"

#include <algorithm>
#include <cmath>

#include "nn/init.h"
#include "nn/ops_vit.h"
#include "nn/rng.h"
#include "util/kv.h"

namespace models {

using nn::Shape;
using nn::Var;

// ---------------------------------------------------------------- config

int64_t VitConfig::tape_floats_per_image() const {
  const int64_t T = tokens(), D = dim, M = mlp;
  return int64_t{depth} * (12 * T * D + 3 * T * M + 2 * int64_t{heads} * T * T) + 6 * T * D + 2 * pixels();
}

void VitConfig::validate() const {
  nn::require_int_range(image, 2, 256, "VitConfig.image");
  nn::require_int_range(channels, 1, 4, "VitConfig.channels");
  nn::require_int_range(patch, 1, image, "VitConfig.patch");
  nn::require(image % patch == 0, "VitConfig.patch: expected a divisor of the image size ", image, ", got ", patch);
  nn::require_int_range(patches(), 1, 1024, "VitConfig: patch count (image / patch)^2");
  nn::require_int_range(dim, 1, 1024, "VitConfig.dim");
  nn::require_int_range(depth, 1, 24, "VitConfig.depth");
  nn::require_int_range(heads, 1, 64, "VitConfig.heads");
  nn::require(dim % heads == 0, "VitConfig.heads: expected a divisor of dim ", dim, ", got ", heads);
  nn::require_int_range(mlp, 1, 8192, "VitConfig.mlp");
  nn::require_int_range(classes, 2, 1000, "VitConfig.classes");
}

std::string VitConfig::to_text() const {
  return util::format_kv({{"image", std::to_string(image)},
                          {"channels", std::to_string(channels)},
                          {"patch", std::to_string(patch)},
                          {"dim", std::to_string(dim)},
                          {"depth", std::to_string(depth)},
                          {"heads", std::to_string(heads)},
                          {"mlp", std::to_string(mlp)},
                          {"classes", std::to_string(classes)}});
}

VitConfig VitConfig::from_text(const std::string& text) {
  const auto kv = util::parse_kv(text);
  VitConfig c;
  c.image = util::kv_int(kv, "image", c.image);
  c.channels = util::kv_int(kv, "channels", c.channels);
  c.patch = util::kv_int(kv, "patch", c.patch);
  c.dim = util::kv_int(kv, "dim", c.dim);
  c.depth = util::kv_int(kv, "depth", c.depth);
  c.heads = util::kv_int(kv, "heads", c.heads);
  c.mlp = util::kv_int(kv, "mlp", c.mlp);
  c.classes = util::kv_int(kv, "classes", c.classes);
  c.validate();
  return c;
}

// ---------------------------------------------------------------- parameters
// Initialization as google-research/vision_transformer: LeCun-normal patch embedding, Xavier-uniform
// dense layers (q, k and v each as its own D x D matrix), zero biases and class token, N(0, 0.02)
// position embeddings; the head N(0, 0.02) (the reference zero-initializes it for fine-tuning).

Vit::Vit(const VitConfig& config, uint64_t seed) : config_(config) {
  config_.validate();
  const VitConfig& c = config_;
  const int D = c.dim, P = c.patch;
  nn::Rng rng(seed, 0x717);
  patch_w_ = params_.add("patch.weight", Shape{D, c.channels, P, P});  // (D, C, P, P)
  patch_b_ = params_.add("patch.bias", Shape{D}, false);
  cls_ = params_.add("cls", Shape{D}, false);              // (D)
  pos_ = params_.add("pos", Shape{c.tokens(), D}, false);  // (T, D)
  for (int l = 0; l < c.depth; ++l) {
    const std::string tag = "block" + std::to_string(l) + ".";
    Block b{};
    b.ln1_g = params_.add(tag + "ln1.gamma", Shape{D}, false);
    b.ln1_b = params_.add(tag + "ln1.beta", Shape{D}, false);
    b.qkv_w = params_.add(tag + "attn.qkv.weight", Shape{D, 3 * D});  // (D, 3D): [q | k | v]
    b.qkv_b = params_.add(tag + "attn.qkv.bias", Shape{3 * D}, false);
    b.out_w = params_.add(tag + "attn.out.weight", Shape{D, D});
    b.out_b = params_.add(tag + "attn.out.bias", Shape{D}, false);
    b.ln2_g = params_.add(tag + "ln2.gamma", Shape{D}, false);
    b.ln2_b = params_.add(tag + "ln2.beta", Shape{D}, false);
    b.fc1_w = params_.add(tag + "mlp.fc1.weight", Shape{D, c.mlp});
    b.fc1_b = params_.add(tag + "mlp.fc1.bias", Shape{c.mlp}, false);
    b.fc2_w = params_.add(tag + "mlp.fc2.weight", Shape{c.mlp, D});
    b.fc2_b = params_.add(tag + "mlp.fc2.bias", Shape{D}, false);
    blocks_.push_back(b);
  }
  norm_g_ = params_.add("norm.gamma", Shape{D}, false);
  norm_b_ = params_.add("norm.beta", Shape{D}, false);
  head_w_ = params_.add("head.weight", Shape{D, c.classes});
  head_b_ = params_.add("head.bias", Shape{c.classes}, false);

  nn::init_normal(params_, patch_w_, rng, 0.0f, std::sqrt(1.0f / static_cast<float>(c.channels * P * P)));
  nn::init_normal(params_, pos_, rng, 0.0f, 0.02f);
  for (const Block& b : blocks_) {
    const float a = std::sqrt(6.0f / static_cast<float>(2 * D));  // Xavier bound of one D x D part
    nn::init_uniform(params_, b.qkv_w, rng, -a, a);
    nn::init_xavier_uniform(params_, b.out_w, rng);
    nn::init_xavier_uniform(params_, b.fc1_w, rng);
    nn::init_xavier_uniform(params_, b.fc2_w, rng);
    nn::init_constant(params_, b.ln1_g, 1.0f);
    nn::init_constant(params_, b.ln2_g, 1.0f);
  }
  nn::init_constant(params_, norm_g_, 1.0f);
  nn::init_trunc_normal(params_, head_w_, rng, 0.02f);
}

void Vit::validate_head_mask(const float* head_mask, const char* name) const {
  if (head_mask == nullptr) return;
  for (int i = 0; i < config_.depth * config_.heads; ++i)
    nn::require(std::isfinite(head_mask[i]) && head_mask[i] >= 0.0f && head_mask[i] <= 1.0f, name, "[", i,
                "]: expected a number in [0, 1] (block ", i / config_.heads, ", head ", i % config_.heads, "), got ",
                head_mask[i]);
}

// ---------------------------------------------------------------- forward

// z' = z + MSA(LN(z)) for one block. z (B, T, D). The fused ops read the heads in place from
// the packed projection [q | k | v] (nn/ops_vit.h).
Var Vit::attention_block(nn::Tape& t, Var z, const Block& b, const float* layer_mask, std::vector<Var>* attention) {
  const int H = config_.heads, dh = config_.head_dim();
  Var h = nn::layernorm(z, params_.on(t, b.ln1_g), params_.on(t, b.ln1_b), kLayerNormEps);  // (B, T, D)
  Var qkv = nn::linear(h, params_.on(t, b.qkv_w), params_.on(t, b.qkv_b));                  // (B, T, 3D)
  Var a = nn::attention_probs(qkv, H);                                                      // (B, h, T, T)
  if (attention != nullptr) attention->push_back(a);
  Var o = nn::attention_mix(a, qkv);  // (B, T, D), heads side by side
  if (layer_mask != nullptr && std::any_of(layer_mask, layer_mask + H, [](float m) { return m != 1.0f; })) {
    // Lesions: head k's dh columns of o scaled by its factor (0 silences it).
    float* columns = t.scratch<float>(static_cast<size_t>(config_.dim));
    for (int d = 0; d < config_.dim; ++d) columns[d] = layer_mask[d / dh];
    o = nn::mul(o, t.constant(columns, Shape{config_.dim}));
  }
  return z + nn::linear(o, params_.on(t, b.out_w), params_.on(t, b.out_b));
}

Var Vit::forward(nn::Tape& t, Var x, const float* head_mask, std::vector<Var>* attention) {
  const VitConfig& c = config_;
  nn::require_var(t, x, "Vit::forward: x");
  const Shape& s = x.shape();
  nn::require(s.rank == 4 && s[0] >= 1 && s[1] == c.channels && s[2] == c.image && s[3] == c.image,
              "Vit::forward: x: expected (B, ", c.channels, ", ", c.image, ", ", c.image, "), got shape ", s);
  const int B = s[0], D = c.dim, N = c.patches();
  x = nn::affine(x, 1.0f / kVitPixelStd, -kVitPixelMean / kVitPixelStd);                // (B, C, S, S) standardized
  Var p = nn::conv2d(x, params_.on(t, patch_w_), params_.on(t, patch_b_), c.patch, 0);  // (B, D, G, G)
  p = nn::transpose(nn::reshape(p, Shape{B, D, N}), {0, 2, 1});                         // (B, N, D)
  Var cls = nn::add(t.constant(Shape{B, 1, D}, 0.0f), params_.on(t, cls_));             // (B, 1, D)
  Var z = nn::concat({cls, p}, 1) + params_.on(t, pos_);                                // (B, T, D)
  for (int l = 0; l < c.depth; ++l) {
    const Block& b = blocks_[static_cast<size_t>(l)];
    z = attention_block(t, z, b, head_mask ? head_mask + l * c.heads : nullptr, attention);
    Var h = nn::layernorm(z, params_.on(t, b.ln2_g), params_.on(t, b.ln2_b), kLayerNormEps);  // (B, T, D)
    h = nn::gelu(nn::linear(h, params_.on(t, b.fc1_w), params_.on(t, b.fc1_b)));              // (B, T, M)
    z = z + nn::linear(h, params_.on(t, b.fc2_w), params_.on(t, b.fc2_b));                    // (B, T, D)
  }
  Var cls_out = nn::reshape(nn::slice(z, 1, 0, 1), Shape{B, D});  // (B, D)
  cls_out = nn::layernorm(cls_out, params_.on(t, norm_g_), params_.on(t, norm_b_), kLayerNormEps);
  return nn::linear(cls_out, params_.on(t, head_w_), params_.on(t, head_b_));  // (B, K)
}

// The same computation as forward() (then softmax, as predict()), step for step, as data. Keep the
// two in step: tests/wasm/vit-plan.test.mjs runs this plan in plain JS and compares with predict().
VitPlan Vit::forward_plan() const {
  const VitConfig& c = config_;
  const int D = c.dim, N = c.patches(), T = c.tokens(), M = c.mlp, K = c.classes, H = c.heads;
  const int PP = c.channels * c.patch * c.patch;
  const auto name = [&](int i) { return params_.entry(i).name; };
  std::vector<nn::PlanOp> ops;
  nn::PlanOutput attention{"attention", {}}, distance{"attention_distance", {}};
  // x standardized, conv2d with kernel = stride = P as patches (B, N, C*P*P) times patch.weight^T.
  ops.push_back({"patchify",
                 {"images"},
                 "patches",
                 {-1, N, PP},
                 {},
                 {{"mean", kVitPixelMean},
                  {"std", kVitPixelStd},
                  {"patch", c.patch},
                  {"image", c.image},
                  {"channels", c.channels}}});
  ops.push_back(
      {"linear", {"patches"}, "patch_tokens", {-1, N, D}, {name(patch_w_), name(patch_b_)}, {{"transposeWeight", 1}}});
  ops.push_back({"tokens", {"patch_tokens"}, "z0", {-1, T, D}, {name(cls_), name(pos_)}, {}});  // [cls ; p] + pos
  std::string z = "z0";
  for (int l = 0; l < c.depth; ++l) {
    const Block& b = blocks_[static_cast<size_t>(l)];
    const std::string tag = "block" + std::to_string(l) + ".";
    // attention_block(): z' = z + out(mask * MSA(LN1(z)))
    ops.push_back(
        {"layernorm", {z}, tag + "ln1", {-1, T, D}, {name(b.ln1_g), name(b.ln1_b)}, {{"eps", kLayerNormEps}}});
    ops.push_back({"linear",
                   {tag + "ln1"},
                   tag + "qkv",
                   {-1, T, 3 * D},
                   {name(b.qkv_w), name(b.qkv_b)},
                   {{"transposeWeight", 0}}});
    ops.push_back({"attention", {tag + "qkv"}, tag + "heads", {-1, T, D}, {}, {{"heads", H}, {"maskOffset", l * H}}});
    // Read-outs: the probabilities attention_probs() gives inside "attention", and their distances.
    ops.push_back({"attention_weights", {tag + "qkv"}, tag + "weights", {-1, H, T, T}, {}, {{"heads", H}}});
    ops.push_back({"attention_distance",
                   {tag + "weights"},
                   tag + "distance",
                   {-1, H},
                   {},
                   {{"grid", c.grid()}, {"patch", c.patch}}});
    attention.steps.push_back(tag + "weights");
    distance.steps.push_back(tag + "distance");
    ops.push_back({"linear",
                   {tag + "heads"},
                   tag + "attn",
                   {-1, T, D},
                   {name(b.out_w), name(b.out_b)},
                   {{"transposeWeight", 0}}});
    ops.push_back({"add", {z, tag + "attn"}, tag + "mid", {-1, T, D}, {}, {}});
    // z = z' + fc2(GELU(fc1(LN2(z'))))
    ops.push_back({"layernorm",
                   {tag + "mid"},
                   tag + "ln2",
                   {-1, T, D},
                   {name(b.ln2_g), name(b.ln2_b)},
                   {{"eps", kLayerNormEps}}});
    ops.push_back(
        {"linear", {tag + "ln2"}, tag + "fc1", {-1, T, M}, {name(b.fc1_w), name(b.fc1_b)}, {{"transposeWeight", 0}}});
    ops.push_back({"gelu", {tag + "fc1"}, tag + "gelu", {-1, T, M}, {}, {}});
    ops.push_back(
        {"linear", {tag + "gelu"}, tag + "fc2", {-1, T, D}, {name(b.fc2_w), name(b.fc2_b)}, {{"transposeWeight", 0}}});
    z = "z" + std::to_string(l + 1);
    ops.push_back({"add", {tag + "mid", tag + "fc2"}, z, {-1, T, D}, {}, {}});
  }
  ops.push_back({"class_token", {z}, "cls_out", {-1, D}, {}, {}});
  ops.push_back(
      {"layernorm", {"cls_out"}, "cls_norm", {-1, D}, {name(norm_g_), name(norm_b_)}, {{"eps", kLayerNormEps}}});
  ops.push_back({"linear", {"cls_norm"}, "logits", {-1, K}, {name(head_w_), name(head_b_)}, {{"transposeWeight", 0}}});
  ops.push_back({"softmax", {"logits"}, "probs", {-1, K}, {}, {}});
  return {std::move(ops), {{"probs", {"probs"}}, std::move(attention), std::move(distance)}};
}

// ---------------------------------------------------------------- read-outs

namespace {
int readout_chunk(const VitConfig& c) {
  return nn::items_per_pass(nn::kReadoutTapeBytes, c.tape_floats_per_image(), 64);
}
}  // namespace

void Vit::predict(const float* images, int n, const float* head_mask, float* probs) {
  nn::require(n >= 0, "Vit::predict: n: expected >= 0, got ", n);
  validate_head_mask(head_mask, "Vit::predict: head_mask");
  const VitConfig& c = config_;
  const int chunk = readout_chunk(c);
  for (int start = 0; start < n; start += chunk) {
    const int m = std::min(chunk, n - start);
    infer_.reset();
    nn::NoGradScope no_grad(infer_);
    Var x = infer_.constant(images + static_cast<size_t>(start) * c.pixels(), Shape{m, c.channels, c.image, c.image});
    Var p = nn::softmax(forward(infer_, x, head_mask));  // (m, K)
    std::copy(p.data(), p.data() + p.numel(), probs + static_cast<size_t>(start) * c.classes);
  }
}

void Vit::attention_maps(const float* images, int n, const float* head_mask, float* probs, float* attention) {
  nn::require(n >= 0, "Vit::attention_maps: n: expected >= 0, got ", n);
  validate_head_mask(head_mask, "Vit::attention_maps: head_mask");
  const VitConfig& c = config_;
  const size_t per_map = static_cast<size_t>(c.heads) * c.tokens() * c.tokens();  // one block of one image
  const int chunk = readout_chunk(c);
  for (int start = 0; start < n; start += chunk) {
    const int m = std::min(chunk, n - start);
    infer_.reset();
    nn::NoGradScope no_grad(infer_);
    std::vector<Var> maps;  // per block (m, h, T, T)
    Var x = infer_.constant(images + static_cast<size_t>(start) * c.pixels(), Shape{m, c.channels, c.image, c.image});
    Var p = nn::softmax(forward(infer_, x, head_mask, &maps));  // (m, K)
    std::copy(p.data(), p.data() + p.numel(), probs + static_cast<size_t>(start) * c.classes);
    for (int b = 0; b < m; ++b)
      for (int l = 0; l < c.depth; ++l)
        std::copy_n(maps[static_cast<size_t>(l)].data() + b * per_map, per_map,
                    attention + ((static_cast<size_t>(start) + b) * c.depth + l) * per_map);
  }
}

void Vit::mean_attention_distance(const float* images, int n, float* out) {
  nn::require(n >= 1, "Vit::mean_attention_distance: n: expected at least one image, got ", n);
  const VitConfig& c = config_;
  const int H = c.heads;
  std::vector<double> acc(static_cast<size_t>(c.depth) * H, 0.0);
  const int chunk = readout_chunk(c);
  std::vector<float> per_image(static_cast<size_t>(chunk) * H);
  for (int start = 0; start < n; start += chunk) {
    const int m = std::min(chunk, n - start);
    infer_.reset();
    nn::NoGradScope no_grad(infer_);
    std::vector<Var> maps;
    forward(infer_,
            infer_.constant(images + static_cast<size_t>(start) * c.pixels(), Shape{m, c.channels, c.image, c.image}),
            nullptr, &maps);
    for (int l = 0; l < c.depth; ++l) {
      vit_attention_distance(c, maps[static_cast<size_t>(l)].data(), m, per_image.data());  // (m, h)
      for (int b = 0; b < m; ++b)
        for (int hd = 0; hd < H; ++hd)
          acc[static_cast<size_t>(l) * H + hd] += per_image[static_cast<size_t>(b) * H + hd];
    }
  }
  for (size_t i = 0; i < acc.size(); ++i) out[i] = static_cast<float>(acc[i] / n);
}

void vit_attention_distance(const VitConfig& c, const float* attention, int n, float* out) {
  const int G = c.grid(), N = c.patches(), T = c.tokens();
  // Distances between patch centres, pixels: (N, N).
  std::vector<float> dist(static_cast<size_t>(N) * N);
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j)
      dist[static_cast<size_t>(i) * N + j] =
          static_cast<float>(c.patch) *
          std::hypot(static_cast<float>(i / G - j / G), static_cast<float>(i % G - j % G));
  for (int bh = 0; bh < n * c.heads; ++bh) {
    double sum_over_queries = 0;
    for (int i = 0; i < N; ++i) {
      const float* row = attention + (static_cast<size_t>(bh) * T + (i + 1)) * T + 1;  // query patch i, keys 1..T-1
      double weighted = 0, mass = 0;
      for (int j = 0; j < N; ++j) {
        weighted += static_cast<double>(row[j]) * dist[static_cast<size_t>(i) * N + j];
        mass += row[j];
      }
      sum_over_queries += mass > 0 ? weighted / mass : 0.0;
    }
    out[bh] = static_cast<float>(sum_over_queries / N);
  }
}

void Vit::position_similarity(float* out) const {
  const int N = config_.patches(), D = config_.dim;
  const float* pos = params_.value(pos_) + D;  // skip the class token's row: (N, D)
  std::vector<double> norm(static_cast<size_t>(N));
  for (int i = 0; i < N; ++i) {
    double s = 0;
    for (int d = 0; d < D; ++d) s += static_cast<double>(pos[i * D + d]) * pos[i * D + d];
    norm[static_cast<size_t>(i)] = std::sqrt(s);
  }
  for (int i = 0; i < N; ++i)
    for (int j = 0; j < N; ++j) {
      double dot = 0;
      for (int d = 0; d < D; ++d) dot += static_cast<double>(pos[i * D + d]) * pos[j * D + d];
      const double denom = norm[static_cast<size_t>(i)] * norm[static_cast<size_t>(j)];
      out[i * N + j] = denom > 0 ? static_cast<float>(dot / denom) : 0.0f;
    }
}

void vit_rollout(const VitConfig& c, const float* attention, const float* head_mask, float* rollout) {
  const int T = c.tokens(), H = c.heads;
  const size_t TT = static_cast<size_t>(T) * T;
  std::vector<double> r(TT, 0.0), layer(TT), next(TT);
  for (int i = 0; i < T; ++i) r[static_cast<size_t>(i) * T + i] = 1.0;  // R = I
  for (int l = 0; l < c.depth; ++l) {
    // Mean over the heads that still speak (weights = mask); a block with every head silenced
    // passes only its residual: A~ = I.
    double weight = 0;
    std::fill(layer.begin(), layer.end(), 0.0);
    for (int hd = 0; hd < H; ++hd) {
      const double w = head_mask ? head_mask[l * H + hd] : 1.0;
      if (w == 0) continue;
      weight += w;
      const float* a = attention + (static_cast<size_t>(l) * H + hd) * TT;
      for (size_t e = 0; e < TT; ++e) layer[e] += w * a[e];
    }
    for (int i = 0; i < T; ++i) {
      double row_sum = 0;
      for (int j = 0; j < T; ++j) {
        double& v = layer[static_cast<size_t>(i) * T + j];
        v = weight > 0 ? 0.5 * v / weight + (i == j ? 0.5 : 0.0) : (i == j ? 1.0 : 0.0);
        row_sum += v;
      }
      for (int j = 0; j < T; ++j) layer[static_cast<size_t>(i) * T + j] /= row_sum;
    }
    // R <- A~_l R
    for (int i = 0; i < T; ++i)
      for (int j = 0; j < T; ++j) {
        double s = 0;
        for (int k = 0; k < T; ++k) s += layer[static_cast<size_t>(i) * T + k] * r[static_cast<size_t>(k) * T + j];
        next[static_cast<size_t>(i) * T + j] = s;
      }
    r.swap(next);
  }
  for (size_t e = 0; e < TT; ++e) rollout[e] = static_cast<float>(r[e]);
}

}  // namespace models
