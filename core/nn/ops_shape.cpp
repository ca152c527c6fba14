// Shape ops: reshape, transpose, concat, slice.
#include <algorithm>
#include <cstring>

#include "ops_common.h"

namespace nn {

using namespace detail;

namespace {

void reshape_backward(Tape& t, int id) {
  const Node& n = t.node(id);
  float* gx = input_grad(t, n, 0);
  if (!gx) return;
  const int64_t total = n.shape.numel();
  for (int64_t i = 0; i < total; ++i) gx[i] += n.grad[i];
}

// Visits every element of an (up to) rank-4 tensor `in` in the order of the permuted output.
// iattr[0..3]: perm padded to rank 4.
struct Permute {
  int out_dims[4];
  int64_t in_stride[4];  // input stride of each output axis
};

Permute make_permute(const Shape& in, const int* perm, int rank) {
  int64_t strides[4] = {0, 0, 0, 0};
  int64_t s = 1;
  for (int i = rank - 1; i >= 0; --i) {
    strides[i] = s;
    s *= in[i];
  }
  Permute p{};
  const int pad = 4 - rank;
  for (int i = 0; i < 4; ++i) {
    if (i < pad) {
      p.out_dims[i] = 1;
      p.in_stride[i] = 0;
    } else {
      p.out_dims[i] = in[perm[i - pad]];
      p.in_stride[i] = strides[perm[i - pad]];
    }
  }
  return p;
}

template <class F>
void for_each_permuted(const Permute& p, F&& f) {
  int64_t o = 0;
  for (int a = 0; a < p.out_dims[0]; ++a)
    for (int b = 0; b < p.out_dims[1]; ++b)
      for (int c = 0; c < p.out_dims[2]; ++c) {
        int64_t base = a * p.in_stride[0] + b * p.in_stride[1] + c * p.in_stride[2];
        for (int d = 0; d < p.out_dims[3]; ++d, ++o) f(o, base + d * p.in_stride[3]);
      }
}

void transpose_backward(Tape& t, int id) {
  const Node& n = t.node(id);
  float* gx = input_grad(t, n, 0);
  if (!gx) return;
  const Shape& in = input_shape(t, n, 0);
  Permute p = make_permute(in, n.iattr, in.rank);
  for_each_permuted(p, [&](int64_t o, int64_t i) { gx[i] += n.grad[o]; });
}

// concat/slice: a tensor is viewed as (outer, dim_along_axis, inner).
void concat_backward(Tape& t, int id) {
  const Node& n = t.node(id);
  const int axis = n.iattr[0];
  const int64_t outer = n.shape.span(0, axis), inner = n.shape.span(axis + 1, n.shape.rank);
  const int64_t out_row = int64_t{n.shape[axis]} * inner;
  int64_t offset = 0;
  for (int k = 0; k < n.n_inputs; ++k) {
    const int64_t row = int64_t{input_shape(t, n, k)[axis]} * inner;
    if (float* g = input_grad(t, n, k))
      for (int64_t o = 0; o < outer; ++o)
        for (int64_t j = 0; j < row; ++j) g[o * row + j] += n.grad[o * out_row + offset + j];
    offset += row;
  }
}

Var concat_upto4(const std::vector<Var>& xs, int axis) {
  Tape& t = *xs[0].tape;
  const Shape& s0 = xs[0].shape();
  Shape out = s0;
  out[axis] = 0;
  for (size_t k = 0; k < xs.size(); ++k) {
    require_var(t, xs[k], "concat: xs");
    const Shape& s = xs[k].shape();
    bool same = s.rank == s0.rank;
    for (int i = 0; same && i < s.rank; ++i) same = (i == axis) || s[i] == s0[i];
    require(same, "concat: xs[", k, "] has shape ", s, ", which differs from ", s0, " outside axis ", axis);
    out[axis] += s[axis];
  }
  Var result;
  switch (xs.size()) {
    case 1:
      result = t.record(out, {xs[0]}, concat_backward);
      break;
    case 2:
      result = t.record(out, {xs[0], xs[1]}, concat_backward);
      break;
    case 3:
      result = t.record(out, {xs[0], xs[1], xs[2]}, concat_backward);
      break;
    default:
      result = t.record(out, {xs[0], xs[1], xs[2], xs[3]}, concat_backward);
      break;
  }
  Node& n = t.node(result.id);
  n.iattr[0] = axis;
  const int64_t outer = out.span(0, axis), inner = out.span(axis + 1, out.rank);
  const int64_t out_row = int64_t{out[axis]} * inner;
  int64_t offset = 0;
  for (const Var& x : xs) {
    const int64_t row = int64_t{x.shape()[axis]} * inner;
    for (int64_t o = 0; o < outer; ++o)
      std::memcpy(n.value + o * out_row + offset, x.data() + o * row, static_cast<size_t>(row) * sizeof(float));
    offset += row;
  }
  return result;
}

void slice_backward(Tape& t, int id) {
  const Node& n = t.node(id);
  float* gx = input_grad(t, n, 0);
  if (!gx) return;
  const int axis = n.iattr[0], start = n.iattr[1];
  const Shape& in = input_shape(t, n, 0);
  const int64_t outer = in.span(0, axis), inner = in.span(axis + 1, in.rank);
  const int64_t in_row = int64_t{in[axis]} * inner, out_row = int64_t{n.shape[axis]} * inner;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < out_row; ++j) gx[o * in_row + start * inner + j] += n.grad[o * out_row + j];
}

int normalize_axis(int axis, int rank, const char* op) {
  if (axis < 0) axis += rank;
  require(axis >= 0 && axis < rank, op, ": axis: expected an axis of a rank-", rank, " tensor, got ", axis);
  return axis;
}

}  // namespace

