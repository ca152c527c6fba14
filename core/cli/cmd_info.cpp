// neuroai info: the facts of this build.
#include <Eigen/Core>
#include <cstdio>

#include "commands.h"
#include "nn/gemm.h"
#include "util/json.h"

namespace cli {

int info(Args& args) {
  const bool json = args.flag("json");
  args.finish("info");
  util::Json out;
  out.begin_object()
      .field("compiler", __VERSION__)
      .field("eigen", std::to_string(EIGEN_WORLD_VERSION) + "." + std::to_string(EIGEN_MAJOR_VERSION) + "." +
                          std::to_string(EIGEN_MINOR_VERSION))
      .field("simd", Eigen::SimdInstructionSetsInUse())
      .field("gemm_kernel", nn::gemm_kernel_name())
      .end_object();
  if (json)
    std::printf("%s\n", out.str().c_str());
  else
    std::printf("compiler: %s\neigen SIMD: %s\ngemm kernel: %s\n", __VERSION__, Eigen::SimdInstructionSetsInUse(),
                nn::gemm_kernel_name());
  return 0;
}

}  // namespace cli
