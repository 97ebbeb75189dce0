#include "diagnostics/pixel_hash.hpp"

#include <algorithm>
#include <array>
#include <bitset>
#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace imgcls {
namespace {

constexpr uint64_t kMul1 = 0x9E3779B97F4A7C15ULL, kMul2 = 0xC2B2AE3D27D4EB4FULL;

uint64_t rotl(uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

// splitmix64's finaliser: every input bit reaches every output bit.
uint64_t avalanche(uint64_t x) {
  x ^= x >> 30;
  x *= 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 27;
  x *= 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

// Two independent lanes over the same 8-byte words.
struct Hasher {
  uint64_t a = 0x243F6A8885A308D3ULL, b = 0x13198A2E03707344ULL;
  void word(uint64_t w) {
    a = rotl(a ^ (w * kMul1), 29) * kMul2;
    b = rotl(b ^ (w * kMul2), 31) * kMul1 + 0x5851F42D4C957F2DULL;
  }
  void bytes(const uint8_t* p, std::size_t n) {
    for (; n >= 8; p += 8, n -= 8) {
      uint64_t w;
      std::memcpy(&w, p, 8);
      word(w);
    }
    if (n) {
      uint64_t w = 0;
      std::memcpy(&w, p, n);
      word(w ^ (static_cast<uint64_t>(n) << 59));
    }
  }
  PixelHash finish(uint64_t length) const { return {avalanche(a ^ length), avalanche(b + rotl(length, 17))}; }
};

}  // namespace

PixelHash pixel_hash(const uint8_t* data, std::size_t size, int64_t channels, int64_t height, int64_t width) {
  Hasher h;
  h.word(static_cast<uint64_t>(channels));
  h.word(static_cast<uint64_t>(height));
  h.word(static_cast<uint64_t>(width));
  h.bytes(data, size);
  return h.finish(size);
}

PixelHash pixel_hash(const cv::Mat& image) {
  Hasher h;
  h.word(static_cast<uint64_t>(image.channels()));
  h.word(static_cast<uint64_t>(image.rows));
  h.word(static_cast<uint64_t>(image.cols));
  const std::size_t row = static_cast<std::size_t>(image.cols) * image.elemSize();
  if (image.isContinuous()) {
    h.bytes(image.ptr<uint8_t>(0), row * static_cast<std::size_t>(image.rows));
  } else {
    // Rows are hashed as one stream, so a strided view hashes like its continuous copy only
    // when rows are multiples of 8 bytes; copy otherwise.
    if (row % 8 != 0) return pixel_hash(image.clone());
    for (int r = 0; r < image.rows; ++r) h.bytes(image.ptr<uint8_t>(r), row);
  }
  return h.finish(row * static_cast<std::size_t>(image.rows));
}

namespace {

cv::Mat grey32(const cv::Mat& image) {
  cv::Mat grey;
  if (image.channels() == 3)
    cv::cvtColor(image, grey, cv::COLOR_RGB2GRAY);
  else
    grey = image;
  cv::Mat small;
  cv::resize(grey, small, {32, 32}, 0, 0, grey.rows >= 32 && grey.cols >= 32 ? cv::INTER_AREA : cv::INTER_LINEAR);
  return small;
}

uint64_t dct_hash(const cv::Mat& grey) {
  cv::Mat small;
  grey.convertTo(small, CV_32F);
  cv::Mat freq;
  cv::dct(small, freq);
  std::array<float, 64> low{};
  for (int y = 0; y < 8; ++y)
    for (int x = 0; x < 8; ++x) low[static_cast<std::size_t>(y * 8 + x)] = freq.at<float>(y, x);
  std::array<float, 63> ac{};
  std::copy(low.begin() + 1, low.end(), ac.begin());  // without the DC term (overall brightness)
  std::nth_element(ac.begin(), ac.begin() + 31, ac.end());
  const float median = ac[31];
  uint64_t bits = 0;
  for (std::size_t i = 0; i < 64; ++i)
    if (low[i] > median) bits |= uint64_t{1} << i;
  return bits;
}

}  // namespace

uint64_t perceptual_hash(const cv::Mat& image) { return dct_hash(grey32(image)); }

NearPrint near_print(const cv::Mat& image) {
  const auto grey = grey32(image);
  NearPrint p;
  p.hash = dct_hash(grey);
  cv::Mat thumb;
  cv::resize(grey, thumb, {16, 16}, 0, 0, cv::INTER_AREA);
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 16; ++x) p.thumbnail[static_cast<std::size_t>(y * 16 + x)] = thumb.at<uint8_t>(y, x);
  return p;
}

int hamming_distance(uint64_t a, uint64_t b) { return static_cast<int>(std::bitset<64>(a ^ b).count()); }

}  // namespace imgcls
