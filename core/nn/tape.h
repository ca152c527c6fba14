// Reverse-mode automatic differentiation on a tape.
//
// Models are written as plain forward code over Vars; every op appends a Node that records its
// inputs, its output buffer and a backward kernel. backward(loss) walks the tape in reverse and
// accumulates gradients. All buffers come from an arena that reset() rewinds without freeing,
// so a training loop that builds the same graph every step allocates nothing after step one.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "check.h"
#include "shape.h"

namespace nn {

class Tape;

/// A handle to a tensor on a tape: (tape, node id). Cheap to copy; valid until tape.reset().
struct Var {
  Tape* tape = nullptr;
  int id = -1;

  bool valid() const { return tape != nullptr && id >= 0; }
  /// By value: a reference into the tape's node list would dangle once recording grows it.
  Shape shape() const;
  const float* data() const;
  int64_t numel() const { return shape().numel(); }
  /// The value of a one-element tensor.
  float item() const;
  /// The gradient after backward, for leaves (constants, variables, parameters); nullptr when no
  /// gradient reached the leaf, and for op outputs, whose buffers backward reuses.
  const float* grad() const;
};

using BackwardFn = void (*)(Tape& tape, int node_id);

/// One recorded op. Attributes are small inline arrays so recording never allocates.
struct Node {
  Shape shape;
  float* value = nullptr;
  float* grad = nullptr;         // allocated on first use; parameter leaves point into Params
  bool grad_recyclable = false;  // grad came from the tape's arena (not a leaf's external buffer)
  BackwardFn backward = nullptr;
  bool requires_grad = false;
  int n_inputs = 0;
  int inputs[4] = {-1, -1, -1, -1};
  int iattr[6] = {};
  float fattr[2] = {};
  void* saved = nullptr;       // op-specific buffer in the arena (e.g. max-pool argmax)
  float* packed_bt = nullptr;  // value^T packed for gemm_prepacked_b (Tape::packed_transpose)
};

/// Bump allocator over 64-byte aligned blocks; reset() rewinds to the first block and keeps them
/// all, so a pass like the last one allocates nothing. (Merging them into one block freed the old
/// ones first and then asked for the sum: wasm's heap, which never shrinks, grew by that sum.)
class Arena {
 public:
  void* allocate(size_t bytes);
  void reset();
  size_t capacity() const;

 private:
  struct Block {
    std::unique_ptr<std::byte[]> storage;
    std::byte* base = nullptr;
    size_t size = 0;
  };
  void add_block(size_t min_bytes);
  std::vector<Block> blocks_;
  size_t current_ = 0, offset_ = 0;
};

class Tape {
 public:
  Tape() { nodes_.reserve(256); }
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;

  /// A constant copied onto the tape (no gradient flows into it).
  Var constant(const float* data, Shape shape);
  /// A constant filled with one value.
  Var constant(Shape shape, float fill);
  /// A leaf that receives a gradient (used by gradient checks and by inputs one wants to probe).
  Var variable(const float* data, Shape shape);
  /// A leaf aliasing external storage: value is read in place, gradients accumulate into grad.
  /// With gradients disabled, or grad == nullptr, it is a constant.
  Var leaf(float* value, float* grad, Shape shape);

  /// Turns recording of gradient requirements off (inference) or on.
  void set_grad_enabled(bool enabled) { grad_enabled_ = enabled; }
  bool grad_enabled() const { return grad_enabled_; }

  /// Runs the backward pass from a one-element loss (seeded with d loss = 1).
  void backward(Var loss);
  /// Forgets every node; memory is kept for the next pass.
  void reset();

  // ---- used by op implementations ----
  Node& node(int id) { return nodes_[static_cast<size_t>(id)]; }
  const Node& node(int id) const { return nodes_[static_cast<size_t>(id)]; }
  int size() const { return static_cast<int>(nodes_.size()); }
  /// Records a node with a freshly allocated (uninitialized) output; requires_grad when any
  /// input requires it and recording is on.
  Var record(Shape shape, std::initializer_list<Var> inputs, BackwardFn backward);
  /// The gradient buffer of a node, allocated and zeroed on first use.
  float* grad(int id);
  /// Arena memory that lives until reset().
  template <class T>
  T* scratch(size_t count) {
    return static_cast<T*>(arena_.allocate(count * sizeof(T)));
  }
  /// The node's (rows x cols) value transposed and packed as op(B) of gemm_prepacked_b, made on
  /// first use and kept until reset(): a weight that a recurrence multiplies at every step is
  /// packed once per pass, not at every step's backward (values never change once recorded).
  const float* packed_transpose(int id, int rows, int cols);
  /// Temporary buffers for one kernel call (e.g. im2col); slot 0..3, contents not preserved.
  float* workspace(int slot, size_t count);
  /// Bytes held by the arena (for tests of memory reuse).
  size_t arena_capacity() const { return arena_.capacity(); }

 private:
  Arena arena_;
  std::vector<Node> nodes_;
  std::vector<float> workspace_[4];
  // Gradient buffers of nodes whose backward has run, by element count. A node's gradient is dead
  // once its own backward has run (only nodes recorded later feed it), so backward() hands it to
  // the next node of the same size: the backward pass then holds the live gradients only, not one
  // per node, roughly halving a training step's memory. The lists keep their keys across reset().
  std::unordered_map<int64_t, std::vector<float*>> free_grads_;
  bool grad_enabled_ = true;
};

/// Turns gradient recording off for a scope (inference), restoring the previous mode on exit.
class NoGradScope {
 public:
  explicit NoGradScope(Tape& tape) : tape_(tape), previous_(tape.grad_enabled()) { tape.set_grad_enabled(false); }
  ~NoGradScope() { tape_.set_grad_enabled(previous_); }
  NoGradScope(const NoGradScope&) = delete;
  NoGradScope& operator=(const NoGradScope&) = delete;

 private:
  Tape& tape_;
  bool previous_;
};

/// How many items (images, sequences) of `floats_per_item` tape floats each one pass may take so
/// that its tape stays within about `bytes`: at least 1, at most `most`.
int items_per_pass(int64_t bytes, int64_t floats_per_item, int most);
/// The tape budget of an inference pass (every value is kept, gradients or not); read-outs split
/// their items into passes of items_per_pass(kReadoutTapeBytes, ...): the results do not depend on it.
inline constexpr int64_t kReadoutTapeBytes = int64_t{16} << 20;

/// Checks that a Var belongs to `tape` and is live; `name` is the argument's name.
void require_var(const Tape& tape, Var v, const char* name);

}  // namespace nn
