// Baselines for the attention case study, measured on the same images as the ViT: k nearest
// neighbours in pixel space (Euclidean distance between images with pixels in [0, 1], computed
// with one GEMM per block of test images; a majority vote of the k nearest training images,
// ties going to the class whose voters are nearer in total).
#pragma once
#include <vector>

#include "data/vit_data.h"

namespace eval {

struct KnnResult {
  double accuracy = 0;
  std::vector<int> predictions;  // (test count)
};

/// k-NN classification of every test image against every training image.
KnnResult knn_classify(const data::LabeledImages& train, const data::LabeledImages& test, int k, int classes);

/// The same for several k at once (one distance computation; the k nearest are a prefix of the
/// max(ks) nearest): one result per entry of `ks`.
std::vector<KnnResult> knn_classify(const data::LabeledImages& train, const data::LabeledImages& test,
                                    const std::vector<int>& ks, int classes);

/// k chosen from `ks` by accuracy on `val` (ties to the smaller k), as the ViT's settings are.
struct KnnSelection {
  int k = 0;
  std::vector<double> val_accuracy;  // one per entry of ks
};
KnnSelection knn_select_k(const data::LabeledImages& train, const data::LabeledImages& val, const std::vector<int>& ks,
                          int classes);

}  // namespace eval
