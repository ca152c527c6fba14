#include "idx.h"

#include <algorithm>
#include <istream>

#include "nn/check.h"

namespace data {

namespace {

constexpr uint32_t kImagesMagic = 2051;          // 0x00000803: unsigned bytes, 3 dimensions
constexpr uint32_t kLabelsMagic = 2049;          // 0x00000801: unsigned bytes, 1 dimension
constexpr int64_t kMaxBytes = int64_t{1} << 31;  // refuse headers that promise more than 2 GiB

uint32_t read_be32(std::istream& in, const char* what, const char* field) {
  unsigned char b[4];
  in.read(reinterpret_cast<char*>(b), 4);
  nn::require(in.gcount() == 4, what, ": truncated header: the file ends inside ", field);
  return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | uint32_t{b[3]};
}

void check_magic(uint32_t magic, uint32_t expected, const char* what) {
  if (magic == expected) return;
  if ((magic >> 16) == 0x1f8b) nn::fail(what, ": the data is gzip-compressed (magic 0x1f8b); decompress it first");
  if (magic == kImagesMagic || magic == kLabelsMagic)
    nn::fail(what, ": magic number ", magic, " is an IDX ", magic == kImagesMagic ? "image" : "label",
             " file, expected ", expected);
  nn::fail(what, ": bad magic number ", magic, " (0x", std::hex, magic, std::dec, "), expected ", expected,
           " (an IDX file of unsigned bytes)");
}

int dimension(uint32_t value, uint32_t max, const char* what, const char* name) {
  nn::require(value >= 1 && value <= max, what, ": ", name, " is ", value, ", expected 1 to ", max);
  return static_cast<int>(value);
}

// Reads exactly `size` bytes in chunks (a lying header cannot make us allocate more than the
// stream holds), then requires the end of the stream.
std::vector<uint8_t> read_body(std::istream& in, int64_t size, const char* what) {
  std::vector<uint8_t> out;
  constexpr int64_t kChunk = int64_t{1} << 20;
  while (static_cast<int64_t>(out.size()) < size) {
    const int64_t want = std::min(kChunk, size - static_cast<int64_t>(out.size()));
    const size_t at = out.size();
    out.resize(at + static_cast<size_t>(want));
    in.read(reinterpret_cast<char*>(out.data() + at), want);
    const int64_t got = in.gcount();
    nn::require(got == want, what, ": truncated: expected ", size, " bytes of data after the header, got ",
                static_cast<int64_t>(at) + got);
  }
  nn::require(in.peek() == std::char_traits<char>::eof(), what, ": unexpected bytes after the ", size,
              " bytes of data (a corrupt or concatenated file?)");
  return out;
}

}  // namespace

IdxImages read_idx_images(std::istream& in) {
  const char* what = "IDX images";
  check_magic(read_be32(in, what, "the magic number"), kImagesMagic, what);
  IdxImages images;
  images.count = dimension(read_be32(in, what, "the image count"), 10000000, what, "the image count");
  images.rows = dimension(read_be32(in, what, "the row count"), 4096, what, "the row count");
  images.cols = dimension(read_be32(in, what, "the column count"), 4096, what, "the column count");
  const int64_t size = int64_t{images.count} * images.rows * images.cols;
  nn::require(size <= kMaxBytes, what, ": ", images.count, " images of ", images.rows, "x", images.cols,
              " exceed the 2 GiB limit");
  images.pixels = read_body(in, size, what);
  return images;
}

std::vector<uint8_t> read_idx_labels(std::istream& in) {
  const char* what = "IDX labels";
  check_magic(read_be32(in, what, "the magic number"), kLabelsMagic, what);
  const int count = dimension(read_be32(in, what, "the label count"), 10000000, what, "the label count");
  return read_body(in, count, what);
}

}  // namespace data
