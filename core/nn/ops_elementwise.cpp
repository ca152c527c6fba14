// Elementwise ops: broadcast binary ops, activations, affine, clamp.
#include <algorithm>
#include <cmath>
#include <limits>

#include "ops_common.h"

namespace nn {
namespace detail {

Tape& tape_of(std::initializer_list<std::pair<Var, const char*>> vars) {
  Tape* tape = nullptr;
  for (const auto& [v, name] : vars) {
    if (!v.valid()) continue;
    if (tape == nullptr) tape = v.tape;
    require_var(*tape, v, name);
  }
  require(tape != nullptr, "op: expected at least one valid input Var");
  return *tape;
}

Broadcast broadcast_to(const Shape& b, const Shape& out, const char* op, const char* arg) {
  require(b.rank <= out.rank, op, ": ", arg, " of shape ", b, " does not broadcast to ", out);
  Broadcast bc{};
  int64_t stride = 1;
  for (int i = 3; i >= 0; --i) {
    int oi = out.rank - 4 + i, bi = b.rank - 4 + i;
    int od = oi >= 0 ? out.dims[oi] : 1;
    int bd = bi >= 0 ? b.dims[bi] : 1;
    require(bd == od || bd == 1, op, ": ", arg, " of shape ", b, " does not broadcast to ", out);
    bc.dims[i] = od;
    bc.b_stride[i] = bd == 1 ? 0 : stride;
    stride *= bd;
  }
  return bc;
}

}  // namespace detail

using namespace detail;

namespace {

// ---------------------------------------------------------------- broadcast binary ops
// Out has a's shape; b is read through broadcast strides. kind: 0 add, 1 sub, 2 mul.

void binary_backward(Tape& t, int id) {
  const Node& n = t.node(id);
  const int kind = n.iattr[0];
  const float* g = n.grad;
  const float* a = input_value(t, n, 0);
  const float* b = input_value(t, n, 1);
  float* ga = input_grad(t, n, 0);
  float* gb = input_grad(t, n, 1);
  Broadcast bc = broadcast_to(input_shape(t, n, 1), n.shape, "binary", "b");
  const int64_t total = n.shape.numel();
  if (ga) {
    if (kind == 2)
      for_each_broadcast(bc, [&](int64_t i, int64_t j) { ga[i] += g[i] * b[j]; });
    else
      for (int64_t i = 0; i < total; ++i) ga[i] += g[i];
  }
  if (gb) {
    if (kind == 0) for_each_broadcast(bc, [&](int64_t i, int64_t j) { gb[j] += g[i]; });
    if (kind == 1) for_each_broadcast(bc, [&](int64_t i, int64_t j) { gb[j] -= g[i]; });
    if (kind == 2) for_each_broadcast(bc, [&](int64_t i, int64_t j) { gb[j] += g[i] * a[i]; });
  }
}

Var binary(Var a, Var b, int kind, const char* op) {
  Tape& t = tape_of({{a, "a"}, {b, "b"}});
  require(a.valid() && b.valid(), op, ": expected two valid inputs");
  Broadcast bc = broadcast_to(b.shape(), a.shape(), op, "b");
  Var out = t.record(a.shape(), {a, b}, binary_backward);
  Node& n = t.node(out.id);
  n.iattr[0] = kind;
  const float* av = a.data();
  const float* bv = b.data();
  float* o = n.value;
  const int64_t total = a.numel();
  if (a.shape() == b.shape()) {
    if (kind == 0)
      for (int64_t i = 0; i < total; ++i) o[i] = av[i] + bv[i];
    if (kind == 1)
      for (int64_t i = 0; i < total; ++i) o[i] = av[i] - bv[i];
    if (kind == 2)
      for (int64_t i = 0; i < total; ++i) o[i] = av[i] * bv[i];
  } else {
    if (kind == 0) for_each_broadcast(bc, [&](int64_t i, int64_t j) { o[i] = av[i] + bv[j]; });
    if (kind == 1) for_each_broadcast(bc, [&](int64_t i, int64_t j) { o[i] = av[i] - bv[j]; });
    if (kind == 2) for_each_broadcast(bc, [&](int64_t i, int64_t j) { o[i] = av[i] * bv[j]; });
  }
  return out;
}

// ---------------------------------------------------------------- unary ops
// Each activation is a struct with f(x, attr) and df(x, y, attr) = dy/dx given x and y = f(x).

struct Relu {
  static float f(float x, const float*) { return x > 0.0f ? x : 0.0f; }
  static float df(float x, float, const float*) { return x > 0.0f ? 1.0f : 0.0f; }
};
struct Tanh {
  static float f(float x, const float*) { return std::tanh(x); }
  static float df(float, float y, const float*) { return 1.0f - y * y; }
};
struct Sigmoid {
  static float f(float x, const float*) { return 1.0f / (1.0f + std::exp(-x)); }
  static float df(float, float y, const float*) { return y * (1.0f - y); }
};
struct HardSigmoid {
  static float f(float x, const float*) { return std::min(1.0f, std::max(0.0f, 0.2f * x + 0.5f)); }
  static float df(float x, float, const float*) { return (x > -2.5f && x < 2.5f) ? 0.2f : 0.0f; }
};
struct Softplus {  // log(1 + e^x) = max(x, 0) + log1p(e^-|x|)
  static float f(float x, const float*) { return std::max(x, 0.0f) + std::log1p(std::exp(-std::fabs(x))); }
  static float df(float x, float, const float*) { return 1.0f / (1.0f + std::exp(-x)); }
};
struct Gelu {  // x * Phi(x); d/dx = Phi(x) + x * phi(x)
  static float f(float x, const float*) { return 0.5f * x * (1.0f + std::erf(x * 0.70710678118654752f)); }
  static float df(float x, float, const float*) {
    float cdf = 0.5f * (1.0f + std::erf(x * 0.70710678118654752f));
    float pdf = 0.39894228040143268f * std::exp(-0.5f * x * x);
    return cdf + x * pdf;
  }
};
struct Exp {
  static float f(float x, const float*) { return std::exp(x); }
  static float df(float, float y, const float*) { return y; }
};
struct Log {
  static float f(float x, const float*) { return std::log(x); }
  static float df(float x, float, const float*) { return 1.0f / x; }
};
struct Affine {  // attr: scale, shift
  static float f(float x, const float* a) { return a[0] * x + a[1]; }
  static float df(float, float, const float* a) { return a[0]; }
};
struct Clamp {  // attr: lo, hi
  static float f(float x, const float* a) { return std::min(a[1], std::max(a[0], x)); }
  static float df(float x, float, const float* a) { return (x > a[0] && x < a[1]) ? 1.0f : 0.0f; }
};

template <class Op>
void unary_backward(Tape& t, int id) {
  const Node& n = t.node(id);
  float* gx = input_grad(t, n, 0);
  if (!gx) return;
  const float* x = input_value(t, n, 0);
  const int64_t total = n.shape.numel();
  for (int64_t i = 0; i < total; ++i) gx[i] += n.grad[i] * Op::df(x[i], n.value[i], n.fattr);
}

template <class Op>
Var unary(Var x, const char* op, float attr0 = 0.0f, float attr1 = 0.0f) {
  Tape& t = tape_of({{x, op}});
  Var out = t.record(x.shape(), {x}, unary_backward<Op>);
  Node& n = t.node(out.id);
  n.fattr[0] = attr0;
  n.fattr[1] = attr1;
  const float* xv = x.data();
  const int64_t total = x.numel();
  for (int64_t i = 0; i < total; ++i) n.value[i] = Op::f(xv[i], n.fattr);
  return out;
}

}  // namespace

Var add(Var a, Var b) { return binary(a, b, 0, "add"); }
Var sub(Var a, Var b) { return binary(a, b, 1, "sub"); }
Var mul(Var a, Var b) { return binary(a, b, 2, "mul"); }

Var affine(Var x, float scale, float shift) {
  require(std::isfinite(scale) && std::isfinite(shift), "affine: expected finite scale and shift, got ", scale, " and ",
          shift);
  return unary<Affine>(x, "affine", scale, shift);
}
Var relu(Var x) { return unary<Relu>(x, "relu"); }
Var tanh(Var x) { return unary<Tanh>(x, "tanh"); }
Var sigmoid(Var x) { return unary<Sigmoid>(x, "sigmoid"); }
Var hard_sigmoid(Var x) { return unary<HardSigmoid>(x, "hard_sigmoid"); }
Var softplus(Var x) { return unary<Softplus>(x, "softplus"); }
Var gelu(Var x) { return unary<Gelu>(x, "gelu"); }
Var exp(Var x) { return unary<Exp>(x, "exp"); }
Var log(Var x) { return unary<Log>(x, "log"); }
Var clamp(Var x, float lo, float hi) {
  require(!(lo > hi) && !std::isnan(lo) && !std::isnan(hi), "clamp: expected lo <= hi, got lo = ", lo, ", hi = ", hi);
  return unary<Clamp>(x, "clamp", lo, hi);
}
Var minimum(Var x, float c) { return clamp(x, -std::numeric_limits<float>::infinity(), c); }

}  // namespace nn
