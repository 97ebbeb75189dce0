// The confusion matrix heat map (and its summary view for many classes).
#include "report/plot.hpp"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "report/draw.hpp"
#include "util/strings.hpp"

namespace imgcls {

using namespace draw;  // NOLINT: the drawing primitives of this folder

namespace {

// matplotlib's "Blues", from white (0) to dark blue (1); BGR.
cv::Scalar blues(double v) {
  v = std::clamp(v, 0.0, 1.0);
  return {255 - v * (255 - 107), 255 - v * (255 - 48), 255 - v * (255 - 8)};
}

// The colour bar of the confusion matrix's shading: `bar` filled from 0 (bottom, white) to 1
// (top, dark), ticks 0% to 100% on its right. kColourBarWidth covers the bar and its labels.
constexpr int kColourBarWidth = 24 + 18 + 60;
void colour_bar(cv::Mat& img, cv::Rect bar, double scale) {
  for (int y = 0; y < bar.height; ++y)
    cv::line(img, {bar.x, bar.y + y}, {bar.x + bar.width - 1, bar.y + y},
             blues(1.0 - static_cast<double>(y) / std::max(1, bar.height - 1)), 1);
  cv::rectangle(img, bar, kGrey, 1);
  for (int i = 0; i <= 4; ++i) {
    const int y = bar.y + bar.height - 1 - i * (bar.height - 1) / 4;
    cv::line(img, {bar.x + bar.width, y}, {bar.x + bar.width + 4, y}, kBlack, 1);
    const auto label = std::to_string(i * 25) + "%";
    text(img, label, {bar.x + bar.width + 7, y + text_size(label, scale).height / 2}, scale, kBlack);
  }
}

// Many classes: the row-normalised shares as an image of at most kConfusionSide pixels a side
// (blocks of classes averaged when there are more classes than pixels), axes numbered by
// class index, no per-cell text. 1,000 classes make a ~2 MB PNG instead of a ~4 GB image.
constexpr int kConfusionSide = 1000;

cv::Mat draw_confusion_summary(const ConfusionMatrix& cm, const std::string& title) {
  const int k = static_cast<int>(cm.size());
  cv::Mat share(k, k, CV_32F);
  for (int t = 0; t < k; ++t) {
    int64_t row_total = 0;
    for (auto v : cm.counts[static_cast<std::size_t>(t)]) row_total += v;
    for (int p = 0; p < k; ++p)
      share.at<float>(t, p) = row_total ? static_cast<float>(cm.counts[static_cast<std::size_t>(t)][static_cast<std::size_t>(p)]) /
                                              static_cast<float>(row_total)
                                        : 0.f;
  }
  const int side = std::min(kConfusionSide, std::max(k, 400));
  cv::resize(share, share, {side, side}, 0, 0, k > side ? cv::INTER_AREA : cv::INTER_NEAREST);
  const int left = 70, top = 60;
  const int width = std::max(left + side + kColourBarWidth + 10, text_size(title, 0.6).width + 40),
            height = top + side + 60;
  cv::Mat img(height, width, CV_8UC3, kWhite);
  text(img, title, {(width - text_size(title, 0.6).width) / 2, 26}, 0.6, kBlack);
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x) {
      const auto c = blues(static_cast<double>(share.at<float>(y, x)));
      img.at<cv::Vec3b>(top + y, left + x) =
          cv::Vec3b(static_cast<uchar>(c[0]), static_cast<uchar>(c[1]), static_cast<uchar>(c[2]));
    }
  cv::rectangle(img, cv::Rect(left - 1, top - 1, side + 2, side + 2), kGrey, 1);
  colour_bar(img, cv::Rect(left + side + 24, top, 18, side), 0.45);
  for (int i = 0; i <= 4; ++i) {  // class index ticks on both axes
    const int cls = i * (k - 1) / 4, at = static_cast<int>((cls + 0.5) * side / k);
    const auto label = std::to_string(cls);
    text(img, label, {left + at - text_size(label, 0.4).width / 2, top + side + 16}, 0.4, kBlack);
    text(img, label, {left - 8 - text_size(label, 0.4).width, top + at + 4}, 0.4, kBlack);
  }
  text(img, "predicted class", {left + side / 2 - 50, top - 8}, 0.45, kBlack);
  text(img, "true", {4, top - 8}, 0.45, kBlack);
  text(img, std::to_string(k) + " classes; shading: share of the true class's row", {left, top + side + 40}, 0.4,
       kBlack);
  return img;
}

}  // namespace

