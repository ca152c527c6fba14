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

/// A well-formed file of one tensor `dims` followed by `data_bytes` zero bytes, with a valid CRC.
std::vector<uint8_t> one_tensor_file(const std::vector<uint32_t>& dims, size_t data_bytes) {
  std::vector<uint8_t> out{'N', 'R', 'A', 'I'};
  const auto u32 = [&](uint32_t v) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
  };
  const auto str = [&](const std::string& s) {
    u32(static_cast<uint32_t>(s.size()));
    out.insert(out.end(), s.begin(), s.end());
  };
  u32(kWeightsFormatVersion);
  str("mlp");
  str("");
  u32(1);
  str("w");
  u32(static_cast<uint32_t>(dims.size()));
  for (uint32_t d : dims) u32(d);
  out.resize(out.size() + data_bytes);
  u32(crc32(out.data(), out.size()));
  return out;
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

TEST_CASE("a tensor whose element count overflows is refused before anything is read", "[weights]") {
  // 2^16 in each of 4 dimensions is 2^64 elements: the count wrapped to 0 in 64 bits, so the file
  // decoded with no data for a tensor that claims 2^64 elements.
  const auto wrap64 = one_tensor_file({65536, 65536, 65536, 65536}, 0);
  REQUIRE_THROWS_WITH(decode_weights(wrap64.data(), wrap64.size()),
                      Contains("tensor 'w': expected at most 268435456 elements, got 65536 x 65536 x 65536 x 65536"));
  // 65536 x 65537 floats is 2^34 + 2^18 bytes: a 32-bit size_t (wasm32) wrapped it to 2^18.
  const auto wrap32 = one_tensor_file({65536, 65537}, 1 << 18);
  REQUIRE_THROWS_WITH(decode_weights(wrap32.data(), wrap32.size()),
                      Contains("tensor 'w': expected at most 268435456 elements, got 65536 x 65537"));
  // Found by tests/fuzz/fuzz_weights: an empty tensor whose other sizes overflow (Shape::numel
  // multiplies left to right, so it overflowed before the 0; UBSan reported it).
  const auto empty_overflow = one_tensor_file({1u << 24, 1u << 24, 1u << 25, 0}, 0);
  REQUIRE_THROWS_WITH(decode_weights(empty_overflow.data(), empty_overflow.size()),
                      Contains("tensor 'w': expected at most 268435456 elements in the non-zero sizes"));
  // Within the limit: an empty tensor and a small one still decode.
  const auto empty = one_tensor_file({0, 65536}, 0);
  CHECK(decode_weights(empty.data(), empty.size()).tensors.at(0).data.empty());
  const auto small = one_tensor_file({2, 3}, 24);
  CHECK(decode_weights(small.data(), small.size()).tensors.at(0).data.size() == 6);
}

TEST_CASE("a file with no data round-trips: no tensors, or only empty ones", "[weights]") {
  // Found by tests/fuzz/fuzz_weights: with no data the encoder and decoder passed memcpy a null
  // pointer (undefined behaviour, which UBSan in the asan build reports).
  Params none;
  const auto bytes = encode_weights(none, "mlp", "");
  CHECK(decode_weights(bytes.data(), bytes.size()).tensors.empty());
  Params empty;
  empty.add("e", Shape{0, 3});
  const auto file = encode_weights(empty, "mlp", "");
  const WeightsFile f = decode_weights(file.data(), file.size());
  REQUIRE(f.tensors.size() == 1);
  CHECK(f.tensors[0].shape == Shape{0, 3});
  CHECK(f.tensors[0].data.empty());
}

TEST_CASE("a tensor count the file cannot hold is refused before tensors are made for it", "[weights]") {
  // Found by tests/fuzz/fuzz_weights: a 29-byte file declaring 60000 tensors made 60000 empty
  // tensors (megabytes) before it ran out of bytes. Each tensor takes at least 8 bytes.
  std::vector<uint8_t> bytes{'N', 'R', 'A', 'I', 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x60, 0xea, 0, 0, 0, 0, 0, 0, 0};
  const uint32_t crc = crc32(bytes.data(), bytes.size());
  for (int i = 0; i < 4; ++i) bytes.push_back(static_cast<uint8_t>(crc >> (8 * i)));
  REQUIRE_THROWS_WITH(decode_weights(bytes.data(), bytes.size()), Contains("tensor count 60000 is implausible"));
}