Var reshape(Var x, Shape shape) {
  Tape& t = tape_of({{x, "x"}});
  require(shape.numel() == x.numel(), "reshape: cannot reshape ", x.shape(), " to ", shape);
  // The output aliases the input's buffer: no copy in the forward pass.
  Var out = t.record(Shape{}, {x}, reshape_backward);
  Node& n = t.node(out.id);
  n.shape = shape;
  n.value = t.node(x.id).value;
  return out;
}

Var transpose(Var x, std::vector<int> perm) {
  Tape& t = tape_of({{x, "x"}});
  const Shape& in = x.shape();
  require(static_cast<int>(perm.size()) == in.rank, "transpose: perm: expected ", in.rank, " axes, got ", perm.size());
  std::vector<int> seen(perm.size(), 0);
  for (int p : perm) {
    require(p >= 0 && p < in.rank && !seen[p], "transpose: perm: expected a permutation of 0..", in.rank - 1);
    seen[p] = 1;
  }
  Shape out;
  out.rank = in.rank;
  for (int i = 0; i < in.rank; ++i) out[i] = in[perm[i]];
  Var result = t.record(out, {x}, transpose_backward);
  Node& n = t.node(result.id);
  for (int i = 0; i < in.rank; ++i) n.iattr[i] = perm[i];
  Permute p = make_permute(in, perm.data(), in.rank);
  const float* xv = x.data();
  for_each_permuted(p, [&](int64_t o, int64_t i) { n.value[o] = xv[i]; });
  return result;
}

Var concat(const std::vector<Var>& xs, int axis) {
  require(!xs.empty(), "concat: xs: expected at least one tensor");
  require(xs[0].valid(), "concat: xs[0]: expected a valid Var");
  axis = normalize_axis(axis, xs[0].shape().rank, "concat");
  if (xs.size() <= 4) return concat_upto4(xs, axis);
  // A node holds at most four inputs: join the first four, then the rest onto it.
  std::vector<Var> rest{concat_upto4({xs[0], xs[1], xs[2], xs[3]}, axis)};
  rest.insert(rest.end(), xs.begin() + 4, xs.end());
  return concat(rest, axis);
}

Var slice(Var x, int axis, int start, int length) {
  Tape& t = tape_of({{x, "x"}});
  const Shape& in = x.shape();
  axis = normalize_axis(axis, in.rank, "slice");
  require(start >= 0 && length >= 0 && start + length <= in[axis], "slice: [", start, ", ", start + length,
          ") is outside axis ", axis, " of ", in);
  Shape out = in;
  out[axis] = length;
  Var result = t.record(out, {x}, slice_backward);
  Node& n = t.node(result.id);
  n.iattr[0] = axis;
  n.iattr[1] = start;
  const int64_t outer = in.span(0, axis), inner = in.span(axis + 1, in.rank);
  const int64_t in_row = int64_t{in[axis]} * inner, out_row = int64_t{length} * inner;
  for (int64_t o = 0; o < outer; ++o)
    std::memcpy(n.value + o * out_row, x.data() + o * in_row + start * inner,
                static_cast<size_t>(out_row) * sizeof(float));
  return result;
}

}  // namespace nn
