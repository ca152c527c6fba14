#include "args.h"

#include <cstdlib>

#include "nn/check.h"

namespace cli {

Args::Args(int argc, char** argv, int first) {
  for (int i = first; i < argc; ++i) {
    std::string a = argv[i];
    if (a.rfind("--", 0) != 0) {
      positional_.push_back(a);
      continue;
    }
    a = a.substr(2);
    const size_t eq = a.find('=');
    if (eq != std::string::npos) {
      options_[a.substr(0, eq)] = a.substr(eq + 1);
    } else if (i + 1 < argc && std::string(argv[i + 1]).rfind("--", 0) != 0) {
      options_[a] = argv[++i];
    } else {
      options_[a] = "";
    }
  }
}

bool Args::flag(const std::string& name) {
  auto it = options_.find(name);
  if (it == options_.end()) return false;
  used_.insert(name);
  nn::require(it->second.empty() || it->second == "true" || it->second == "false", "--", name,
              ": expected no value (a flag), got '", it->second, "'");
  return it->second != "false";
}

int Args::get_int(const std::string& name, int fallback, int lo, int hi) {
  auto it = options_.find(name);
  if (it == options_.end()) return fallback;
  used_.insert(name);
  char* end = nullptr;
  const long v = std::strtol(it->second.c_str(), &end, 10);
  nn::require(!it->second.empty() && *end == '\0', "--", name, ": expected an integer, got '", it->second, "'");
  nn::require_int_range(v, lo, hi, ("--" + name).c_str());
  return static_cast<int>(v);
}

double Args::get_double(const std::string& name, double fallback, double lo, double hi) {
  auto it = options_.find(name);
  if (it == options_.end()) return fallback;
  used_.insert(name);
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  nn::require(!it->second.empty() && *end == '\0', "--", name, ": expected a number, got '", it->second, "'");
  nn::require_range(v, lo, hi, ("--" + name).c_str());
  return v;
}

std::string Args::get_string(const std::string& name, const std::string& fallback) {
  auto it = options_.find(name);
  if (it == options_.end()) return fallback;
  used_.insert(name);
  nn::require(!it->second.empty(), "--", name, ": expected a value");
  return it->second;
}

std::vector<int> Args::get_int_list(const std::string& name, const std::vector<int>& fallback, int lo, int hi) {
  auto it = options_.find(name);
  if (it == options_.end()) return fallback;
  used_.insert(name);
  std::vector<int> out;
  const std::string& s = it->second;
  size_t start = 0;
  while (start <= s.size()) {
    size_t end = s.find(',', start);
    if (end == std::string::npos) end = s.size();
    const std::string item = s.substr(start, end - start);
    char* stop = nullptr;
    const long v = std::strtol(item.c_str(), &stop, 10);
    nn::require(!item.empty() && *stop == '\0', "--", name, ": expected comma-separated integers, got '", s, "'");
    nn::require_int_range(v, lo, hi, ("--" + name).c_str());
    out.push_back(static_cast<int>(v));
    start = end + 1;
  }
  return out;
}

void Args::finish(const std::string& command) const {
  for (const auto& [name, value] : options_)
    nn::require(used_.count(name) > 0, "neuroai ", command, ": unknown option --", name, " (see neuroai --help)");
}

}  // namespace cli
