#include "fashion_mnist.h"

#include <zlib.h>

#include <fstream>
#include <sstream>

#include "nn/check.h"

namespace cli {

namespace {

// The whole file, inflated. zlib reads plain (not gzip'd) files through unchanged.
std::string read_gz(const std::string& path) {
  {
    std::ifstream probe(path, std::ios::binary);
    nn::require(static_cast<bool>(probe), "cannot open '", path,
                "' (Fashion-MNIST comes with Debian's dataset-fashion-mnist package, or pass --data DIR)");
  }
  gzFile f = gzopen(path.c_str(), "rb");
  nn::require(f != nullptr, "cannot open '", path, "' with zlib");
  std::string out;
  char buf[1 << 16];
  for (;;) {
    const int n = gzread(f, buf, sizeof buf);
    if (n < 0) {
      int code = 0;
      const std::string message = gzerror(f, &code);
      gzclose(f);
      nn::fail("'", path, "': corrupt gzip data (", message, ")");
    }
    if (n == 0) break;
    out.append(buf, static_cast<size_t>(n));
  }
  // A gzip stream cut short reads as a clean end in some zlib versions: gzclose reports it.
  const int rc = gzclose(f);
  nn::require(rc == Z_OK, "'", path, "': corrupt or truncated gzip data (zlib code ", rc, ")");
  return out;
}

}  // namespace

data::IdxImages load_idx_images_gz(const std::string& path) {
  std::istringstream in(read_gz(path));
  try {
    return data::read_idx_images(in);
  } catch (const nn::Error& e) {
    nn::fail("'", path, "': ", e.what());
  }
}

std::vector<uint8_t> load_idx_labels_gz(const std::string& path) {
  std::istringstream in(read_gz(path));
  try {
    return data::read_idx_labels(in);
  } catch (const nn::Error& e) {
    nn::fail("'", path, "': ", e.what());
  }
}

data::LabeledImages load_fashion_mnist(const std::string& dir, const std::string& split) {
  nn::require(split == "train" || split == "t10k", "load_fashion_mnist: split: expected \"train\" or \"t10k\", got \"",
              split, "\"");
  const std::string base = dir + "/" + split;
  data::IdxImages images = load_idx_images_gz(base + "-images-idx3-ubyte.gz");
  std::vector<uint8_t> labels = load_idx_labels_gz(base + "-labels-idx1-ubyte.gz");
  return data::make_labeled(std::move(images), std::move(labels), 10, split.c_str());
}

}  // namespace cli
