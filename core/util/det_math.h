// exp, log, log1p, pow, sin and cos in double precision that give the same bits on every machine.
//
// glibc picks a variant of each double-precision function by CPU (FMA, AVX2 or SSE2), and the
// variants round differently on ~0.07% of arguments (exp, sin, cos, pow; checked with
// GLIBC_TUNABLES=glibc.cpu.hwcaps=-FMA); emscripten's musl differs again. One last bit in an
// initial weight or a replay priority is enough to send a training run elsewhere, so the core
// computes these with + - * / only, in a fixed order, under -ffp-contract=off: the same result on
// any x86-64 and in wasm. Errors (tests/native/test_det_math.cpp measures them against long
// double): exp, sin, cos within 2 ulp (3 for |x| near 2^19), log 2.5, log1p 4.5, pow about
// 2 + 10 |y ln x| ulp; a few parts in 10^15, which no figure of this project can see.
//
// The float functions that the hot loops call (expf, logf, tanhf, erff) agree across glibc's
// variants and stay std:: (the golden tests run with FMA variants disabled to catch any change).
#pragma once

#include <cmath>
#include <limits>

namespace util {

namespace det_math_detail {

// ln 2 split so that n * kLn2Hi is exact for |n| < 2^20 (kLn2Hi has 33 significant bits).
constexpr double kLn2Hi = 0x1.62e42fefp-1;
constexpr double kLn2Lo = 0x1.473de6af278edp-34;
constexpr double kInvLn2 = 0x1.71547652b82fep+0;
// pi/2 in three 33-bit parts (Cody-Waite): k * part is exact for |k| < 2^20.
constexpr double kPio2Hi = 0x1.921fb544p+0;
constexpr double kPio2Mid = 0x1.0b4611a6p-34;
constexpr double kPio2Lo = 0x1.3198a2ep-69;
constexpr double kTwoOverPi = 0x1.45f306dc9c883p-1;
// Beyond this the three-part reduction loses bits; such angles never occur in the core.
constexpr double kMaxTrigArgument = 1 << 19;

// sin(r) and cos(r) for |r| <= pi/4 by their Taylor series, nested (Horner) from the smallest
// term: the first omitted terms (r^19/19!, r^20/20!) are below 2^-60 of the result.
inline double sin_kernel(double r) {
  const double s = r * r;
  double p = 1.0;
  for (int k = 17; k >= 3; k -= 2) p = 1.0 - s / (k * (k - 1)) * p;
  return r * p;
}
inline double cos_kernel(double r) {
  const double s = r * r;
  double p = 1.0;
  for (int k = 18; k >= 2; k -= 2) p = 1.0 - s / (k * (k - 1)) * p;
  return p;
}

// sin(x) for quadrant offset 0, cos(x) for offset 1: reduce x = k pi/2 + r, |r| <= pi/4.
inline double sin_cos(double x, int offset) {
  if (!std::isfinite(x)) return std::numeric_limits<double>::quiet_NaN();
  if (std::fabs(x) > kMaxTrigArgument) return offset == 0 ? std::sin(x) : std::cos(x);
  const double k = std::floor(x * kTwoOverPi + 0.5);
  const double r = ((x - k * kPio2Hi) - k * kPio2Mid) - k * kPio2Lo;
  const int quadrant = (static_cast<int>(static_cast<long long>(k) & 3) + offset) & 3;
  switch (quadrant) {
    case 0:
      return sin_kernel(r);
    case 1:
      return cos_kernel(r);
    case 2:
      return -sin_kernel(r);
    default:
      return -cos_kernel(r);
  }
}

}  // namespace det_math_detail

/// e^x. Overflows to +inf above ~709.78, underflows (through subnormals) to 0 below ~-745.13.
inline double det_exp(double x) {
  using namespace det_math_detail;
  if (std::isnan(x)) return x;
  if (x > 709.782712893384) return std::numeric_limits<double>::infinity();
  if (x < -745.1332191019412) return 0.0;
  // x = n ln2 + r with |r| <= ln2 / 2; e^r by its Taylor series to r^13/13! (the next term is
  // below 2^-57 of the result), nested from the smallest term; then scale by 2^n exactly.
  const double n = std::floor(x * kInvLn2 + 0.5);
  const double r = (x - n * kLn2Hi) - n * kLn2Lo;
  double p = 1.0;
  for (int k = 13; k >= 1; --k) p = 1.0 + r / k * p;
  return std::ldexp(p, static_cast<int>(n));
}

/// Natural logarithm: NaN below 0, -inf at 0.
inline double det_log(double x) {
  using namespace det_math_detail;
  if (std::isnan(x) || x < 0.0) return std::numeric_limits<double>::quiet_NaN();
  if (x == 0.0) return -std::numeric_limits<double>::infinity();
  if (std::isinf(x)) return x;
  // x = m 2^e with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh(f), f = (m - 1) / (m + 1), |f| <=
  // 0.172, by the series 2f (1 + f^2/3 + f^4/5 + ...) to f^24/25 (the rest is below 2^-60).
  int e = 0;
  double m = std::frexp(x, &e);
  if (m < 0.70710678118654752) {
    m *= 2.0;
    --e;
  }
  const double f = (m - 1.0) / (m + 1.0), s = f * f;
  double series = 1.0 / 25.0;
  for (int k = 23; k >= 1; k -= 2) series = 1.0 / k + s * series;
  return e * kLn2Hi + (2.0 * f * series + e * kLn2Lo);
}

/// log(1 + x), accurate for small x: log(u) * x / (u - 1) with u = 1 + x cancels u's rounding.
inline double det_log1p(double x) {
  const double u = 1.0 + x;
  if (u == 1.0) return x;
  if (std::isinf(u)) return u;
  return det_log(u) * (x / (u - 1.0));
}

/// x^y for x > 0 (and x = 0 with y > 0), as e^(y log x): the error grows with |y ln x| (1e-12
/// relative for 0.9^100000); the core's exponents are moderate. Integer y keeps sign for x < 0.
inline double det_pow(double x, double y) {
  if (y == 0.0) return 1.0;
  if (x == 1.0) return 1.0;
  if (x == 0.0) return y > 0.0 ? 0.0 : std::numeric_limits<double>::infinity();
  if (x < 0.0) {
    if (std::floor(y) != y) return std::numeric_limits<double>::quiet_NaN();
    const double magnitude = det_exp(y * det_log(-x));
    return std::fmod(y, 2.0) == 0.0 ? magnitude : -magnitude;
  }
  return det_exp(y * det_log(x));
}

/// sin x and cos x for |x| up to 2^19 (larger arguments fall back to std::, never used here).
inline double det_sin(double x) { return det_math_detail::sin_cos(x, 0); }
inline double det_cos(double x) { return det_math_detail::sin_cos(x, 1); }

}  // namespace util
