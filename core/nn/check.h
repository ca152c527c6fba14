// Error handling for the core: caller errors and internal invariants.
//
// - nn::Error: bad input from a caller (a shape, a range, a NaN, a corrupt file). Thrown at
//   public entry points with a message that names the argument and what was expected. The wasm
//   layer turns it into a JS Error.
// - NN_ASSERT: an internal invariant; always on (also in release builds), reports file:line.
#pragma once
#include <cmath>
#include <cstdint>
#include <initializer_list>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

namespace nn {

/// Bad input from a caller; the message names the argument and the expected value.
class Error : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

/// A broken internal invariant (a bug in this library, not in the caller's input).
class InternalError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

namespace detail {
template <class... Parts>
std::string concat(const Parts&... parts) {
  std::ostringstream os;
  (os << ... << parts);
  return os.str();
}
}  // namespace detail

/// Throws nn::Error with the parts streamed into one message.
template <class... Parts>
[[noreturn]] void fail(const Parts&... parts) {
  throw Error(detail::concat(parts...));
}

/// Throws nn::Error unless `ok`; the message parts are only formatted on failure.
template <class... Parts>
inline void require(bool ok, const Parts&... parts) {
  if (!ok) fail(parts...);
}

/// Requires a finite number in [lo, hi]; `name` is the argument as the caller knows it.
inline void require_range(double value, double lo, double hi, const char* name) {
  if (!std::isfinite(value) || value < lo || value > hi)
    fail(name, ": expected a number in [", lo, ", ", hi, "], got ", value);
}

/// Requires an integer in [lo, hi].
inline void require_int_range(long long value, long long lo, long long hi, const char* name) {
  if (value < lo || value > hi) fail(name, ": expected an integer in [", lo, ", ", hi, "], got ", value);
}

/// The product of sizes from outside (JS arguments, a file header), each >= 0, checked against
/// `max` before it is computed: a product that wrapped in 64 bits, or in wasm32's 32-bit size_t,
/// once let a tiny buffer through for a huge shape. Call it before allocating from such sizes.
/// Throws "<what>: expected at most <max> elements, got d0 x d1 x ..." past the limit. A size of 0
/// makes the product 0, but the other sizes must still multiply to at most `max`: a partial product
/// (Shape::numel multiplies left to right) must not overflow either.
template <class It>
int64_t checked_product(It first, It last, int64_t max, std::string_view what) {
  int64_t n = 1;  // the product of the non-zero sizes
  bool zero = false, over = false;
  for (It it = first; it != last; ++it) {
    const int64_t d = *it;
    require(d >= 0, what, ": expected non-negative sizes, got ", d);
    zero = zero || d == 0;
    over = over || (d > 0 && n > max / d);  // n * d > max, without computing n * d
    if (!over && d > 0) n *= d;
  }
  if (over) {
    std::ostringstream dims;
    for (It it = first; it != last; ++it) dims << (it == first ? "" : " x ") << int64_t{*it};
    fail(what, ": expected at most ", max, zero ? " elements in the non-zero sizes" : " elements", ", got ",
         dims.str());
  }
  return zero ? 0 : n;
}
inline int64_t checked_product(std::initializer_list<int64_t> dims, int64_t max, std::string_view what) {
  return checked_product(dims.begin(), dims.end(), max, what);
}

}  // namespace nn

#define NN_STRINGIFY2(x) #x
#define NN_STRINGIFY(x) NN_STRINGIFY2(x)
/// Always-on internal assertion with file:line.
#define NN_ASSERT(cond)                                                                                       \
  do {                                                                                                        \
    if (!(cond)) throw ::nn::InternalError(__FILE__ ":" NN_STRINGIFY(__LINE__) ": assertion failed: " #cond); \
  } while (0)
