// The data-parallel part of a Lab's JS API (web/js/engine/replicas.js), the same for every lab
// whose trainer splits a step (begin_step, accumulate, add_gradients, finish_step): registered on
// the lab's embind class by register_data_parallel. A lab brings its own batchShare(first, n) and
// replicaGradient(share, batch), whose shares hold what its examples are (images and labels,
// frame sequences); it exposes its trainer as trainer() and its parameters as params().
#pragma once
#include <emscripten/bind.h>

#include "js_interop.h"

namespace js {

template <typename Lab>
void register_data_parallel(emscripten::class_<Lab>& lab) {
  using emscripten::val;
  lab.function(
         "batchSize", +[](Lab& l) { return l.trainer().config().batch; })
      .function(
          "beginStep", +[](Lab& l) { guard([&] { l.trainer().begin_step(); }); })
      // Adds the gradient of the batch's examples [first, first + n); returns their share of the loss.
      .function(
          "accumulate",
          +[](Lab& l, val first, val n) {
            return guard([&] {
              return l.trainer().accumulate(integer(first, "accumulate: first", 0, 1 << 20),
                                            integer(n, "accumulate: n", 1, 1 << 20));
            });
          })
      // Adds a replica's gradients (paramCount values) to this lab's.
      .function(
          "addGradients",
          +[](Lab& l, val gradients) {
            guard([&] {
              const std::vector<float> g =
                  float32_array(gradients, "addGradients: gradients", static_cast<long long>(l.params().count()));
              l.trainer().add_gradients(g.data(), g.size());
            });
          })
      .function(
          "finishStep", +[](Lab& l) { guard([&] { l.trainer().finish_step(); }); })
      // Replaces every parameter (paramCount values): a replica takes the owner's weights before its share.
      .function(
          "setParameters", +[](Lab& l, val values) {
            guard([&] {
              std::vector<float>& v = l.params().values();
              const std::vector<float> w =
                  float32_array(values, "setParameters: values", static_cast<long long>(v.size()));
              std::copy(w.begin(), w.end(), v.begin());
            });
          });
}

/// A replica's answer: {loss, gradients (a copy of the lab's gradients)}.
template <typename Lab>
val replica_answer(Lab& l, double loss) {
  val o = val::object();
  o.set("loss", loss);
  o.set("gradients", floats(l.params().grads()));
  return o;
}

}  // namespace js
