// Parameters of a model: values and gradients in two contiguous buffers with named views.
// Optimizers, serialization and zero-copy JS views are each one loop over these buffers.
#pragma once
#include <string>
#include <vector>

#include "tape.h"

namespace nn {

class Params {
 public:
  struct Entry {
    std::string name;
    Shape shape;
    size_t offset = 0;
    bool decay = true;  // AdamW applies weight decay (off for biases and norm gains)
  };

  /// Registers a zero-initialized tensor and returns its index. Registration must finish before
  /// the buffers are handed out (value(), grad(), on()).
  int add(const std::string& name, Shape shape, bool decay = true);

  int size() const { return static_cast<int>(entries_.size()); }
  const Entry& entry(int i) const { return entries_.at(static_cast<size_t>(i)); }
  /// The index of a tensor by name, or -1.
  int find(const std::string& name) const;
  /// Total number of scalars.
  size_t count() const { return values_.size(); }

  float* value(int i) { return values_.data() + entry(i).offset; }
  const float* value(int i) const { return values_.data() + entry(i).offset; }
  float* grad(int i) { return grads_.data() + entry(i).offset; }
  std::vector<float>& values() { return values_; }
  const std::vector<float>& values() const { return values_; }
  std::vector<float>& grads() { return grads_; }
  const std::vector<float>& grads() const { return grads_; }

  /// Puts tensor i on the tape as a leaf whose gradient accumulates into grad(i).
  Var on(Tape& tape, int i) { return tape.leaf(value(i), grad(i), entry(i).shape); }
  void zero_grad();
  /// Adds `count` gradient values (a replica's, in the layout of grads()); `what` names the caller in errors.
  void add_grads(const float* g, size_t count, const char* what);
  /// Copies values from another Params with identical names and shapes (e.g. a target network).
  void copy_values_from(const Params& other);

 private:
  std::vector<Entry> entries_;
  std::vector<float> values_, grads_;
};

}  // namespace nn
