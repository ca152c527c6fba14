// The "key=value;..." config text: parsing, and strict typed lookups (a config travels inside
// weights files, so a value that does not parse exactly is refused rather than guessed at).
#include <catch2/catch.hpp>

#include "nn/check.h"
#include "util/kv.h"

using Catch::Matchers::Contains;

TEST_CASE("config text parses and formats back", "[kv]") {
  const util::KeyValues kv = util::parse_kv("b=2;a=x=y;;c=");
  CHECK(kv.size() == 3);
  CHECK(kv.at("a") == "x=y");
  CHECK(kv.at("c").empty());
  CHECK(util::format_kv(kv) == "a=x=y;b=2;c=");
  REQUIRE_THROWS_WITH(util::parse_kv("a=1;=2"), Contains("entry '=2': expected key=value"));
  REQUIRE_THROWS_WITH(util::parse_kv("a"), Contains("entry 'a': expected key=value"));
}

TEST_CASE("kv_int reads exactly a decimal int", "[kv]") {
  const util::KeyValues kv{{"a", "64"}, {"n", "-7"}, {"max", "2147483647"}, {"min", "-2147483648"}};
  CHECK(util::kv_int(kv, "a", 0) == 64);
  CHECK(util::kv_int(kv, "n", 0) == -7);
  CHECK(util::kv_int(kv, "max", 0) == 2147483647);
  CHECK(util::kv_int(kv, "min", 0) == -2147483647 - 1);
  CHECK(util::kv_int(kv, "absent", 5) == 5);
}

TEST_CASE("kv_int refuses out-of-range values instead of wrapping them", "[kv]") {
  // 2^32 + 64 was cast to int: it read as 64.
  for (const char* v : {"4294967360", "2147483648", "-2147483649", "99999999999999999999999"}) {
    INFO(v);
    REQUIRE_THROWS_WITH(
        util::kv_int({{"dim", v}}, "dim", 0),
        Contains("config: dim: expected an integer in [-2147483648, 2147483647], got '" + std::string(v) + "'"));
  }
}

TEST_CASE("kv_int refuses leading space, plus signs and trailing text", "[kv]") {
  for (const char* v : {" +64", " 64", "+64", "\t64", "64 ", "6x", "", "-", "0x10", "1e3", "1.0"}) {
    INFO("'" << v << "'");
    REQUIRE_THROWS_WITH(util::kv_int({{"dim", v}}, "dim", 0),
                        Contains("config: dim: expected an integer, got '" + std::string(v) + "'"));
  }
  REQUIRE_THROWS_AS(util::kv_int({{"dim", std::string("64\0x", 4)}}, "dim", 0), nn::Error);
}

TEST_CASE("kv_double reads a finite number and refuses the rest", "[kv]") {
  const util::KeyValues kv{{"lr", "0.001"}, {"e", "-2.5e-4"}, {"dot", ".5"}, {"tiny", "1e-320"}};
  CHECK(util::kv_double(kv, "lr", 0) == 0.001);
  CHECK(util::kv_double(kv, "e", 0) == -2.5e-4);
  CHECK(util::kv_double(kv, "dot", 0) == 0.5);
  CHECK(util::kv_double(kv, "tiny", 1) < 1e-300);
  CHECK(util::kv_double(kv, "absent", 2.5) == 2.5);
  CHECK(util::kv_double({{"lr", "1e+2"}}, "lr", 0) == 100);
  for (const char* v : {" +0.5", " 0.5", "+0.5", "0.5x", "", "-", "nan", "inf", "-inf", "- 1", "0x1p3", "0X10"}) {
    INFO("'" << v << "'");
    REQUIRE_THROWS_WITH(util::kv_double({{"lr", v}}, "lr", 0),
                        Contains("config: lr: expected a number, got '" + std::string(v) + "'"));
  }
  REQUIRE_THROWS_AS(util::kv_double({{"lr", std::string("0.5\0x", 5)}}, "lr", 0), nn::Error);
  REQUIRE_THROWS_WITH(util::kv_double({{"lr", "1e999"}}, "lr", 0),
                      Contains("config: lr: expected a finite number, got '1e999'"));
}
