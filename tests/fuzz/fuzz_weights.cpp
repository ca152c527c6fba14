// libFuzzer target: the weights-file decoder (core/nn/weights.h) on arbitrary bytes. It either
// refuses them with an nn::Error or returns tensors that hold exactly their shapes' elements and
// encode back to the same bytes; anything else (a crash, a sanitizer report, another exception) is
// a bug. Each input is also tried with its last 4 bytes replaced by the right CRC-32, so that
// mutations get past the checksum and reach a successful decode.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <vector>

#include "nn/check.h"
#include "nn/weights.h"

namespace {

void check(const uint8_t* data, size_t size) {
  nn::WeightsFile f;
  try {
    f = nn::decode_weights(data, size);
  } catch (const nn::Error&) {
    return;
  }
  nn::Params params;
  for (const auto& t : f.tensors) {
    NN_ASSERT(t.shape.rank <= nn::Shape::kMaxRank);
    NN_ASSERT(static_cast<int64_t>(t.data.size()) == t.shape.numel());
    if (t.name.empty() || params.find(t.name) >= 0) return;  // decodes, but no model could hold it
    std::copy(t.data.begin(), t.data.end(), params.value(params.add(t.name, t.shape)));
  }
  const std::vector<uint8_t> again = nn::encode_weights(params, f.kind, f.config);
  NN_ASSERT(again.size() == size && std::memcmp(again.data(), data, size) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  check(data, size);
  if (size >= 4) {
    std::vector<uint8_t> fixed(data, data + size);
    const uint32_t crc = nn::crc32(fixed.data(), size - 4);
    for (int i = 0; i < 4; ++i) fixed[size - 4 + i] = static_cast<uint8_t>(crc >> (8 * i));
    check(fixed.data(), size);
  }
  return 0;
}
