// Translation between JS values and the core: argument checks that name the argument, and
// C++ exceptions turned into JS Errors. Nothing here knows about any model.
#pragma once
#include <emscripten/bind.h>
#include <emscripten/em_js.h>
#include <emscripten/val.h>

#include <cmath>
#include <cstdint>
#include <exception>
#include <initializer_list>
#include <string>
#include <vector>

#include "nn/check.h"
#include "nn/params.h"
#include "nn/plan.h"

namespace js {

using emscripten::val;

namespace detail {
// The message waits in a static buffer so that no C++ object is live when JS unwinds the stack.
inline std::string& pending_message() {
  static std::string message;
  return message;
}
}  // namespace detail

/// Throws a JS Error carrying the pending message (never returns).
[[noreturn]] void throw_pending_error();

/// Runs f; a C++ exception becomes a JS Error with the same message. The core validates before
/// it mutates, so after an error the module and the object stay usable.
template <class F>
auto guard(F&& f) -> decltype(f()) {
  try {
    return f();
  } catch (const std::exception& e) {
    detail::pending_message() = e.what();
  } catch (...) {
    detail::pending_message() = "unknown C++ exception";
  }
  throw_pending_error();
}

/// The most float32 elements one call allocates from sizes JS passed (1 GiB, half the module's
/// 2 GiB ceiling): products of such sizes go through nn::checked_product with this limit first.
constexpr int64_t kMaxElements = int64_t{1} << 28;

/// What JS calls typeof, for error messages.
std::string type_name(const val& v);

/// A finite JS number (not NaN, not a string); `name` is the argument as the caller knows it.
double number(const val& v, const char* name);
/// An integer-valued JS number in [lo, hi].
int integer(const val& v, const char* name, int lo, int hi);

/// Reads a plain config object: every key must be one of `allowed`, each read checks its type.
class ConfigObject {
 public:
  ConfigObject(const val& obj, const char* owner, std::initializer_list<const char*> allowed);
  double number(const char* key, double fallback) const;
  int integer(const char* key, int fallback) const;
  std::string string(const char* key, const std::string& fallback) const;
  bool boolean(const char* key, bool fallback) const;

 private:
  std::string field(const char* key) const { return owner_ + "." + key; }
  val obj_;
  std::string owner_;
};

/// Copies a Float32Array of exactly `expected` elements (or a multiple of `multiple_of` when
/// expected < 0). Refuses other types, lengths and non-finite values.
std::vector<float> float32_array(const val& v, const char* name, long long expected, int multiple_of = 1);
/// Copies a Float64Array (any length; NaN and infinities pass: the caller checks what it needs).
std::vector<double> float64_array(const val& v, const char* name);
/// Copies an Int32Array of exactly `expected` elements (any length when expected < 0).
std::vector<int> int32_array(const val& v, const char* name, long long expected = -1);
/// Copies a Uint8Array (any length).
std::vector<uint8_t> uint8_array(const val& v, const char* name);

/// Every Lab's loadWeights(bytes): reads `bytes` (a Uint8Array) and hands them to `load` (a
/// trainer's load_weights, which adopts the file's architecture), with "loadWeights: " before any
/// error. Throws the JS Error itself (call it outside js::guard or inside: either way).
template <typename Load>
void load_weights(const val& bytes, Load&& load) {
  guard([&] {
    const std::vector<uint8_t> data = uint8_array(bytes, "loadWeights: bytes");
    try {
      load(data.data(), data.size());
    } catch (const std::exception& e) {
      nn::fail("loadWeights: ", e.what());
    }
  });
}

/// A new JS Float32Array / Uint8Array holding a copy of the data (safe to keep and transfer).
val to_float32_array(const float* data, size_t n);
val to_uint8_array(const uint8_t* data, size_t n);
/// The same for a vector: a Float32Array, or an Int32Array of the ints.
inline val floats(const std::vector<float>& v) { return to_float32_array(v.data(), v.size()); }
inline val ints(const std::vector<int>& v) {
  return val::global("Int32Array").new_(val(emscripten::typed_memory_view(v.size(), v.data())));
}
/// A zero-copy view into wasm memory; valid until the next call that may allocate.
inline val view(const float* data, size_t n) { return val(emscripten::typed_memory_view(n, data)); }

/// A model's forward plan as JS: {config, ops, outputs, weights}. ops: [{op, inputs, output, shape,
/// weights, attrs}] with the batch dimension (-1) written "B"; outputs: [{name, steps}] (left out
/// when there are none); weights: copies of every parameter as {name: Float32Array}, so the plan
/// stays valid while training goes on.
val plan_object(val config, const std::vector<nn::PlanOp>& ops, const std::vector<nn::PlanOutput>& outputs,
                const nn::Params& params);

}  // namespace js
