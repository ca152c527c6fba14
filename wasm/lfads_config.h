// What every LFADS lab for JS shares (bind_lfads.cpp: the Lorenz study; bind_lfads_recording.cpp:
// a recording of your own): its model and training knobs read from a config object, and a step's
// losses as JS sees them.
#pragma once
#include <algorithm>
#include <string>
#include <utility>

#include "js_interop.h"
#include "models/lfads_trainer.h"

namespace js {

/// The LFADS knobs (factors, generator, encoder, ic, controller, controllerInputLag, klWeight,
/// l2Weight, dropout, lr, batch, rampSteps, seed) of a config object that allows them.
inline std::pair<models::LfadsConfig, models::LfadsTrainConfig> lfads_configs(const ConfigObject& c,
                                                                              const std::string& owner) {
  models::LfadsConfig mc;
  mc.factors = c.integer("factors", mc.factors);
  mc.generator = c.integer("generator", mc.generator);
  mc.encoder = c.integer("encoder", mc.encoder);
  mc.ic = c.integer("ic", mc.ic);
  mc.controller = c.boolean("controller", mc.controller);
  mc.controller_input_lag = c.integer("controllerInputLag", mc.controller_input_lag);
  models::LfadsTrainConfig tc;
  tc.kl_weight = static_cast<float>(c.number("klWeight", tc.kl_weight));
  tc.l2_weight = static_cast<float>(c.number("l2Weight", tc.l2_weight));
  tc.coordinated_dropout = static_cast<float>(c.number("dropout", tc.coordinated_dropout));
  tc.lr = static_cast<float>(c.number("lr", tc.lr));
  tc.batch = c.integer("batch", 16);
  tc.ramp_steps = c.integer("rampSteps", tc.ramp_steps);
  tc.ramp_start = std::min(tc.ramp_start, tc.ramp_steps);
  const int seed = c.integer("seed", 1);
  nn::require(seed >= 0, owner, ".seed: expected a non-negative integer, got ", seed);
  tc.seed = static_cast<uint64_t>(seed);
  return {mc, tc};
}

/// {total, reconstruction, klIc, klInputs, l2, ramp, lr (the next step's), steps}.
inline val lfads_losses(const models::LfadsLosses& l, const models::LfadsTrainer& trainer) {
  val o = val::object();
  o.set("total", l.total);
  o.set("reconstruction", l.reconstruction);
  o.set("klIc", l.kl_ic);
  o.set("klInputs", l.kl_inputs);
  o.set("l2", l.l2);
  o.set("ramp", l.ramp);
  o.set("lr", trainer.learning_rate());
  o.set("steps", static_cast<double>(trainer.steps()));
  return o;
}

}  // namespace js
