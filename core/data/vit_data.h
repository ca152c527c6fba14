// Labelled image sets for the attention case study (Fashion-MNIST): a container, balanced subsets,
// the page's subset file (below) and minibatches with light augmentation.
//
// The subset file ("fashion subset", written by `neuroai export fashion-subset`, read by the wasm
// module's decodeFashionSubset and by any page that wants the images), all integers little-endian:
//
//   "FMNS"  u32 version (1)  u32 rows  u32 cols  u32 train_count  u32 test_count
//   u8 train_labels[train_count]  u8 test_labels[test_count]
//   u8 train_pixels[train_count][rows][cols]  u8 test_pixels[test_count][rows][cols]
//   u32 CRC-32 (IEEE, as in weights files) of every preceding byte
//
// Pixels are Fashion-MNIST's own bytes (0 = background, 255 = ink); labels are its class indices
// 0..9 (kFashionClasses). assets/vit/fashion-subset.bin is such a file.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "idx.h"
#include "nn/rng.h"

namespace data {

/// Fashion-MNIST's ten classes, by label.
inline const char* const kFashionClasses[10] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                                "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

struct LabeledImages {
  int count = 0, rows = 0, cols = 0;
  std::vector<uint8_t> pixels;  // (count, rows, cols)
  std::vector<uint8_t> labels;  // (count)
  int image_size() const { return rows * cols; }
};

/// Pairs images with labels; refuses count mismatches and labels >= classes. `what` names the set.
LabeledImages make_labeled(IdxImages images, std::vector<uint8_t> labels, int classes, const char* what);
/// Checks sizes and that every label is in [0, classes); `what` names the set in the message.
void validate(const LabeledImages& set, int classes, const char* what);

/// The first `per_class` images of each class, in file order (deterministic, class-balanced).
LabeledImages balanced_subset(const LabeledImages& all, int per_class, int classes);
/// Images [start, start + count) as a new set.
LabeledImages slice(const LabeledImages& all, int start, int count);

struct FashionSubset {
  LabeledImages train, test;
};
std::vector<uint8_t> encode_fashion_subset(const FashionSubset& subset);
/// Parses and verifies a subset file; a truncated or altered file is refused.
FashionSubset decode_fashion_subset(const uint8_t* bytes, size_t size);
/// A subset's two splits as subset files of their own (the other split empty), so that a page
/// can fetch the held-out images it shows at once and the training images only when it trains.
struct FashionSubsetFiles {
  std::vector<uint8_t> train, test;
};
FashionSubsetFiles split_fashion_subset(const FashionSubset& subset);

/// Training-time augmentation: a random translation of up to `shift` pixels in x and y (zero
/// fill, the background) and, with flip, a mirror image half of the time.
struct Augment {
  int shift = 0;
  bool flip = false;
};

/// Writes images indices[0..n) as floats in [0, 1] into x (n, 1, rows, cols) and their labels into
/// y (n). With rng == nullptr the images are copied unchanged.
void fill_batch(const LabeledImages& set, const int* indices, int n, const Augment& augment, nn::Rng* rng, float* x,
                int* y);

}  // namespace data
