// A Vision Transformer (Dosovitskiy et al., ICLR 2021; google-research/vision_transformer), small
// enough to train on Fashion-MNIST on a laptop and in the browser:
//
//   z0 = [x_cls ; patches(x) E] + E_pos           patch embedding: conv with kernel = stride = P
//   z' = z + MSA(LN(z));  z = z' + MLP(LN(z'))     pre-norm blocks, MLP = Dense -> GELU -> Dense
//   A  = softmax(Q K^T / sqrt(D / h))              per head, over all T = 1 + (S / P)^2 tokens
//   logits = head(LN(z_L[0]))                      the class token's final state
//
// Read-outs for the page and the CLI: attention per layer and head, attention rollout (Abnar &
// Zuidema 2020), per-head mean attention distance, position-embedding similarity, and
// predictions with heads lesioned (their outputs zeroed before the output projection).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "nn/ops.h"
#include "nn/params.h"
#include "nn/plan.h"

namespace models {

struct VitConfig {
  int image = 28;    // side S of the square input image, pixels
  int channels = 1;  // C
  int patch = 4;     // side P of a patch; S must be divisible by P
  int dim = 64;      // token width D
  int depth = 4;     // number of blocks L
  int heads = 4;     // attention heads h per block; D must be divisible by h
  int mlp = 128;     // hidden width of each block's MLP
  int classes = 10;  // K

  void validate() const;
  std::string to_text() const;
  static VitConfig from_text(const std::string& text);

  int grid() const { return image / patch; }       // patches per side G
  int patches() const { return grid() * grid(); }  // N = G^2
  int tokens() const { return patches() + 1; }     // T = N + 1 (the class token first)
  int head_dim() const { return dim / heads; }     // D / h
  int pixels() const { return channels * image * image; }
  /// About how many floats one training image puts on the tape (forward values plus the live
  /// gradients of the backward pass): per block the (T, D) and (T, M) activations and the
  /// (h, T, T) attention probabilities. tests/native/test_vit.cpp holds it to the measured size.
  int64_t tape_floats_per_image() const;
};

/// Fashion-MNIST's pixel mean and standard deviation (training set, pixels in [0, 1]): the model
/// standardizes its input with them, so callers pass plain [0, 1] pixels.
constexpr float kVitPixelMean = 0.2860f;
constexpr float kVitPixelStd = 0.3530f;

/// The inference forward pass as data, for engines outside the core (the WebGPU path,
/// web/js/gpu/vit-forward.js): Vit::forward_plan() lists what forward() + softmax compute, in order.
/// Ops: patchify (standardize, cut P x P patches), linear (x W + b; W stored (out, in) when the
/// attribute transposeWeight is 1), tokens (class token first, then + positions), layernorm,
/// attention (fused [q | k | v] -> heads side by side, times the head mask), gelu, add,
/// class_token (token 0 of each image), softmax (last axis); and two read-outs that the
/// classification does not need (an engine runs them only when asked): attention_weights
/// ([q | k | v] -> the attention probabilities (B, h, T, T)) and attention_distance (those ->
/// (B, h) mean distances in pixels, vit_attention_distance below; attrs grid, patch).
/// outputs: probs (B, K); attention, one (B, h, T, T) per block; attention_distance, one (B, h) per block.
struct VitPlan {
  std::vector<nn::PlanOp> ops;
  std::vector<nn::PlanOutput> outputs;
};

class Vit {
 public:
  Vit(const VitConfig& config, uint64_t seed);

  /// x (B, C, S, S) pixels in [0, 1] -> logits (B, K).
  /// head_mask: nullptr, or depth * heads factors in [0, 1] (0 lesions a head: its output is zeroed).
  /// attention: when not null, receives each block's attention probabilities, (B, h, T, T) per block.
  nn::Var forward(nn::Tape& tape, nn::Var x, const float* head_mask = nullptr,
                  std::vector<nn::Var>* attention = nullptr);

  /// forward() + softmax (and the attention read-outs) as an ordered list of ops over named
  /// activations and parameters; keep it in step with forward(): tests/wasm/vit-plan.test.mjs.
  VitPlan forward_plan() const;
  /// The eps of every layer norm in forward().
  static constexpr float kLayerNormEps = 1e-5f;

  // ---- read-outs (inference on an internal tape; no gradients) ----

  /// Class probabilities (n, K) for n images (n, C*S*S) in [0, 1], optionally with heads lesioned.
  void predict(const float* images, int n, const float* head_mask, float* probs);
  /// n images: class probabilities (n, K) and every attention matrix, (n, depth, h, T, T).
  void attention_maps(const float* images, int n, const float* head_mask, float* probs, float* attention);
  /// Mean attention distance in pixels (depth, h): vit_attention_distance averaged over the n images.
  void mean_attention_distance(const float* images, int n, float* out);
  /// Cosine similarity of the patches' position embeddings, (N, N) (ViT paper, Fig. 7 centre).
  void position_similarity(float* out) const;

  /// Checks a head mask from a caller: depth * heads finite numbers in [0, 1].
  void validate_head_mask(const float* head_mask, const char* name) const;

  const VitConfig& config() const { return config_; }
  nn::Params& params() { return params_; }
  const nn::Params& params() const { return params_; }

 private:
  struct Block {
    int ln1_g, ln1_b, qkv_w, qkv_b, out_w, out_b, ln2_g, ln2_b, fc1_w, fc1_b, fc2_w, fc2_b;
  };
  nn::Var attention_block(nn::Tape& t, nn::Var z, const Block& b, const float* layer_mask,
                          std::vector<nn::Var>* attention);

  VitConfig config_;
  nn::Params params_;
  int patch_w_, patch_b_, cls_, pos_, norm_g_, norm_b_, head_w_, head_b_;
  std::vector<Block> blocks_;
  nn::Tape infer_;  // the read-outs' tape, reused call after call
};

/// Attention rollout (Abnar & Zuidema 2020) from attention (depth, h, T, T): per block the mean
/// over the heads that are not lesioned (head_mask may be nullptr), A~ = (A + I) / 2 with rows
/// renormalized, R = A~_L ... A~_1. Writes R (T, T); every row sums to one.
void vit_rollout(const VitConfig& config, const float* attention, const float* head_mask, float* rollout);

/// Mean attention distance in pixels of one block's attention (n, h, T, T) -> out (n, h): for each
/// query patch i, sum_j a_ij d_ij / sum_j a_ij over the key patches j (the class token left out,
/// the weights renormalized over patches; d_ij = P |centre_i - centre_j|), averaged over the N
/// query patches. The GPU kernel kernels/attention_distance.wgsl computes the same.
void vit_attention_distance(const VitConfig& config, const float* attention, int n, float* out);

}  // namespace models
