#include "vit_baselines.h"

#include <algorithm>
#include <cstdint>
#include <utility>

#include "nn/check.h"
#include "nn/gemm.h"

namespace eval {

namespace {

// Pixels as floats in [0, 1]: (count, n), and each image's squared norm.
void to_float(const data::LabeledImages& set, std::vector<float>& x, std::vector<float>& norm2) {
  const size_t n = static_cast<size_t>(set.image_size());
  x.resize(static_cast<size_t>(set.count) * n);
  norm2.assign(static_cast<size_t>(set.count), 0.0f);
  for (size_t i = 0; i < x.size(); ++i) {
    x[i] = set.pixels[i] * (1.0f / 255.0f);
    norm2[i / n] += x[i] * x[i];
  }
}

}  // namespace

std::vector<KnnResult> knn_classify(const data::LabeledImages& train, const data::LabeledImages& test,
                                    const std::vector<int>& ks, int classes) {
  nn::require(train.count >= 1, "knn_classify: train: expected at least one image");
  nn::require(train.rows == test.rows && train.cols == test.cols, "knn_classify: train images are ", train.rows, "x",
              train.cols, " but test images are ", test.rows, "x", test.cols);
  nn::require(!ks.empty(), "knn_classify: ks: expected at least one k");
  for (const int k : ks) nn::require_int_range(k, 1, std::min(train.count, 100), "knn_classify: k");
  data::validate(train, classes, "knn_classify: train");
  data::validate(test, classes, "knn_classify: test");
  const int kmax = *std::max_element(ks.begin(), ks.end());
  const int n = train.image_size();
  std::vector<float> xtr, ntr, xte, nte;
  to_float(train, xtr, ntr);
  to_float(test, xte, nte);
  std::vector<KnnResult> results(ks.size());
  for (auto& r : results) r.predictions.resize(static_cast<size_t>(test.count));
  std::vector<int> correct(ks.size(), 0);
  // Squared distances |a - b|^2 = |a|^2 + |b|^2 - 2 a.b, a block of test images at a time:
  // dots (rows, train.count) = X_test_block X_train^T in one GEMM.
  constexpr int kBlock = 64;
  std::vector<float> dots(static_cast<size_t>(kBlock) * train.count);
  std::vector<std::pair<float, int>> nearest;  // (distance, training index), the kmax best so far, sorted
  std::vector<int> votes(static_cast<size_t>(classes));
  std::vector<double> total(static_cast<size_t>(classes));
  for (int t0 = 0; t0 < test.count; t0 += kBlock) {
    const int rows = std::min(kBlock, test.count - t0);
    nn::gemm(false, true, rows, train.count, n, 1.0f, xte.data() + static_cast<size_t>(t0) * n, n, xtr.data(), n, 0.0f,
             dots.data(), train.count);
    for (int r_ = 0; r_ < rows; ++r_) {
      const int t = t0 + r_;
      const float* dot = dots.data() + static_cast<size_t>(r_) * train.count;
      nearest.clear();
      for (int j = 0; j < train.count; ++j) {
        const float d = nte[static_cast<size_t>(t)] + ntr[static_cast<size_t>(j)] - 2.0f * dot[j];
        if (static_cast<int>(nearest.size()) < kmax || d < nearest.back().first) {
          if (static_cast<int>(nearest.size()) == kmax) nearest.pop_back();
          nearest.insert(std::upper_bound(nearest.begin(), nearest.end(), std::make_pair(d, j)), {d, j});
        }
      }
      // A majority vote of the k nearest; ties go to the class whose voters are nearer in total.
      for (size_t q = 0; q < ks.size(); ++q) {
        std::fill(votes.begin(), votes.end(), 0);
        std::fill(total.begin(), total.end(), 0.0);
        for (int i = 0; i < ks[q] && i < static_cast<int>(nearest.size()); ++i) {
          const auto& [d, j] = nearest[static_cast<size_t>(i)];
          const size_t c = static_cast<size_t>(train.labels[static_cast<size_t>(j)]);
          ++votes[c];
          total[c] += d;
        }
        int best = 0;
        for (int c = 1; c < classes; ++c) {
          const size_t i = static_cast<size_t>(c), b = static_cast<size_t>(best);
          if (votes[i] > votes[b] || (votes[i] == votes[b] && votes[i] > 0 && total[i] < total[b])) best = c;
        }
        results[q].predictions[static_cast<size_t>(t)] = best;
        correct[q] += best == test.labels[static_cast<size_t>(t)];
      }
    }
  }
  for (size_t q = 0; q < ks.size(); ++q)
    results[q].accuracy = test.count > 0 ? static_cast<double>(correct[q]) / test.count : 0.0;
  return results;
}

KnnResult knn_classify(const data::LabeledImages& train, const data::LabeledImages& test, int k, int classes) {
  return std::move(knn_classify(train, test, std::vector<int>{k}, classes)[0]);
}

KnnSelection knn_select_k(const data::LabeledImages& train, const data::LabeledImages& val, const std::vector<int>& ks,
                          int classes) {
  const std::vector<KnnResult> results = knn_classify(train, val, ks, classes);
  KnnSelection s;
  size_t best = 0;
  for (size_t q = 0; q < ks.size(); ++q) {
    s.val_accuracy.push_back(results[q].accuracy);
    if (results[q].accuracy > results[best].accuracy ||
        (results[q].accuracy == results[best].accuracy && ks[q] < ks[best]))
      best = q;
  }
  s.k = ks[best];
  return s;
}

}  // namespace eval
