// Fashion-MNIST data for the attention case study: the IDX reader on small fixtures and on corrupt
// input, labelled sets, balanced subsets, the page's subset file, and augmented minibatches.
#include <catch2/catch.hpp>
#include <sstream>

#include "data/idx.h"
#include "data/vit_data.h"
#include "eval/vit_baselines.h"
#include "nn/check.h"

using Catch::Matchers::Contains;

namespace {

void put_be32(std::string& s, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) s.push_back(static_cast<char>((v >> shift) & 0xff));
}

/// An IDX3 file of `count` images of rows x cols with pixel value (i * 7 + k) % 256.
std::string idx_images(uint32_t count, uint32_t rows, uint32_t cols, uint32_t magic = 2051) {
  std::string s;
  put_be32(s, magic);
  put_be32(s, count);
  put_be32(s, rows);
  put_be32(s, cols);
  for (uint32_t k = 0; k < count * rows * cols; ++k) s.push_back(static_cast<char>((k * 7) % 256));
  return s;
}

std::string idx_labels(const std::vector<uint8_t>& labels, uint32_t magic = 2049) {
  std::string s;
  put_be32(s, magic);
  put_be32(s, static_cast<uint32_t>(labels.size()));
  s.append(labels.begin(), labels.end());
  return s;
}

data::IdxImages images_from(const std::string& bytes) {
  std::istringstream in(bytes);
  return data::read_idx_images(in);
}

std::vector<uint8_t> labels_from(const std::string& bytes) {
  std::istringstream in(bytes);
  return data::read_idx_labels(in);
}

data::LabeledImages sample_set(int count, int classes) {
  data::LabeledImages s{count, 4, 3, std::vector<uint8_t>(static_cast<size_t>(count) * 12), {}};
  for (int i = 0; i < count; ++i) {
    s.labels.push_back(static_cast<uint8_t>((i * 3) % classes));
    for (int k = 0; k < 12; ++k) s.pixels[static_cast<size_t>(i * 12 + k)] = static_cast<uint8_t>(i * 12 + k);
  }
  return s;
}

}  // namespace

TEST_CASE("IDX images and labels from small fixtures", "[vit_data]") {
  const data::IdxImages im = images_from(idx_images(3, 2, 4));
  CHECK(im.count == 3);
  CHECK(im.rows == 2);
  CHECK(im.cols == 4);
  REQUIRE(im.pixels.size() == 24);
  for (size_t k = 0; k < 24; ++k) CHECK(im.pixels[k] == (k * 7) % 256);
  CHECK(labels_from(idx_labels({9, 0, 3})) == std::vector<uint8_t>{9, 0, 3});
}

TEST_CASE("corrupt IDX input is refused with a clear error", "[vit_data]") {
  REQUIRE_THROWS_WITH(images_from(idx_images(1, 2, 2, 2049)),
                      Contains("IDX images: magic number 2049 is an IDX label file, expected 2051"));
  REQUIRE_THROWS_WITH(labels_from(idx_labels({1}, 2051)),
                      Contains("IDX labels: magic number 2051 is an IDX image file, expected 2049"));
  REQUIRE_THROWS_WITH(images_from(idx_images(1, 2, 2, 0x12345678)), Contains("bad magic number 305419896"));
  REQUIRE_THROWS_WITH(images_from(std::string("\x1f\x8b\x08\x00 more bytes", 15)), Contains("gzip-compressed"));
  REQUIRE_THROWS_WITH(images_from(idx_images(0, 2, 2)), Contains("the image count is 0, expected 1 to"));
  REQUIRE_THROWS_WITH(images_from(idx_images(1, 5000, 2)), Contains("the row count is 5000, expected 1 to 4096"));
  REQUIRE_THROWS_WITH(images_from(idx_images(2, 2, 2) + "x"), Contains("unexpected bytes after the 8 bytes of data"));
  REQUIRE_THROWS_WITH(images_from(""), Contains("truncated header"));
  SECTION("an image file truncated at every length") {
    const std::string whole = idx_images(2, 3, 3);
    for (size_t n = 0; n < whole.size(); ++n) {
      INFO("length " << n);
      REQUIRE_THROWS_AS(images_from(whole.substr(0, n)), nn::Error);
    }
    REQUIRE_THROWS_WITH(images_from(whole.substr(0, whole.size() - 1)),
                        Contains("truncated: expected 18 bytes of data after the header, got 17"));
  }
  SECTION("a label file truncated at every length") {
    const std::string whole = idx_labels({1, 2, 3, 4});
    for (size_t n = 0; n < whole.size(); ++n) {
      INFO("length " << n);
      REQUIRE_THROWS_AS(labels_from(whole.substr(0, n)), nn::Error);
    }
  }
  SECTION("a header that promises more than the data holds does not allocate it") {
    REQUIRE_THROWS_WITH(images_from(idx_images(1000, 28, 28).substr(0, 16) + std::string(100, '\0')),
                        Contains("truncated"));
    std::string huge;
    put_be32(huge, 2051);
    put_be32(huge, 10000000);
    put_be32(huge, 4096);
    put_be32(huge, 4096);
    REQUIRE_THROWS_WITH(images_from(huge), Contains("exceed the 2 GiB limit"));
  }
}

