// libFuzzer target: the IDX image and label readers (core/data/idx.h) on arbitrary bytes. Each
// either refuses them with an nn::Error or returns exactly what the header promises; anything else
// (a crash, a sanitizer report, another exception, an allocation the input cannot back) is a bug.
#include <cstdint>
#include <sstream>
#include <string>

#include "data/idx.h"
#include "nn/check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    std::istringstream in(bytes);
    const data::IdxImages images = data::read_idx_images(in);
    NN_ASSERT(images.count >= 1 && images.rows >= 1 && images.cols >= 1);
    NN_ASSERT(images.pixels.size() == static_cast<size_t>(images.count) * images.rows * images.cols);
    NN_ASSERT(images.pixels.size() + 16 == size);  // the header and the pixels, nothing else
  } catch (const nn::Error&) {
  }
  try {
    std::istringstream in(bytes);
    const std::vector<uint8_t> labels = data::read_idx_labels(in);
    NN_ASSERT(!labels.empty() && labels.size() + 8 == size);
  } catch (const nn::Error&) {
  }
  return 0;
}
