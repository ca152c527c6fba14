// Weights files: round trip, and refusal of truncated, altered or mismatched files.
#include <catch2/catch.hpp>

#include <sstream>

#include "models/mlp.h"
#include "nn/weights.h"

using namespace nn;
using Catch::Matchers::Contains;

namespace {
std::vector<uint8_t> sample_file(models::Mlp& mlp) {
  return encode_weights(mlp.params(), "mlp", mlp.config().to_text());
}
}  // namespace

TEST_CASE("weights round-trip exactly, through bytes and streams", "[weights]") {
  models::Mlp a(models::MlpConfig{}, 1), b(models::MlpConfig{}, 2);
  REQUIRE(a.params().values() != b.params().values());
  const auto bytes = sample_file(a);
  WeightsFile f = decode_weights(bytes.data(), bytes.size());
  CHECK(f.kind == "mlp");
  CHECK(models::MlpConfig::from_text(f.config).hidden == a.config().hidden);
  assign_weights(b.params(), f, "mlp");
  CHECK(a.params().values() == b.params().values());
  std::stringstream s;
  write_weights(s, a.params(), "mlp", a.config().to_text());
  CHECK(read_weights(s).tensors.size() == static_cast<size_t>(a.params().size()));
}

TEST_CASE("a truncated file is refused at every length", "[weights]") {
  models::Mlp a(models::MlpConfig{}, 1);
  const auto bytes = sample_file(a);
  for (size_t n = 0; n < bytes.size(); ++n) {
    INFO("length " << n);
    REQUIRE_THROWS_AS(decode_weights(bytes.data(), n), nn::Error);
  }
}

TEST_CASE("an altered byte anywhere is refused", "[weights]") {
  models::Mlp a(models::MlpConfig{}, 1);
  const auto bytes = sample_file(a);
  for (size_t i = 0; i < bytes.size(); i += 7) {
    auto bad = bytes;
    bad[i] ^= 0x10;
    INFO("byte " << i);
    REQUIRE_THROWS_AS(decode_weights(bad.data(), bad.size()), nn::Error);
  }
  auto bad = bytes;
  bad[bytes.size() / 2] ^= 1;
  REQUIRE_THROWS_WITH(decode_weights(bad.data(), bad.size()), Contains("checksum mismatch"));
  REQUIRE_THROWS_WITH(decode_weights(reinterpret_cast<const uint8_t*>("GIF89a-not-weights"), 18),
                      Contains("bad magic number"));
}

TEST_CASE("weights for another model or shape are refused", "[weights]") {
  models::Mlp a(models::MlpConfig{}, 1);
  models::MlpConfig wide;
  wide.hidden = 64;
  models::Mlp b(wide, 1);
  const auto bytes = sample_file(a);
  const auto f = decode_weights(bytes.data(), bytes.size());
  REQUIRE_THROWS_WITH(assign_weights(b.params(), f, "mlp"), Contains("has shape (2, 32), the model expects (2, 64)"));
  REQUIRE_THROWS_WITH(assign_weights(a.params(), f, "vit"), Contains("holds a 'mlp' model, expected 'vit'"));
}

TEST_CASE("crc32 matches the standard check value", "[weights]") {
  const char* s = "123456789";
  CHECK(crc32(reinterpret_cast<const uint8_t*>(s), 9) == 0xCBF43926u);
}