TEST_CASE("labelled sets: counts and label ranges are checked", "[vit_data]") {
  data::IdxImages im = images_from(idx_images(3, 2, 2));
  REQUIRE_THROWS_WITH(data::make_labeled(im, {1, 2}, 10, "train"), Contains("train: 3 images but 2 labels"));
  REQUIRE_THROWS_WITH(data::make_labeled(im, {1, 2, 10}, 10, "train"),
                      Contains("train: label 2 is 10, expected a class in [0, 9]"));
  const data::LabeledImages ok = data::make_labeled(im, {1, 2, 9}, 10, "train");
  CHECK(ok.count == 3);
  CHECK(ok.image_size() == 4);
}

TEST_CASE("balanced subsets keep file order and slices copy", "[vit_data]") {
  const data::LabeledImages all = sample_set(30, 5);  // labels 0, 3, 1, 4, 2, 0, ...
  const data::LabeledImages sub = data::balanced_subset(all, 2, 5);
  REQUIRE(sub.count == 10);
  std::vector<int> per_class(5, 0);
  for (uint8_t l : sub.labels) ++per_class[l];
  CHECK(per_class == std::vector<int>(5, 2));
  CHECK(sub.pixels[0] == all.pixels[0]);  // the first image of the file comes first
  CHECK(sub.pixels[12] == all.pixels[12]);
  REQUIRE_THROWS_WITH(data::balanced_subset(all, 7, 5), Contains("class 0 has only 6 images, expected 7"));
  const data::LabeledImages s = data::slice(all, 28, 2);
  CHECK(s.count == 2);
  CHECK(s.labels[0] == all.labels[28]);
  CHECK(s.pixels[0] == all.pixels[28 * 12]);
  REQUIRE_THROWS_WITH(data::slice(all, 29, 2), Contains("images [29, 31) are outside a set of 30"));
}

TEST_CASE("the subset file round-trips and refuses corrupt input", "[vit_data]") {
  data::FashionSubset s{sample_set(7, 10), sample_set(3, 10)};
  const std::vector<uint8_t> bytes = data::encode_fashion_subset(s);
  CHECK(bytes.size() == 24 + 10 + 10 * 12 + 4);
  const data::FashionSubset back = data::decode_fashion_subset(bytes.data(), bytes.size());
  CHECK(back.train.pixels == s.train.pixels);
  CHECK(back.train.labels == s.train.labels);
  CHECK(back.test.pixels == s.test.pixels);
  CHECK(back.test.labels == s.test.labels);
  CHECK((back.test.rows == 4 && back.test.cols == 3 && back.test.count == 3));
  for (size_t n = 0; n < bytes.size(); ++n) {
    INFO("length " << n);
    REQUIRE_THROWS_AS(data::decode_fashion_subset(bytes.data(), n), nn::Error);
  }
  for (size_t at : {size_t{0}, size_t{5}, size_t{30}, bytes.size() - 1}) {
    std::vector<uint8_t> altered = bytes;
    altered[at] ^= 0x40;
    INFO("byte " << at);
    REQUIRE_THROWS_AS(data::decode_fashion_subset(altered.data(), altered.size()), nn::Error);
  }
  std::vector<uint8_t> flipped = bytes;
  flipped[40] ^= 1;  // a pixel: only the checksum notices
  REQUIRE_THROWS_WITH(data::decode_fashion_subset(flipped.data(), flipped.size()), Contains("checksum mismatch"));
  const uint8_t gz[30] = {0x1f, 0x8b};
  REQUIRE_THROWS_WITH(data::decode_fashion_subset(gz, 30), Contains("gzip-compressed"));
}

TEST_CASE("a subset splits into two subset files, each with one split", "[vit_data]") {
  const data::FashionSubset s{sample_set(7, 10), sample_set(3, 10)};
  const data::FashionSubsetFiles files = data::split_fashion_subset(s);
  const data::FashionSubset train = data::decode_fashion_subset(files.train.data(), files.train.size());
  const data::FashionSubset test = data::decode_fashion_subset(files.test.data(), files.test.size());
  CHECK((train.train.count == 7 && train.test.count == 0 && test.train.count == 0 && test.test.count == 3));
  CHECK((train.train.pixels == s.train.pixels && train.train.labels == s.train.labels));
  CHECK((test.test.pixels == s.test.pixels && test.test.labels == s.test.labels));
  CHECK((test.test.rows == 4 && test.test.cols == 3 && train.test.rows == 4));
  // Together they hold the whole file's bytes, and one more header and checksum.
  CHECK(files.train.size() + files.test.size() == data::encode_fashion_subset(s).size() + 28);
}

