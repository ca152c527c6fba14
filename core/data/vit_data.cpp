#include "vit_data.h"

#include <cstring>

#include "nn/check.h"
#include "nn/weights.h"

namespace data {

void validate(const LabeledImages& set, int classes, const char* what) {
  nn::require(set.count >= 0 && set.rows > 0 && set.cols > 0, what, ": expected positive image sides, got ", set.rows,
              "x", set.cols);
  nn::require(set.pixels.size() == static_cast<size_t>(set.count) * set.image_size(), what, ": expected ",
              static_cast<size_t>(set.count) * set.image_size(), " pixels for ", set.count, " images of ", set.rows,
              "x", set.cols, ", got ", set.pixels.size());
  nn::require(set.labels.size() == static_cast<size_t>(set.count), what, ": expected ", set.count, " labels, got ",
              set.labels.size());
  for (int i = 0; i < set.count; ++i)
    nn::require(set.labels[static_cast<size_t>(i)] < classes, what, ": label ", i, " is ",
                int{set.labels[static_cast<size_t>(i)]}, ", expected a class in [0, ", classes - 1, "]");
}

LabeledImages make_labeled(IdxImages images, std::vector<uint8_t> labels, int classes, const char* what) {
  nn::require(static_cast<size_t>(images.count) == labels.size(), what, ": ", images.count, " images but ",
              labels.size(), " labels");
  LabeledImages set{images.count, images.rows, images.cols, std::move(images.pixels), std::move(labels)};
  validate(set, classes, what);
  return set;
}

LabeledImages balanced_subset(const LabeledImages& all, int per_class, int classes) {
  nn::require_int_range(per_class, 1, 1 << 20, "balanced_subset: per_class");
  std::vector<int> taken(static_cast<size_t>(classes), 0);
  LabeledImages out{0, all.rows, all.cols, {}, {}};
  const size_t size = static_cast<size_t>(all.image_size());
  for (int i = 0; i < all.count && out.count < per_class * classes; ++i) {
    const int c = all.labels[static_cast<size_t>(i)];
    if (c >= classes || taken[static_cast<size_t>(c)] >= per_class) continue;
    ++taken[static_cast<size_t>(c)];
    out.labels.push_back(static_cast<uint8_t>(c));
    out.pixels.insert(out.pixels.end(), all.pixels.begin() + static_cast<std::ptrdiff_t>(i * size),
                      all.pixels.begin() + static_cast<std::ptrdiff_t>((i + 1) * size));
    ++out.count;
  }
  for (int c = 0; c < classes; ++c)
    nn::require(taken[static_cast<size_t>(c)] == per_class, "balanced_subset: class ", c, " has only ",
                taken[static_cast<size_t>(c)], " images, expected ", per_class);
  return out;
}

LabeledImages slice(const LabeledImages& all, int start, int count) {
  nn::require(start >= 0 && count >= 0 && start + count <= all.count, "slice: images [", start, ", ", start + count,
              ") are outside a set of ", all.count);
  const size_t size = static_cast<size_t>(all.image_size());
  LabeledImages out{count, all.rows, all.cols, {}, {}};
  out.pixels.assign(all.pixels.begin() + static_cast<std::ptrdiff_t>(start * size),
                    all.pixels.begin() + static_cast<std::ptrdiff_t>((start + count) * size));
  out.labels.assign(all.labels.begin() + start, all.labels.begin() + start + count);
  return out;
}

// ---------------------------------------------------------------- subset file

namespace {

constexpr char kMagic[4] = {'F', 'M', 'N', 'S'};
constexpr uint32_t kVersion = 1;

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}

uint32_t get_u32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

}  // namespace

std::vector<uint8_t> encode_fashion_subset(const FashionSubset& s) {
  validate(s.train, 256, "encode_fashion_subset: train");
  validate(s.test, 256, "encode_fashion_subset: test");
  nn::require(s.train.rows == s.test.rows && s.train.cols == s.test.cols,
              "encode_fashion_subset: train and test images differ in size");
  std::vector<uint8_t> out(kMagic, kMagic + 4);
  put_u32(out, kVersion);
  put_u32(out, static_cast<uint32_t>(s.train.rows));
  put_u32(out, static_cast<uint32_t>(s.train.cols));
  put_u32(out, static_cast<uint32_t>(s.train.count));
  put_u32(out, static_cast<uint32_t>(s.test.count));
  out.insert(out.end(), s.train.labels.begin(), s.train.labels.end());
  out.insert(out.end(), s.test.labels.begin(), s.test.labels.end());
  out.insert(out.end(), s.train.pixels.begin(), s.train.pixels.end());
  out.insert(out.end(), s.test.pixels.begin(), s.test.pixels.end());
  put_u32(out, nn::crc32(out.data(), out.size()));
  return out;
}

