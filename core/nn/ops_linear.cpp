// Matmul, convolution (im2col + GEMM), max-pooling and upsampling.
#include <algorithm>
#include <cstring>
#include <limits>

#include "gemm.h"
#include "ops_common.h"

namespace nn {

using namespace detail;

// ---------------------------------------------------------------- matmul
// iattr: trans_a, trans_b, batch, M, N, K, (b_batched in fattr[0] as 0/1)

namespace {

struct MatmulDims {
  int batch, M, N, K;
  bool b_batched;
};

MatmulDims matmul_dims(const Shape& a, const Shape& b, bool ta, bool tb) {
  require(a.rank >= 2, "matmul: a: expected rank >= 2, got shape ", a.str());
  require(b.rank == 2 || b.rank == a.rank, "matmul: b: expected rank 2 or the rank of a (", a.rank,
          "), got shape ", b.str());
  MatmulDims d{};
  d.M = ta ? a[-1] : a[-2];
  const int ka = ta ? a[-2] : a[-1];
  d.K = tb ? b[-1] : b[-2];
  d.N = tb ? b[-2] : b[-1];
  require(ka == d.K, "matmul: inner dimensions differ: a ", a.str(), (ta ? "^T" : ""), " vs b ", b.str(),
          (tb ? "^T" : ""));
  d.batch = static_cast<int>(a.span(0, a.rank - 2));
  d.b_batched = b.rank > 2;
  if (d.b_batched)
    for (int i = 0; i < a.rank - 2; ++i)
      require(a[i] == b[i], "matmul: batch dimensions differ: a ", a.str(), " vs b ", b.str());
  return d;
}

void matmul_backward(Tape& t, int id) {
  const Node& n = t.node(id);
  const bool ta = n.iattr[0], tb = n.iattr[1];
  const int batch = n.iattr[2], M = n.iattr[3], N = n.iattr[4], K = n.iattr[5];
  const bool b_batched = n.fattr[0] != 0.0f;
  const float* A = input_value(t, n, 0);
  const float* B = input_value(t, n, 1);
  float* gA = input_grad(t, n, 0);
  float* gB = input_grad(t, n, 1);
  const float* G = n.grad;
  const int lda = ta ? M : K, ldb = tb ? K : N;
  // Without per-batch B and without trans_a, the batch folds into M: one GEMM each way.
  const bool fold = !b_batched && !ta;
  const int steps = fold ? 1 : batch;
  const int Mf = fold ? batch * M : M;
  const int64_t sa = int64_t{M} * K, sb = b_batched ? int64_t{K} * N : 0, sc = int64_t{M} * N;
  for (int s = 0; s < steps; ++s) {
    const float* a = A + s * sa;
    const float* b = B + s * sb;
    const float* g = G + s * sc;
    if (gA) {
      float* ga = gA + s * sa;
      if (!ta && !tb) gemm(false, true, Mf, K, N, 1.0f, g, N, b, ldb, 1.0f, ga, lda);   // dC B^T
      if (!ta && tb) gemm(false, false, Mf, K, N, 1.0f, g, N, b, ldb, 1.0f, ga, lda);   // dC B
      if (ta && !tb) gemm(false, true, K, M, N, 1.0f, b, ldb, g, N, 1.0f, ga, lda);     // B dC^T
      if (ta && tb) gemm(true, true, K, M, N, 1.0f, b, ldb, g, N, 1.0f, ga, lda);       // B^T dC^T
    }
    if (gB) {
      float* gb = gB + s * sb;
      if (!ta && !tb) gemm(true, false, K, N, Mf, 1.0f, a, lda, g, N, 1.0f, gb, ldb);   // A^T dC
      if (!ta && tb) gemm(true, false, N, K, Mf, 1.0f, g, N, a, lda, 1.0f, gb, ldb);    // dC^T A
      if (ta && !tb) gemm(false, false, K, N, M, 1.0f, a, lda, g, N, 1.0f, gb, ldb);    // A dC
      if (ta && tb) gemm(true, true, N, K, M, 1.0f, g, N, a, lda, 1.0f, gb, ldb);       // dC^T A^T
    }
  }
}

}  // namespace

Var matmul(Var a, Var b, bool trans_a, bool trans_b) {
  Tape& t = tape_of({{a, "a"}, {b, "b"}});
  require(a.valid() && b.valid(), "matmul: expected two valid inputs");
  MatmulDims d = matmul_dims(a.shape(), b.shape(), trans_a, trans_b);
  Shape out_shape = a.shape();
  out_shape[-2] = d.M;
  out_shape[-1] = d.N;
  Var out = t.record(out_shape, {a, b}, matmul_backward);
  Node& n = t.node(out.id);
  n.iattr[0] = trans_a;
  n.iattr[1] = trans_b;
  n.iattr[2] = d.batch;
  n.iattr[3] = d.M;
  n.iattr[4] = d.N;
  n.iattr[5] = d.K;
  n.fattr[0] = d.b_batched ? 1.0f : 0.0f;
  const int lda = trans_a ? d.M : d.K, ldb = trans_b ? d.K : d.N;
  const bool fold = !d.b_batched && !trans_a;
  const int steps = fold ? 1 : d.batch;
  const int Mf = fold ? d.batch * d.M : d.M;
  const int64_t sa = int64_t{d.M} * d.K, sb = d.b_batched ? int64_t{d.K} * d.N : 0, sc = int64_t{d.M} * d.N;
  for (int s = 0; s < steps; ++s)
    gemm(trans_a, trans_b, Mf, d.N, d.K, 1.0f, a.data() + s * sa, lda, b.data() + s * sb, ldb, 0.0f,
         n.value + s * sc, d.N);
  return out;
}

// ---------------------------------------------------------------- conv2d
// iattr: stride, pad, k, has_bias. Patches are laid out as rows: cols (N*Ho*Wo, C*k*k), so the
// whole batch is one GEMM: out_t (N*Ho*Wo, O) = cols @ W^T with W viewed as (O, C*k*k).

namespace {

struct ConvGeom {
  int N, C, H, W, O, k, stride, pad, Ho, Wo;
  int64_t rows() const { return int64_t{N} * Ho * Wo; }
  int cols() const { return C * k * k; }
};

ConvGeom conv_geom(const Shape& x, const Shape& w, int stride, int pad) {
  require(x.rank == 4, "conv2d: x: expected (N, C, H, W), got shape ", x.str());
  require(w.rank == 4 && w[2] == w[3], "conv2d: w: expected (O, C, k, k), got shape ", w.str());
  require(w[1] == x[1], "conv2d: w has ", w[1], " input channels but x has ", x[1]);
  require(stride >= 1, "conv2d: stride: expected >= 1, got ", stride);
  require(pad >= 0, "conv2d: pad: expected >= 0, got ", pad);
  ConvGeom g{x[0], x[1], x[2], x[3], w[0], w[2], stride, pad, 0, 0};
  require(g.H + 2 * pad >= g.k && g.W + 2 * pad >= g.k, "conv2d: kernel ", g.k, " is larger than the padded image ",
          x.str());
  g.Ho = (g.H + 2 * pad - g.k) / stride + 1;
  g.Wo = (g.W + 2 * pad - g.k) / stride + 1;
  return g;
}

void im2col(const ConvGeom& g, const float* x, float* cols) {
  const int kk = g.k * g.k, width = g.cols();
  for (int n = 0; n < g.N; ++n)
    for (int oh = 0; oh < g.Ho; ++oh)
      for (int ow = 0; ow < g.Wo; ++ow) {
        float* row = cols + ((int64_t{n} * g.Ho + oh) * g.Wo + ow) * width;
        const int h0 = oh * g.stride - g.pad, w0 = ow * g.stride - g.pad;
        for (int c = 0; c < g.C; ++c) {
          const float* plane = x + (int64_t{n} * g.C + c) * g.H * g.W;
          float* dst = row + c * kk;
          for (int kh = 0; kh < g.k; ++kh) {
            const int h = h0 + kh;
            for (int kw = 0; kw < g.k; ++kw) {
              const int w = w0 + kw;
              dst[kh * g.k + kw] = (h >= 0 && h < g.H && w >= 0 && w < g.W) ? plane[h * g.W + w] : 0.0f;
            }
          }
        }
      }
}

void col2im_add(const ConvGeom& g, const float* cols, float* dx) {
  const int kk = g.k * g.k, width = g.cols();
  for (int n = 0; n < g.N; ++n)
    for (int oh = 0; oh < g.Ho; ++oh)
      for (int ow = 0; ow < g.Wo; ++ow) {
        const float* row = cols + ((int64_t{n} * g.Ho + oh) * g.Wo + ow) * width;
        const int h0 = oh * g.stride - g.pad, w0 = ow * g.stride - g.pad;
        for (int c = 0; c < g.C; ++c) {
          float* plane = dx + (int64_t{n} * g.C + c) * g.H * g.W;
          const float* src = row + c * kk;
          for (int kh = 0; kh < g.k; ++kh) {
            const int h = h0 + kh;
            if (h < 0 || h >= g.H) continue;
            for (int kw = 0; kw < g.k; ++kw) {
              const int w = w0 + kw;
              if (w >= 0 && w < g.W) plane[h * g.W + w] += src[kh * g.k + kw];
            }
          }
        }
      }
}

ConvGeom conv_geom_of(const Tape& t, const Node& n) {
  return conv_geom(input_shape(t, n, 0), input_shape(t, n, 1), n.iattr[0], n.iattr[1]);
}

void conv2d_backward(Tape& t, int id) {
  const Node& n = t.node(id);
  const ConvGeom g = conv_geom_of(t, n);
  const int64_t rows = g.rows(), P = int64_t{g.Ho} * g.Wo;
  const int width = g.cols();
  // dout (N, O, P) -> dout_t (N*P, O)
  float* dout_t = t.workspace(0, static_cast<size_t>(rows * g.O));
  for (int b = 0; b < g.N; ++b)
    for (int o = 0; o < g.O; ++o) {
      const float* src = n.grad + (int64_t{b} * g.O + o) * P;
      for (int64_t p = 0; p < P; ++p) dout_t[(b * P + p) * g.O + o] = src[p];
    }
  if (float* gw = input_grad(t, n, 1)) {  // dW (O, CKK) += dout_t^T @ cols
    float* cols = t.workspace(1, static_cast<size_t>(rows * width));
    im2col(g, input_value(t, n, 0), cols);
    gemm(true, false, g.O, width, static_cast<int>(rows), 1.0f, dout_t, g.O, cols, width, 1.0f, gw, width);
  }
  if (float* gx = input_grad(t, n, 0)) {  // dcols = dout_t @ W, then scatter back
    float* dcols = t.workspace(1, static_cast<size_t>(rows * width));
    gemm(false, false, static_cast<int>(rows), width, g.O, 1.0f, dout_t, g.O, input_value(t, n, 1), width, 0.0f,
         dcols, width);
    col2im_add(g, dcols, gx);
  }
  if (n.iattr[3]) {
    if (float* gb = input_grad(t, n, 2))
      for (int64_t r = 0; r < rows; ++r)
        for (int o = 0; o < g.O; ++o) gb[o] += dout_t[r * g.O + o];
  }
}

}  // namespace

Var conv2d(Var x, Var w, Var bias, int stride, int pad) {
  Tape& t = tape_of({{x, "x"}, {w, "w"}, {bias, "bias"}});
  require(x.valid() && w.valid(), "conv2d: expected valid x and w");
  const ConvGeom g = conv_geom(x.shape(), w.shape(), stride, pad);
  const bool has_bias = bias.valid();
  if (has_bias)
    require(bias.shape() == Shape{g.O}, "conv2d: bias: expected shape (", g.O, "), got ", bias.shape().str());
  Var out = has_bias ? t.record(Shape{g.N, g.O, g.Ho, g.Wo}, {x, w, bias}, conv2d_backward)
                     : t.record(Shape{g.N, g.O, g.Ho, g.Wo}, {x, w}, conv2d_backward);
  Node& n = t.node(out.id);
  n.iattr[0] = stride;
  n.iattr[1] = pad;
  n.iattr[2] = g.k;
  n.iattr[3] = has_bias;
  const int64_t rows = g.rows(), P = int64_t{g.Ho} * g.Wo;
  const int width = g.cols();
  float* cols = t.workspace(1, static_cast<size_t>(rows * width));
  float* out_t = t.workspace(0, static_cast<size_t>(rows * g.O));
  im2col(g, x.data(), cols);
  gemm(false, true, static_cast<int>(rows), g.O, width, 1.0f, cols, width, w.data(), width, 0.0f, out_t, g.O);
  const float* bv = has_bias ? bias.data() : nullptr;
  for (int b = 0; b < g.N; ++b)
    for (int o = 0; o < g.O; ++o) {
      float* dst = n.value + (int64_t{b} * g.O + o) * P;
      const float add = bv ? bv[o] : 0.0f;
      for (int64_t p = 0; p < P; ++p) dst[p] = out_t[(b * P + p) * g.O + o] + add;
    }
  return out;
}

// ---------------------------------------------------------------- max-pool 2x2 and upsample 2x

namespace {

void max_pool_backward(Tape& t, int id) {
  const Node& n = t.node(id);
  float* gx = input_grad(t, n, 0);
  if (!gx) return;
  const auto* argmax = static_cast<const int32_t*>(n.saved);
  const int64_t total = n.shape.numel();
  for (int64_t i = 0; i < total; ++i) gx[argmax[i]] += n.grad[i];
}

void upsample_backward(Tape& t, int id) {
  const Node& n = t.node(id);
  float* gx = input_grad(t, n, 0);
  if (!gx) return;
  const Shape& s = input_shape(t, n, 0);
  const int H = s[2], W = s[3];
  const int64_t planes = s.span(0, 2);
  for (int64_t p = 0; p < planes; ++p) {
    const float* g = n.grad + p * 4 * H * W;
    float* dst = gx + p * H * W;
    for (int h = 0; h < 2 * H; ++h)
      for (int w = 0; w < 2 * W; ++w) dst[(h / 2) * W + w / 2] += g[h * 2 * W + w];
  }
}

}  // namespace

Var max_pool2x2(Var x) {
  Tape& t = tape_of({{x, "x"}});
  const Shape& s = x.shape();
  require(s.rank == 4, "max_pool2x2: x: expected (N, C, H, W), got shape ", s.str());
  require(s[2] % 2 == 0 && s[3] % 2 == 0, "max_pool2x2: x: expected even H and W, got shape ", s.str());
  const int H = s[2], W = s[3], Ho = H / 2, Wo = W / 2;
  Var out = t.record(Shape{s[0], s[1], Ho, Wo}, {x}, max_pool_backward);
  Node& n = t.node(out.id);
  const int64_t total = n.shape.numel();
  auto* argmax = t.scratch<int32_t>(static_cast<size_t>(total));
  n.saved = argmax;
  const float* xv = x.data();
  const int64_t planes = s.span(0, 2);
  for (int64_t p = 0; p < planes; ++p)
    for (int oh = 0; oh < Ho; ++oh)
      for (int ow = 0; ow < Wo; ++ow) {
        int64_t best = p * H * W + (2 * oh) * W + 2 * ow;
        for (int dh = 0; dh < 2; ++dh)
          for (int dw = 0; dw < 2; ++dw) {
            int64_t j = p * H * W + (2 * oh + dh) * W + 2 * ow + dw;
            if (xv[j] > xv[best]) best = j;
          }
        const int64_t o = (p * Ho + oh) * Wo + ow;
        n.value[o] = xv[best];
        argmax[o] = static_cast<int32_t>(best);
      }
  return out;
}

Var upsample2x(Var x) {
  Tape& t = tape_of({{x, "x"}});
  const Shape& s = x.shape();
  require(s.rank == 4, "upsample2x: x: expected (N, C, H, W), got shape ", s.str());
  const int H = s[2], W = s[3];
  Var out = t.record(Shape{s[0], s[1], 2 * H, 2 * W}, {x}, upsample_backward);
  float* o = t.node(out.id).value;
  const float* xv = x.data();
  const int64_t planes = s.span(0, 2);
  for (int64_t p = 0; p < planes; ++p)
    for (int h = 0; h < 2 * H; ++h)
      for (int w = 0; w < 2 * W; ++w) o[p * 4 * H * W + h * 2 * W + w] = xv[p * H * W + (h / 2) * W + w / 2];
  return out;
}

}  // namespace nn
