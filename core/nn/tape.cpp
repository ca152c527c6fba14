#include "tape.h"

#include <algorithm>
#include <cstring>

#include "gemm.h"

namespace nn {

namespace {
constexpr size_t kAlign = 64;
constexpr size_t kMinBlock = size_t{1} << 20;  // 1 MiB
size_t align_up(size_t n) { return (n + kAlign - 1) & ~(kAlign - 1); }
}  // namespace

// ---------------------------------------------------------------- Arena

void Arena::add_block(size_t min_bytes) {
  Block b;
  b.size = std::max(align_up(min_bytes), kMinBlock);
  b.storage.reset(new std::byte[b.size + kAlign]);
  auto addr = reinterpret_cast<uintptr_t>(b.storage.get());
  b.base = b.storage.get() + (align_up(addr) - addr);
  blocks_.push_back(std::move(b));
}

void* Arena::allocate(size_t bytes) {
  bytes = align_up(std::max<size_t>(bytes, 1));
  while (current_ < blocks_.size() && offset_ + bytes > blocks_[current_].size) {
    ++current_;
    offset_ = 0;
  }
  if (current_ == blocks_.size()) {
    add_block(bytes);
    offset_ = 0;
  }
  void* p = blocks_[current_].base + offset_;
  offset_ += bytes;
  return p;
}

void Arena::reset() {
  current_ = 0;
  offset_ = 0;
}

size_t Arena::capacity() const {
  size_t total = 0;
  for (const auto& b : blocks_) total += b.size;
  return total;
}

// ---------------------------------------------------------------- Var

Shape Var::shape() const { return tape->node(id).shape; }
const float* Var::data() const { return tape->node(id).value; }
const float* Var::grad() const { return tape->node(id).grad; }
float Var::item() const {
  require(numel() == 1, "item: expected a one-element tensor, got shape ", shape());
  return data()[0];
}

int items_per_pass(int64_t bytes, int64_t floats_per_item, int most) {
  const int64_t fit = bytes / (static_cast<int64_t>(sizeof(float)) * std::max<int64_t>(floats_per_item, 1));
  return static_cast<int>(std::clamp<int64_t>(fit, 1, std::max(most, 1)));
}

void require_var(const Tape& tape, Var v, const char* name) {
  require(v.tape == &tape && v.id >= 0 && v.id < tape.size(), name,
          ": expected a live Var of this tape (was the tape reset?)");
}

// ---------------------------------------------------------------- Tape

Var Tape::record(Shape shape, std::initializer_list<Var> inputs, BackwardFn backward) {
  NN_ASSERT(inputs.size() <= 4);
  Node n;
  n.shape = shape;
  n.value = scratch<float>(static_cast<size_t>(shape.numel()));
  n.backward = backward;
  for (Var v : inputs) {
    require_var(*this, v, "input");
    n.inputs[n.n_inputs++] = v.id;
    n.requires_grad = n.requires_grad || nodes_[static_cast<size_t>(v.id)].requires_grad;
  }
  n.requires_grad = n.requires_grad && grad_enabled_;
  nodes_.push_back(n);
  return Var{this, static_cast<int>(nodes_.size()) - 1};
}

Var Tape::constant(const float* data, Shape shape) {
  Var v = record(shape, {}, nullptr);
  std::memcpy(node(v.id).value, data, static_cast<size_t>(shape.numel()) * sizeof(float));
  return v;
}

Var Tape::constant(Shape shape, float fill) {
  Var v = record(shape, {}, nullptr);
  std::fill_n(node(v.id).value, shape.numel(), fill);
  return v;
}

Var Tape::variable(const float* data, Shape shape) {
  Var v = constant(data, shape);
  node(v.id).requires_grad = grad_enabled_;
  return v;
}

Var Tape::leaf(float* value, float* grad, Shape shape) {
  Node n;
  n.shape = shape;
  n.value = value;
  n.grad = grad_enabled_ ? grad : nullptr;
  n.requires_grad = grad_enabled_ && grad != nullptr;
  nodes_.push_back(n);
  return Var{this, static_cast<int>(nodes_.size()) - 1};
}

float* Tape::grad(int id) {
  Node& n = node(id);
  if (n.grad == nullptr) {
    const int64_t numel = n.shape.numel();
    auto spare = free_grads_.find(numel);
    if (spare != free_grads_.end() && !spare->second.empty()) {
      n.grad = spare->second.back();
      spare->second.pop_back();
    } else {
      n.grad = scratch<float>(static_cast<size_t>(numel));
    }
    n.grad_recyclable = true;
    std::fill_n(n.grad, numel, 0.0f);
  }
  return n.grad;
}

const float* Tape::packed_transpose(int id, int rows, int cols) {
  Node& n = node(id);
  NN_ASSERT(n.shape.numel() == int64_t{rows} * cols);
  if (n.packed_bt == nullptr) {
    // op(B) = value^T: (cols x rows), so gemm's N = rows and K = cols.
    float* packed = scratch<float>(gemm_packed_b_size(rows, cols));
    gemm_pack_b(true, rows, cols, n.value, cols, packed);
    n.packed_bt = packed;
  }
  return n.packed_bt;
}

float* Tape::workspace(int slot, size_t count) {
  NN_ASSERT(slot >= 0 && slot < 4);
  auto& w = workspace_[slot];
  if (w.size() < count) w.resize(count);
  return w.data();
}

void Tape::backward(Var loss) {
  require_var(*this, loss, "loss");
  require(loss.numel() == 1, "backward: expected a one-element loss, got shape ", loss.shape());
  if (!node(loss.id).requires_grad) return;  // nothing upstream needs a gradient
  grad(loss.id)[0] += 1.0f;
  for (int id = loss.id; id >= 0; --id) {
    Node& n = node(id);
    if (n.backward == nullptr || n.grad == nullptr || !n.requires_grad) continue;
    n.backward(*this, id);
    if (n.grad_recyclable) {
      free_grads_[n.shape.numel()].push_back(n.grad);
      n.grad = nullptr;  // dead: Var::grad() reports no gradient for intermediate nodes
      n.grad_recyclable = false;
    }
  }
}

void Tape::reset() {
  nodes_.clear();
  for (auto& [numel, buffers] : free_grads_) buffers.clear();
  arena_.reset();
}

}  // namespace nn
