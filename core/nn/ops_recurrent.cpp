// Recurrent cells as single ops: one tape node per step instead of the dozen and a half that the
// same cell composed of slices and elementwise ops records (LFADS runs about 640 GRU steps per
// training step, where the per-node cost, not the arithmetic, was most of the time).
#include <algorithm>
#include <cmath>

#include "ops_common.h"

namespace nn {

using detail::input_grad;
using detail::input_value;
using detail::tape_of;

namespace {

// Saved per element: z, r, n and whether the clip let the gradient through (as 1 or 0).
void gru_cell_backward(Tape& t, int id) {
  const Node& node = t.node(id);
  const int B = node.shape[0], H = node.shape[1];
  const float* hp = input_value(t, node, 1);
  const float* h = input_value(t, node, 2);
  float* gx = input_grad(t, node, 0);
  float* ghp = input_grad(t, node, 1);
  float* gh = input_grad(t, node, 2);
  const float* saved = static_cast<const float*>(node.saved);
  const int64_t count = static_cast<int64_t>(B) * H;
  const float *zs = saved, *rs = saved + count, *ns = saved + 2 * count, *pass = saved + 3 * count;
  for (int b = 0; b < B; ++b)
    for (int j = 0; j < H; ++j) {
      const int64_t i = static_cast<int64_t>(b) * H + j, p = static_cast<int64_t>(b) * 3 * H + j;
      const float z = zs[i], r = rs[i], n = ns[i];
      const float d_out = node.grad[i] * pass[i];  // through clamp(n + z (h - n))
      const float d_n = d_out * (1.0f - z);
      const float d_z = d_out * (h[i] - n);
      const float d_an = d_n * (1.0f - n * n);  // tanh'
      const float d_r = d_an * hp[p + 2 * H];
      const float d_ar = d_r * r * (1.0f - r);  // sigmoid'
      const float d_az = d_z * z * (1.0f - z);
      if (gx) {
        gx[p] += d_az;
        gx[p + H] += d_ar;
        gx[p + 2 * H] += d_an;
      }
      if (ghp) {
        ghp[p] += d_az;
        ghp[p + H] += d_ar;
        ghp[p + 2 * H] += d_an * r;
      }
      if (gh) gh[i] += d_out * z;
    }
}

}  // namespace

Var gru_cell(Var x_proj, Var h_proj, Var h, float clip) {
  Tape& t = tape_of({{x_proj, "gru_cell: x_proj"}, {h_proj, "gru_cell: h_proj"}, {h, "gru_cell: h"}});
  const Shape sh = h.shape();
  require(sh.rank == 2, "gru_cell: h: expected (B, H), got shape ", sh);
  const int B = sh[0], H = sh[1];
  require(x_proj.shape() == Shape{B, 3 * H} && h_proj.shape() == Shape{B, 3 * H}, "gru_cell: expected projections (", B,
          ", ", 3 * H, ") for h of shape ", sh, ", got ", x_proj.shape(), " and ", h_proj.shape());
  require(clip > 0 && std::isfinite(clip), "gru_cell: clip: expected a finite number > 0, got ", clip);
  Var out = t.record(sh, {x_proj, h_proj, h}, gru_cell_backward);
  Node& node = t.node(out.id);
  const int64_t count = static_cast<int64_t>(B) * H;
  float* saved = t.scratch<float>(static_cast<size_t>(4 * count));
  node.saved = saved;
  const float *x = x_proj.data(), *hp = h_proj.data(), *hv = h.data();
  for (int b = 0; b < B; ++b)
    for (int j = 0; j < H; ++j) {
      const int64_t i = static_cast<int64_t>(b) * H + j, p = static_cast<int64_t>(b) * 3 * H + j;
      // The composed ops' arithmetic, in their order (the same bits forward).
      const float z = 1.0f / (1.0f + std::exp(-(x[p] + hp[p])));
      const float r = 1.0f / (1.0f + std::exp(-(x[p + H] + hp[p + H])));
      const float n = std::tanh(x[p + 2 * H] + r * hp[p + 2 * H]);
      const float pre = n + z * (hv[i] - n);
      saved[i] = z;
      saved[count + i] = r;
      saved[2 * count + i] = n;
      saved[3 * count + i] = (pre > -clip && pre < clip) ? 1.0f : 0.0f;
      node.value[i] = std::min(clip, std::max(-clip, pre));
    }
  return out;
}

}  // namespace nn
