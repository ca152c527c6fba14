// neuroai: train, evaluate and benchmark the playground's models natively.
#include <cstdio>
#include <exception>
#include <string>

#include "commands.h"
#include "nn/check.h"

namespace cli {

const std::vector<Command>& commands() {
  static const std::vector<Command> all = {
      {"info", "", "build facts: compiler, GEMM kernel, SIMD", "[--json]", info},
      {"train", "spiral", "train the 2-D spiral MLP (the landing page's demo)",
       "[--steps 300] [--seed 1] [--hidden 32] [--layers 2] [--lr 0.01] [--batch 64] [--json]", train_spiral},
      {"bench", "gemm", "GFLOP/s of the core's matmul (single thread)", "[--sizes 64,128,256,512] [--json]",
       bench_gemm},
      {"train", "prednet", "PredNet on bouncing blobs or moving Fashion-MNIST sprites (weights with --out)",
       "[--steps 2000] [--batch 4] [--lr 0.001] [--lr-drop 0.75] [--seed 1] [--size 32] [--frames 10] "
       "[--a-channels 1,8,16] [--r-channels 8,16,32] [--loss L0|Lall] [--clip 1] [--dataset blobs|sprites] "
       "[--blobs 2] [--sprites 1] [--data DIR] [--init FILE] [--eval-every 500] [--out FILE] [--json]",
       train_prednet},
      {"eval", "prednet",
       "PredNet vs copy-last and linear extrapolation on held-out sequences; surprise vs control and other "
       "frames; closed-loop rollout",
       "[--weights assets/prednet/prednet-blobs.nrai] [--dataset blobs|sprites] [--sequences 256] "
       "[--surprise-sequences 128] [--surprise-frame 6] [--rollout-from 5] [--json]",
       eval_prednet},
      {"bench", "prednet", "PredNet training sequences/s and forward frames/s (single thread)",
       "[--batch 4] [--repeats 5] [--forward-sequences 16] [model options as train] [--json]", bench_prednet},
      {"train", "dqn", "DQN with uniform, proportional or rank-based replay on catch or cartpole",
       "[--env catch] [--episodes 500] [--replay proportional|rank|uniform] [--seed 1] [--lr 0.001] [--json]",
       train_dqn},
      {"eval", "per",
       "prioritized vs uniform replay: Blind Cliffwalk (the page's variant; the paper's oracle, rank, proportional) "
       "and DQN on Catch",
       "[--seeds 10] [--catch-seeds 3] [--max-episodes 300] [--alpha 0.6] [--paper-seeds 10] [--paper-max-n 12] "
       "[--paper-eta 0 (grid)] [--json]",
       eval_per},
      {"bench", "replay", "sum-tree and rank-heap sampling and updates per second vs a linear scan",
       "[--capacity 1048576] [--repeats 5] [--json]", bench_replay},
      {"eval", "episodic", "mean regret over the first 1000 episodes: MFEC, the simple episodic agent, DQN",
       "[--seeds 3] [--episodes 1000] [--env catch|maze] [--json]", eval_episodic},
      {"train", "lfads", "LFADS on the seeded Lorenz spike data, or on your own (--data: NWB, .npy, .npz or CSV)",
       "[--steps 6000] [--batch 32] [--lr 0.005] [--factors 8] [--generator 64] [--controller 1] [--dropout 0.3] "
       "[--ramp-start 500] [--ramp-steps 2000] [--lr-half-life 1500] [--seed 1] [--eval-every 1000] [--out FILE] "
       "[--data FILE [--bin-ms 20] [--align start_time] [--start-ms 0] [--bins 0]] [--json]",
       train_lfads},
      {"eval", "lfads", "LFADS weights on held-out Lorenz trials: rate R2, factor R2, bits/spike, decoding",
       "[--weights assets/lfads/lfads-lorenz.nrai] [--baselines FILE | --save-baselines FILE] [--json]", eval_lfads},
      {"bench", "lfads", "LFADS training trials per second (single thread)",
       "[--batch 32] [--repeats 5] [--controller 1] [--json]", bench_lfads},
      {"train", "vit", "Vision Transformer on Fashion-MNIST (writes a weights file with --out)",
       "[--epochs 30] [--seed 1] [--patch 4] [--dim 64] [--depth 4] [--heads 4] [--mlp 128] [--lr 0.001] "
       "[--batch 128] [--train-images 0] [--val 0 (held out; the test set is then not read)] [--steps N] [--data DIR | "
       "--subset FILE] [--out FILE] [--json]",
       train_vit},
      {"eval", "vit",
       "ViT weights on the validation split and the Fashion-MNIST test set: accuracy, attention distance, throughput",
       "[--weights assets/vit/vit-fashion.nrai] [--val 5000] [--test-images 10000] [--lesions] [--baseline] [--subset "
       "FILE] "
       "[--data DIR] [--json]",
       eval_vit},
      {"export", "fashion-subset", "the attention page's Fashion-MNIST images (a subset file)",
       "[--train-per-class 500] [--test-per-class 100] [--out assets/vit/fashion-subset.bin] [--json]",
       export_fashion_subset},
  };
  return all;
}

}  // namespace cli

namespace {

void print_help() {
  std::printf(
      "neuroai: the NeuroAI Playground's native command line\n\n"
      "usage: neuroai <command> [target] [options]\n\n"
      "commands:\n");
  for (const auto& c : cli::commands()) {
    std::string name = c.verb + (c.target.empty() ? "" : " " + c.target);
    std::printf("  neuroai %-14s %s\n  %-23s %s\n", name.c_str(), c.summary.c_str(), "", c.options.c_str());
  }
  std::printf("\nWith --json every command prints one JSON object on stdout.\n");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2 || std::string(argv[1]) == "--help" || std::string(argv[1]) == "-h" || std::string(argv[1]) == "help") {
    print_help();
    return argc < 2 ? 1 : 0;
  }
  const std::string verb = argv[1];
  try {
    for (const auto& c : cli::commands()) {
      if (c.verb != verb) continue;
      if (c.target.empty()) {
        cli::Args args(argc, argv, 2);
        return c.run(args);
      }
      if (argc >= 3 && c.target == argv[2]) {
        cli::Args args(argc, argv, 3);
        return c.run(args);
      }
    }
    std::string known;
    for (const auto& c : cli::commands())
      if (c.verb == verb) known += (known.empty() ? "" : ", ") + c.target;
    if (known.empty()) nn::fail("unknown command '", verb, "' (see neuroai --help)");
    nn::fail("neuroai ", verb, ": expected one of: ", known, (argc >= 3 ? std::string(", got '") + argv[2] + "'" : ""));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "neuroai: error: %s\n", e.what());
    return 2;
  }
}
