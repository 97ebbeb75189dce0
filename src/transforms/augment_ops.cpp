#include "transforms/augment_ops.hpp"

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>
#include <stdexcept>

namespace imgcls {
namespace {

// torch.linspace(start, end, steps) in float32 (ATen's kernel: the first half counted up from
// start, the second down from end), each value as Python's float() of it.
std::vector<double> linspace_f32(double start_d, double end_d, int64_t steps) {
  const auto start = static_cast<float>(start_d), end = static_cast<float>(end_d);
  std::vector<double> v(static_cast<std::size_t>(steps));
  if (steps == 1) {
    v[0] = start;
    return v;
  }
  const float step = (end - start) / static_cast<float>(steps - 1);
  const int64_t halfway = steps / 2;
  for (int64_t i = 0; i < steps; ++i)
    v[static_cast<std::size_t>(i)] =
        i < halfway ? start + step * static_cast<float>(i) : end - step * static_cast<float>(steps - i - 1);
  return v;
}

// 8 - (torch.arange(num_bins) / ((num_bins - 1) / divisor)).round().int()
std::vector<double> posterize_bits(int64_t num_bins, double divisor) {
  std::vector<double> v;
  const auto d = static_cast<float>(static_cast<double>(num_bins - 1) / divisor);
  for (int64_t i = 0; i < num_bins; ++i) v.push_back(8.0 - std::nearbyint(static_cast<float>(i) / d));
  return v;
}

// PIL's RGB -> L: (299 R + 587 G + 114 B) / 1000 in 16-bit fixed point, rounded.
cv::Mat pil_gray(const cv::Mat& img) {
  if (img.channels() == 1) return img.clone();
  cv::Mat out(img.size(), CV_8UC1);
  for (int y = 0; y < img.rows; ++y) {
    const auto* in = img.ptr<cv::Vec3b>(y);
    auto* o = out.ptr<uint8_t>(y);
    for (int x = 0; x < img.cols; ++x)
      o[x] = static_cast<uint8_t>((in[x][0] * 19595 + in[x][1] * 38470 + in[x][2] * 7471 + 0x8000) >> 16);
  }
  return out;
}

// PIL's Image.blend(degenerate, img, factor): degenerate + factor (img - degenerate) in float,
// clipped and truncated (ImageEnhance's enhance()).
cv::Mat pil_blend(const cv::Mat& degenerate, const cv::Mat& img, double factor) {
  const auto alpha = static_cast<float>(factor);
  cv::Mat out(img.size(), img.type());
  const auto n = static_cast<std::size_t>(img.cols) * static_cast<std::size_t>(img.channels());
  for (int y = 0; y < img.rows; ++y) {
    const auto* a = degenerate.ptr<uint8_t>(y);
    const auto* b = img.ptr<uint8_t>(y);
    auto* o = out.ptr<uint8_t>(y);
    for (std::size_t i = 0; i < n; ++i) {
      const float t =
          static_cast<float>(a[i]) + alpha * static_cast<float>(static_cast<int>(b[i]) - static_cast<int>(a[i]));
      o[i] = t <= 0.0f ? 0 : t >= 255.0f ? 255 : static_cast<uint8_t>(t);
    }
  }
  return out;
}

cv::Mat as_channels(const cv::Mat& gray, int channels) {
  if (channels == 1) return gray;
  cv::Mat out;
  cv::cvtColor(gray, out, cv::COLOR_GRAY2RGB);
  return out;
}

// ImageFilter.SMOOTH: [[1, 1, 1], [1, 5, 1], [1, 1, 1]] / 13, rounded; PIL keeps the border
// pixels as they are.
cv::Mat pil_smooth(const cv::Mat& img) {
  cv::Mat out = img.clone();
  const int c = img.channels();
  for (int y = 1; y + 1 < img.rows; ++y) {
    const auto* r0 = img.ptr<uint8_t>(y - 1);
    const auto* r1 = img.ptr<uint8_t>(y);
    const auto* r2 = img.ptr<uint8_t>(y + 1);
    auto* o = out.ptr<uint8_t>(y);
    for (int x = 1; x + 1 < img.cols; ++x)
      for (int k = 0; k < c; ++k) {
        const int i = x * c + k;
        const int sum =
            r0[i - c] + r0[i] + r0[i + c] + r1[i - c] + 5 * r1[i] + r1[i + c] + r2[i - c] + r2[i] + r2[i + c];
        o[i] = static_cast<uint8_t>(std::min(255.0, std::floor(sum / 13.0 + 0.5)));
      }
  }
  return out;
}

// One look-up table per channel.
cv::Mat apply_luts(const cv::Mat& img, const std::vector<std::vector<int>>& luts) {
  cv::Mat lut(1, 256, CV_8UC(img.channels()));
  for (int i = 0; i < 256; ++i)
    for (int k = 0; k < img.channels(); ++k)
      lut.ptr<uint8_t>(0)[i * img.channels() + k] =
          static_cast<uint8_t>(std::clamp(luts[static_cast<std::size_t>(k)][static_cast<std::size_t>(i)], 0, 255));
  cv::Mat out;
  cv::LUT(img, lut, out);
  return out;
}

std::vector<std::vector<int>> histograms(const cv::Mat& img) {
  std::vector<std::vector<int>> h(static_cast<std::size_t>(img.channels()), std::vector<int>(256, 0));
  const int c = img.channels();
  for (int y = 0; y < img.rows; ++y) {
    const auto* p = img.ptr<uint8_t>(y);
    for (int x = 0; x < img.cols; ++x)
      for (int k = 0; k < c; ++k) ++h[static_cast<std::size_t>(k)][p[x * c + k]];
  }
  return h;
}

// ImageOps.autocontrast (cutoff 0): each channel's [lo, hi] stretched to [0, 255], truncated.
cv::Mat autocontrast(const cv::Mat& img) {
  std::vector<std::vector<int>> luts;
  for (const auto& h : histograms(img)) {
    int lo = 0, hi = 255;
    while (lo < 256 && h[static_cast<std::size_t>(lo)] == 0) ++lo;
    while (hi >= 0 && h[static_cast<std::size_t>(hi)] == 0) --hi;
    std::vector<int> lut(256);
    for (int i = 0; i < 256; ++i) lut[static_cast<std::size_t>(i)] = i;
    if (hi > lo) {
      const double scale = 255.0 / (hi - lo), offset = -lo * scale;
      for (int i = 0; i < 256; ++i)
        lut[static_cast<std::size_t>(i)] = std::clamp(static_cast<int>(i * scale + offset), 0, 255);
    }
    luts.push_back(lut);
  }
  return apply_luts(img, luts);
}

// ImageOps.equalize: each channel's cumulative histogram, PIL's integer steps.
cv::Mat equalize(const cv::Mat& img) {
  std::vector<std::vector<int>> luts;
  for (const auto& h : histograms(img)) {
    std::vector<int> lut(256);
    for (int i = 0; i < 256; ++i) lut[static_cast<std::size_t>(i)] = i;
    int64_t total = 0, last = 0, nonzero = 0;
    for (int v : h)
      if (v) total += v, last = v, ++nonzero;
    if (nonzero > 1) {
      const int64_t step = (total - last) / 255;
      if (step) {
        int64_t n = step / 2;
        for (int i = 0; i < 256; ++i) {
          lut[static_cast<std::size_t>(i)] = static_cast<int>(n / step);
          n += h[static_cast<std::size_t>(i)];
        }
      }
    }
    luts.push_back(lut);
  }
  return apply_luts(img, luts);
}

cv::Mat lut_all(const cv::Mat& img, int (*f)(int, double), double arg) {
  std::vector<int> lut(256);
  for (int i = 0; i < 256; ++i) lut[static_cast<std::size_t>(i)] = f(i, arg);
  return apply_luts(img, std::vector<std::vector<int>>(static_cast<std::size_t>(img.channels()), lut));
}

// torchvision's _get_inverse_affine_matrix (PIL's output -> input matrix, about `center`).
std::vector<double> inverse_affine(double cx, double cy, double angle, double tx, double ty, double shear_x,
                                   double shear_y) {
  const double rot = angle * M_PI / 180.0, sx = shear_x * M_PI / 180.0, sy = shear_y * M_PI / 180.0;
  const double a = std::cos(rot - sy) / std::cos(sy);
  const double b = -std::cos(rot - sy) * std::tan(sx) / std::cos(sy) - std::sin(rot);
  const double c = std::sin(rot - sy) / std::cos(sy);
  const double d = -std::sin(rot - sy) * std::tan(sx) / std::cos(sy) + std::cos(rot);
  std::vector<double> m = {d, -b, 0.0, -c, a, 0.0};
  m[2] += m[0] * (-cx - tx) + m[1] * (-cy - ty);
  m[5] += m[3] * (-cx - tx) + m[4] * (-cy - ty);
  m[2] += cx;
  m[5] += cy;
  return m;
}

// PIL's Image.transform(AFFINE, m) (Geometry.c): output pixel (x, y) samples the input at
// m * (x + 0.5, y + 0.5); points outside the image give `fill`. Nearest: the pixel the point
// falls in, in PIL's 16.16 fixed point (affine_fixed) unless the map only scales/translates;
// bilinear and bicubic: PIL's filters (neighbours clamped at the border, truncated to 8 bits;
// its bicubic is the a = -1 cubic).
int clip_index(int v, int size) { return v < 0 ? 0 : v >= size ? size - 1 : v; }

uint8_t to_u8_truncated(double v) { return v <= 0.0 ? 0 : v >= 255.0 ? 255 : static_cast<uint8_t>(v); }

double cubic(double v1, double v2, double v3, double v4, double d) {
  const double p1 = v2, p2 = -v1 + v3, p3 = 2 * (v1 - v2) + v3 - v4, p4 = -v1 + v2 - v3 + v4;
  return p1 + d * (p2 + d * (p3 + d * p4));
}

cv::Mat pil_affine(const cv::Mat& img, const std::vector<double>& m, const std::string& interpolation, double fill) {
  const int c = img.channels(), w = img.cols, h = img.rows;
  const auto f = static_cast<uint8_t>(std::lround(fill));
  cv::Mat out(img.size(), img.type(), cv::Scalar::all(f));
  if (interpolation == "nearest") {
    if (m[1] == 0 && m[3] == 0) {  // ImagingScaleAffine: the same points, in floating point
      for (int y = 0; y < h; ++y) {
        auto* o = out.ptr<uint8_t>(y);
        const double v = m[4] * (y + 0.5) + m[5];
        const int iy = v < 0 ? -1 : static_cast<int>(v);
        if (iy < 0 || iy >= h) continue;
        const auto* in = img.ptr<uint8_t>(iy);
        for (int x = 0; x < w; ++x) {
          const double u = m[0] * (x + 0.5) + m[2];
          const int ix = u < 0 ? -1 : static_cast<int>(u);
          if (ix >= 0 && ix < w)
            for (int k = 0; k < c; ++k) o[x * c + k] = in[ix * c + k];
        }
      }
      return out;
    }
    const auto fix = [](double v) { return static_cast<int64_t>(std::floor(v * 65536.0 + 0.5)); };
    const int64_t a0 = fix(m[0]), a1 = fix(m[1]), a3 = fix(m[3]), a4 = fix(m[4]);
    int64_t a2 = fix(m[2] + m[0] * 0.5 + m[1] * 0.5), a5 = fix(m[5] + m[3] * 0.5 + m[4] * 0.5);
    for (int y = 0; y < h; ++y, a2 += a1, a5 += a4) {
      auto* o = out.ptr<uint8_t>(y);
      int64_t xx = a2, yy = a5;
      for (int x = 0; x < w; ++x, xx += a0, yy += a3) {
        const int64_t ix = xx >> 16, iy = yy >> 16;  // arithmetic shift: floor
        if (ix >= 0 && ix < w && iy >= 0 && iy < h) {
          const auto* in = img.ptr<uint8_t>(static_cast<int>(iy)) + ix * c;
          for (int k = 0; k < c; ++k) o[x * c + k] = in[k];
        }
      }
    }
    return out;
  }
  const bool bicubic = interpolation == "bicubic";
  for (int y = 0; y < h; ++y) {
    auto* o = out.ptr<uint8_t>(y);
    for (int x = 0; x < w; ++x) {
      double xin = m[0] * (x + 0.5) + m[1] * (y + 0.5) + m[2];
      double yin = m[3] * (x + 0.5) + m[4] * (y + 0.5) + m[5];
      if (xin < 0.0 || xin >= w || yin < 0.0 || yin >= h) continue;
      xin -= 0.5, yin -= 0.5;
      int ix = static_cast<int>(std::floor(xin)), iy = static_cast<int>(std::floor(yin));
      const double dx = xin - ix, dy = yin - iy;
      if (!bicubic) {
        const int x0 = clip_index(ix, w) * c, x1 = clip_index(ix + 1, w) * c;
        const auto* r0 = img.ptr<uint8_t>(clip_index(iy, h));
        const bool second = iy + 1 >= 0 && iy + 1 < h;
        const auto* r1 = second ? img.ptr<uint8_t>(iy + 1) : r0;
        for (int k = 0; k < c; ++k) {
          const double v1 = r0[x0 + k] + (r0[x1 + k] - r0[x0 + k]) * dx;
          const double v2 = second ? r1[x0 + k] + (r1[x1 + k] - r1[x0 + k]) * dx : v1;
          o[x * c + k] = to_u8_truncated(v1 + (v2 - v1) * dy);
        }
        continue;
      }
      --ix, --iy;
      int xs[4];
      for (int i = 0; i < 4; ++i) xs[i] = clip_index(ix + i, w) * c;
      for (int k = 0; k < c; ++k) {
        double v[4];
        const auto row_value = [&](const uint8_t* r) {
          return cubic(r[xs[0] + k], r[xs[1] + k], r[xs[2] + k], r[xs[3] + k], dx);
        };
        v[0] = row_value(img.ptr<uint8_t>(clip_index(iy, h)));
        for (int i = 1; i < 4; ++i) v[i] = iy + i >= 0 && iy + i < h ? row_value(img.ptr<uint8_t>(iy + i)) : v[i - 1];
        o[x * c + k] = to_u8_truncated(cubic(v[0], v[1], v[2], v[3], dy));
      }
    }
  }
  return out;
}

// PIL's Image.rotate(angle) about (w / 2, h / 2), counter-clockwise, same size.
std::vector<double> rotate_matrix(double degrees, int w, int h) {
  const double angle = -degrees * M_PI / 180.0;
  const auto round15 = [](double v) { return std::round(v * 1e15) / 1e15; };  // PIL: round(cos(angle), 15)
  const double cos_a = round15(std::cos(angle)), sin_a = round15(std::sin(angle));
  std::vector<double> m = {cos_a, sin_a, 0.0, -sin_a, cos_a, 0.0};
  const double cx = w / 2.0, cy = h / 2.0;
  m[2] = m[0] * -cx + m[1] * -cy + cx;
  m[5] = m[3] * -cx + m[4] * -cy + cy;
  return m;
}

}  // namespace

const char* augment_op_name(AugmentOp op) {
  switch (op) {
    case AugmentOp::kIdentity:
      return "Identity";
    case AugmentOp::kShearX:
      return "ShearX";
    case AugmentOp::kShearY:
      return "ShearY";
    case AugmentOp::kTranslateX:
      return "TranslateX";
    case AugmentOp::kTranslateY:
      return "TranslateY";
    case AugmentOp::kRotate:
      return "Rotate";
    case AugmentOp::kBrightness:
      return "Brightness";
    case AugmentOp::kColor:
      return "Color";
    case AugmentOp::kContrast:
      return "Contrast";
    case AugmentOp::kSharpness:
      return "Sharpness";
    case AugmentOp::kPosterize:
      return "Posterize";
    case AugmentOp::kSolarize:
      return "Solarize";
    case AugmentOp::kAutoContrast:
      return "AutoContrast";
    case AugmentOp::kEqualize:
      return "Equalize";
    case AugmentOp::kInvert:
      return "Invert";
  }
  return "?";
}

std::vector<OpSpace> rand_augment_space(int64_t n, int64_t height, int64_t width) {
  return {{AugmentOp::kIdentity, {}, false},
          {AugmentOp::kShearX, linspace_f32(0.0, 0.3, n), true},
          {AugmentOp::kShearY, linspace_f32(0.0, 0.3, n), true},
          {AugmentOp::kTranslateX, linspace_f32(0.0, 150.0 / 331.0 * static_cast<double>(width), n), true},
          {AugmentOp::kTranslateY, linspace_f32(0.0, 150.0 / 331.0 * static_cast<double>(height), n), true},
          {AugmentOp::kRotate, linspace_f32(0.0, 30.0, n), true},
          {AugmentOp::kBrightness, linspace_f32(0.0, 0.9, n), true},
          {AugmentOp::kColor, linspace_f32(0.0, 0.9, n), true},
          {AugmentOp::kContrast, linspace_f32(0.0, 0.9, n), true},
          {AugmentOp::kSharpness, linspace_f32(0.0, 0.9, n), true},
          {AugmentOp::kPosterize, posterize_bits(n, 4.0), false},
          {AugmentOp::kSolarize, linspace_f32(255.0, 0.0, n), false},
          {AugmentOp::kAutoContrast, {}, false},
          {AugmentOp::kEqualize, {}, false}};
}

std::vector<OpSpace> trivial_augment_wide_space(int64_t n) {
  return {{AugmentOp::kIdentity, {}, false},
          {AugmentOp::kShearX, linspace_f32(0.0, 0.99, n), true},
          {AugmentOp::kShearY, linspace_f32(0.0, 0.99, n), true},
          {AugmentOp::kTranslateX, linspace_f32(0.0, 32.0, n), true},
          {AugmentOp::kTranslateY, linspace_f32(0.0, 32.0, n), true},
          {AugmentOp::kRotate, linspace_f32(0.0, 135.0, n), true},
          {AugmentOp::kBrightness, linspace_f32(0.0, 0.99, n), true},
          {AugmentOp::kColor, linspace_f32(0.0, 0.99, n), true},
          {AugmentOp::kContrast, linspace_f32(0.0, 0.99, n), true},
          {AugmentOp::kSharpness, linspace_f32(0.0, 0.99, n), true},
          {AugmentOp::kPosterize, posterize_bits(n, 6.0), false},
          {AugmentOp::kSolarize, linspace_f32(255.0, 0.0, n), false},
          {AugmentOp::kAutoContrast, {}, false},
          {AugmentOp::kEqualize, {}, false}};
}

std::vector<OpSpace> auto_augment_space(int64_t height, int64_t width) {
  auto space = rand_augment_space(10, height, width);
  space.erase(space.begin());  // no Identity
  space.push_back({AugmentOp::kInvert, {}, false});
  return space;
}

const std::vector<SubPolicy>& auto_augment_policy(const std::string& name) {
  using O = AugmentOp;
  constexpr int kNone = -1;
  static const std::vector<SubPolicy> imagenet = {
      {{O::kPosterize, 0.4, 8}, {O::kRotate, 0.6, 9}},
      {{O::kSolarize, 0.6, 5}, {O::kAutoContrast, 0.6, kNone}},
      {{O::kEqualize, 0.8, kNone}, {O::kEqualize, 0.6, kNone}},
      {{O::kPosterize, 0.6, 7}, {O::kPosterize, 0.6, 6}},
      {{O::kEqualize, 0.4, kNone}, {O::kSolarize, 0.2, 4}},
      {{O::kEqualize, 0.4, kNone}, {O::kRotate, 0.8, 8}},
      {{O::kSolarize, 0.6, 3}, {O::kEqualize, 0.6, kNone}},
      {{O::kPosterize, 0.8, 5}, {O::kEqualize, 1.0, kNone}},
      {{O::kRotate, 0.2, 3}, {O::kSolarize, 0.6, 8}},
      {{O::kEqualize, 0.6, kNone}, {O::kPosterize, 0.4, 6}},
      {{O::kRotate, 0.8, 8}, {O::kColor, 0.4, 0}},
      {{O::kRotate, 0.4, 9}, {O::kEqualize, 0.6, kNone}},
      {{O::kEqualize, 0.0, kNone}, {O::kEqualize, 0.8, kNone}},
      {{O::kInvert, 0.6, kNone}, {O::kEqualize, 1.0, kNone}},
      {{O::kColor, 0.6, 4}, {O::kContrast, 1.0, 8}},
      {{O::kRotate, 0.8, 8}, {O::kColor, 1.0, 2}},
      {{O::kColor, 0.8, 8}, {O::kSolarize, 0.8, 7}},
      {{O::kSharpness, 0.4, 7}, {O::kInvert, 0.6, kNone}},
      {{O::kShearX, 0.6, 5}, {O::kEqualize, 1.0, kNone}},
      {{O::kColor, 0.4, 0}, {O::kEqualize, 0.6, kNone}},
      {{O::kEqualize, 0.4, kNone}, {O::kSolarize, 0.2, 4}},
      {{O::kSolarize, 0.6, 5}, {O::kAutoContrast, 0.6, kNone}},
      {{O::kInvert, 0.6, kNone}, {O::kEqualize, 1.0, kNone}},
      {{O::kColor, 0.6, 4}, {O::kContrast, 1.0, 8}},
      {{O::kEqualize, 0.8, kNone}, {O::kEqualize, 0.6, kNone}},
  };
  static const std::vector<SubPolicy> cifar10 = {
      {{O::kInvert, 0.1, kNone}, {O::kContrast, 0.2, 6}},
      {{O::kRotate, 0.7, 2}, {O::kTranslateX, 0.3, 9}},
      {{O::kSharpness, 0.8, 1}, {O::kSharpness, 0.9, 3}},
      {{O::kShearY, 0.5, 8}, {O::kTranslateY, 0.7, 9}},
      {{O::kAutoContrast, 0.5, kNone}, {O::kEqualize, 0.9, kNone}},
      {{O::kShearY, 0.2, 7}, {O::kPosterize, 0.3, 7}},
      {{O::kColor, 0.4, 3}, {O::kBrightness, 0.6, 7}},
      {{O::kSharpness, 0.3, 9}, {O::kBrightness, 0.7, 9}},
      {{O::kEqualize, 0.6, kNone}, {O::kEqualize, 0.5, kNone}},
      {{O::kContrast, 0.6, 7}, {O::kSharpness, 0.6, 5}},
      {{O::kColor, 0.7, 7}, {O::kTranslateX, 0.5, 8}},
      {{O::kEqualize, 0.3, kNone}, {O::kAutoContrast, 0.4, kNone}},
      {{O::kTranslateY, 0.4, 3}, {O::kSharpness, 0.2, 6}},
      {{O::kBrightness, 0.9, 6}, {O::kColor, 0.2, 8}},
      {{O::kSolarize, 0.5, 2}, {O::kInvert, 0.0, kNone}},
      {{O::kEqualize, 0.2, kNone}, {O::kAutoContrast, 0.6, kNone}},
      {{O::kEqualize, 0.2, kNone}, {O::kEqualize, 0.6, kNone}},
      {{O::kColor, 0.9, 9}, {O::kEqualize, 0.6, kNone}},
      {{O::kAutoContrast, 0.8, kNone}, {O::kSolarize, 0.2, 8}},
      {{O::kBrightness, 0.1, 3}, {O::kColor, 0.7, 0}},
      {{O::kSolarize, 0.4, 5}, {O::kAutoContrast, 0.9, kNone}},
      {{O::kTranslateY, 0.9, 9}, {O::kTranslateY, 0.7, 9}},
      {{O::kAutoContrast, 0.9, kNone}, {O::kSolarize, 0.8, 3}},
      {{O::kEqualize, 0.8, kNone}, {O::kInvert, 0.1, kNone}},
      {{O::kTranslateY, 0.7, 9}, {O::kAutoContrast, 0.9, kNone}},
  };
  static const std::vector<SubPolicy> svhn = {
      {{O::kShearX, 0.9, 4}, {O::kInvert, 0.2, kNone}},
      {{O::kShearY, 0.9, 8}, {O::kInvert, 0.7, kNone}},
      {{O::kEqualize, 0.6, kNone}, {O::kSolarize, 0.6, 6}},
      {{O::kInvert, 0.9, kNone}, {O::kEqualize, 0.6, kNone}},
      {{O::kEqualize, 0.6, kNone}, {O::kRotate, 0.9, 3}},
      {{O::kShearX, 0.9, 4}, {O::kAutoContrast, 0.8, kNone}},
      {{O::kShearY, 0.9, 8}, {O::kInvert, 0.4, kNone}},
      {{O::kShearY, 0.9, 5}, {O::kSolarize, 0.2, 6}},
      {{O::kInvert, 0.9, kNone}, {O::kAutoContrast, 0.8, kNone}},
      {{O::kEqualize, 0.6, kNone}, {O::kRotate, 0.9, 3}},
      {{O::kShearX, 0.9, 4}, {O::kSolarize, 0.3, 3}},
      {{O::kShearY, 0.8, 8}, {O::kInvert, 0.7, kNone}},
      {{O::kEqualize, 0.9, kNone}, {O::kTranslateY, 0.6, 6}},
      {{O::kInvert, 0.9, kNone}, {O::kEqualize, 0.6, kNone}},
      {{O::kContrast, 0.3, 3}, {O::kRotate, 0.8, 4}},
      {{O::kInvert, 0.8, kNone}, {O::kTranslateY, 0.0, 2}},
      {{O::kShearY, 0.7, 6}, {O::kSolarize, 0.4, 8}},
      {{O::kInvert, 0.6, kNone}, {O::kRotate, 0.8, 4}},
      {{O::kShearY, 0.3, 7}, {O::kTranslateX, 0.9, 3}},
      {{O::kShearX, 0.1, 6}, {O::kInvert, 0.6, kNone}},
      {{O::kSolarize, 0.7, 2}, {O::kTranslateY, 0.6, 7}},
      {{O::kShearY, 0.8, 4}, {O::kInvert, 0.8, kNone}},
      {{O::kShearX, 0.7, 9}, {O::kTranslateY, 0.8, 3}},
      {{O::kShearY, 0.8, 5}, {O::kAutoContrast, 0.7, kNone}},
      {{O::kShearX, 0.7, 2}, {O::kInvert, 0.1, kNone}},
  };
  if (name == "imagenet") return imagenet;
  if (name == "cifar10") return cifar10;
  if (name == "svhn") return svhn;
  throw std::invalid_argument("unknown AutoAugment policy '" + name + "'");
}

cv::Mat apply_augment_op(const cv::Mat& img, AugmentOp op, double magnitude, const std::string& interpolation,
                         double fill) {
  const int w = img.cols, h = img.rows;
  const double degrees_of = std::atan(magnitude) * 180.0 / M_PI;
  switch (op) {
    case AugmentOp::kIdentity:
      return img.clone();
    case AugmentOp::kShearX:
      return pil_affine(img, inverse_affine(0, 0, 0, 0, 0, degrees_of, 0), interpolation, fill);
    case AugmentOp::kShearY:
      return pil_affine(img, inverse_affine(0, 0, 0, 0, 0, 0, degrees_of), interpolation, fill);
    case AugmentOp::kTranslateX:
      return pil_affine(img, inverse_affine(w * 0.5, h * 0.5, 0, static_cast<int>(magnitude), 0, 0, 0), interpolation,
                        fill);
    case AugmentOp::kTranslateY:
      return pil_affine(img, inverse_affine(w * 0.5, h * 0.5, 0, 0, static_cast<int>(magnitude), 0, 0), interpolation,
                        fill);
    case AugmentOp::kRotate:
      return pil_affine(img, rotate_matrix(magnitude, w, h), interpolation, fill);
    case AugmentOp::kBrightness:
      return pil_blend(cv::Mat::zeros(img.size(), img.type()), img, 1.0 + magnitude);
    case AugmentOp::kColor:
      if (img.channels() == 1) return img.clone();
      return pil_blend(as_channels(pil_gray(img), img.channels()), img, 1.0 + magnitude);
    case AugmentOp::kContrast: {
      const int mean = static_cast<int>(cv::mean(pil_gray(img))[0] + 0.5);
      return pil_blend(cv::Mat(img.size(), img.type(), cv::Scalar::all(mean)), img, 1.0 + magnitude);
    }
    case AugmentOp::kSharpness:
      return pil_blend(pil_smooth(img), img, 1.0 + magnitude);
    case AugmentOp::kPosterize:
      return lut_all(
          img, [](int i, double bits) { return i & ~((1 << (8 - static_cast<int>(bits))) - 1); }, magnitude);
    case AugmentOp::kSolarize:
      return lut_all(
          img, [](int i, double threshold) { return i < threshold ? i : 255 - i; }, magnitude);
    case AugmentOp::kAutoContrast:
      return autocontrast(img);
    case AugmentOp::kEqualize:
      return equalize(img);
    case AugmentOp::kInvert:
      return lut_all(
          img, [](int i, double) { return 255 - i; }, 0.0);
  }
  throw std::invalid_argument("apply_augment_op: unknown op");
}

}  // namespace imgcls
