#include "js_interop.h"

#include <emscripten/emscripten.h>

// A plain JS throw: the Error's message is the C++ exception's what().
EM_JS(void, neuroai_throw_error, (const char* message), { throw new Error(UTF8ToString(message)); });

namespace js {

void throw_pending_error() {
  neuroai_throw_error(detail::pending_message().c_str());
  __builtin_unreachable();
}

std::string type_name(const val& v) {
  if (v.isNull()) return "null";
  if (v.isUndefined()) return "undefined";
  std::string type = v.typeOf().as<std::string>();
  if (type == "object" && v["constructor"].typeOf().as<std::string>() == "function") {
    const std::string ctor = v["constructor"]["name"].as<std::string>();
    if (!ctor.empty() && ctor != "Object") return ctor;  // Array, Float64Array, ArrayBuffer...
  }
  return type;
}

double number(const val& v, const char* name) {
  nn::require(v.isNumber(), name, ": expected a number, got ", type_name(v));
  const double d = v.as<double>();
  nn::require(std::isfinite(d), name, ": expected a finite number, got ", d);
  return d;
}

int integer(const val& v, const char* name, int lo, int hi) {
  const double d = number(v, name);
  nn::require(d == std::floor(d), name, ": expected an integer, got ", d);
  nn::require_int_range(static_cast<long long>(d), lo, hi, name);
  return static_cast<int>(d);
}

ConfigObject::ConfigObject(const val& obj, const char* owner, std::initializer_list<const char*> allowed)
    : obj_(obj), owner_(owner) {
  if (obj.isUndefined() || obj.isNull()) {
    obj_ = val::object();
    return;
  }
  nn::require(obj.typeOf().as<std::string>() == "object" && !obj.isArray(), owner_, ": expected a config object, got ",
              type_name(obj));
  const val keys = val::global("Object").call<val>("keys", obj);
  const int n = keys["length"].as<int>();
  for (int i = 0; i < n; ++i) {
    const std::string key = keys[i].as<std::string>();
    bool known = false;
    std::string list;
    for (const char* a : allowed) {
      known = known || key == a;
      list += (list.empty() ? "" : ", ") + std::string(a);
    }
    nn::require(known, owner_, ": unknown field '", key, "' (expected one of: ", list, ")");
  }
}

double ConfigObject::number(const char* key, double fallback) const {
  const val v = obj_[key];
  return v.isUndefined() ? fallback : js::number(v, field(key).c_str());
}

int ConfigObject::integer(const char* key, int fallback) const {
  const val v = obj_[key];
  return v.isUndefined() ? fallback : js::integer(v, field(key).c_str(), -(1 << 30), 1 << 30);
}

std::string ConfigObject::string(const char* key, const std::string& fallback) const {
  const val v = obj_[key];
  if (v.isUndefined()) return fallback;
  nn::require(v.isString(), field(key), ": expected a string, got ", type_name(v));
  return v.as<std::string>();
}

bool ConfigObject::boolean(const char* key, bool fallback) const {
  const val v = obj_[key];
  if (v.isUndefined()) return fallback;
  nn::require(v.isTrue() || v.isFalse(), field(key), ": expected true or false, got ", type_name(v));
  return v.as<bool>();
}

std::vector<float> float32_array(const val& v, const char* name, long long expected, int multiple_of) {
  nn::require(v.instanceof (val::global("Float32Array")), name, ": expected a Float32Array, got ", type_name(v));
  const long long n = v["length"].as<double>();
  if (expected >= 0)
    nn::require(n == expected, name, ": expected a Float32Array of length ", expected, ", got length ", n);
  else
    nn::require(n % multiple_of == 0, name, ": expected a length divisible by ", multiple_of, ", got length ", n);
  std::vector<float> out(static_cast<size_t>(n));
  val(emscripten::typed_memory_view(out.size(), out.data())).call<void>("set", v);
  for (size_t i = 0; i < out.size(); ++i)
    nn::require(std::isfinite(out[i]), name, "[", i, "]: expected a finite number, got ", out[i]);
  return out;
}

std::vector<double> float64_array(const val& v, const char* name) {
  nn::require(v.instanceof (val::global("Float64Array")), name, ": expected a Float64Array, got ", type_name(v));
  std::vector<double> out(v["length"].as<size_t>());
  val(emscripten::typed_memory_view(out.size(), out.data())).call<void>("set", v);
  return out;
}

std::vector<int> int32_array(const val& v, const char* name, long long expected) {
  nn::require(v.instanceof (val::global("Int32Array")), name, ": expected an Int32Array, got ", type_name(v));
  const long long n = v["length"].as<double>();
  nn::require(expected < 0 || n == expected, name, ": expected an Int32Array of length ", expected, ", got length ", n);
  std::vector<int> out(static_cast<size_t>(n));
  val(emscripten::typed_memory_view(out.size(), out.data())).call<void>("set", v);
  return out;
}

std::vector<uint8_t> uint8_array(const val& v, const char* name) {
  nn::require(v.instanceof (val::global("Uint8Array")), name, ": expected a Uint8Array, got ", type_name(v));
  std::vector<uint8_t> out(v["length"].as<size_t>());
  val(emscripten::typed_memory_view(out.size(), out.data())).call<void>("set", v);
  return out;
}

val to_float32_array(const float* data, size_t n) {
  return val::global("Float32Array").new_(val(emscripten::typed_memory_view(n, data)));
}

val to_uint8_array(const uint8_t* data, size_t n) {
  return val::global("Uint8Array").new_(val(emscripten::typed_memory_view(n, data)));
}

namespace {

val strings(const std::vector<std::string>& v) {
  val a = val::array();
  for (const auto& s : v) a.call<void>("push", s);
  return a;
}

}  // namespace

val plan_object(val config, const std::vector<nn::PlanOp>& ops, const std::vector<nn::PlanOutput>& outputs,
                const nn::Params& params) {
  val list = val::array();
  for (const nn::PlanOp& op : ops) {
    val o = val::object();
    o.set("op", op.op);
    o.set("inputs", strings(op.inputs));
    o.set("output", op.output);
    val shape = val::array();
    for (int d : op.shape) shape.call<void>("push", d < 0 ? val("B") : val(d));
    o.set("shape", shape);
    o.set("weights", strings(op.weights));
    val attrs = val::object();
    for (const auto& [k, v] : op.attrs) attrs.set(k, v);
    o.set("attrs", attrs);
    list.call<void>("push", o);
  }
  val weights = val::object();
  for (int i = 0; i < params.size(); ++i) {
    const auto& e = params.entry(i);
    weights.set(e.name, to_float32_array(params.value(i), static_cast<size_t>(e.shape.numel())));
  }
  val plan = val::object();
  plan.set("config", config);
  plan.set("ops", list);
  if (!outputs.empty()) {
    val outs = val::array();
    for (const nn::PlanOutput& out : outputs) {
      val o = val::object();
      o.set("name", out.name);
      o.set("steps", strings(out.steps));
      outs.call<void>("push", o);
    }
    plan.set("outputs", outs);
  }
  plan.set("weights", weights);
  return plan;
}

}  // namespace js
