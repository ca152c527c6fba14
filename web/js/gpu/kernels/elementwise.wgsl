// Elementwise ops over n float32 values, one thread per element, 256 per workgroup.
// Entry points:
//   add_bias: y[i] = x[i] + b[i % cols]   (b broadcast along the last axis; cols = n: same shape)
//   mul_bias: y[i] = x[i] * b[i % cols]
//   relu:     y[i] = max(x[i], 0)
//   repeat_rows: y[i] = b[i % cols]   (every row of y is b; x is not read)
//   zero:     y[i] = 0                (initial states; x and b are not read)
//   gelu:     y[i] = x[i] Phi(x[i]), the exact GELU as in the core (nn::gelu uses std::erf):
//             Phi(x) = erfc(-x / sqrt 2) / 2 with erfc from Numerical Recipes' erfcc (Chebyshev
//             fit, fractional error below 1.2e-7 everywhere), so small negative tails stay accurate.
// Dispatch: (min(groups, 65535), ceil(groups / 65535)) with groups = ceil(n / 256); the flat
// index is rebuilt from both dimensions so n may exceed 65535 * 256.
struct Params {
  n: u32,
  cols: u32,
};

@group(0) @binding(0) var<storage, read> x: array<f32>;
@group(0) @binding(1) var<storage, read> b: array<f32>;
@group(0) @binding(2) var<storage, read_write> y: array<f32>;
@group(0) @binding(3) var<uniform> p: Params;

fn flat_index(g: vec3u, groups: vec3u) -> u32 {
  return g.y * groups.x * 256u + g.x;
}

@compute @workgroup_size(256)
fn add_bias(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = flat_index(g, nw);
  if (i >= p.n) { return; }
  y[i] = x[i] + b[i % p.cols];
}

@compute @workgroup_size(256)
fn mul_bias(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = flat_index(g, nw);
  if (i >= p.n) { return; }
  y[i] = x[i] * b[i % p.cols];
}

@compute @workgroup_size(256)
fn repeat_rows(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = flat_index(g, nw);
  if (i >= p.n) { return; }
  y[i] = b[i % p.cols];
}

@compute @workgroup_size(256)
fn zero(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = flat_index(g, nw);
  if (i >= p.n) { return; }
  y[i] = 0.0;
}

@compute @workgroup_size(256)
fn relu(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = flat_index(g, nw);
  if (i >= p.n) { return; }
  y[i] = max(x[i], 0.0);
}

// erfc(z) for any z (Numerical Recipes, erfcc).
fn erfc_approx(z: f32) -> f32 {
  let az = abs(z);
  let t = 1.0 / (1.0 + 0.5 * az);
  let poly = -az * az - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 +
      t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 +
      t * (-0.82215223 + t * 0.17087277))))))));
  let r = t * exp(poly);
  return select(r, 2.0 - r, z < 0.0);
}

@compute @workgroup_size(256)
fn gelu(@builtin(global_invocation_id) g: vec3u, @builtin(num_workgroups) nw: vec3u) {
  let i = flat_index(g, nw);
  if (i >= p.n) { return; }
  let v = x[i];
  y[i] = 0.5 * v * erfc_approx(-v * 0.70710678118654752);
}
