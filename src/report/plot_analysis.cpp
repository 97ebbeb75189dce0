// What the model gets wrong: the reliability diagram and the per-class bars.
#include "report/plot.hpp"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "report/draw.hpp"
#include "util/strings.hpp"

namespace imgcls {

using namespace draw;  // NOLINT: the drawing primitives of this folder

namespace {

const cv::Scalar kAccuracyBlue(180, 119, 31), kGapRed(40, 39, 214), kPrecisionOrange(14, 127, 255);

// A dashed line, dashes of about `dash` pixels.
void dashed_line(cv::Mat& img, cv::Point a, cv::Point b, const cv::Scalar& c, int dash = 8) {
  const double len = std::hypot(b.x - a.x, b.y - a.y);
  const int n = std::max(1, static_cast<int>(len / dash));
  for (int i = 0; i < n; i += 2)
    cv::line(img, a + (b - a) * (static_cast<double>(i) / n), a + (b - a) * (static_cast<double>(i + 1) / n), c, 1,
             cv::LINE_AA);
}

// `rect` tinted towards `c` (share `alpha`), with an outline in `c`.
void tinted_rect(cv::Mat& img, cv::Rect rect, const cv::Scalar& c, double alpha) {
  rect &= cv::Rect(0, 0, img.cols, img.rows);
  if (rect.area() <= 0) return;
  cv::Mat roi = img(rect);
  cv::Mat fill(roi.size(), roi.type(), c);
  cv::addWeighted(roi, 1 - alpha, fill, alpha, 0, roi);
  cv::rectangle(img, rect, c, 1);
}

void legend_entry(cv::Mat& img, cv::Point at, const cv::Scalar& c, const std::string& label, bool dashed = false) {
  if (dashed)
    dashed_line(img, {at.x, at.y - 5}, {at.x + 22, at.y - 5}, c, 4);
  else
    cv::rectangle(img, cv::Rect(at.x, at.y - 11, 18, 12), c, cv::FILLED);
  text(img, label, {at.x + 28, at.y}, 0.45, kBlack);
}

}  // namespace

cv::Mat draw_reliability_diagram(const Calibration& c, const std::string& title) {
  const int width = 680, left = 80, right = width - 30;
  const int top = 72, bottom = top + 360;              // accuracy per bin
  const int ctop = bottom + 18, cbottom = ctop + 100;  // samples per bin
  const int height = cbottom + 76;
  cv::Mat img(height, width, CV_8UC3, kWhite);
  text(img, title, {(width - text_size(title, 0.6).width) / 2, 26}, 0.6, kBlack);
  legend_entry(img, {left, 54}, kAccuracyBlue, "accuracy");
  legend_entry(img, {left + 150, 54}, kGapRed, "gap to mean confidence");
  legend_entry(img, {left + 400, 54}, kBlack, "perfectly calibrated", true);
  const auto px = [&](double x) { return left + static_cast<int>(std::lround(x * (right - left))); };
  const auto py = [&](double y) { return bottom - static_cast<int>(std::lround(y * (bottom - top))); };
  for (int i = 0; i <= 5; ++i) {
    const double v = i / 5.0;
    cv::line(img, {left, py(v)}, {right, py(v)}, kGrey, 1);
    const auto label = fixed(v, 1);
    text(img, label, {left - 8 - text_size(label, 0.42).width, py(v) + 5}, 0.42, kBlack);
    cv::line(img, {px(v), cbottom}, {px(v), cbottom + 5}, kBlack, 1);
    text(img, label, {px(v) - text_size(label, 0.42).width / 2, cbottom + 20}, 0.42, kBlack);
  }
  int64_t max_count = 1;
  for (const auto& b : c.bins) max_count = std::max(max_count, b.count);
  for (const auto& b : c.bins) {
    if (b.count == 0) continue;
    const int x0 = px(b.lower) + 1, x1 = px(b.upper) - 1;
    cv::rectangle(img, cv::Rect(cv::Point(x0, py(b.accuracy)), cv::Point(x1, py(0))), kAccuracyBlue, cv::FILLED);
    cv::rectangle(img, cv::Rect(cv::Point(x0, py(b.accuracy)), cv::Point(x1, py(0))), kBlack, 1);
    const int g0 = py(std::max(b.accuracy, b.confidence)), g1 = py(std::min(b.accuracy, b.confidence));
    if (g1 > g0) tinted_rect(img, cv::Rect(cv::Point(x0, g0), cv::Point(x1, g1)), kGapRed, 0.35);
    // The count panel: bars up to 80% of its height, the count written above.
    const int h = static_cast<int>(
        std::lround(0.8 * (cbottom - ctop) * static_cast<double>(b.count) / static_cast<double>(max_count)));
    cv::rectangle(img, cv::Rect(cv::Point(x0, cbottom - std::max(h, 1)), cv::Point(x1, cbottom)), kGrey, cv::FILLED);
    cv::rectangle(img, cv::Rect(cv::Point(x0, cbottom - std::max(h, 1)), cv::Point(x1, cbottom)), kBlack, 1);
    const auto n = compact_count(b.count);
    const double scale = fitting_scale(n, 0.4, x1 - x0 + 4);
    text(img, n, {(x0 + x1 - text_size(n, scale).width) / 2, cbottom - std::max(h, 1) - 4}, scale, kBlack);
  }
  dashed_line(img, {px(0), py(0)}, {px(1), py(1)}, kBlack);
  cv::rectangle(img, cv::Point(left, top), cv::Point(right, bottom), kBlack, 1);
  cv::rectangle(img, cv::Point(left, ctop), cv::Point(right, cbottom), kBlack, 1);
  const auto summary = "ECE " + fixed(c.ece, 4) + ", " + std::to_string(c.bins.size()) + " bins, " +
                       std::to_string(c.total) + " samples";
  text(img, summary, {left + 10, top + 24}, 0.5, kBlack);
  const std::string x_label = "confidence (probability of the predicted class)";
  text(img, x_label, {(left + right - text_size(x_label, 0.45).width) / 2, cbottom + 44}, 0.45, kBlack);
  const auto acc_label = vertical_text("accuracy", 0.45), count_label = vertical_text("samples", 0.45);
  paste(img, acc_label, 8, (top + bottom - acc_label.rows) / 2);
  paste(img, count_label, 8, (ctop + cbottom - count_label.rows) / 2);
  return img;
}

cv::Mat draw_per_class(const ClassificationReport& r, const std::string& title) {
  const int k = static_cast<int>(r.per_class.size());
  std::vector<int> shown(static_cast<std::size_t>(k));
  for (int i = 0; i < k; ++i) shown[static_cast<std::size_t>(i)] = i;
  std::string subtitle = "recall and precision per class (support in brackets)";
  if (k > kPerClassMaxRows) {
    std::stable_sort(shown.begin(), shown.end(), [&](int a, int b) {
      return r.per_class[static_cast<std::size_t>(a)].recall < r.per_class[static_cast<std::size_t>(b)].recall;
    });
    shown.resize(kPerClassMaxRows);
    subtitle = "the " + std::to_string(kPerClassMaxRows) + " classes of " + std::to_string(k) +
               " with the lowest recall (support in brackets)";
  }
  std::vector<std::string> names;
  int name_w = 0;
  for (int c : shown) {
    const auto i = static_cast<std::size_t>(c);
    std::string n = i < r.class_names.size() ? r.class_names[i] : std::to_string(c);
    if (n.size() > 24) n = n.substr(0, 22) + "..";
    n += " (" + std::to_string(r.per_class[i].support) + ")";
    name_w = std::max(name_w, text_size(n, 0.45).width);
    names.push_back(n);
  }
  const int bar_h = 11, row_h = 2 * bar_h + 8, plot_w = 480;
  const int left = name_w + 20, right = left + plot_w, top = 86;
  const int rows = static_cast<int>(shown.size()), bottom = top + rows * row_h;
  const std::string note = "(recall: share of the class found; precision: share of its predictions that are right)";
  const int width = std::max({right + 60, text_size(title, 0.6).width + 40, left + text_size(note, 0.38).width + 20});
  const int height = bottom + 50;
  cv::Mat img(height, width, CV_8UC3, kWhite);
  text(img, title, {(width - text_size(title, 0.6).width) / 2, 26}, 0.6, kBlack);
  text(img, subtitle, {left, 48}, 0.42, kBlack);
  legend_entry(img, {left, 72}, kAccuracyBlue, "recall");
  legend_entry(img, {left + 120, 72}, kPrecisionOrange, "precision");
  const auto px = [&](double v) { return left + static_cast<int>(std::lround(std::clamp(v, 0.0, 1.0) * plot_w)); };
  for (int i = 0; i <= 5; ++i) {
    const double v = i / 5.0;
    cv::line(img, {px(v), top}, {px(v), bottom}, kGrey, 1);
    const auto label = fixed(v, 1);
    text(img, label, {px(v) - text_size(label, 0.42).width / 2, bottom + 20}, 0.42, kBlack);
  }
  for (int row = 0; row < rows; ++row) {
    const auto& m = r.per_class[static_cast<std::size_t>(shown[static_cast<std::size_t>(row)])];
    const int y = top + row * row_h + 4;
    const auto& n = names[static_cast<std::size_t>(row)];
    text(img, n, {left - 8 - text_size(n, 0.45).width, y + bar_h + 4}, 0.45, kBlack);
    const std::pair<double, cv::Scalar> bars[] = {{m.recall, kAccuracyBlue}, {m.precision, kPrecisionOrange}};
    for (int b = 0; b < 2; ++b) {
      const int by = y + b * bar_h;
      const auto [v, colour] = bars[b];
      if (px(v) > left)
        cv::rectangle(img, cv::Rect(cv::Point(left, by), cv::Point(px(v), by + bar_h - 1)), colour, cv::FILLED);
      text(img, fixed(v, 2), {px(v) + 4, by + bar_h - 1}, 0.36, kBlack);
    }
  }
  cv::line(img, {left, top}, {left, bottom}, kBlack, 1);
  text(img, note, {left, bottom + 40}, 0.38, kBlack);
  return img;
}

}  // namespace imgcls
