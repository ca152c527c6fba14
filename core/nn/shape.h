// Shape: up to 4 dimensions, row-major (the last dimension is contiguous).
#pragma once
#include <array>
#include <cstdint>
#include <initializer_list>
#include <ostream>
#include <string>

#include "check.h"

namespace nn {

struct Shape {
  static constexpr int kMaxRank = 4;
  std::array<int, kMaxRank> dims{};
  int rank = 0;

  Shape() = default;
  Shape(std::initializer_list<int> d) {
    require(d.size() <= kMaxRank, "shape: expected at most 4 dimensions, got ", d.size());
    for (int v : d) {
      require(v >= 0, "shape: expected non-negative dimensions, got ", v);
      dims[rank++] = v;
    }
  }

  int operator[](int i) const { return dims[i < 0 ? rank + i : i]; }
  int& operator[](int i) { return dims[i < 0 ? rank + i : i]; }
  /// Number of elements (1 for a scalar of rank 0).
  int64_t numel() const {
    int64_t n = 1;
    for (int i = 0; i < rank; ++i) n *= dims[i];
    return n;
  }
  /// Product of dimensions [from, to).
  int64_t span(int from, int to) const {
    int64_t n = 1;
    for (int i = from; i < to; ++i) n *= dims[i];
    return n;
  }
  bool operator==(const Shape& o) const {
    if (rank != o.rank) return false;
    for (int i = 0; i < rank; ++i)
      if (dims[i] != o.dims[i]) return false;
    return true;
  }
  bool operator!=(const Shape& o) const { return !(*this == o); }
  /// "(2, 3, 4)"
  std::string str() const {
    std::string s = "(";
    for (int i = 0; i < rank; ++i) s += (i ? ", " : "") + std::to_string(dims[i]);
    return s + ")";
  }
};

/// Streams str(): a Shape passed to require() as itself is formatted only when the check fails
/// (a str() argument built a string on every call of every op).
inline std::ostream& operator<<(std::ostream& os, const Shape& s) { return os << s.str(); }

}  // namespace nn
