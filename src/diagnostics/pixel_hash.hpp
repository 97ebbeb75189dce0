// Fingerprints of decoded images, for finding duplicates (imgcls data check).
//
// pixel_hash: 128 bits of the image's shape and pixel bytes. Equal images hash equal; two
// different images of a million-image dataset share a hash with probability below 2^-88, so
// equal hashes are treated as exact duplicates.
//
// perceptual_hash: the 64-bit DCT hash ("pHash", Zauner 2010) of the image as grey levels:
// scaled to 32x32 (area averaging), 2-D DCT, the 8x8 lowest frequencies without the DC term
// compared with their median. Resized, re-encoded or slightly brightened copies differ in a
// few bits; unrelated images in about half of them. Small, centred images (Fashion-MNIST) of
// one kind also match within a few bits, so near duplicates are confirmed on a 16x16 grey
// thumbnail (duplicates.hpp). No LibTorch.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>

namespace cv {
class Mat;  // duplicates.cpp (in imgcls_base, without OpenCV) needs only PixelHash
}

namespace imgcls {

struct PixelHash {
  uint64_t lo = 0, hi = 0;
  bool operator==(const PixelHash& o) const { return lo == o.lo && hi == o.hi; }
  bool operator!=(const PixelHash& o) const { return !(*this == o); }
};

// `size` bytes of pixels and the shape they have (any layout: CHW or HWC, as long as a
// dataset uses one).
PixelHash pixel_hash(const uint8_t* data, std::size_t size, int64_t channels, int64_t height, int64_t width);

// An 8-bit image (1 or 3 channels; any stride).
PixelHash pixel_hash(const cv::Mat& image);

// An 8-bit image of 1 or 3 channels (RGB), any size; 3 channels are turned grey first.
uint64_t perceptual_hash(const cv::Mat& image);

// The image as 16x16 grey levels (area averages of the hash's 32x32), row-major.
using Thumbnail = std::array<uint8_t, 256>;
struct NearPrint {
  uint64_t hash = 0;  // perceptual_hash
  Thumbnail thumbnail{};
};
NearPrint near_print(const cv::Mat& image);

// The number of bits in which two perceptual hashes differ (0..64).
int hamming_distance(uint64_t a, uint64_t b);

}  // namespace imgcls
