// Pillow 13's libImaging/Resample.c (8-bit path) and Geometry.c's ImagingScaleAffine
// (nearest), rewritten for OpenCV's interleaved HWC images. Every constant, rounding and
// clipping step follows Pillow so that the bytes agree; the loops are reordered for speed
// only where that changes no arithmetic (the vertical pass accumulates a whole row at once).
#include "transforms/pil_resample.hpp"

#include <opencv2/core.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace imgcls {
namespace {

constexpr double kPi = 3.14159265358979323846;

double box_filter(double x) { return x > -0.5 && x <= 0.5 ? 1.0 : 0.0; }

double bilinear_filter(double x) {
  x = std::fabs(x);
  return x < 1.0 ? 1.0 - x : 0.0;
}

double hamming_filter(double x) {
  x = std::fabs(x);
  if (x == 0.0) return 1.0;
  if (x >= 1.0) return 0.0;
  x = x * kPi;
  return std::sin(x) / x * (0.54f + 0.46f * std::cos(x));  // Pillow's float constants
}

double bicubic_filter(double x) {
  constexpr double a = -0.5;
  x = std::fabs(x);
  if (x < 1.0) return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
  if (x < 2.0) return (((x - 5) * x + 8) * x - 4) * a;
  return 0.0;
}

double sinc_filter(double x) {
  if (x == 0.0) return 1.0;
  x = x * kPi;
  return std::sin(x) / x;
}

double lanczos_filter(double x) { return -3.0 <= x && x < 3.0 ? sinc_filter(x) * sinc_filter(x / 3) : 0.0; }

struct Filter {
  double (*fn)(double);
  double support;
};

Filter filter_for(PilFilter f) {
  switch (f) {
    case PilFilter::kBox: return {box_filter, 0.5};
    case PilFilter::kBilinear: return {bilinear_filter, 1.0};
    case PilFilter::kHamming: return {hamming_filter, 1.0};
    case PilFilter::kBicubic: return {bicubic_filter, 2.0};
    case PilFilter::kLanczos: return {lanczos_filter, 3.0};
    case PilFilter::kNearest: break;
  }
  throw std::invalid_argument("pil_resize: nearest has no filter");
}

// 8 bits of result, 2 for the overshoot of negative lobes: Pillow's PRECISION_BITS.
constexpr int kPrecisionBits = 32 - 8 - 2;

inline uint8_t clip8(int32_t v) {
  const int32_t s = v >> kPrecisionBits;  // arithmetic shift: floor, as Pillow's lookup table
  return static_cast<uint8_t>(s < 0 ? 0 : s > 255 ? 255 : s);
}

// One axis' taps: output i reads `count[i]` inputs from `first[i]` with weights
// coeffs[i * ksize ..], in Pillow's fixed point.
struct Taps {
  int ksize = 0;
  std::vector<int> first, count;
  std::vector<int32_t> coeffs;
};

// precompute_coeffs + normalize_coeffs_8bpc, for the whole input axis (box [0, in_size]).
Taps precompute(int in_size, int out_size, const Filter& filter) {
  const auto in0 = 0.0f, in1 = static_cast<float>(in_size);  // Pillow's box is float
  const double scale = static_cast<double>(in1 - in0) / out_size;
  const double filterscale = std::max(scale, 1.0);
  const double support = filter.support * filterscale;
  Taps t;
  t.ksize = static_cast<int>(std::ceil(support)) * 2 + 1;
  t.first.resize(out_size);
  t.count.resize(out_size);
  t.coeffs.assign(static_cast<std::size_t>(out_size) * t.ksize, 0);
  std::vector<double> k(t.ksize);
  for (int xx = 0; xx < out_size; ++xx) {
    const double center = in0 + (xx + 0.5) * scale;
    const double ss = 1.0 / filterscale;
    int xmin = static_cast<int>(center - support + 0.5);  // C's truncation, as Pillow
    if (xmin < 0) xmin = 0;
    int xmax = static_cast<int>(center + support + 0.5);
    if (xmax > in_size) xmax = in_size;
    xmax -= xmin;
    double ww = 0.0;
    for (int x = 0; x < xmax; ++x) {
      const double w = filter.fn((x + xmin - center + 0.5) * ss);
      k[x] = w;
      ww += w;
    }
    for (int x = 0; x < xmax; ++x) {
      if (ww != 0.0) k[x] /= ww;
      const double v = k[x] * (1 << kPrecisionBits);
      t.coeffs[static_cast<std::size_t>(xx) * t.ksize + x] = static_cast<int32_t>(k[x] < 0 ? -0.5 + v : 0.5 + v);
    }
    t.first[xx] = xmin;
    t.count[xx] = xmax;
  }
  return t;
}

// Each output row: the weighted sum of the rows of `in` its taps name (in's row 0 is input
// row `row0`), accumulated a row at a time: the same integer sums in the same order per pixel.
void vertical(const cv::Mat& in, int row0, const Taps& t, cv::Mat& out) {
  const int n = out.cols * out.channels();
  std::vector<int32_t> acc(n);
  const int32_t half = 1 << (kPrecisionBits - 1);
  for (int yy = 0; yy < out.rows; ++yy) {
    std::fill(acc.begin(), acc.end(), half);
    const int32_t* k = &t.coeffs[static_cast<std::size_t>(yy) * t.ksize];
    for (int y = 0; y < t.count[yy]; ++y) {
      const uint8_t* src = in.ptr<uint8_t>(t.first[yy] - row0 + y);
      const int32_t w = k[y];
      int32_t* a = acc.data();
      for (int i = 0; i < n; ++i) a[i] += src[i] * w;
    }
    uint8_t* dst = out.ptr<uint8_t>(yy);
    for (int i = 0; i < n; ++i) dst[i] = clip8(acc[i]);
  }
}

// Geometry.c's ImagingScaleAffine: source coordinate (x + 0.5) * scale, accumulated in
// double as Pillow does, truncated.
std::vector<int> nearest_index(int in_size, int out_size) {
  const double a = static_cast<double>(static_cast<float>(in_size) - 0.0f) / out_size;
  std::vector<int> idx(out_size);
  double xo = 0.0 + a * 0.5;
  for (int x = 0; x < out_size; ++x) {
    const int xin = xo < 0.0 ? -1 : static_cast<int>(xo);
    idx[x] = std::min(std::max(xin, 0), in_size - 1);  // never outside for a plain resize
    xo += a;
  }
  return idx;
}

cv::Mat nearest(const cv::Mat& img, int h, int w) {
  const auto rows = nearest_index(img.rows, h), cols = nearest_index(img.cols, w);
  const auto px = static_cast<int>(img.elemSize());
  cv::Mat out(h, w, img.type());
  for (int y = 0; y < h; ++y) {
    const uint8_t* src = img.ptr<uint8_t>(rows[y]);
    uint8_t* dst = out.ptr<uint8_t>(y);
    for (int x = 0; x < w; ++x)
      for (int c = 0; c < px; ++c) dst[x * px + c] = src[cols[x] * px + c];
  }
  return out;
}

// The horizontal pass over rows [row0, row0 + out.rows) of `in`. Transposed, it is a vertical
// pass, whose row-at-a-time sums the compiler vectorises: about twice as fast as Pillow's
// per-pixel loop on interleaved channels, with the same integer sums per pixel (exact; they
// cannot overflow: Pillow's PRECISION_BITS leave room for the filters' negative lobes).
void horizontal_any(const cv::Mat& in, int row0, const Taps& t, cv::Mat& out) {
  cv::Mat band_t, out_t(out.cols, out.rows, in.type());
  cv::transpose(in.rowRange(row0, row0 + out.rows), band_t);
  vertical(band_t, 0, t, out_t);
  cv::transpose(out_t, out);
}

}  // namespace

