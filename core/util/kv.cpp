#include "kv.h"

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

int kv_int(const KeyValues& kv, const std::string& key, int fallback) {
  auto it = kv.find(key);
  if (it == kv.end()) return fallback;
  char* end = nullptr;
  const long v = std::strtol(it->second.c_str(), &end, 10);
  nn::require(end != it->second.c_str() && *end == '\0', "config: ", key, ": expected an integer, got '", it->second, "'");
  return static_cast<int>(v);
}

double kv_double(const KeyValues& kv, const std::string& key, double fallback) {
  auto it = kv.find(key);
  if (it == kv.end()) return fallback;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  nn::require(end != it->second.c_str() && *end == '\0', "config: ", key, ": expected a number, got '", it->second, "'");
  return v;
}

std::string kv_string(const KeyValues& kv, const std::string& key, const std::string& fallback) {
  auto it = kv.find(key);
  return it == kv.end() ? fallback : it->second;
}

}  // namespace util
