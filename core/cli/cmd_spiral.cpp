// neuroai train spiral: the landing page's demo, natively. Its loss trace is the reference that
// the wasm tests compare against (same seed, same model; equal within a float tolerance).
#include <cstdio>
#include <fstream>

#include "commands.h"
#include "models/spiral_trainer.h"
#include "nn/weights.h"
#include "util/json.h"

namespace cli {

int train_spiral(Args& args) {
  models::SpiralTrainerConfig c;
  const int steps = args.get_int("steps", 300, 0, 1000000);
  c.seed = static_cast<uint64_t>(args.get_int("seed", 1, 0, 1 << 30));
  c.hidden = args.get_int("hidden", c.hidden, 1, 4096);
  c.layers = args.get_int("layers", c.layers, 0, 16);
  c.lr = static_cast<float>(args.get_double("lr", c.lr, 1e-6, 1.0));
  c.batch = args.get_int("batch", c.batch, 1, 4096);
  c.activation = args.get_string("activation", c.activation);
  const std::string out_path = args.get_string("out", "");
  const bool json = args.flag("json");
  args.finish("train spiral");

  models::SpiralTrainer model(c);
  std::vector<double> losses;
  for (int s = 0; s < steps; ++s) {
    losses.push_back(model.train_step());
    if (!json && (s + 1) % 50 == 0) std::printf("step %5d  loss %.4f\n", s + 1, losses.back());
  }
  const float accuracy = model.accuracy(), full_loss = model.loss();
  if (!out_path.empty()) {
    std::ofstream f(out_path, std::ios::binary);
    nn::require(static_cast<bool>(f), "--out: cannot open '", out_path, "' for writing");
    nn::write_weights(f, model.model().params(), "mlp", model.model().config().to_text());
  }
  if (json) {
    util::Json out;
    out.begin_object()
        .field("model", "spiral")
        .field("seed", static_cast<long long>(c.seed))
        .field("steps", steps)
        .field("loss", full_loss)
        .field("accuracy", accuracy)
        .field("losses", losses)
        .end_object();
    std::printf("%s\n", out.str().c_str());
  } else {
    std::printf("final: loss %.4f, accuracy %.3f on %d points\n", full_loss, accuracy, model.points().size());
  }
  return 0;
}

}  // namespace cli
