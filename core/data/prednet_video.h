// Synthetic videos for PredNet (predictive coding case study): bouncing Gaussian blobs, the same
// blobs with one surprise event (a blob reverses, an object appears, an occluder passes), and
// moving Fashion-MNIST sprites. Every sequence is (T, 1, H, W) float32 in [0, 1], row-major,
// drawn from an explicit seeded nn::Rng, so a seed reproduces a data set exactly.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "idx.h"
#include "nn/rng.h"

namespace data {

// ---------------------------------------------------------------- bouncing blobs

struct BlobVideoConfig {
  int height = 32;
  int width = 32;
  int frames = 10;  // T
  int blobs = 2;
  float sigma = 2.0f;      // Gaussian radius of a blob (pixels)
  float max_speed = 2.0f;  // each velocity component is uniform in [-max_speed, max_speed] px/frame
  float min_speed = 0.5f;  // ... and the speed (vector length) is at least this
  void validate() const;
  /// (T, 1, H, W) floats per sequence.
  int64_t sequence_size() const { return int64_t{frames} * height * width; }
};

/// One blob's centre and velocity (pixels, pixels/frame); x is the column, y the row.
struct Blob {
  float x = 0, y = 0, vx = 0, vy = 0;
};

/// Random blobs inside the frame with random velocities (as the data set draws them).
std::vector<Blob> random_blobs(const BlobVideoConfig& config, nn::Rng& rng);
/// Moves a blob one frame and reflects it off the walls (centres stay in [0, side - 1]).
void advance_blob(Blob& b, int height, int width);
/// Draws blobs into one (H, W) frame: the pixel is the maximum of the blobs' Gaussians (so in [0, 1]).
void render_blobs(const std::vector<Blob>& blobs, float sigma, int height, int width, float* frame);

/// A sequence of bouncing blobs into out (T, 1, H, W).
void make_blob_sequence(const BlobVideoConfig& config, nn::Rng& rng, float* out);
/// `count` sequences into out (count, T, 1, H, W).
std::vector<float> make_blob_dataset(const BlobVideoConfig& config, int count, nn::Rng& rng);

// ---------------------------------------------------------------- surprises

enum class SurpriseKind { none, reverse, appear, occluder };

/// "none", "reverse", "appear", "occluder".
const char* surprise_name(SurpriseKind kind);
/// Parses a name; nn::Error naming `what` otherwise.
SurpriseKind parse_surprise(const std::string& name, const char* what);

/// Blob sequences that follow the ordinary rules up to frame `frame - 1` and break them at `frame`:
///  none:     no event (the control: the same blobs as the other kinds draw for the same seed);
///  reverse:  the first blob's velocity flips at `frame` (it turns back instead of going on);
///  appear:   a new blob appears at `frame` away from the others, then moves like them;
///  occluder: a grey vertical bar enters at `frame` and sweeps across, drawn over the blobs.
/// frame must be in [2, T - 1] so that the model has seen the motion before.
struct SurpriseConfig {
  BlobVideoConfig video;
  SurpriseKind kind = SurpriseKind::reverse;
  int frame = 6;
  float occluder_level = 0.6f;  // the bar's grey level
  int occluder_width = 5;
  float occluder_speed = 3.0f;  // px/frame
  void validate() const;
};

void make_surprise_sequence(const SurpriseConfig& config, nn::Rng& rng, float* out);

// ---------------------------------------------------------------- moving Fashion-MNIST sprites

struct SpriteVideoConfig {
  int height = 32;
  int width = 32;
  int frames = 10;
  int sprites = 1;
  int sprite_size = 16;    // each image is shrunk to this side (area average)
  float max_speed = 2.0f;  // per component, px/frame
  float min_speed = 0.5f;
  void validate() const;
  int64_t sequence_size() const { return int64_t{frames} * height * width; }
};

/// Sprites drawn at random from `images` (any IdxImages: Fashion-MNIST natively, the page's subset
/// in the browser), shrunk to sprite_size, moving at sub-pixel positions (bilinear) and bouncing
/// off the walls; where sprites overlap the brighter pixel wins. images.count must be >= 1.
void make_sprite_sequence(const SpriteVideoConfig& config, const IdxImages& images, nn::Rng& rng, float* out);

// ---------------------------------------------------------------- checks

/// Throws nn::Error naming `what` unless every value is finite and in [0, 1].
void require_pixels(const float* frames, int64_t n, const char* what);

}  // namespace data
