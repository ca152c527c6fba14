// The `neuroai` subcommands. Each prints one JSON object with --json, a readable report without.
#pragma once
#include <string>
#include <vector>

#include "args.h"

namespace cli {

struct Command {
  std::string verb;     // train | eval | bench | info
  std::string target;   // what it acts on, e.g. "gemm" or "spiral"
  std::string summary;  // one line for --help
  std::string options;  // the options it reads, for --help
  int (*run)(Args& args);
};

/// Every command, in the order --help lists them.
const std::vector<Command>& commands();

// Implementations, one file per area.
int bench_gemm(Args& args);
int train_spiral(Args& args);
int info(Args& args);
int train_prednet(Args& args);
int eval_prednet(Args& args);
int bench_prednet(Args& args);
int eval_per(Args& args);
int bench_replay(Args& args);
int train_vit(Args& args);
int eval_vit(Args& args);
int export_fashion_subset(Args& args);
int train_dqn(Args& args);
int eval_episodic(Args& args);
int train_lfads(Args& args);
int eval_lfads(Args& args);
int bench_lfads(Args& args);

}  // namespace cli
