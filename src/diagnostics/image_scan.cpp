#include "diagnostics/image_scan.hpp"

#include <ATen/ATen.h>

#include <atomic>
#include <cmath>
#include <exception>
#include <fstream>
#include <mutex>
#include <opencv2/core.hpp>
#include <system_error>
#include <thread>

#include "data/image_folder.hpp"
#include "imgcls/errors.hpp"

namespace imgcls {
namespace {

uint32_t be16(const std::vector<unsigned char>& b, std::size_t at) {
  return (static_cast<uint32_t>(b[at]) << 8) | b[at + 1];
}
uint32_t le16(const std::vector<unsigned char>& b, std::size_t at) {
  return static_cast<uint32_t>(b[at]) | (static_cast<uint32_t>(b[at + 1]) << 8);
}
uint32_t le32(const std::vector<unsigned char>& b, std::size_t at) { return le16(b, at) | (le16(b, at + 2) << 16); }

int64_t jpeg_channels(const std::vector<unsigned char>& b) {
  std::size_t pos = 2;
  while (pos + 4 <= b.size()) {
    if (b[pos] != 0xFF) return 0;
    const unsigned m = b[pos + 1];
    if (m == 0xFF) {  // fill byte
      ++pos;
      continue;
    }
    if (m == 0xD8 || m == 0x01 || (m >= 0xD0 && m <= 0xD7)) {  // markers without a length
      pos += 2;
      continue;
    }
    if (m == 0xDA || m == 0xD9) return 0;  // scan data (or the end) before any frame header
    const bool frame = m >= 0xC0 && m <= 0xCF && m != 0xC4 && m != 0xC8 && m != 0xCC;
    if (frame) return pos + 9 < b.size() ? b[pos + 9] : 0;
    pos += 2 + be16(b, pos + 2);
  }
  return 0;
}

void add_pixels(const cv::Mat& img, PixelSums& sums) {
  const int c = img.channels();
  for (int y = 0; y < img.rows; ++y) {
    const uint8_t* p = img.ptr<uint8_t>(y);
    for (int x = 0; x < img.cols; ++x)
      for (int k = 0; k < c; ++k) {
        const uint64_t v = *p++;
        sums.sum[static_cast<std::size_t>(k)] += v;
        sums.sum_sq[static_cast<std::size_t>(k)] += v * v;
      }
  }
  sums.pixels += static_cast<uint64_t>(img.rows) * static_cast<uint64_t>(img.cols);
}

// body(i, sums) for i in [0, n) on `threads` threads (the calling thread alone when 1). The
// first exception a body throws stops the others and is rethrown here.
template <class Body>
PixelSums parallel_scan(int64_t n, int64_t threads, int64_t channels, const Body& body) {
  const auto fresh = [channels] {
    PixelSums s;
    s.sum.assign(static_cast<std::size_t>(channels), 0);
    s.sum_sq.assign(static_cast<std::size_t>(channels), 0);
    return s;
  };
  threads = std::max<int64_t>(1, std::min(threads, n));
  std::vector<PixelSums> local(static_cast<std::size_t>(threads), fresh());
  std::atomic<int64_t> next{0};
  std::atomic<bool> stop{false};
  std::exception_ptr error;
  std::mutex error_mutex;
  const int64_t chunk = 16;
  const auto work = [&](std::size_t t) {
    try {
      for (int64_t start; !stop && (start = next.fetch_add(chunk)) < n;)
        for (int64_t i = start; i < std::min(n, start + chunk); ++i) body(i, local[t]);
    } catch (...) {
      std::lock_guard<std::mutex> lock(error_mutex);
      if (!error) error = std::current_exception();
      stop = true;
    }
  };
  if (threads == 1) {
    work(0);
  } else {
    std::vector<std::thread> pool;
    try {
      for (std::size_t t = 0; t < static_cast<std::size_t>(threads); ++t) pool.emplace_back(work, t);
    } catch (const std::system_error& e) {
      stop = true;
      for (auto& th : pool) th.join();
      throw TrainError("data.workers: could not start scan thread " + std::to_string(pool.size() + 1) + " of " +
                       std::to_string(threads) + ": " + e.what() + " (lower data.workers)");
    }
    for (auto& th : pool) th.join();
  }
  if (error) std::rethrow_exception(error);
  PixelSums total = fresh();
  for (const auto& s : local) total.add(s);
  return total;
}

}  // namespace

void PixelSums::add(const PixelSums& other) {
  if (sum.size() < other.sum.size()) sum.resize(other.sum.size()), sum_sq.resize(other.sum.size());
  for (std::size_t k = 0; k < other.sum.size(); ++k) sum[k] += other.sum[k], sum_sq[k] += other.sum_sq[k];
  pixels += other.pixels;
}

std::vector<double> PixelSums::mean() const {
  std::vector<double> out;
  for (auto s : sum) out.push_back(pixels ? static_cast<double>(s) / static_cast<double>(pixels) / 255.0 : 0.0);
  return out;
}

std::vector<double> PixelSums::std() const {
  std::vector<double> out;
  for (std::size_t k = 0; k < sum.size(); ++k) {
    if (!pixels) {
      out.push_back(0.0);
      continue;
    }
    // From exact integer sums: n * sum_sq - sum^2 in long double keeps the digits that matter.
    const long double n = static_cast<long double>(pixels), s = static_cast<long double>(sum[k]);
    const long double var = (n * static_cast<long double>(sum_sq[k]) - s * s) / (n * n);
    out.push_back(std::sqrt(static_cast<double>(std::max<long double>(var, 0.0L))) / 255.0);
  }
  return out;
}

int64_t stored_channels(const std::vector<unsigned char>& b) {
  if (b.size() >= 26 && b[0] == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G') {
    switch (b[25]) {  // IHDR colour type
      case 0:
        return 1;
      case 2:
        return 3;
      case 3:
        return 3;  // palette
      case 4:
        return 2;
      case 6:
        return 4;
      default:
        return 0;
    }
  }
  if (b.size() >= 4 && b[0] == 0xFF && b[1] == 0xD8 && b[2] == 0xFF) return jpeg_channels(b);
  if (b.size() >= 30 && b[0] == 'B' && b[1] == 'M') {
    const auto bits = le32(b, 14) == 12 ? le16(b, 24) : le16(b, 28);
    return bits == 24 ? 3 : bits == 32 ? 4 : 0;  // 1/4/8 bits: a palette, grey or colour
  }
  return 0;
}

SplitScan scan_split(const Dataset& split, const ScanSettings& settings) {
  SplitScan out;
  const int64_t n = split.size();
  out.images.resize(static_cast<std::size_t>(n));
  if (settings.perceptual) out.thumbnails.resize(static_cast<std::size_t>(n));
  if (n == 0) return out;
  const auto near = [&](int64_t i, const cv::Mat& img) {
    const auto p = near_print(img);
    out.images[static_cast<std::size_t>(i)].perceptual = p.hash;
    out.thumbnails[static_cast<std::size_t>(i)] = p.thumbnail;
  };
  if (split.in_memory()) {
    const auto images = split.images.contiguous();
    const int64_t c = images.size(1), h = images.size(2), w = images.size(3);
    const auto* base = images.data_ptr<uint8_t>();
    const auto plane = static_cast<std::size_t>(h * w);
    out.pixels = parallel_scan(n, settings.threads, c, [&](int64_t i, PixelSums& sums) {
      const uint8_t* p = base + static_cast<std::size_t>(i) * plane * static_cast<std::size_t>(c);
      auto& f = out.images[static_cast<std::size_t>(i)];
      f.height = h, f.width = w, f.file_channels = c;
      f.hash = pixel_hash(p, plane * static_cast<std::size_t>(c), c, h, w);
      if (settings.perceptual) {
        cv::Mat img;
        if (c == 1) {
          img = cv::Mat(static_cast<int>(h), static_cast<int>(w), CV_8UC1, const_cast<uint8_t*>(p));
        } else {
          std::vector<cv::Mat> planes;
          for (int64_t k = 0; k < c; ++k)
            planes.emplace_back(static_cast<int>(h), static_cast<int>(w), CV_8UC1,
                                const_cast<uint8_t*>(p + static_cast<std::size_t>(k) * plane));
          cv::merge(planes, img);
        }
        near(i, img);
      }
      if (settings.pixel_sums) {
        for (int64_t k = 0; k < c; ++k) {
          const uint8_t* q = p + static_cast<std::size_t>(k) * plane;
          uint64_t s = 0, s2 = 0;
          for (std::size_t j = 0; j < plane; ++j) s += q[j], s2 += static_cast<uint64_t>(q[j]) * q[j];
          sums.sum[static_cast<std::size_t>(k)] += s, sums.sum_sq[static_cast<std::size_t>(k)] += s2;
        }
        sums.pixels += plane;
      }
    });
    if (!settings.pixel_sums) out.pixels = PixelSums{};
    return out;
  }
  out.pixels = parallel_scan(n, settings.threads, split.channels, [&](int64_t i, PixelSums& sums) {
    auto& f = out.images[static_cast<std::size_t>(i)];
    const auto& path = split.paths[static_cast<std::size_t>(i)];
    cv::Mat img;
    try {
      const auto bytes = read_image_file(path);
      f.file_channels = stored_channels(bytes);
      img = decode_image_bytes(bytes, path, split.channels, split.max_image_pixels);
    } catch (const BadImageError& e) {
      f.error = e.reason();
      return;
    }
    f.height = img.rows, f.width = img.cols;
    f.hash = pixel_hash(img);
    if (settings.perceptual) near(i, img);
    if (settings.pixel_sums) add_pixels(img, sums);
  });
  if (!settings.pixel_sums) out.pixels = PixelSums{};
  return out;
}

}  // namespace imgcls
