#include "prednet_video.h"

#include <algorithm>
#include <cmath>

#include "nn/check.h"

namespace data {

// ---------------------------------------------------------------- bouncing blobs

void BlobVideoConfig::validate() const {
  nn::require_int_range(height, 4, 512, "BlobVideoConfig.height");
  nn::require_int_range(width, 4, 512, "BlobVideoConfig.width");
  nn::require_int_range(frames, 2, 1000, "BlobVideoConfig.frames");
  nn::require_int_range(blobs, 1, 16, "BlobVideoConfig.blobs");
  nn::require_range(sigma, 0.25, 64.0, "BlobVideoConfig.sigma");
  nn::require_range(max_speed, 0.0, 16.0, "BlobVideoConfig.max_speed");
  nn::require_range(min_speed, 0.0, max_speed * 1.41421356, "BlobVideoConfig.min_speed");
}

std::vector<Blob> random_blobs(const BlobVideoConfig& c, nn::Rng& rng) {
  std::vector<Blob> blobs(static_cast<size_t>(c.blobs));
  for (auto& b : blobs) {
    b.x = rng.uniform(0.0f, static_cast<float>(c.width - 1));
    b.y = rng.uniform(0.0f, static_cast<float>(c.height - 1));
    // Rejection sampling keeps the components uniform while refusing near-still blobs.
    do {
      b.vx = rng.uniform(-c.max_speed, c.max_speed);
      b.vy = rng.uniform(-c.max_speed, c.max_speed);
    } while (std::hypot(b.vx, b.vy) < c.min_speed);
  }
  return blobs;
}

namespace {
/// Reflects a coordinate (and its velocity) into [0, hi].
void reflect(float& p, float& v, float hi) {
  for (int i = 0; i < 4 && (p < 0 || p > hi); ++i) {  // a few bounces at most, even at high speed
    if (p < 0) {
      p = -p;
      v = -v;
    }
    if (p > hi) {
      p = 2 * hi - p;
      v = -v;
    }
  }
  p = std::clamp(p, 0.0f, hi);
}
}  // namespace

void advance_blob(Blob& b, int height, int width) {
  b.x += b.vx;
  b.y += b.vy;
  reflect(b.x, b.vx, static_cast<float>(width - 1));
  reflect(b.y, b.vy, static_cast<float>(height - 1));
}

void render_blobs(const std::vector<Blob>& blobs, float sigma, int height, int width, float* frame) {
  const float inv = -0.5f / (sigma * sigma);
  std::fill_n(frame, int64_t{height} * width, 0.0f);
  for (const Blob& b : blobs)
    for (int r = 0; r < height; ++r) {
      const float dy2 = (r - b.y) * (r - b.y);
      for (int col = 0; col < width; ++col) {
        const float v = std::exp(inv * ((col - b.x) * (col - b.x) + dy2));
        float& p = frame[r * width + col];
        p = std::max(p, v);
      }
    }
}

void make_blob_sequence(const BlobVideoConfig& c, nn::Rng& rng, float* out) {
  c.validate();
  std::vector<Blob> blobs = random_blobs(c, rng);
  const int64_t plane = int64_t{c.height} * c.width;
  for (int t = 0; t < c.frames; ++t) {
    if (t > 0)
      for (auto& b : blobs) advance_blob(b, c.height, c.width);
    render_blobs(blobs, c.sigma, c.height, c.width, out + t * plane);
  }
}

std::vector<float> make_blob_dataset(const BlobVideoConfig& c, int count, nn::Rng& rng) {
  c.validate();
  nn::require_int_range(count, 0, 1 << 20, "make_blob_dataset: count");
  std::vector<float> out(static_cast<size_t>(count * c.sequence_size()));
  for (int i = 0; i < count; ++i) make_blob_sequence(c, rng, out.data() + i * c.sequence_size());
  return out;
}

// ---------------------------------------------------------------- surprises

const char* surprise_name(SurpriseKind kind) {
  switch (kind) {
    case SurpriseKind::none:
      return "none";
    case SurpriseKind::reverse:
      return "reverse";
    case SurpriseKind::appear:
      return "appear";
    case SurpriseKind::occluder:
      return "occluder";
  }
  return "?";
}

SurpriseKind parse_surprise(const std::string& name, const char* what) {
  for (SurpriseKind k : {SurpriseKind::none, SurpriseKind::reverse, SurpriseKind::appear, SurpriseKind::occluder})
    if (name == surprise_name(k)) return k;
  nn::fail(what, ": expected \"none\", \"reverse\", \"appear\" or \"occluder\", got \"", name, "\"");
}

void SurpriseConfig::validate() const {
  video.validate();
  nn::require_int_range(frame, 2, video.frames - 1, "SurpriseConfig.frame");
  nn::require_range(occluder_level, 0.0, 1.0, "SurpriseConfig.occluder_level");
  nn::require_int_range(occluder_width, 1, video.width, "SurpriseConfig.occluder_width");
  nn::require_range(occluder_speed, 0.0, 64.0, "SurpriseConfig.occluder_speed");
}

void make_surprise_sequence(const SurpriseConfig& c, nn::Rng& rng, float* out) {
  c.validate();
  const BlobVideoConfig& v = c.video;
  std::vector<Blob> blobs = random_blobs(v, rng);
  // The surprise's own random draws come first so that the ordinary blobs are the same
  // whatever the kind (only the event differs).
  Blob extra = random_blobs(v, rng)[0];
  const bool from_left = rng.uniform() < 0.5f;
  const int64_t plane = int64_t{v.height} * v.width;
  float bar_x = from_left ? 0.0f : static_cast<float>(v.width - c.occluder_width);
  for (int t = 0; t < v.frames; ++t) {
    if (t > 0)
      for (auto& b : blobs) advance_blob(b, v.height, v.width);
    if (c.kind == SurpriseKind::reverse && t == c.frame) {
      // Undo this frame's step and go the other way: the blob is where it was two frames ago.
      Blob& b = blobs[0];
      b.x -= 2 * b.vx;
      b.y -= 2 * b.vy;
      b.vx = -b.vx;
      b.vy = -b.vy;
      b.x = std::clamp(b.x, 0.0f, static_cast<float>(v.width - 1));
      b.y = std::clamp(b.y, 0.0f, static_cast<float>(v.height - 1));
    }
    if (c.kind == SurpriseKind::appear && t == c.frame) {
      // Place the newcomer as far as possible from the existing blobs (best of 8 draws).
      float best = -1;
      for (int k = 0; k < 8; ++k) {
        const float x = rng.uniform(0.0f, static_cast<float>(v.width - 1));
        const float y = rng.uniform(0.0f, static_cast<float>(v.height - 1));
        float nearest = 1e9f;
        for (const auto& b : blobs) nearest = std::min(nearest, std::hypot(b.x - x, b.y - y));
        if (nearest > best) {
          best = nearest;
          extra.x = x;
          extra.y = y;
        }
      }
      blobs.push_back(extra);
    }
    float* frame = out + t * plane;
    render_blobs(blobs, v.sigma, v.height, v.width, frame);
    if (c.kind == SurpriseKind::occluder && t >= c.frame) {
      const int x0 = static_cast<int>(std::lround(bar_x));
      for (int r = 0; r < v.height; ++r)
        for (int col = std::max(0, x0); col < std::min(v.width, x0 + c.occluder_width); ++col)
          frame[r * v.width + col] = c.occluder_level;
      bar_x += from_left ? c.occluder_speed : -c.occluder_speed;
    }
  }
}

// ---------------------------------------------------------------- moving Fashion-MNIST sprites

void SpriteVideoConfig::validate() const {
  nn::require_int_range(height, 4, 512, "SpriteVideoConfig.height");
  nn::require_int_range(width, 4, 512, "SpriteVideoConfig.width");
  nn::require_int_range(frames, 2, 1000, "SpriteVideoConfig.frames");
  nn::require_int_range(sprites, 1, 8, "SpriteVideoConfig.sprites");
  nn::require_int_range(sprite_size, 2, std::min(height, width), "SpriteVideoConfig.sprite_size");
  nn::require_range(max_speed, 0.0, 16.0, "SpriteVideoConfig.max_speed");
  nn::require_range(min_speed, 0.0, max_speed * 1.41421356, "SpriteVideoConfig.min_speed");
}

namespace {

/// Area-average resampling of image k of `images` (rows x cols bytes) to S x S floats in [0, 1]:
/// each output pixel averages the source area it covers, with fractional weights at the edges.
void shrink_image(const IdxImages& images, int k, int S, float* out) {
  const int rows = images.rows, cols = images.cols;
  const uint8_t* src = images.pixels.data() + static_cast<int64_t>(k) * rows * cols;
  const double sy = static_cast<double>(rows) / S, sx = static_cast<double>(cols) / S;
  for (int r = 0; r < S; ++r)
    for (int c = 0; c < S; ++c) {
      const double y0 = r * sy, y1 = (r + 1) * sy, x0 = c * sx, x1 = (c + 1) * sx;
      double acc = 0, area = 0;
      for (int y = static_cast<int>(y0); y < std::min<double>(rows, std::ceil(y1)); ++y) {
        const double wy = std::min<double>(y + 1, y1) - std::max<double>(y, y0);
        for (int x = static_cast<int>(x0); x < std::min<double>(cols, std::ceil(x1)); ++x) {
          const double wx = std::min<double>(x + 1, x1) - std::max<double>(x, x0);
          acc += wy * wx * src[y * cols + x];
          area += wy * wx;
        }
      }
      out[r * S + c] = static_cast<float>(acc / (255.0 * area));
    }
}

/// Bilinear read of an S x S sprite at (y, x); zero outside.
float sample_sprite(const float* sprite, int S, float y, float x) {
  const int y0 = static_cast<int>(std::floor(y)), x0 = static_cast<int>(std::floor(x));
  const float fy = y - y0, fx = x - x0;
  auto at = [&](int yy, int xx) { return (yy >= 0 && yy < S && xx >= 0 && xx < S) ? sprite[yy * S + xx] : 0.0f; };
  return (1 - fy) * ((1 - fx) * at(y0, x0) + fx * at(y0, x0 + 1)) +
         fy * ((1 - fx) * at(y0 + 1, x0) + fx * at(y0 + 1, x0 + 1));
}

}  // namespace

void make_sprite_sequence(const SpriteVideoConfig& c, const IdxImages& images, nn::Rng& rng, float* out) {
  c.validate();
  nn::require(images.count >= 1 && images.rows >= 1 && images.cols >= 1 &&
                  images.pixels.size() == static_cast<size_t>(images.count) * images.rows * images.cols,
              "make_sprite_sequence: images: expected at least one image with count * rows * cols pixels, got ",
              images.count, " images of ", images.rows, "x", images.cols, " and ", images.pixels.size(), " bytes");
  const int S = c.sprite_size;
  // A sprite is a blob whose (x, y) is its top-left corner, moving inside [0, side - S].
  std::vector<std::vector<float>> pictures(static_cast<size_t>(c.sprites),
                                           std::vector<float>(static_cast<size_t>(S * S)));
  std::vector<Blob> pos(static_cast<size_t>(c.sprites));
  for (int s = 0; s < c.sprites; ++s) {
    shrink_image(images, static_cast<int>(rng.below(static_cast<uint32_t>(images.count))), S, pictures[s].data());
    Blob& b = pos[s];
    b.x = rng.uniform(0.0f, static_cast<float>(c.width - S));
    b.y = rng.uniform(0.0f, static_cast<float>(c.height - S));
    do {
      b.vx = rng.uniform(-c.max_speed, c.max_speed);
      b.vy = rng.uniform(-c.max_speed, c.max_speed);
    } while (std::hypot(b.vx, b.vy) < c.min_speed);
  }
  const int64_t plane = int64_t{c.height} * c.width;
  for (int t = 0; t < c.frames; ++t) {
    float* frame = out + t * plane;
    std::fill_n(frame, plane, 0.0f);
    for (int s = 0; s < c.sprites; ++s) {
      Blob& b = pos[s];
      if (t > 0) advance_blob(b, c.height - S + 1, c.width - S + 1);
      const int r0 = std::max(0, static_cast<int>(std::floor(b.y))),
                c0 = std::max(0, static_cast<int>(std::floor(b.x)));
      for (int r = r0; r < std::min(c.height, r0 + S + 1); ++r)
        for (int col = c0; col < std::min(c.width, c0 + S + 1); ++col) {
          float& p = frame[r * c.width + col];
          p = std::max(p, sample_sprite(pictures[s].data(), S, r - b.y, col - b.x));
        }
    }
  }
}

// ---------------------------------------------------------------- checks

void require_pixels(const float* frames, int64_t n, const char* what) {
  for (int64_t i = 0; i < n; ++i)
    if (!(frames[i] >= 0.0f && frames[i] <= 1.0f))  // also false for NaN
      nn::fail(what, ": expected pixel values in [0, 1], got ", frames[i], " at index ", i);
}

}  // namespace data
