// Module-level bindings: build facts, the core GEMM and the forward kernels of a few ops (the
// references for the WebGPU kernels in web/js/gpu), and a GEMM timing loop for the Node benchmark.
#include <chrono>

#include "js_interop.h"
#include "models/lfads.h"
#include "models/prednet.h"
#include "models/vit.h"
#include "nn/gemm.h"
#include "nn/ops.h"
#include "nn/ops_vit.h"
#include "nn/rng.h"
#include "nn/tape.h"

using emscripten::val;

namespace {

constexpr long long kMaxRefElements = 1LL << 26;  // 256 MiB of float32: more is surely a mistake

/// A product of dimensions from JS, at most kMaxRefElements (overflow-safe); `what` names the arguments.
long long checked_numel(std::initializer_list<int64_t> dims, const char* what) {
  return nn::checked_product(dims, kMaxRefElements, what);
}

val build_info() {
  val info = val::object();
  info.set("version", "0.1.0");
  info.set("gemmKernel", nn::gemm_kernel_name());
#ifdef __wasm_simd128__
  info.set("simd128", true);
#else
  info.set("simd128", false);
#endif
  info.set("emscripten", std::to_string(__EMSCRIPTEN_major__) + "." + std::to_string(__EMSCRIPTEN_minor__) + "." +
                             std::to_string(__EMSCRIPTEN_tiny__));
  return info;
}

/// C = alpha op(A) op(B) + beta C, row-major; returns a new Float32Array (M x N).
val gemm(val trans_a, val trans_b, val m, val n, val k, val alpha, val a, val b, val beta, val c) {
  return js::guard([&] {
    const int M = js::integer(m, "gemm: M", 0, 1 << 14), N = js::integer(n, "gemm: N", 0, 1 << 14),
              K = js::integer(k, "gemm: K", 0, 1 << 14);
    nn::require(trans_a.isTrue() || trans_a.isFalse(), "gemm: transA: expected true or false");
    nn::require(trans_b.isTrue() || trans_b.isFalse(), "gemm: transB: expected true or false");
    const float al = static_cast<float>(js::number(alpha, "gemm: alpha"));
    const float be = static_cast<float>(js::number(beta, "gemm: beta"));
    const long long MN = checked_numel({M, N}, "gemm: M * N");  // C is allocated here
    const auto A = js::float32_array(a, "gemm: A", checked_numel({M, K}, "gemm: M * K"));
    const auto B = js::float32_array(b, "gemm: B", checked_numel({K, N}, "gemm: K * N"));
    std::vector<float> C = c.isUndefined() || c.isNull() ? std::vector<float>(static_cast<size_t>(MN), 0.0f)
                                                         : js::float32_array(c, "gemm: C", MN);
    const bool ta = trans_a.as<bool>(), tb = trans_b.as<bool>();
    nn::gemm(ta, tb, M, N, K, al, A.data(), ta ? M : K, B.data(), tb ? K : N, be, C.data(), N);
    return js::to_float32_array(C.data(), C.size());
  });
}

/// Runs `calls` n x n x n GEMMs on random data; returns the elapsed seconds.
double bench_gemm(val n_arg, val calls_arg) {
  return js::guard([&] {
    const int n = js::integer(n_arg, "benchGemm: n", 1, 4096);
    const int calls = js::integer(calls_arg, "benchGemm: calls", 1, 1 << 20);
    nn::Rng rng(42);
    std::vector<float> a(static_cast<size_t>(n) * n), b(a.size()), c(a.size());
    for (auto& v : a) v = rng.uniform(-1, 1);
    for (auto& v : b) v = rng.uniform(-1, 1);
    const auto t0 = std::chrono::steady_clock::now();
    for (int i = 0; i < calls; ++i) nn::gemm(false, false, n, n, n, 1.0f, a.data(), n, b.data(), n, 0.0f, c.data(), n);
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  });
}

// ---- reference ops: each runs the core's forward kernel on a tape with gradients off ----------

/// A copy of a tape value as a new Float32Array.
val to_js(nn::Var v) { return js::to_float32_array(v.data(), static_cast<size_t>(v.numel())); }

/// Softmax over the last axis of x (rows x cols), row-major; returns a new Float32Array.
val softmax_rows(val x, val rows, val cols) {
  return js::guard([&] {
    const int R = js::integer(rows, "softmax: rows", 1, 1 << 24), D = js::integer(cols, "softmax: cols", 1, 1 << 24);
    const auto X = js::float32_array(x, "softmax: x", checked_numel({R, D}, "softmax: rows * cols"));
    nn::Tape tape;
    nn::NoGradScope no_grad(tape);
    return to_js(nn::softmax(tape.constant(X.data(), nn::Shape{R, D})));
  });
}

/// Layer normalization over the last axis of x (rows x cols) with gamma, beta (cols) and eps in
/// (0, 1] (undefined: the core's default, 1e-5; embind wants every argument passed); returns a new
/// Float32Array.
val layernorm_rows(val x, val rows, val cols, val gamma, val beta, val eps) {
  return js::guard([&] {
    const int R = js::integer(rows, "layernorm: rows", 1, 1 << 24),
              D = js::integer(cols, "layernorm: cols", 1, 1 << 24);
    const auto X = js::float32_array(x, "layernorm: x", checked_numel({R, D}, "layernorm: rows * cols"));
    const auto G = js::float32_array(gamma, "layernorm: gamma", D);
    const auto B = js::float32_array(beta, "layernorm: beta", D);
    const double e = eps.isUndefined() ? 1e-5 : js::number(eps, "layernorm: eps");
    nn::require(e > 0 && e <= 1, "layernorm: eps: expected a number in (0, 1], got ", e);
    nn::Tape tape;
    nn::NoGradScope no_grad(tape);
    return to_js(nn::layernorm(tape.constant(X.data(), nn::Shape{R, D}), tape.constant(G.data(), nn::Shape{D}),
                               tape.constant(B.data(), nn::Shape{D}), static_cast<float>(e)));
  });
}

/// Elementwise op over a non-empty Float32Array (any length); returns a new Float32Array.
template <nn::Var (*Op)(nn::Var)>
val unary_ref(val x, const char* name) {
  return js::guard([&] {
    const auto X = js::float32_array(x, name, -1);
    nn::require(!X.empty() && static_cast<long long>(X.size()) <= kMaxRefElements, name,
                ": expected a Float32Array of length 1 to ", kMaxRefElements, ", got length ", X.size());
    nn::Tape tape;
    nn::NoGradScope no_grad(tape);
    return to_js(Op(tape.constant(X.data(), nn::Shape{static_cast<int>(X.size())})));
  });
}
/// Exact GELU x * Phi(x), elementwise.
val gelu_ref(val x) { return unary_ref<nn::gelu>(x, "gelu: x"); }
/// max(x, 0), elementwise.
val relu_ref(val x) { return unary_ref<nn::relu>(x, "relu: x"); }

/// One GRU step from projections (models::gru_gates, the body of every LFADS GRU): x_proj and
/// h_proj (rows, 3 * hidden) as [z | r | n], h (rows, hidden), states clipped to +-clip; returns a
/// new Float32Array (rows, hidden).
val gru_gates_ref(val x_proj, val h_proj, val h, val rows, val hidden, val clip) {
  return js::guard([&] {
    const int R = js::integer(rows, "gruGates: rows", 1, 1 << 20),
              H = js::integer(hidden, "gruGates: hidden", 1, 1 << 16);
    const long long n = checked_numel({R, 3 * H}, "gruGates: rows * 3 * hidden");
    const auto X = js::float32_array(x_proj, "gruGates: xProj", n);
    const auto P = js::float32_array(h_proj, "gruGates: hProj", n);
    const auto S = js::float32_array(h, "gruGates: h", checked_numel({R, H}, "gruGates: rows * hidden"));
    const double c = js::number(clip, "gruGates: clip");
    nn::require(c > 0, "gruGates: clip: expected a positive number, got ", c);
    nn::Tape tape;
    nn::NoGradScope no_grad(tape);
    return to_js(models::gru_gates(tape.constant(X.data(), nn::Shape{R, 3 * H}),
                                   tape.constant(P.data(), nn::Shape{R, 3 * H}),
                                   tape.constant(S.data(), nn::Shape{R, H}), static_cast<float>(c)));
  });
}

/// The ViT's multi-head self-attention: qkv (batch, tokens, 3 dim) = [q | k | v] ->
/// {weights (batch, heads, tokens, tokens), out (batch, tokens, dim)} (nn::attention_probs, attention_mix).
val attention_ref(val qkv, val batch, val tokens, val dim, val heads) {
  return js::guard([&] {
    const int B = js::integer(batch, "attention: batch", 1, 1 << 16),
              T = js::integer(tokens, "attention: tokens", 1, 1 << 12),
              D = js::integer(dim, "attention: dim", 1, 1 << 12), H = js::integer(heads, "attention: heads", 1, 1 << 8);
    nn::require(D % H == 0, "attention: dim, heads: expected dim divisible by heads, got ", D, " and ", H);
    checked_numel({B, H, T, T}, "attention: batch * heads * tokens^2");
    const auto X =
        js::float32_array(qkv, "attention: qkv", checked_numel({B, T, 3 * D}, "attention: batch * tokens * 3 dim"));
    nn::Tape tape;
    nn::NoGradScope no_grad(tape);
    const nn::Var x = tape.constant(X.data(), nn::Shape{B, T, 3 * D});
    const nn::Var probs = nn::attention_probs(x, H);
    val o = val::object();
    o.set("weights", to_js(probs));
    o.set("out", to_js(nn::attention_mix(probs, x)));
    return o;
  });
}

/// Mean attention distance in pixels (models::vit_attention_distance): attention (batch, heads, T, T)
/// on a grid x grid patch grid (T = grid^2 + 1) of patch-pixel patches -> (batch, heads).
val attention_distance_ref(val attention, val batch, val heads, val grid, val patch) {
  return js::guard([&] {
    models::VitConfig c;
    const int B = js::integer(batch, "attentionDistance: batch", 1, 1 << 16);
    c.heads = js::integer(heads, "attentionDistance: heads", 1, 1 << 8);
    const int G = js::integer(grid, "attentionDistance: grid", 1, 64);
    c.patch = js::integer(patch, "attentionDistance: patch", 1, 64);
    c.image = G * c.patch;
    const int T = c.tokens();
    const auto A = js::float32_array(attention, "attentionDistance: attention",
                                     checked_numel({B, c.heads, T, T}, "attentionDistance: batch * heads * T^2"));
    std::vector<float> out(static_cast<size_t>(B) * c.heads);
    models::vit_attention_distance(c, A.data(), B, out.data());
    return js::to_float32_array(out.data(), out.size());
  });
}

/// An (n, c, h, w) Float32Array argument of a reference op, its sizes checked first; `what` names
/// the array, `sizes` the product ("upsample2x: n * c * h * w").
std::vector<float> nchw(const val& x, const char* what, const char* sizes, int n, int c, int h, int w) {
  return js::float32_array(x, what, checked_numel({n, c, h, w}, sizes));
}
int dim_arg(const val& v, const char* name) { return js::integer(v, name, 1, 1 << 16); }

/// 2x nearest-neighbour upsampling of x (n, c, h, w) -> (n, c, 2h, 2w).
val upsample2x_ref(val x, val n, val c, val h, val w) {
  return js::guard([&] {
    const int N = dim_arg(n, "upsample2x: n"), C = dim_arg(c, "upsample2x: c"), H = dim_arg(h, "upsample2x: h"),
              W = dim_arg(w, "upsample2x: w");
    const auto X = nchw(x, "upsample2x: x", "upsample2x: n * c * h * w", N, C, H, W);
    checked_numel({N, C, 2 * H, 2 * W}, "upsample2x: n * c * 2h * 2w (the output)");
    nn::Tape tape;
    nn::NoGradScope no_grad(tape);
    return to_js(nn::upsample2x(tape.constant(X.data(), nn::Shape{N, C, H, W})));
  });
}

/// 2x2 max pooling, stride 2, of x (n, c, h, w) with even h, w -> (n, c, h/2, w/2).
val max_pool2x2_ref(val x, val n, val c, val h, val w) {
  return js::guard([&] {
    const int N = dim_arg(n, "maxPool2x2: n"), C = dim_arg(c, "maxPool2x2: c"), H = dim_arg(h, "maxPool2x2: h"),
              W = dim_arg(w, "maxPool2x2: w");
    nn::require(H % 2 == 0 && W % 2 == 0, "maxPool2x2: h, w: expected even sides, got ", H, " x ", W);
    const auto X = nchw(x, "maxPool2x2: x", "maxPool2x2: n * c * h * w", N, C, H, W);
    nn::Tape tape;
    nn::NoGradScope no_grad(tape);
    return to_js(nn::max_pool2x2(tape.constant(X.data(), nn::Shape{N, C, H, W})));
  });
}

/// One ConvLSTM update (models::convlstm_update): z (n, 4r, h, w) gates [i, f, o, g], cell (n, r, h, w)
/// -> {cell, r}, each (n, r, h, w).
val convlstm_ref(val z, val cell, val n, val r, val h, val w) {
  return js::guard([&] {
    const int N = dim_arg(n, "convLstm: n"), Rc = dim_arg(r, "convLstm: r"), H = dim_arg(h, "convLstm: h"),
              W = dim_arg(w, "convLstm: w");
    const auto Z = nchw(z, "convLstm: z", "convLstm: n * 4r * h * w", N, 4 * Rc, H, W);
    const auto C = nchw(cell, "convLstm: cell", "convLstm: n * r * h * w", N, Rc, H, W);
    nn::Tape tape;
    nn::NoGradScope no_grad(tape);
    const models::ConvLstmState s = models::convlstm_update(tape.constant(Z.data(), nn::Shape{N, 4 * Rc, H, W}),
                                                            tape.constant(C.data(), nn::Shape{N, Rc, H, W}));
    val o = val::object();
    o.set("cell", to_js(s.cell));
    o.set("r", to_js(s.r));
    return o;
  });
}

/// PredNet's error units (models::prednet_error_units): a, ahat (n, c, h, w) -> (n, 2c, h, w).
val error_units_ref(val a, val ahat, val n, val c, val h, val w) {
  return js::guard([&] {
    const int N = dim_arg(n, "errorUnits: n"), C = dim_arg(c, "errorUnits: c"), H = dim_arg(h, "errorUnits: h"),
              W = dim_arg(w, "errorUnits: w");
    const auto A = nchw(a, "errorUnits: a", "errorUnits: n * c * h * w", N, C, H, W);
    const auto P = nchw(ahat, "errorUnits: ahat", "errorUnits: n * c * h * w", N, C, H, W);
    checked_numel({N, 2 * C, H, W}, "errorUnits: n * 2c * h * w (the output)");
    nn::Tape tape;
    nn::NoGradScope no_grad(tape);
    return to_js(models::prednet_error_units(tape.constant(A.data(), nn::Shape{N, C, H, W}),
                                             tape.constant(P.data(), nn::Shape{N, C, H, W})));
  });
}

/// clamp(x, lo, hi) elementwise (nn::clamp), lo <= hi.
val clamp_ref(val x, val lo, val hi) {
  return js::guard([&] {
    const auto X = js::float32_array(x, "clamp: x", -1);
    nn::require(!X.empty(), "clamp: x: expected a non-empty Float32Array");
    const double l = js::number(lo, "clamp: lo"), u = js::number(hi, "clamp: hi");
    nn::Tape tape;
    nn::NoGradScope no_grad(tape);
    return to_js(nn::clamp(tape.constant(X.data(), nn::Shape{static_cast<int>(X.size())}), static_cast<float>(l),
                           static_cast<float>(u)));
  });
}

/// 3x3 "same" convolution (stride 1, pad 1): x (N, C, H, W), weight (O, C, 3, 3), bias (O) or
/// null for none; returns a new Float32Array (N, O, H, W).
val conv2d_3x3(val x, val n, val c, val h, val w, val weight, val o, val bias) {
  return js::guard([&] {
    const int N = js::integer(n, "conv2d3x3: n", 1, 1 << 16), C = js::integer(c, "conv2d3x3: c", 1, 1 << 16),
              H = js::integer(h, "conv2d3x3: h", 1, 1 << 16), W = js::integer(w, "conv2d3x3: w", 1, 1 << 16),
              O = js::integer(o, "conv2d3x3: o", 1, 1 << 16);
    const auto X = js::float32_array(x, "conv2d3x3: x", checked_numel({N, C, H, W}, "conv2d3x3: n * c * h * w"));
    checked_numel({N, O, H, W}, "conv2d3x3: n * o * h * w");
    checked_numel({C, 9, N, H, W}, "conv2d3x3: c * 9 * n * h * w (the patch matrix)");
    const auto K = js::float32_array(weight, "conv2d3x3: weight", checked_numel({O, C, 9}, "conv2d3x3: o * c * 9"));
    const bool has_bias = !(bias.isUndefined() || bias.isNull());
    const auto Bv = has_bias ? js::float32_array(bias, "conv2d3x3: bias", O) : std::vector<float>{};
    nn::Tape tape;
    nn::NoGradScope no_grad(tape);
    const nn::Var b = has_bias ? tape.constant(Bv.data(), nn::Shape{O}) : nn::Var{};
    return to_js(nn::conv2d(tape.constant(X.data(), nn::Shape{N, C, H, W}),
                            tape.constant(K.data(), nn::Shape{O, C, 3, 3}), b, 1, 1));
  });
}

}  // namespace

EMSCRIPTEN_BINDINGS(neuroai_core) {
  emscripten::function("buildInfo", &build_info);
  emscripten::function("gemm", &gemm);
  emscripten::function("benchGemm", &bench_gemm);
  emscripten::function("softmax", &softmax_rows);
  emscripten::function("layernorm", &layernorm_rows);
  emscripten::function("gelu", &gelu_ref);
  emscripten::function("relu", &relu_ref);
  emscripten::function("conv2d3x3", &conv2d_3x3);
  emscripten::function("gruGates", &gru_gates_ref);
  emscripten::function("upsample2x", &upsample2x_ref);
  emscripten::function("maxPool2x2", &max_pool2x2_ref);
  emscripten::function("convLstm", &convlstm_ref);
  emscripten::function("errorUnits", &error_units_ref);
  emscripten::function("clamp", &clamp_ref);
  emscripten::function("attention", &attention_ref);
  emscripten::function("attentionDistance", &attention_distance_ref);
}
