#!/usr/bin/env bash
# Runs the GPU measurements on a device machine, after tools/gpu-pack here (carry [".gpu", ".gl"]):
# every kernel against the wasm core, then GEMM GFLOP/s tiled vs naive, then batched ViT evaluation
# WebGPU vs wasm. Each step has its own time limit and a failing step does not stop the others;
# the exit status is that of the first step that failed (0 when all passed).
set -u
cd "$(dirname "$0")/.."
export NEUROAI_BUILD_WASM=$PWD/.gpu/wasm
status=0
step() {
  local limit=$1; shift
  echo "== $*"
  timeout "$limit" bash .gpu/run.sh "$@"
  local rc=$?
  echo "== exit status $rc"
  [ "$status" -ne 0 ] || status=$rc
}
command -v nvidia-smi >/dev/null && nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader
step 240 bench/gpu-gemm.mjs --validate
step 300 bench/vit-gpu.mjs --images 4000
exit "$status"