FashionSubsetFiles split_fashion_subset(const FashionSubset& s) {
  const LabeledImages none{0, s.train.rows, s.train.cols, {}, {}};
  return {encode_fashion_subset({s.train, none}), encode_fashion_subset({none, s.test})};
}

FashionSubset decode_fashion_subset(const uint8_t* bytes, size_t size) {
  const char* what = "fashion subset";
  constexpr size_t kHeader = 24;
  nn::require(bytes != nullptr || size == 0, what, ": no data");
  if (size >= 2 && bytes[0] == 0x1f && bytes[1] == 0x8b)
    nn::fail(what, ": the data is gzip-compressed; decompress it first");
  nn::require(size >= kHeader + 4, what, ": truncated: ", size, " bytes is shorter than the header");
  nn::require(std::memcmp(bytes, kMagic, 4) == 0, what, ": bad magic (expected \"FMNS\")");
  const uint32_t version = get_u32(bytes + 4);
  nn::require(version == kVersion, what, ": format version ", version, ", expected ", kVersion);
  const uint32_t rows = get_u32(bytes + 8), cols = get_u32(bytes + 12);
  const uint32_t n_train = get_u32(bytes + 16), n_test = get_u32(bytes + 20);
  nn::require(rows >= 1 && rows <= 4096 && cols >= 1 && cols <= 4096, what, ": image size ", rows, "x", cols,
              " is outside 1..4096");
  nn::require(n_train <= 1000000 && n_test <= 1000000, what, ": implausible image counts ", n_train, " and ", n_test);
  const uint64_t image = uint64_t{rows} * cols;
  const uint64_t expected = kHeader + n_train + n_test + (uint64_t{n_train} + n_test) * image + 4;
  nn::require(size == expected, what, ": ", size < expected ? "truncated" : "trailing bytes", ": expected ", expected,
              " bytes for ", n_train, " + ", n_test, " images of ", rows, "x", cols, ", got ", size);
  const uint32_t stored = get_u32(bytes + size - 4);
  nn::require(stored == nn::crc32(bytes, size - 4), what, ": checksum mismatch (the file is corrupt)");
  FashionSubset s;
  const uint8_t* p = bytes + kHeader;
  auto take_labels = [&](LabeledImages& set, uint32_t n) {
    set.count = static_cast<int>(n);
    set.rows = static_cast<int>(rows);
    set.cols = static_cast<int>(cols);
    set.labels.assign(p, p + n);
    p += n;
  };
  auto take_pixels = [&](LabeledImages& set) {
    const size_t bytes_n = static_cast<size_t>(set.count) * image;
    set.pixels.assign(p, p + bytes_n);
    p += bytes_n;
  };
  take_labels(s.train, n_train);
  take_labels(s.test, n_test);
  take_pixels(s.train);
  take_pixels(s.test);
  return s;
}

// ---------------------------------------------------------------- minibatches

void fill_batch(const LabeledImages& set, const int* indices, int n, const Augment& augment, nn::Rng* rng, float* x,
                int* y) {
  const int R = set.rows, C = set.cols;
  constexpr float kScale = 1.0f / 255.0f;
  for (int b = 0; b < n; ++b) {
    const int j = indices[b];
    NN_ASSERT(j >= 0 && j < set.count);
    const uint8_t* src = set.pixels.data() + static_cast<size_t>(j) * set.image_size();
    float* dst = x + static_cast<size_t>(b) * set.image_size();
    y[b] = set.labels[static_cast<size_t>(j)];
    int dx = 0, dy = 0;
    bool flip = false;
    if (rng != nullptr) {
      const uint32_t span = static_cast<uint32_t>(2 * augment.shift + 1);
      dx = static_cast<int>(rng->below(span)) - augment.shift;
      dy = static_cast<int>(rng->below(span)) - augment.shift;
      flip = augment.flip && rng->below(2) == 1;
    }
    // dst(r, c) = src(r + dy, c' + dx) with c' = c, or C-1-c when mirrored; zero outside.
    for (int r = 0; r < R; ++r) {
      const int sr = r + dy;
      for (int c = 0; c < C; ++c) {
        const int sc = (flip ? C - 1 - c : c) + dx;
        dst[r * C + c] = (sr >= 0 && sr < R && sc >= 0 && sc < C) ? kScale * src[sr * C + sc] : 0.0f;
      }
    }
  }
}

}  // namespace data