cv::Mat draw_confusion(const ConfusionMatrix& cm, const std::vector<std::string>& class_names,
                       const std::string& title) {
  const int k = static_cast<int>(cm.size());
  if (k > kConfusionMaxLabelled) return draw_confusion_summary(cm, title);
  std::vector<std::string> names;
  for (int i = 0; i < k; ++i) {
    std::string n = i < static_cast<int>(class_names.size()) ? class_names[static_cast<std::size_t>(i)] : std::to_string(i);
    if (n.size() > 18) n = n.substr(0, 16) + "..";
    names.push_back(n);
  }
  const double name_scale = 0.5, axis_scale = 0.55, title_scale = 0.7;
  int name_w = 0;
  for (const auto& n : names) name_w = std::max(name_w, text_size(n, name_scale).width);
  const int cell = confusion_cell_size(k);
  const double cell_scale = std::clamp(cell / 140.0, 0.42, 0.75);
  const int left = name_w + 50, top = 76 + name_w;  // column names are written vertically
  const int matrix = k * cell;
  const int width = std::max(left + matrix + kColourBarWidth + 10, text_size(title, title_scale).width + 40);
  const int height = top + matrix + 56;
  cv::Mat img(height, width, CV_8UC3, kWhite);
  text(img, title, {(width - text_size(title, title_scale).width) / 2, 30}, title_scale, kBlack);
  for (int t = 0; t < k; ++t) {
    int64_t row_total = 0;
    for (auto v : cm.counts[static_cast<std::size_t>(t)]) row_total += v;
    for (int p = 0; p < k; ++p) {
      const auto count = cm.counts[static_cast<std::size_t>(t)][static_cast<std::size_t>(p)];
      const double share = row_total ? static_cast<double>(count) / static_cast<double>(row_total) : 0.0;
      const cv::Rect r(left + p * cell, top + t * cell, cell, cell);
      cv::rectangle(img, r, blues(share), cv::FILLED);
      cv::rectangle(img, r, kGrey, 1);
      // The count, and under it the share of the row in percent.
      const auto ink = share > 0.5 ? kWhite : kBlack;
      const auto s = std::to_string(count);
      const double count_scale = fitting_scale(s, cell_scale, cell - 6);
      const auto cs = text_size(s, count_scale);
      text(img, s, {r.x + (cell - cs.width) / 2, r.y + cell / 2 - 3}, count_scale, ink);
      const auto pct = fixed(share * 100, cell >= 72 ? 1 : 0) + "%";
      const double pct_scale = fitting_scale(pct, cell_scale * 0.8, cell - 6);
      const auto ps = text_size(pct, pct_scale);
      text(img, pct, {r.x + (cell - ps.width) / 2, r.y + cell / 2 + 5 + ps.height}, pct_scale, ink);
    }
    const auto& n = names[static_cast<std::size_t>(t)];
    text(img, n, {left - 8 - text_size(n, name_scale).width, top + t * cell + cell / 2 + 6}, name_scale, kBlack);
  }
  for (int p = 0; p < k; ++p) {
    const auto label = vertical_text(names[static_cast<std::size_t>(p)], name_scale);
    paste(img, label, left + p * cell + (cell - label.cols) / 2, top - 6 - label.rows);
  }
  cv::rectangle(img, cv::Rect(left, top, matrix + 1, matrix + 1), kBlack, 1);
  colour_bar(img, cv::Rect(left + matrix + 24, top, 18, matrix), 0.45);
  text(img, "predicted", {left + matrix / 2 - text_size("predicted", axis_scale).width / 2, 56}, axis_scale, kBlack);
  const auto true_label = vertical_text("true", axis_scale);
  paste(img, true_label, 8, top + matrix / 2 - true_label.rows / 2);
  text(img, "cells: count, and share of the true class's row", {left, top + matrix + 34}, 0.45, kBlack);
  return img;
}

int confusion_cell_size(int classes) {
  return std::clamp(kConfusionMatrixSide / std::max(classes, 1), kConfusionCellMin, kConfusionCellMax);
}

}  // namespace imgcls
