// A ConvLSTM update (models::convlstm_update in core/models/prednet.cpp), no peepholes, from the
// gate pre-activations z (B, 4r, H, W) = conv3x3([R, E, Up(R_above)]) as channel blocks [i, f, o, g]:
//   cell:   y = C' = hard_sigmoid(f) C + hard_sigmoid(i) tanh(g)     (c = the previous C)
//   hidden: y = R' = hard_sigmoid(o) tanh(C')                        (c = the new C')
// hard_sigmoid(x) = clamp(0.2 x + 0.5, 0, 1). One thread per element of y (B, r, H, W), 256 per
// workgroup; dispatch (min(groups, 65535), ceil(groups / 65535)).
struct Params {
  count: u32,  // B * r * H * W
  block: u32,  // r * H * W: one gate's channels of one item
};

@group(0) @binding(0) var<storage, read> z: array<f32>;
@group(0) @binding(1) var<storage, read> c: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

fn hard_sigmoid(x: f32) -> f32 {
  return min(1.0, max(0.0, 0.2 * x + 0.5));
}

// tanh from e^(-2|x|) (no overflow for any x; some WGSL tanh builtins return NaN for large |x|).
fn tanh_safe(x: f32) -> f32 {
  let e = exp(-2.0 * abs(x));
  return sign(x) * (1.0 - e) / (1.0 + e);
}

// The offset of gate `gate` (0 i, 1 f, 2 o, 3 g) for element i of y.
fn gate_at(i: u32, gate: u32) -> u32 {
  let b = i / p.block;
  return (4u * b + gate) * p.block + i % p.block;
}

@compute @workgroup_size(256)
fn cell(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = g.y * nw.x * 256u + g.x;
  if (i >= p.count) { return; }
  let ig = hard_sigmoid(z[gate_at(i, 0u)]);
  let fg = hard_sigmoid(z[gate_at(i, 1u)]);
  let gg = tanh_safe(z[gate_at(i, 3u)]);
  y[i] = fg * c[i] + ig * gg;
}

@compute @workgroup_size(256)
fn hidden(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = g.y * nw.x * 256u + g.x;
  if (i >= p.count) { return; }
  y[i] = hard_sigmoid(z[gate_at(i, 2u)]) * tanh_safe(c[i]);
}
