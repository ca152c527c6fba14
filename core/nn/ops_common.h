// Shared helpers for op implementations (not part of the public API).
#pragma once
#include "ops.h"

namespace nn::detail {

/// The gradient buffer of input k of node `n`, or nullptr when that input needs no gradient.
inline float* input_grad(Tape& t, const Node& n, int k) {
  int id = n.inputs[k];
  return t.node(id).requires_grad ? t.grad(id) : nullptr;
}
inline const float* input_value(const Tape& t, const Node& n, int k) { return t.node(n.inputs[k]).value; }
inline const Shape& input_shape(const Tape& t, const Node& n, int k) { return t.node(n.inputs[k]).shape; }

/// The tape of the first valid Var, checked against the others.
Tape& tape_of(std::initializer_list<std::pair<Var, const char*>> vars);

/// Strides (in elements) that read b broadcast to shape `out` (0 on broadcast dims), padded to
/// rank 4 from the left, together with `out` padded the same way. Throws when b does not broadcast.
struct Broadcast {
  int dims[4];
  int64_t b_stride[4];
};
Broadcast broadcast_to(const Shape& b, const Shape& out, const char* op, const char* arg);

}  // namespace nn::detail
