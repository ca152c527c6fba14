// Matmul, linear, convolution (im2col + GEMM), max-pooling and upsampling.
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

// A product with this many rows or fewer (a batch of trials at one time step) reads its B^T from
// Tape::packed_transpose: packing B^T costs as much as such a product, and a recurrence's weight
// is multiplied at every step. Larger products pack as they go (the packing is amortised).
constexpr int kPackOnceRows = 64;

struct MatmulDims {
  int batch, M, N, K;
  bool b_batched;
};

MatmulDims matmul_dims(const Shape& a, const Shape& b, bool ta, bool tb) {
  require(a.rank >= 2, "matmul: a: expected rank >= 2, got shape ", a);
  require(b.rank == 2 || b.rank == a.rank, "matmul: b: expected rank 2 or the rank of a (", a.rank, "), got shape ", b);
  MatmulDims d{};
  d.M = ta ? a[-1] : a[-2];
  const int ka = ta ? a[-2] : a[-1];
  d.K = tb ? b[-1] : b[-2];
  d.N = tb ? b[-2] : b[-1];
  require(ka == d.K, "matmul: inner dimensions differ: a ", a, (ta ? "^T" : ""), " vs b ", b, (tb ? "^T" : ""));
  d.batch = static_cast<int>(a.span(0, a.rank - 2));
  d.b_batched = b.rank > 2;
  if (d.b_batched)
    for (int i = 0; i < a.rank - 2; ++i) require(a[i] == b[i], "matmul: batch dimensions differ: a ", a, " vs b ", b);
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
  const bool transpose_once = !b_batched && Mf <= kPackOnceRows;
  for (int s = 0; s < steps; ++s) {
    const float* a = A + s * sa;
    const float* b = B + s * sb;
    const float* g = G + s * sc;
    if (gA) {
      float* ga = gA + s * sa;
      if (!ta && !tb && transpose_once)  // dC B^T, B^T packed once per pass
        gemm_prepacked_b(false, Mf, K, N, 1.0f, g, N, t.packed_transpose(n.inputs[1], K, N), 1.0f, ga, lda);
      else if (!ta && !tb)
        gemm(false, true, Mf, K, N, 1.0f, g, N, b, ldb, 1.0f, ga, lda);                // dC B^T
      if (!ta && tb) gemm(false, false, Mf, K, N, 1.0f, g, N, b, ldb, 1.0f, ga, lda);  // dC B
      if (ta && !tb) gemm(false, true, K, M, N, 1.0f, b, ldb, g, N, 1.0f, ga, lda);    // B dC^T
      if (ta && tb) gemm(true, true, K, M, N, 1.0f, b, ldb, g, N, 1.0f, ga, lda);      // B^T dC^T
    }
    if (gB) {
      float* gb = gB + s * sb;
      if (!ta && !tb) gemm(true, false, K, N, Mf, 1.0f, a, lda, g, N, 1.0f, gb, ldb);  // A^T dC
      if (!ta && tb) gemm(true, false, N, K, Mf, 1.0f, g, N, a, lda, 1.0f, gb, ldb);   // dC^T A
      if (ta && !tb) gemm(false, false, K, N, M, 1.0f, a, lda, g, N, 1.0f, gb, ldb);   // A dC
      if (ta && tb) gemm(true, true, N, K, M, 1.0f, g, N, a, lda, 1.0f, gb, ldb);      // dC^T A^T
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
    gemm(trans_a, trans_b, Mf, d.N, d.K, 1.0f, a.data() + s * sa, lda, b.data() + s * sb, ldb, 0.0f, n.value + s * sc,
         d.N);
  return out;
}

// ---------------------------------------------------------------- linear
// Rows R = numel(x) / in. Forward: out = b (broadcast), then out += x W (one GEMM).
// Backward: dx += dout W^T, dW += x^T dout, db += column sums of dout.

namespace {

void linear_backward(Tape& t, int id) {
  const Node& n = t.node(id);
  const int in = n.iattr[0], out = n.iattr[1];
  const int rows = static_cast<int>(n.shape.numel() / out);
  const float* x = input_value(t, n, 0);
  const float* w = input_value(t, n, 1);
  if (float* gx = input_grad(t, n, 0)) {
    if (rows <= kPackOnceRows)  // dx += dout W^T, W^T packed once per pass
      gemm_prepacked_b(false, rows, in, out, 1.0f, n.grad, out, t.packed_transpose(n.inputs[1], in, out), 1.0f, gx, in);
    else
      gemm(false, true, rows, in, out, 1.0f, n.grad, out, w, out, 1.0f, gx, in);
  }
  if (float* gw = input_grad(t, n, 1)) gemm(true, false, in, out, rows, 1.0f, x, in, n.grad, out, 1.0f, gw, out);
  if (n.n_inputs == 3)
    if (float* gb = input_grad(t, n, 2))
      for (int r = 0; r < rows; ++r)
        for (int j = 0; j < out; ++j) gb[j] += n.grad[static_cast<int64_t>(r) * out + j];
}

}  // namespace

Var linear(Var x, Var w, Var b) {
  Tape& t = tape_of({{x, "x"}, {w, "w"}, {b, "b"}});
  require(x.valid() && w.valid(), "linear: expected valid x and w");
  const Shape& sx = x.shape();
  const Shape& sw = w.shape();
  require(sx.rank >= 1, "linear: x: expected rank >= 1, got a scalar");
  require(sw.rank == 2 && sw[0] == sx[-1], "linear: w: expected (", sx[-1], ", out) for x of shape ", sx, ", got ", sw);
  const int in = sw[0], out = sw[1];
  if (b.valid()) require(b.shape() == Shape{out}, "linear: b: expected shape (", out, "), got ", b.shape());
  Shape os = sx;
  os[-1] = out;
  Var result = b.valid() ? t.record(os, {x, w, b}, linear_backward) : t.record(os, {x, w}, linear_backward);
  Node& n = t.node(result.id);
  n.iattr[0] = in;
  n.iattr[1] = out;
  const int rows = static_cast<int>(os.numel() / std::max(out, 1));
  if (b.valid())
    for (int r = 0; r < rows; ++r) std::copy(b.data(), b.data() + out, n.value + static_cast<int64_t>(r) * out);
  gemm(false, false, rows, out, in, 1.0f, x.data(), in, w.data(), out, b.valid() ? 1.0f : 0.0f, n.value, out);
  return result;
}

// ---------------------------------------------------------------- conv2d
// iattr: stride, pad, k, has_bias. Patches are laid out as columns: cols (C*k*k, N*Ho*Wo), where
// each row (c, kh, kw) is the input plane shifted by (kh, kw) - a contiguous copy per output row -
// so the whole batch is one GEMM: out (O, N*Ho*Wo) = W (O, C*k*k) @ cols, then each image's
// (O, Ho*Wo) block moves to its place in (N, O, Ho, Wo).

namespace {

struct ConvGeom {
  int N, C, H, W, O, k, stride, pad, Ho, Wo;
  int64_t positions() const { return int64_t{N} * Ho * Wo; }  // P: columns of the patch matrix
  int depth() const { return C * k * k; }                     // K: rows of the patch matrix
};

ConvGeom conv_geom(const Shape& x, const Shape& w, int stride, int pad) {
  require(x.rank == 4, "conv2d: x: expected (N, C, H, W), got shape ", x);
  require(w.rank == 4 && w[2] == w[3], "conv2d: w: expected (O, C, k, k), got shape ", w);
  require(w[1] == x[1], "conv2d: w has ", w[1], " input channels but x has ", x[1]);
  require(stride >= 1, "conv2d: stride: expected >= 1, got ", stride);
  require(pad >= 0, "conv2d: pad: expected >= 0, got ", pad);
  ConvGeom g{x[0], x[1], x[2], x[3], w[0], w[2], stride, pad, 0, 0};
  require(g.H + 2 * pad >= g.k && g.W + 2 * pad >= g.k, "conv2d: kernel ", g.k, " is larger than the padded image ", x);
  g.Ho = (g.H + 2 * pad - g.k) / stride + 1;
  g.Wo = (g.W + 2 * pad - g.k) / stride + 1;
  return g;
}

// Visits every (patch row, output row) pair: dst = cols row (c, kh, kw) at the columns of output
// row oh of image n; src = input row h of plane (n, c), or -1 when h falls in the padding.
// f(dst, src, shift, first, last) handles one output row: output columns [first, last) read
// input column ow * stride + shift, the others are padding. Rows are short (5 to 32 columns
// here), so the bounds are computed once per (kw) and the per-row work stays a tight loop.
template <class F>
void for_each_patch_row(const ConvGeom& g, F&& f) {
  const int64_t P = g.positions();
  for (int kw = 0; kw < g.k; ++kw) {
    const int shift = kw - g.pad;
    int first = 0, last = g.Wo;
    while (first < g.Wo && first * g.stride + shift < 0) ++first;
    while (last > first && (last - 1) * g.stride + shift >= g.W) --last;
    for (int c = 0; c < g.C; ++c)
      for (int kh = 0; kh < g.k; ++kh) {
        const int64_t row = (int64_t{c} * g.k + kh) * g.k + kw;
        for (int n = 0; n < g.N; ++n)
          for (int oh = 0; oh < g.Ho; ++oh) {
            const int h = oh * g.stride - g.pad + kh;
            const int64_t dst = row * P + (int64_t{n} * g.Ho + oh) * g.Wo;
            const int64_t src = (h >= 0 && h < g.H) ? ((int64_t{n} * g.C + c) * g.H + h) * g.W : -1;
            f(dst, src, shift, first, last);
          }
      }
  }
}

void im2col(const ConvGeom& g, const float* x, float* cols) {
  if (g.stride == 1 && g.Ho == g.H && g.Wo == g.W) {
    // "Same" convolution: each patch row is the whole plane shifted by (dy, dx) = (kh, kw) - pad.
    // One contiguous copy per image (D[i] = S[i + dy W + dx]) and then the columns that wrapped
    // around a row edge are zeroed: far cheaper than row-by-row copies on narrow images.
    const int64_t HW = int64_t{g.H} * g.W, P = g.positions();
    for (int c = 0; c < g.C; ++c)
      for (int kh = 0; kh < g.k; ++kh)
        for (int kw = 0; kw < g.k; ++kw) {
          const int dy = kh - g.pad, dx = kw - g.pad;
          const int64_t off = int64_t{dy} * g.W + dx;
          const int64_t lo = std::max<int64_t>(0, -off), hi = std::min<int64_t>(HW, HW - off);
          float* row = cols + ((int64_t{c} * g.k + kh) * g.k + kw) * P;
          for (int n = 0; n < g.N; ++n) {
            float* d = row + n * HW;
            const float* src = x + (int64_t{n} * g.C + c) * HW + off;
            for (int64_t i = 0; i < lo; ++i) d[i] = 0.0f;
            for (int64_t i = lo; i < hi; ++i) d[i] = src[i];
            for (int64_t i = hi; i < HW; ++i) d[i] = 0.0f;
            if (dx > 0)
              for (int oh = 0; oh < g.H; ++oh)
                for (int ow = g.W - dx; ow < g.W; ++ow) d[oh * g.W + ow] = 0.0f;
            if (dx < 0)
              for (int oh = 0; oh < g.H; ++oh)
                for (int ow = 0; ow < -dx; ++ow) d[oh * g.W + ow] = 0.0f;
          }
        }
    return;
  }
  const int Wo = g.Wo, stride = g.stride;
  for_each_patch_row(g, [&](int64_t dst, int64_t src, int shift, int first, int last) {
    float* d = cols + dst;
    if (src < 0) {
      for (int ow = 0; ow < Wo; ++ow) d[ow] = 0.0f;
      return;
    }
    const float* s = x + src + shift;  // input column of output column ow: s[ow * stride]
    for (int ow = 0; ow < first; ++ow) d[ow] = 0.0f;
    if (stride == 1)  // the common case, kept separate so that it vectorizes
      for (int ow = first; ow < last; ++ow) d[ow] = s[ow];
    else
      for (int ow = first; ow < last; ++ow) d[ow] = s[ow * stride];
    for (int ow = last; ow < Wo; ++ow) d[ow] = 0.0f;
  });
}

void col2im_add(const ConvGeom& g, const float* cols, float* dx) {
  const int stride = g.stride;
  for_each_patch_row(g, [&](int64_t dst, int64_t src, int shift, int first, int last) {
    if (src < 0) return;
    const float* d = cols + dst;
    float* s = dx + src + shift;
    for (int ow = first; ow < last; ++ow) s[ow * stride] += d[ow];
  });
}

ConvGeom conv_geom_of(const Tape& t, const Node& n) {
  return conv_geom(input_shape(t, n, 0), input_shape(t, n, 1), n.iattr[0], n.iattr[1]);
}

void conv2d_backward(Tape& t, int id) {
  const Node& n = t.node(id);
  const ConvGeom g = conv_geom_of(t, n);
  const int64_t P = g.positions(), HW = int64_t{g.Ho} * g.Wo;
  const int K = g.depth();
  // dout (N, O, HW) -> (O, N*HW): one block copy per (image, channel).
  float* dout = t.workspace(0, static_cast<size_t>(P * g.O));
  for (int b = 0; b < g.N; ++b)
    for (int o = 0; o < g.O; ++o) std::copy_n(n.grad + (int64_t{b} * g.O + o) * HW, HW, dout + o * P + b * HW);
  if (float* gw = input_grad(t, n, 1)) {  // dW (O, K) += dout (O, P) @ cols^T
    float* cols = t.workspace(1, static_cast<size_t>(P * K));
    im2col(g, input_value(t, n, 0), cols);
    gemm(false, true, g.O, K, static_cast<int>(P), 1.0f, dout, static_cast<int>(P), cols, static_cast<int>(P), 1.0f, gw,
         K);
  }
  if (float* gx = input_grad(t, n, 0)) {  // dcols (K, P) = W^T (K, O) @ dout (O, P), then scatter back
    float* dcols = t.workspace(1, static_cast<size_t>(P * K));
    gemm(true, false, K, static_cast<int>(P), g.O, 1.0f, input_value(t, n, 1), K, dout, static_cast<int>(P), 0.0f,
         dcols, static_cast<int>(P));
    col2im_add(g, dcols, gx);
  }
  if (n.iattr[3]) {
    if (float* gb = input_grad(t, n, 2))
      for (int o = 0; o < g.O; ++o) {
        double acc = 0;
        for (int64_t p = 0; p < P; ++p) acc += dout[o * P + p];
        gb[o] += static_cast<float>(acc);
      }
  }
}

}  // namespace

Var conv2d(Var x, Var w, Var bias, int stride, int pad) {
  Tape& t = tape_of({{x, "x"}, {w, "w"}, {bias, "bias"}});
  require(x.valid() && w.valid(), "conv2d: expected valid x and w");
  const ConvGeom g = conv_geom(x.shape(), w.shape(), stride, pad);
  const bool has_bias = bias.valid();
  if (has_bias) require(bias.shape() == Shape{g.O}, "conv2d: bias: expected shape (", g.O, "), got ", bias.shape());
  Var out = has_bias ? t.record(Shape{g.N, g.O, g.Ho, g.Wo}, {x, w, bias}, conv2d_backward)
                     : t.record(Shape{g.N, g.O, g.Ho, g.Wo}, {x, w}, conv2d_backward);
  Node& n = t.node(out.id);
  n.iattr[0] = stride;
  n.iattr[1] = pad;
  n.iattr[2] = g.k;
  n.iattr[3] = has_bias;
  const int64_t P = g.positions(), HW = int64_t{g.Ho} * g.Wo;
  const int K = g.depth();
  float* cols = t.workspace(1, static_cast<size_t>(P * K));
  im2col(g, x.data(), cols);
  if (g.N == 1) {  // (O, HW) is already the output layout
    gemm(false, false, g.O, static_cast<int>(P), K, 1.0f, w.data(), K, cols, static_cast<int>(P), 0.0f, n.value,
         static_cast<int>(P));
  } else {
    float* out_op = t.workspace(0, static_cast<size_t>(P * g.O));
    gemm(false, false, g.O, static_cast<int>(P), K, 1.0f, w.data(), K, cols, static_cast<int>(P), 0.0f, out_op,
         static_cast<int>(P));
    for (int b = 0; b < g.N; ++b)
      for (int o = 0; o < g.O; ++o) std::copy_n(out_op + o * P + b * HW, HW, n.value + (int64_t{b} * g.O + o) * HW);
  }
  if (has_bias) {
    const float* bv = bias.data();
    for (int b = 0; b < g.N; ++b)
      for (int o = 0; o < g.O; ++o) {
        float* dst = n.value + (int64_t{b} * g.O + o) * HW;
        for (int64_t p = 0; p < HW; ++p) dst[p] += bv[o];
      }
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
  require(s.rank == 4, "max_pool2x2: x: expected (N, C, H, W), got shape ", s);
  require(s[2] % 2 == 0 && s[3] % 2 == 0, "max_pool2x2: x: expected even H and W, got shape ", s);
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
  require(s.rank == 4, "upsample2x: x: expected (N, C, H, W), got shape ", s);
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
