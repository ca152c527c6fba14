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

/// Calls f(i, j) for every output index i (row-major over bc.dims) with j the matching index of b.
template <class F>
void for_each_broadcast(const Broadcast& bc, F&& f) {
  int64_t i = 0;
  for (int i0 = 0; i0 < bc.dims[0]; ++i0)
    for (int i1 = 0; i1 < bc.dims[1]; ++i1)
      for (int i2 = 0; i2 < bc.dims[2]; ++i2) {
        const int64_t jb = i0 * bc.b_stride[0] + i1 * bc.b_stride[1] + i2 * bc.b_stride[2];
        for (int i3 = 0; i3 < bc.dims[3]; ++i3, ++i) f(i, jb + i3 * bc.b_stride[3]);
      }
}

/// Calls f(i, j, k) with j and k the matching indices of two tensors broadcast to the same output.
template <class F>
void for_each_broadcast2(const Broadcast& b1, const Broadcast& b2, F&& f) {
  int64_t i = 0;
  for (int i0 = 0; i0 < b1.dims[0]; ++i0)
    for (int i1 = 0; i1 < b1.dims[1]; ++i1)
      for (int i2 = 0; i2 < b1.dims[2]; ++i2)
        for (int i3 = 0; i3 < b1.dims[3]; ++i3, ++i)
          f(i, i0 * b1.b_stride[0] + i1 * b1.b_stride[1] + i2 * b1.b_stride[2] + i3 * b1.b_stride[3],
            i0 * b2.b_stride[0] + i1 * b2.b_stride[1] + i2 * b2.b_stride[2] + i3 * b2.b_stride[3]);
}

}  // namespace nn::detail
