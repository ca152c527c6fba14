// Fashion-MNIST from disk for the native CLI: gzip'd IDX files (zlib) into the core's stream-based
// IDX reader. Debian's dataset-fashion-mnist package installs them in kFashionMnistDir.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/idx.h"
#include "data/vit_data.h"

namespace cli {

inline const char* kFashionMnistDir = "/usr/share/datasets/fashion-mnist";

/// Reads a gzip'd (or plain) IDX image file; nn::Error names the path and what is wrong.
data::IdxImages load_idx_images_gz(const std::string& path);
/// Reads a gzip'd (or plain) IDX label file.
std::vector<uint8_t> load_idx_labels_gz(const std::string& path);

/// The "train" (60,000) or "t10k" (10,000) split of Fashion-MNIST from `dir`.
data::LabeledImages load_fashion_mnist(const std::string& dir, const std::string& split);

}  // namespace cli
