// libFuzzer target: the config text parser (core/util/kv.h) on arbitrary text. parse_kv either
// refuses it with an nn::Error or returns entries that format_kv writes back to text parsing to
// the same entries; every typed lookup either refuses a value with an nn::Error or reads one that
// is in range (an int that prints back as the value, a finite double).
#include <cctype>
#include <cmath>
#include <cstdint>
#include <string>

#include "nn/check.h"
#include "util/kv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  util::KeyValues kv;
  try {
    kv = util::parse_kv(text);
  } catch (const nn::Error&) {
    return 0;
  }
  NN_ASSERT(util::parse_kv(util::format_kv(kv)) == kv);
  for (const auto& [key, value] : kv) {
    NN_ASSERT(!key.empty() && key.find(';') == std::string::npos && key.find('=') == std::string::npos);
    NN_ASSERT(util::kv_string(kv, key, "") == value);
    try {
      const int v = util::kv_int(kv, key, 0);
      // Exactly a decimal int: a digit or '-' first (no space, no '+'), and the number it spells.
      NN_ASSERT((std::isdigit(static_cast<unsigned char>(value[0])) || value[0] == '-') && std::stoll(value) == v);
    } catch (const nn::Error&) {
    }
    try {
      NN_ASSERT(std::isfinite(util::kv_double(kv, key, 0.0)));
    } catch (const nn::Error&) {
    }
  }
  return 0;
}
