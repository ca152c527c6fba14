// attention_probs, attention_mix: see ops_vit.h. Per (batch, head) the kernels are small
// GEMMs on strided views of the packed qkv tensor; the T x T scratch of the backward pass stays
// in a workspace (in cache), never on the tape.
#include "ops_vit.h"

#include <algorithm>
#include <cmath>

#include "gemm.h"
#include "ops_common.h"

namespace nn {

using namespace detail;

// ---------------------------------------------------------------- attention
// Geometry shared by both ops: qkv (B, T, 3D); head h of q starts at column h*dh, of k at D + h*dh,
// of v at 2D + h*dh; every row of qkv is 3D floats apart.

namespace {

struct Heads {
  int B, T, D, H, dh;
  int64_t qkv_batch() const { return int64_t{T} * 3 * D; }
  int64_t probs_head() const { return int64_t{T} * T; }
};

Heads heads_of(const Shape& qkv, int heads, const char* op) {
  require(qkv.rank == 3 && qkv[2] % 3 == 0, op, ": qkv: expected (B, T, 3D), got shape ", qkv);
  Heads g{qkv[0], qkv[1], qkv[2] / 3, heads, 0};
  require(heads >= 1 && g.D % heads == 0, op, ": heads: expected a divisor of D = ", g.D, ", got ", heads);
  g.dh = g.D / heads;
  return g;
}

// iattr[0]: heads.
void attention_probs_backward(Tape& t, int id) {
  const Node& n = t.node(id);
  float* gqkv = input_grad(t, n, 0);
  if (!gqkv) return;
  const Heads g = heads_of(input_shape(t, n, 0), n.iattr[0], "attention_probs");
  const float* qkv = input_value(t, n, 0);
  const float scale = 1.0f / std::sqrt(static_cast<float>(g.dh));
  const int ld = 3 * g.D;
  float* ds = t.workspace(0, static_cast<size_t>(g.probs_head()));  // (T, T)
  for (int b = 0; b < g.B; ++b)
    for (int h = 0; h < g.H; ++h) {
      const int64_t ph = (int64_t{b} * g.H + h) * g.probs_head();
      const float* p = n.value + ph;
      const float* dp = n.grad + ph;
      // Softmax backward per row: dS = P * (dP - sum(dP * P)).
      for (int i = 0; i < g.T; ++i) {
        const float* pr = p + int64_t{i} * g.T;
        const float* dpr = dp + int64_t{i} * g.T;
        float dot = 0;
        for (int j = 0; j < g.T; ++j) dot += pr[j] * dpr[j];
        for (int j = 0; j < g.T; ++j) ds[int64_t{i} * g.T + j] = pr[j] * (dpr[j] - dot);
      }
      const float* q = qkv + b * g.qkv_batch() + h * g.dh;
      const float* k = q + g.D;
      float* dq = gqkv + b * g.qkv_batch() + h * g.dh;
      float* dk = dq + g.D;
      gemm(false, false, g.T, g.dh, g.T, scale, ds, g.T, k, ld, 1.0f, dq, ld);  // dQ += s dS K
      gemm(true, false, g.T, g.dh, g.T, scale, ds, g.T, q, ld, 1.0f, dk, ld);   // dK += s dS^T Q
    }
}

void attention_mix_backward(Tape& t, int id) {
  const Node& n = t.node(id);
  const Shape& ps = input_shape(t, n, 0);
  const Heads g = heads_of(input_shape(t, n, 1), ps[1], "attention_mix");
  const float* p = input_value(t, n, 0);
  const float* qkv = input_value(t, n, 1);
  float* gp = input_grad(t, n, 0);
  float* gqkv = input_grad(t, n, 1);
  const int ld = 3 * g.D;
  for (int b = 0; b < g.B; ++b)
    for (int h = 0; h < g.H; ++h) {
      const int64_t ph = (int64_t{b} * g.H + h) * g.probs_head();
      const float* dout = n.grad + int64_t{b} * g.T * g.D + h * g.dh;  // (T, dh), row stride D
      const int64_t v_off = b * g.qkv_batch() + 2 * g.D + h * g.dh;
      if (gp) gemm(false, true, g.T, g.T, g.dh, 1.0f, dout, g.D, qkv + v_off, ld, 1.0f, gp + ph, g.T);  // dP += dO V^T
      if (gqkv)
        gemm(true, false, g.T, g.dh, g.T, 1.0f, p + ph, g.T, dout, g.D, 1.0f, gqkv + v_off, ld);  // dV += P^T dO
    }
}

}  // namespace

Var attention_probs(Var qkv, int heads) {
  Tape& t = tape_of({{qkv, "qkv"}});
  const Heads g = heads_of(qkv.shape(), heads, "attention_probs");
  Var out = t.record(Shape{g.B, g.H, g.T, g.T}, {qkv}, attention_probs_backward);
  Node& n = t.node(out.id);
  n.iattr[0] = heads;
  const float scale = 1.0f / std::sqrt(static_cast<float>(g.dh));
  const int ld = 3 * g.D;
  for (int b = 0; b < g.B; ++b)
    for (int h = 0; h < g.H; ++h) {
      const float* q = qkv.data() + b * g.qkv_batch() + h * g.dh;
      float* s = n.value + (int64_t{b} * g.H + h) * g.probs_head();
      gemm(false, true, g.T, g.T, g.dh, scale, q, ld, q + g.D, ld, 0.0f, s, g.T);  // S = s Q K^T
      for (int i = 0; i < g.T; ++i) {                                              // softmax over keys, max subtracted
        float* row = s + int64_t{i} * g.T;
        const float m = *std::max_element(row, row + g.T);
        float z = 0;
        for (int j = 0; j < g.T; ++j) z += (row[j] = std::exp(row[j] - m));
        const float inv = 1.0f / z;
        for (int j = 0; j < g.T; ++j) row[j] *= inv;
      }
    }
  return out;
}

Var attention_mix(Var probs, Var qkv) {
  Tape& t = tape_of({{probs, "probs"}, {qkv, "qkv"}});
  require(probs.valid() && qkv.valid(), "attention_mix: expected valid probs and qkv");
  const Shape& ps = probs.shape();
  require(ps.rank == 4 && ps[2] == ps[3], "attention_mix: probs: expected (B, heads, T, T), got shape ", ps);
  const Heads g = heads_of(qkv.shape(), ps[1], "attention_mix");
  require(ps[0] == g.B && ps[2] == g.T, "attention_mix: probs ", ps, " does not match qkv ", qkv.shape());
  Var out = t.record(Shape{g.B, g.T, g.D}, {probs, qkv}, attention_mix_backward);
  float* o = t.node(out.id).value;
  const int ld = 3 * g.D;
  for (int b = 0; b < g.B; ++b)
    for (int h = 0; h < g.H; ++h) {
      const float* p = probs.data() + (int64_t{b} * g.H + h) * g.probs_head();
      const float* v = qkv.data() + b * g.qkv_batch() + 2 * g.D + h * g.dh;
      gemm(false, false, g.T, g.dh, g.T, 1.0f, p, g.T, v, ld, 0.0f, o + int64_t{b} * g.T * g.D + h * g.dh,
           g.D);  // O_h = P V
    }
  return out;
}

}  // namespace nn
