// Ops for the Vision Transformer, fused so that attention needs no per-head reshapes, transposes
// or slices on the tape (each of which would store a copy of the activations and of their
// gradient): the heads are read in place from the packed (B, T, 3D) projection [q | k | v].
// Each op has one forward and one backward kernel and a gradient check (test_gradcheck_vit.cpp).
#pragma once
#include "ops.h"

namespace nn {

/// Attention probabilities of every head: P = softmax(Q K^T / sqrt(dh)) over the last axis.
/// qkv (B, T, 3D) packs [q | k | v] with head h in columns h*dh .. (h+1)*dh - 1 of each part,
/// dh = D / heads. Out (B, heads, T, T); v is not read (and gets no gradient here).
Var attention_probs(Var qkv, int heads);

/// Mixes the values with the probabilities: O_h = P_h V_h, heads side by side.
/// probs (B, heads, T, T), qkv (B, T, 3D) as above -> (B, T, D). Only v is read from qkv.
Var attention_mix(Var probs, Var qkv);

}  // namespace nn
