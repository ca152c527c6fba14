#include "params.h"

#include <algorithm>

namespace nn {

int Params::add(const std::string& name, Shape shape, bool decay) {
  require(!name.empty(), "Params::add: name: expected a non-empty name");
  require(find(name) < 0, "Params::add: name: '", name, "' is already registered");
  Entry e{name, shape, values_.size(), decay};
  entries_.push_back(e);
  values_.resize(values_.size() + static_cast<size_t>(shape.numel()), 0.0f);
  grads_.resize(values_.size(), 0.0f);
  return size() - 1;
}

int Params::find(const std::string& name) const {
  for (size_t i = 0; i < entries_.size(); ++i)
    if (entries_[i].name == name) return static_cast<int>(i);
  return -1;
}

void Params::zero_grad() { std::fill(grads_.begin(), grads_.end(), 0.0f); }

void Params::add_grads(const float* g, size_t count, const char* what) {
  require(count == grads_.size(), what, ": expected ", grads_.size(), " values, got ", count);
  for (size_t i = 0; i < count; ++i) grads_[i] += g[i];
}

void Params::copy_values_from(const Params& other) {
  require(other.size() == size(), "Params::copy_values_from: expected ", size(), " tensors, got ", other.size());
  for (int i = 0; i < size(); ++i)
    require(other.entry(i).name == entry(i).name && other.entry(i).shape == entry(i).shape,
            "Params::copy_values_from: tensor ", i, " differs: '", other.entry(i).name, "' ", other.entry(i).shape,
            " vs '", entry(i).name, "' ", entry(i).shape);
  values_ = other.values_;
}

}  // namespace nn
