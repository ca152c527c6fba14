// nn::checked_product: the overflow-safe size check every size from outside goes through.
#include <catch2/catch.hpp>
#include <cstdint>
#include <vector>

#include "nn/check.h"

using Catch::Matchers::Contains;

TEST_CASE("checked_product multiplies sizes within the limit", "[check]") {
  CHECK(nn::checked_product({}, 10, "x") == 1);
  CHECK(nn::checked_product({2, 5}, 10, "x") == 10);
  CHECK(nn::checked_product({0, 5, 2}, 10, "x") == 0);  // empty
  CHECK(nn::checked_product({5, 2, 0}, 10, "x") == 0);
  CHECK(nn::checked_product({int64_t{1} << 31, int64_t{1} << 31}, INT64_MAX, "x") == int64_t{1} << 62);
  const std::vector<int> dims{3, 4, 5};
  CHECK(nn::checked_product(dims.begin(), dims.end(), 60, "x") == 60);
}

TEST_CASE("checked_product refuses a product past the limit without overflowing", "[check]") {
  REQUIRE_THROWS_WITH(nn::checked_product({2, 6}, 10, "op: a * b"),
                      "op: a * b: expected at most 10 elements, got 2 x 6");
  // 2^16 four times is 2^64: a plain 64-bit product wraps to 0 and passed any limit.
  REQUIRE_THROWS_WITH(
      nn::checked_product({65536, 65536, 65536, 65536}, INT64_MAX, "n * c * h * w"),
      "n * c * h * w: expected at most 9223372036854775807 elements, got 65536 x 65536 x 65536 x 65536");
  REQUIRE_THROWS_WITH(nn::checked_product({INT64_MAX, 2}, INT64_MAX, "x"), Contains("got 9223372036854775807 x 2"));
  REQUIRE_THROWS_WITH(nn::checked_product({3, -1}, 10, "x"), "x: expected non-negative sizes, got -1");
}

TEST_CASE("checked_product refuses an empty shape whose other sizes overflow", "[check]") {
  // Found by tests/fuzz/fuzz_weights: a (2^24, 2^24, 2^25, 0) tensor has no elements, but
  // Shape::numel multiplies left to right and overflowed before it reached the 0.
  REQUIRE_THROWS_WITH(nn::checked_product({INT64_MAX, 2, 0}, INT64_MAX, "x"),
                      "x: expected at most 9223372036854775807 elements in the non-zero sizes, got "
                      "9223372036854775807 x 2 x 0");
  REQUIRE_THROWS_WITH(nn::checked_product({0, 6, 2}, 10, "x"), Contains("got 0 x 6 x 2"));
}
