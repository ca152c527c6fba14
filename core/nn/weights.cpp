#include "weights.h"

#include <cstring>
#include <istream>
#include <iterator>
#include <ostream>

namespace nn {

namespace {

constexpr char kMagic[4] = {'N', 'R', 'A', 'I'};
constexpr uint32_t kMaxStringLength = 1u << 16;
constexpr uint32_t kMaxTensors = 1u << 16;
// 1 GiB of float32 per tensor: keeps a tensor's byte count within wasm32's 32-bit size_t.
constexpr int64_t kMaxTensorElements = int64_t{1} << 28;

void put_u32(std::vector<uint8_t>& out, uint32_t v) {
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_string(std::vector<uint8_t>& out, const std::string& s) {
  put_u32(out, static_cast<uint32_t>(s.size()));
  out.insert(out.end(), s.begin(), s.end());
}

// Bounds-checked reader: every read names the field it was reading when the file ends early.
class Reader {
 public:
  Reader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  uint32_t u32(const char* field) {
    need(4, field);
    uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(data_[pos_ + i]) << (8 * i);
    pos_ += 4;
    return v;
  }
  std::string string(const char* field) {
    uint32_t n = u32(field);
    require(n <= kMaxStringLength, "weights file: ", field, ": length ", n, " is implausible (corrupt file?)");
    need(n, field);
    std::string s(reinterpret_cast<const char*>(data_ + pos_), n);
    pos_ += n;
    return s;
  }
  void floats(float* dst, size_t count, const std::string& field) {
    need(count * sizeof(float), field.c_str());
    if (count == 0) return;  // dst may be null then, and memcpy must not see a null pointer
    std::memcpy(dst, data_ + pos_, count * sizeof(float));
    pos_ += count * sizeof(float);
  }
  const uint8_t* raw(size_t n, const char* field) {
    need(n, field);
    const uint8_t* p = data_ + pos_;
    pos_ += n;
    return p;
  }
  size_t remaining() const { return size_ - pos_; }

 private:
  void need(size_t n, const char* field) const {
    require(n <= size_ - pos_, "weights file is truncated: it ends inside ", field, " (", size_, " bytes)");
  }
  const uint8_t* data_;
  size_t size_, pos_ = 0;
};

}  // namespace

uint32_t crc32(const uint8_t* data, size_t size) {
  static const auto table = [] {
    std::vector<uint32_t> t(256);
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[i] = c;
    }
    return t;
  }();
  uint32_t c = 0xFFFFFFFFu;
  for (size_t i = 0; i < size; ++i) c = table[(c ^ data[i]) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

std::vector<uint8_t> encode_weights(const Params& params, const std::string& kind, const std::string& config) {
  std::vector<uint8_t> out(kMagic, kMagic + 4);
  put_u32(out, kWeightsFormatVersion);
  put_string(out, kind);
  put_string(out, config);
  put_u32(out, static_cast<uint32_t>(params.size()));
  for (int i = 0; i < params.size(); ++i) {
    const auto& e = params.entry(i);
    put_string(out, e.name);
    put_u32(out, static_cast<uint32_t>(e.shape.rank));
    for (int d = 0; d < e.shape.rank; ++d) put_u32(out, static_cast<uint32_t>(e.shape[d]));
  }
  // insert, not memcpy: with no parameters values().data() may be null.
  const auto* values = reinterpret_cast<const uint8_t*>(params.values().data());
  out.insert(out.end(), values, values + params.count() * sizeof(float));
  put_u32(out, crc32(out.data(), out.size()));
  return out;
}

WeightsFile decode_weights(const uint8_t* bytes, size_t size) {
  require(bytes != nullptr || size == 0, "weights file: expected bytes");
  require(size >= 12, "weights file is truncated: ", size, " bytes is shorter than the smallest header");
  require(std::memcmp(bytes, kMagic, 4) == 0, "weights file: bad magic number (expected 'NRAI'): not a weights file");
  const uint32_t stored_crc = static_cast<uint32_t>(bytes[size - 4]) | static_cast<uint32_t>(bytes[size - 3]) << 8 |
                              static_cast<uint32_t>(bytes[size - 2]) << 16 |
                              static_cast<uint32_t>(bytes[size - 1]) << 24;
  Reader r(bytes, size - 4);
  r.raw(4, "magic");
  const uint32_t version = r.u32("version");
  require(version == kWeightsFormatVersion, "weights file: format version ", version, " is not supported (expected ",
          kWeightsFormatVersion, ")");
  WeightsFile f;
  f.kind = r.string("model kind");
  f.config = r.string("config");
  const uint32_t count = r.u32("tensor count");
  // Each tensor takes at least 8 bytes (name length, rank): a count the rest of the file cannot hold
  // is refused before 2^16 empty tensors are made for a 20-byte file (found by tests/fuzz).
  require(count <= kMaxTensors && count <= r.remaining() / 8, "weights file: tensor count ", count,
          " is implausible (corrupt file?)");
  f.tensors.resize(count);
  for (auto& t : f.tensors) {
    t.name = r.string("tensor name");
    const uint32_t rank = r.u32("tensor rank");
    require(rank <= Shape::kMaxRank, "weights file: tensor '", t.name, "': rank ", rank, " exceeds 4 (corrupt file?)");
    t.shape.rank = static_cast<int>(rank);
    for (uint32_t d = 0; d < rank; ++d) {
      const uint32_t dim = r.u32("tensor shape");
      require(dim <= (1u << 28), "weights file: tensor '", t.name, "': dimension ", dim, " is implausible");
      t.shape.dims[d] = static_cast<int>(dim);
    }
    checked_product(t.shape.dims.begin(), t.shape.dims.begin() + rank, kMaxTensorElements,
                    "weights file: tensor '" + t.name + "'");
  }
  for (auto& t : f.tensors) {
    const size_t n = static_cast<size_t>(t.shape.numel());  // at most kMaxTensorElements (checked above)
    require(n * sizeof(float) <= r.remaining(), "weights file is truncated: the data of tensor '", t.name,
            "' is incomplete");
    t.data.resize(n);
    r.floats(t.data.data(), n, "tensor '" + t.name + "'");
  }
  require(r.remaining() == 0, "weights file: ", r.remaining(), " unexpected bytes after the last tensor");
  require(crc32(bytes, size - 4) == stored_crc, "weights file: checksum mismatch: the file was altered or corrupted");
  return f;
}

namespace {
void require_kind(const WeightsFile& file, const std::string& expected_kind) {
  require(file.kind == expected_kind, "weights file: holds a '", file.kind, "' model, expected '", expected_kind, "'");
}
}  // namespace

WeightsFile decode_weights(const uint8_t* bytes, size_t size, const std::string& expected_kind) {
  WeightsFile file = decode_weights(bytes, size);
  require_kind(file, expected_kind);
  return file;
}

void assign_weights(Params& params, const WeightsFile& file, const std::string& expected_kind) {
  require_kind(file, expected_kind);
  require(static_cast<int>(file.tensors.size()) == params.size(), "weights file: holds ", file.tensors.size(),
          " tensors, the model has ", params.size());
  for (const auto& t : file.tensors) {
    const int i = params.find(t.name);
    require(i >= 0, "weights file: tensor '", t.name, "' is not a parameter of this model");
    require(params.entry(i).shape == t.shape, "weights file: tensor '", t.name, "' has shape ", t.shape,
            ", the model expects ", params.entry(i).shape);
  }
  for (const auto& t : file.tensors) std::copy(t.data.begin(), t.data.end(), params.value(params.find(t.name)));
}

void write_weights(std::ostream& out, const Params& params, const std::string& kind, const std::string& config) {
  const auto bytes = encode_weights(params, kind, config);
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  require(static_cast<bool>(out), "write_weights: the stream refused the data");
}

WeightsFile read_weights(std::istream& in) {
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  return decode_weights(bytes.data(), bytes.size());
}

}  // namespace nn