bool pil_filter_of(const std::string& name, PilFilter& filter) {
  static const std::pair<const char*, PilFilter> names[] = {
      {"nearest", PilFilter::kNearest}, {"box", PilFilter::kBox},         {"bilinear", PilFilter::kBilinear},
      {"hamming", PilFilter::kHamming}, {"bicubic", PilFilter::kBicubic}, {"lanczos", PilFilter::kLanczos}};
  for (const auto& [n, f] : names)
    if (name == n) return filter = f, true;
  return false;
}

cv::Mat pil_resize(const cv::Mat& img, int h, int w, PilFilter filter) {
  if (img.depth() != CV_8U || img.empty() || img.channels() > 4)
    throw std::invalid_argument("pil_resize: expects a non-empty 8-bit image of 1 to 4 channels");
  if (h <= 0 || w <= 0) throw std::invalid_argument("pil_resize: the size must be positive");
  if (img.rows == h && img.cols == w) return img.clone();  // Pillow copies
  if (filter == PilFilter::kNearest) return nearest(img, h, w);
  const auto f = filter_for(filter);
  const bool need_h = w != img.cols, need_v = h != img.rows;
  const Taps vt = precompute(img.rows, h, f);
  // Pillow 13 (python-pillow/Pillow#9549): when the height shrinks by more than twice what
  // the width does, the vertical pass runs first, over every column. The 8-bit intermediate
  // differs, so the order must be Pillow's.
  if (need_h && need_v && img.rows > h && img.rows - h > 2 * (img.cols - w)) {
    cv::Mat tmp(h, img.cols, img.type());
    vertical(img, 0, vt, tmp);
    cv::Mat out(h, w, img.type());
    horizontal_any(tmp, 0, precompute(img.cols, w, f), out);
    return out;
  }
  // Only the rows the vertical pass reads are resampled horizontally.
  const int first_row = vt.first[0], last_row = vt.first[h - 1] + vt.count[h - 1];
  cv::Mat src = img;
  int row0 = 0;
  if (need_h) {
    const Taps ht = precompute(img.cols, w, f);
    cv::Mat tmp(last_row - first_row, w, img.type());
    horizontal_any(img, first_row, ht, tmp);
    src = tmp, row0 = first_row;
  }
  if (!need_v) return src;
  cv::Mat out(h, src.cols, img.type());
  vertical(src, row0, vt, out);
  return out;
}

}  // namespace imgcls
