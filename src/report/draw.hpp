// Drawing primitives the charts share (src/report/plot_*.cpp): fonts and colours, text,
// tick steps and labels, rotated labels, pasting. Internal to src/report/; OpenCV only.
#pragma once

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string>

#include "util/strings.hpp"

namespace imgcls::draw {

inline const int kFont = cv::FONT_HERSHEY_SIMPLEX;
inline const cv::Scalar kBlack(30, 30, 30), kGrey(200, 200, 200), kWhite(255, 255, 255);

// matplotlib's tab10, BGR.
inline cv::Scalar color(std::size_t i) {
  static const cv::Scalar palette[] = {{180, 119, 31}, {14, 127, 255}, {44, 160, 44},  {40, 39, 214},
                                       {189, 103, 148}, {75, 86, 140}, {194, 119, 227}, {127, 127, 127},
                                       {34, 189, 188},  {207, 190, 23}};
  return palette[i % 10];
}

inline cv::Size text_size(const std::string& s, double scale, int thickness = 1) {
  int base = 0;
  return cv::getTextSize(s, kFont, scale, thickness, &base);
}

inline void text(cv::Mat& img, const std::string& s, cv::Point at, double scale, const cv::Scalar& c, int thickness = 1) {
  cv::putText(img, s, at, kFont, scale, c, thickness, cv::LINE_AA);
}

// "Nice" tick step for a range: 1, 2 or 5 times a power of ten, about `n` ticks.
inline double nice_step(double range, int n) {
  const double raw = range / n;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * p) return m * p;
  return 10 * p;
}

inline std::string tick_label(double v, double step) {
  const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  return fixed(std::abs(v) < step * 1e-6 ? 0.0 : v, std::min(decimals, 6));
}

// The y label at the left edge, rotated (drawn horizontally on its own canvas, then turned),
// centred on top..bottom; nothing when empty.
inline void draw_y_label(cv::Mat& img, const std::string& y_label, int top, int bottom) {
  if (y_label.empty()) return;
  const auto ts = text_size(y_label, 0.45);
  cv::Mat label(ts.height + 8, ts.width + 4, CV_8UC3, kWhite);
  text(label, y_label, {2, ts.height + 2}, 0.45, kBlack);
  cv::rotate(label, label, cv::ROTATE_90_COUNTERCLOCKWISE);
  const int ly = std::max(0, (top + bottom - label.rows) / 2);
  if (ly + label.rows <= img.rows && 4 + label.cols <= img.cols) label.copyTo(img(cv::Rect(4, ly, label.cols, label.rows)));
}

// `s` written bottom to top, black on white.
inline cv::Mat vertical_text(const std::string& s, double scale) {
  const auto ts = text_size(s, scale);
  cv::Mat label(ts.height + 8, ts.width + 4, CV_8UC3, kWhite);
  text(label, s, {2, ts.height + 2}, scale, kBlack);
  cv::rotate(label, label, cv::ROTATE_90_COUNTERCLOCKWISE);
  return label;
}

// Copies `part` into `img` with its top-left corner at (x, y), when it fits.
inline void paste(cv::Mat& img, const cv::Mat& part, int x, int y) {
  if (x >= 0 && y >= 0 && x + part.cols <= img.cols && y + part.rows <= img.rows)
    part.copyTo(img(cv::Rect(x, y, part.cols, part.rows)));
}

// `s` at `scale`, made smaller (down to 0.3) until it is at most `width` pixels wide.
inline double fitting_scale(const std::string& s, double scale, int width) {
  while (scale > 0.3 && text_size(s, scale).width > width) scale -= 0.02;
  return scale;
}

// A count in at most four characters: 950, 1.2k, 12k, 3.4M.
inline std::string compact_count(int64_t n) {
  if (n < 1000) return std::to_string(n);
  const double v = static_cast<double>(n);
  if (n < 10000) return fixed(v / 1e3, 1) + "k";
  if (n < 1000000) return std::to_string(n / 1000) + "k";
  return fixed(v / 1e6, 1) + "M";
}

}  // namespace imgcls::draw
