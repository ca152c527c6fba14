// A model's inference pass as data, for engines outside the core (the WebGPU path in web/js/gpu):
// an ordered list of ops over named activations and named parameters. A model that offers one
// (Vit::forward_plan, Lfads::forward_plan) builds it next to its forward code, step for step, so the
// model stays defined once; tests run each plan in plain JS against the core's own read-out.
#pragma once
#include <string>
#include <utility>
#include <vector>

namespace nn {

struct PlanOp {
  std::string op;
  std::vector<std::string> inputs;                    // activation names (the plan's inputs, or earlier outputs)
  std::string output;                                 // a new name per op (each activation written once)
  std::vector<int> shape;                             // the output's shape, the batch (any size) written as -1
  std::vector<std::string> weights;                   // parameter names, as in the model's params()
  std::vector<std::pair<std::string, double>> attrs;  // e.g. {"heads", 4}, {"eps", 1e-5}
};

/// A read-out of a plan: one activation, or one per time step (stacked time-major by the engine).
struct PlanOutput {
  std::string name;
  std::vector<std::string> steps;  // activation names, in time order (a single one for a static output)
};

}  // namespace nn
