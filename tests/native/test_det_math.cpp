// util::det_* against long double (x87, 64-bit mantissa) references, with the error bounds that
// util/det_math.h states (measured here, over the ranges the core uses and beyond), and special
// values as std:: gives them.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "nn/rng.h"
#include "util/det_math.h"

namespace {

/// Distance in units in the last place of the double nearest to `truth`.
double ulps(double got, long double truth) {
  const double nearest = static_cast<double>(truth);
  if (got == nearest) return 0;
  const double ulp = std::nextafter(std::fabs(nearest), std::numeric_limits<double>::infinity()) - std::fabs(nearest);
  return static_cast<double>(std::fabs(static_cast<long double>(got) - truth) / ulp);
}

template <class Det, class Ref>
double worst_ulps(Det det, Ref ref, double lo, double hi, int n, uint64_t seed, bool log_uniform = false) {
  nn::Rng rng(seed);
  double worst = 0;
  for (int i = 0; i < n; ++i) {
    const double u = (static_cast<double>(rng.next_u32()) + 0.5) / 4294967296.0;
    const double x = log_uniform ? std::exp(std::log(lo) + u * (std::log(hi) - std::log(lo))) : lo + u * (hi - lo);
    worst = std::max(worst, ulps(det(x), ref(static_cast<long double>(x))));
  }
  return worst;
}

}  // namespace

TEST_CASE("det_exp, det_log, det_log1p, det_pow, det_sin, det_cos keep their stated error bounds", "[det_math]") {
  const int n = 200000;
  CHECK(worst_ulps(
            util::det_exp, [](long double x) { return expl(x); }, -745, 709, n, 1) <= 2);
  CHECK(worst_ulps(
            util::det_exp, [](long double x) { return expl(x); }, -1, 1, n, 2) <= 2);
  CHECK(worst_ulps(
            util::det_log, [](long double x) { return logl(x); }, 1e-300, 1e300, n, 3, true) <= 2.5);
  CHECK(worst_ulps(
            util::det_log, [](long double x) { return logl(x); }, 0.5, 2, n, 4) <= 2.5);
  CHECK(worst_ulps(
            util::det_log1p, [](long double x) { return log1pl(x); }, 1e-12, 10, n, 5, true) <= 4.5);
  CHECK(worst_ulps(
            util::det_log1p, [](long double x) { return log1pl(x); }, -0.9, 0.9, n, 6) <= 4.5);
  CHECK(worst_ulps(
            util::det_sin, [](long double x) { return sinl(x); }, -100, 100, n, 7) <= 2);
  CHECK(worst_ulps(
            util::det_cos, [](long double x) { return cosl(x); }, -100, 100, n, 8) <= 2);
  CHECK(worst_ulps(
            util::det_sin, [](long double x) { return sinl(x); }, 1e-8, 1, n, 9, true) <= 2);
  CHECK(worst_ulps(
            util::det_cos, [](long double x) { return cosl(x); }, 1e3, 5e5, n, 10) <= 3);
  // pow's error grows with |y ln x| (documented): at most 2 + 10 |y ln x| ulp.
  CHECK(worst_ulps([](double x) { return util::det_pow(x, 0.6); }, [](long double x) { return powl(x, 0.6L); }, 1e-6,
                   1e6, n, 11, true) <= 2 + 10 * 0.6 * 13.82);
  CHECK(worst_ulps([](double x) { return util::det_pow(0.99, x); }, [](long double x) { return powl(0.99L, x); }, 0,
                   500, n, 12) <= 2 + 10 * 500 * 0.01005);
}

TEST_CASE("det_math special values", "[det_math]") {
  const double inf = std::numeric_limits<double>::infinity(), nan = std::numeric_limits<double>::quiet_NaN();
  CHECK(util::det_exp(0.0) == 1.0);
  CHECK(util::det_exp(1000.0) == inf);
  CHECK(util::det_exp(-1000.0) == 0.0);
  CHECK(util::det_exp(-744.0) > 0.0);  // subnormal
  CHECK(std::isnan(util::det_exp(nan)));
  CHECK(util::det_log(1.0) == 0.0);
  CHECK(util::det_log(0.0) == -inf);
  CHECK(std::isnan(util::det_log(-1.0)));
  CHECK(util::det_log(inf) == inf);
  CHECK(util::det_log(std::numeric_limits<double>::denorm_min()) == Approx(-744.4400719213812));
  CHECK(util::det_log1p(0.0) == 0.0);
  CHECK(util::det_log1p(-1.0) == -inf);
  CHECK(util::det_log1p(1e-300) == 1e-300);
  CHECK(util::det_pow(2.0, 10.0) == Approx(1024.0).epsilon(1e-15));
  CHECK(util::det_pow(-2.0, 3.0) == Approx(-8.0).epsilon(1e-15));
  CHECK(std::isnan(util::det_pow(-2.0, 0.5)));
  CHECK(util::det_pow(0.0, 2.0) == 0.0);
  CHECK(util::det_pow(5.0, 0.0) == 1.0);
  CHECK(util::det_sin(0.0) == 0.0);
  CHECK(util::det_cos(0.0) == 1.0);
  CHECK(std::isnan(util::det_sin(inf)));
  CHECK(std::isnan(util::det_cos(nan)));
}
