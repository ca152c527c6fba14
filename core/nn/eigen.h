// Eigen, set up to give the same bits on every machine. Include this instead of <Eigen/Core>.
//
// Eigen sizes the blocks of its matrix products from the CPU's cache sizes (read with cpuid at
// first use), and the blocking sets the order of each sum: the same fit of GPFA or of a ridge
// regression would round differently on a machine with another L2. The static initializer below
// fixes the sizes, in every translation unit that includes this header, before main runs. The
// instruction set (and so Eigen's packet width) is fixed by the build (CMakeLists.txt).
#pragma once

#include <Eigen/Core>

namespace nn {

/// Cache sizes (bytes) that Eigen's blocking assumes on every machine: a typical x86-64 core.
inline bool fix_eigen_blocking() {
  Eigen::setCpuCacheSizes(32 * 1024, 256 * 1024, 2 * 1024 * 1024);
  return true;
}

namespace {
[[maybe_unused]] const bool kEigenBlockingFixed = fix_eigen_blocking();
}  // namespace

}  // namespace nn
