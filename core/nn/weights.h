// Weights files: a small versioned header, the tensors, and a CRC-32 over everything before it.
//
//   "NRAI"  u32 version  u32 len + model kind  u32 len + config ("key=value;...")
//   u32 tensor count, then per tensor: u32 len + name, u32 rank, u32 dims[rank]
//   float32 data of every tensor in order (little-endian)
//   u32 CRC-32 (IEEE 802.3) of all preceding bytes
//
// A truncated, altered or mismatched file is refused with an nn::Error that says what is wrong.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <string>
#include <vector>

#include "params.h"

namespace nn {

constexpr uint32_t kWeightsFormatVersion = 1;

struct WeightsFile {
  struct Tensor {
    std::string name;
    Shape shape;
    std::vector<float> data;
  };
  std::string kind;    // model kind, e.g. "mlp"
  std::string config;  // the model's config as "key=value;..." text
  std::vector<Tensor> tensors;
};

/// Serializes every tensor of `params` with the model kind and its config text.
std::vector<uint8_t> encode_weights(const Params& params, const std::string& kind, const std::string& config);
/// Parses and verifies a weights file held in memory.
WeightsFile decode_weights(const uint8_t* bytes, size_t size);
/// The same, refusing a file of another model kind than `expected_kind` (before its config is read).
WeightsFile decode_weights(const uint8_t* bytes, size_t size, const std::string& expected_kind);
/// Copies the file's tensors into `params`; names, shapes and kind must match exactly.
void assign_weights(Params& params, const WeightsFile& file, const std::string& expected_kind);

void write_weights(std::ostream& out, const Params& params, const std::string& kind, const std::string& config);
WeightsFile read_weights(std::istream& in);

uint32_t crc32(const uint8_t* data, size_t size);

}  // namespace nn