TEST_CASE("minibatches: plain copies, shifts and mirror images", "[vit_data]") {
  const data::LabeledImages set = sample_set(4, 10);  // 4 x 3 images
  const int idx[2] = {2, 0};
  std::vector<float> x(24);
  int y[2];
  data::fill_batch(set, idx, 2, {}, nullptr, x.data(), y);
  CHECK(y[0] == set.labels[2]);
  CHECK(y[1] == set.labels[0]);
  for (int k = 0; k < 12; ++k) {
    CHECK(x[static_cast<size_t>(k)] == Approx(set.pixels[static_cast<size_t>(24 + k)] / 255.0f));
    CHECK(x[static_cast<size_t>(12 + k)] == Approx(set.pixels[static_cast<size_t>(k)] / 255.0f));
  }
  // With augmentation every output pixel is either 0 (shifted in) or a pixel of the source row
  // r + dy at column c + dx (mirrored or not); over many draws both mirror states and all shifts
  // occur.
  nn::Rng rng(4);
  bool saw_flip = false, saw_plain = false, saw_shift = false;
  for (int trial = 0; trial < 200; ++trial) {
    const int one[1] = {1};
    data::fill_batch(set, one, 1, {1, true}, &rng, x.data(), y);
    bool matched = false;
    for (int flip = 0; flip < 2 && !matched; ++flip)
      for (int dy = -1; dy <= 1 && !matched; ++dy)
        for (int dx = -1; dx <= 1 && !matched; ++dx) {
          bool all = true;
          for (int r = 0; r < 4 && all; ++r)
            for (int c = 0; c < 3 && all; ++c) {
              const int sr = r + dy, sc = (flip ? 2 - c : c) + dx;
              const float want = (sr >= 0 && sr < 4 && sc >= 0 && sc < 3)
                                     ? set.pixels[static_cast<size_t>(12 + sr * 3 + sc)] / 255.0f
                                     : 0.0f;
              all = std::fabs(x[static_cast<size_t>(r * 3 + c)] - want) < 1e-6f;
            }
          if (all) {
            matched = true;
            (flip ? saw_flip : saw_plain) = true;
            saw_shift = saw_shift || dx != 0 || dy != 0;
          }
        }
    REQUIRE(matched);
  }
  CHECK((saw_flip && saw_plain && saw_shift));
}

TEST_CASE("k nearest neighbours in pixel space", "[vit_data]") {
  // Four training images: two dark of class 1, one bright of class 2, one mid-grey of class 0.
  data::LabeledImages train{4, 1, 2, {10, 10, 12, 12, 250, 250, 128, 128}, {1, 1, 2, 0}};
  data::LabeledImages test{3, 1, 2, {11, 11, 240, 255, 130, 120}, {1, 2, 0}};
  const eval::KnnResult one = eval::knn_classify(train, test, 1, 3);
  CHECK(one.predictions == std::vector<int>{1, 2, 0});
  CHECK(one.accuracy == 1.0);
  // k = 3: the two dark images outvote the nearest (mid-grey) one for the third test image; the
  // bright test image gets one vote per class and the tie goes to the nearest voter.
  const eval::KnnResult three = eval::knn_classify(train, test, 3, 3);
  CHECK(three.predictions == std::vector<int>{1, 2, 1});
  CHECK(three.accuracy == Approx(2.0 / 3));
  // k = 2 for the bright image: a tie of one vote each (classes 2 and 0) goes to the nearer.
  CHECK(eval::knn_classify(train, test, 2, 3).predictions[1] == 2);
  REQUIRE_THROWS_WITH(eval::knn_classify(train, test, 5, 3),
                      Contains("knn_classify: k: expected an integer in [1, 4], got 5"));
  data::LabeledImages wide{1, 1, 3, {0, 0, 0}, {0}};
  REQUIRE_THROWS_WITH(eval::knn_classify(train, wide, 1, 3), Contains("train images are 1x2 but test images are 1x3"));

  // Several k in one pass give what each k alone gives.
  const std::vector<eval::KnnResult> all = eval::knn_classify(train, test, std::vector<int>{3, 1, 2}, 3);
  REQUIRE(all.size() == 3);
  CHECK(all[0].predictions == three.predictions);
  CHECK(all[1].predictions == one.predictions);
  CHECK(all[2].predictions == eval::knn_classify(train, test, 2, 3).predictions);
  // k chosen on validation images: k = 1 gets all three right, k = 3 two; listed order does not matter.
  const eval::KnnSelection chosen = eval::knn_select_k(train, test, {3, 1}, 3);
  CHECK(chosen.k == 1);
  CHECK(chosen.val_accuracy == std::vector<double>{2.0 / 3, 1.0});
  REQUIRE_THROWS_WITH(eval::knn_classify(train, test, std::vector<int>{}, 3), Contains("ks: expected at least one k"));
}
