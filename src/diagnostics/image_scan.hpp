// One pass over a split's images for `imgcls data check`: each image decoded as training
// decodes it (image folders: data/image_folder.hpp's decode_image_bytes, with data.channels),
// then fingerprinted (exact and, when asked, perceptual hash), measured, and, for the training
// split, its pixels summed per channel. Image files are decoded by `threads` threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "data/dataset.hpp"
#include "diagnostics/pixel_hash.hpp"

namespace imgcls {

struct ImageFacts {
  std::string error;  // "" when the image is usable, else why not ("empty file", "truncated JPEG ...")
  int64_t height = 0, width = 0;
  // The channels the file stores (1 grey, 2 grey + alpha, 3 colour, 4 colour + alpha), read
  // from a PNG, JPEG or BMP header; 0 when unknown (other formats). An in-memory dataset's
  // own channel count.
  int64_t file_channels = 0;
  PixelHash hash;
  uint64_t perceptual = 0;  // when ScanSettings::perceptual
};

// Per-channel sums of pixel values (0..255) and of their squares, exact.
struct PixelSums {
  std::vector<uint64_t> sum, sum_sq;
  uint64_t pixels = 0;  // per channel
  void add(const PixelSums& other);
  // In [0, 1], as ToTensor sees the pixels: the mean and the population standard deviation
  // over every pixel of every image (images weigh by their pixel count).
  std::vector<double> mean() const;
  std::vector<double> std() const;
};

struct ScanSettings {
  int64_t threads = 1;      // image files are decoded by this many threads (>= 1)
  bool perceptual = false;  // compute ImageFacts::perceptual and SplitScan::thumbnails
  bool pixel_sums = false;  // fill SplitScan::pixels
};

struct SplitScan {
  std::vector<ImageFacts> images;     // one per sample, in the split's order
  std::vector<Thumbnail> thumbnails;  // one per sample when ScanSettings::perceptual, else empty
  PixelSums pixels;                   // of the usable images, when ScanSettings::pixel_sums
};

// Scans every sample of `split`. An unusable image file gets its reason in ImageFacts::error
// (never throws for one); anything else (out of memory, a thread that cannot start) throws.
SplitScan scan_split(const Dataset& split, const ScanSettings& settings);

// The channel count a PNG, JPEG or BMP file stores, from its header; 0 when it is none of
// those or the header is cut short.
int64_t stored_channels(const std::vector<unsigned char>& bytes);

}  // namespace imgcls
