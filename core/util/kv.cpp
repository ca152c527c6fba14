#include "kv.h"

#include <cctype>
#include <charconv>
#include <climits>
#include <cmath>
#include <cstdlib>

#include "nn/check.h"

namespace util {

KeyValues parse_kv(const std::string& text) {
  KeyValues kv;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find(';', start);
    if (end == std::string::npos) end = text.size();
    const std::string item = text.substr(start, end - start);
    if (!item.empty()) {
      const size_t eq = item.find('=');
      nn::require(eq != std::string::npos && eq > 0, "config: entry '", item, "': expected key=value");
      kv[item.substr(0, eq)] = item.substr(eq + 1);
    }
    start = end + 1;
  }
  return kv;
}

std::string format_kv(const KeyValues& kv) {
  std::string s;
  for (const auto& [k, v] : kv) s += (s.empty() ? "" : ";") + k + "=" + v;
  return s;
}

// Values are read exactly as format_kv writes them: no leading space or '+' (strtol and strtod
// skip those), no hex or "inf", and nothing cast into range.
int parse_int(const std::string& s, const std::string& what) {
  int v = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  nn::require(ec != std::errc::result_out_of_range, what, ": expected an integer in [", INT_MIN, ", ", INT_MAX,
              "], got '", s, "'");
  nn::require(ec == std::errc() && end == s.data() + s.size(), what, ": expected an integer, got '", s, "'");
  return v;
}

double parse_double(const std::string& s, const std::string& what) {
  // An optional '-', then a digit or '.', and only the characters of a decimal number: strtod
  // would also take leading space, '+', "inf", "nan" and hex ("0x1p3").
  const size_t i = !s.empty() && s[0] == '-' ? 1 : 0;
  const bool starts_well = i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.');
  const bool decimal = s.find_first_not_of("0123456789.eE+-") == std::string::npos;
  char* end = nullptr;
  const double v = starts_well && decimal ? std::strtod(s.c_str(), &end) : 0.0;
  nn::require(starts_well && decimal && end == s.c_str() + s.size(), what, ": expected a number, got '", s, "'");
  nn::require(std::isfinite(v), what, ": expected a finite number, got '", s, "'");
  return v;
}

int kv_int(const KeyValues& kv, const std::string& key, int fallback) {
  auto it = kv.find(key);
  return it == kv.end() ? fallback : parse_int(it->second, "config: " + key);
}

double kv_double(const KeyValues& kv, const std::string& key, double fallback) {
  auto it = kv.find(key);
  return it == kv.end() ? fallback : parse_double(it->second, "config: " + key);
}

std::string kv_string(const KeyValues& kv, const std::string& key, const std::string& fallback) {
  auto it = kv.find(key);
  return it == kv.end() ? fallback : it->second;
}

}  // namespace util
