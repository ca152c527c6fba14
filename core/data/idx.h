// The IDX file format of MNIST and Fashion-MNIST (LeCun et al.; Xiao, Rasul & Vollgraf 2017),
// read from a stream. The core does no file I/O: the native CLI opens (and un-gzips) the files
// (core/cli/fashion_mnist.h); the browser never reads IDX files at all.
//
//   u8 0, u8 0, u8 type (0x08 = unsigned byte), u8 ndims      magic: 2051 images, 2049 labels
//   u32 dims[ndims], big-endian                               images: count, rows, cols; labels: count
//   count * rows * cols bytes (images, row-major) or count bytes (labels); nothing after them
//
// A wrong magic number, a zero or implausible dimension, a truncated body or trailing bytes are
// refused with an nn::Error that says what was found and what was expected.
#pragma once
#include <cstdint>
#include <iosfwd>
#include <vector>

namespace data {

struct IdxImages {
  int count = 0, rows = 0, cols = 0;
  std::vector<uint8_t> pixels;  // (count, rows, cols)
};

/// Reads an IDX3 unsigned-byte image file (magic 2051).
IdxImages read_idx_images(std::istream& in);
/// Reads an IDX1 unsigned-byte label file (magic 2049).
std::vector<uint8_t> read_idx_labels(std::istream& in);

}  // namespace data
