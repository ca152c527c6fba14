// The seeded generator: reproducible, and with the right distributions.
#include <catch2/catch.hpp>
#include <cmath>

#include "nn/rng.h"

TEST_CASE("same seed, same stream; different seeds differ", "[rng]") {
  nn::Rng a(5), b(5), c(6);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const uint32_t x = a.next_u32();
    REQUIRE(x == b.next_u32());
    differs = differs || x != c.next_u32();
  }
  CHECK(differs);
}

TEST_CASE("uniform, normal, below and poisson have the right moments", "[rng]") {
  nn::Rng r(9);
  const int n = 200000;
  double su = 0, sn = 0, sn2 = 0, sp = 0;
  int counts[5] = {0, 0, 0, 0, 0};
  for (int i = 0; i < n; ++i) {
    const float u = r.uniform();
    REQUIRE(u >= 0.0f);
    REQUIRE(u < 1.0f);
    su += u;
    const float z = r.normal();
    sn += z;
    sn2 += z * z;
    counts[r.below(5)]++;
    sp += r.poisson(3.5);
  }
  CHECK(su / n == Approx(0.5).margin(0.005));
  CHECK(sn / n == Approx(0.0).margin(0.01));
  CHECK(sn2 / n == Approx(1.0).margin(0.01));
  CHECK(sp / n == Approx(3.5).margin(0.02));
  for (int k = 0; k < 5; ++k) CHECK(counts[k] / double(n) == Approx(0.2).margin(0.005));
}
