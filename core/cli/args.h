// Command-line options: `--name value`, `--name=value` and boolean `--flag`.
// Every option a command reads is marked used; finish() refuses the ones nobody read.
#pragma once
#include <map>
#include <set>
#include <string>
#include <vector>

namespace cli {

class Args {
 public:
  /// Parses argv[first..argc). Positional words are kept in order.
  Args(int argc, char** argv, int first);

  const std::vector<std::string>& positional() const { return positional_; }
  bool flag(const std::string& name);
  int get_int(const std::string& name, int fallback, int lo, int hi);
  double get_double(const std::string& name, double fallback, double lo, double hi);
  std::string get_string(const std::string& name, const std::string& fallback);
  /// Comma-separated integers, e.g. --sizes 64,128.
  std::vector<int> get_int_list(const std::string& name, const std::vector<int>& fallback, int lo, int hi);
  /// Throws nn::Error naming any option that no reader asked for.
  void finish(const std::string& command) const;

 private:
  std::map<std::string, std::string> options_;
  std::set<std::string> used_;
  std::vector<std::string> positional_;
};

}  // namespace cli
