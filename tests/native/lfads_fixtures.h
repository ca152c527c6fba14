// A small LFADS and its short fixed-seed training, shared by the tests that train one to a learning
// outcome on small Lorenz data (test_lfads.cpp: the study's split; test_lfads_recording.cpp: a
// recording without truth). Neuron counts are left to the caller (or to LfadsRecording).
#pragma once
#include "models/lfads.h"
#include "models/lfads_trainer.h"

inline models::LfadsConfig small_lfads() {
  models::LfadsConfig c;
  c.encoder = 24;
  c.ic = 8;
  c.generator = 24;
  c.factors = 4;
  c.controller = false;
  return c;
}

inline models::LfadsTrainConfig short_lfads_training() {
  models::LfadsTrainConfig tc;
  tc.lr = 0.01f;
  tc.batch = 16;
  tc.ramp_start = 300;
  tc.ramp_steps = 300;
  tc.seed = 3;
  return tc;
}
