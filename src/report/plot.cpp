#include "report/plot.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "imgcls/errors.hpp"
#include "imgcls/io/atomic_file.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

const int kFont = cv::FONT_HERSHEY_SIMPLEX;
const cv::Scalar kBlack(30, 30, 30), kGrey(200, 200, 200), kWhite(255, 255, 255);

// matplotlib's tab10, BGR.
cv::Scalar color(std::size_t i) {
  static const cv::Scalar palette[] = {{180, 119, 31}, {14, 127, 255}, {44, 160, 44},  {40, 39, 214},
                                       {189, 103, 148}, {75, 86, 140}, {194, 119, 227}, {127, 127, 127},
                                       {34, 189, 188},  {207, 190, 23}};
  return palette[i % 10];
}

cv::Size text_size(const std::string& s, double scale, int thickness = 1) {
  int base = 0;
  return cv::getTextSize(s, kFont, scale, thickness, &base);
}

void text(cv::Mat& img, const std::string& s, cv::Point at, double scale, const cv::Scalar& c, int thickness = 1) {
  cv::putText(img, s, at, kFont, scale, c, thickness, cv::LINE_AA);
}

// "Nice" tick step for a range: 1, 2 or 5 times a power of ten, about `n` ticks.
double nice_step(double range, int n) {
  const double raw = range / n;
  const double p = std::pow(10.0, std::floor(std::log10(raw)));
  for (double m : {1.0, 2.0, 5.0, 10.0})
    if (raw <= m * p) return m * p;
  return 10 * p;
}

std::string tick_label(double v, double step) {
  const int decimals = step >= 1 ? 0 : static_cast<int>(std::ceil(-std::log10(step) - 1e-9));
  return fixed(std::abs(v) < step * 1e-6 ? 0.0 : v, std::min(decimals, 6));
}

// The y label at the left edge, rotated (drawn horizontally on its own canvas, then turned),
// centred on top..bottom; nothing when empty.
void draw_y_label(cv::Mat& img, const std::string& y_label, int top, int bottom) {
  if (y_label.empty()) return;
  const auto ts = text_size(y_label, 0.45);
  cv::Mat label(ts.height + 8, ts.width + 4, CV_8UC3, kWhite);
  text(label, y_label, {2, ts.height + 2}, 0.45, kBlack);
  cv::rotate(label, label, cv::ROTATE_90_COUNTERCLOCKWISE);
  const int ly = std::max(0, (top + bottom - label.rows) / 2);
  if (ly + label.rows <= img.rows && 4 + label.cols <= img.cols) label.copyTo(img(cv::Rect(4, ly, label.cols, label.rows)));
}

}  // namespace

cv::Mat draw_line_chart(const ChartSpec& spec, int width, int height) {
  cv::Mat img(height, width, CV_8UC3, kWhite);
  double x0 = std::numeric_limits<double>::infinity(), x1 = -x0, y0 = x0, y1 = -x0;
  for (const auto& s : spec.series)
    for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
      if (std::isfinite(s.y[i])) x0 = std::min(x0, s.x[i]), x1 = std::max(x1, s.x[i]), y0 = std::min(y0, s.y[i]), y1 = std::max(y1, s.y[i]);
  for (const auto& m : spec.markers)  // a test accuracy above every curve stays on the chart
    if (std::isfinite(m.y) && std::isfinite(x0)) y0 = std::min(y0, m.y), y1 = std::max(y1, m.y);
  if (!std::isfinite(x0)) x0 = 0, x1 = 1, y0 = 0, y1 = 1;
  if (x1 - x0 < 1e-12) x0 -= 0.5, x1 += 0.5;
  const double xpad = (x1 - x0) * 0.03;  // the first and last points (and a best-epoch line there) off the frame
  x0 -= xpad, x1 += xpad;
  if (y1 - y0 < 1e-12) y0 -= 0.05 * std::max(1.0, std::abs(y0)), y1 += 0.05 * std::max(1.0, std::abs(y1));
  const double ypad = (y1 - y0) * 0.06;
  y0 -= ypad, y1 += ypad;
  const double ystep = nice_step(y1 - y0, 6);
  y0 = std::floor(y0 / ystep) * ystep, y1 = std::ceil(y1 / ystep) * ystep;
  double xstep = nice_step(x1 - x0, 8);
  if (spec.integer_x) xstep = std::max(1.0, std::round(xstep));

  // Margins from the widest tick label; the legend goes below the plot.
  int label_w = 0;
  for (double v = y0; v <= y1 + ystep * 0.5; v += ystep) label_w = std::max(label_w, text_size(tick_label(v, ystep), 0.42).width);
  // Legend: as many columns (3, 2 or 1) as the widest label allows whole; labels are never cut
  // short, since two runs' names often differ only at their end. Series without a label have
  // no entry.
  const int left = 30 + label_w + 10, right = width - 20, top = 40;
  int legend_w = 0;
  std::size_t legend_entries = 0;
  for (const auto& s : spec.series)
    if (!s.label.empty()) legend_w = std::max(legend_w, text_size(s.label, 0.42).width), ++legend_entries;
  int legend_cols = 3;
  while (legend_cols > 1 && legend_w > (right - left) / legend_cols - 32) --legend_cols;
  const int legend_rows = static_cast<int>((legend_entries + legend_cols - 1) / legend_cols);
  const int bottom = height - 52 - 20 * legend_rows;
  const auto px = [&](double x) { return left + static_cast<int>(std::lround((x - x0) / (x1 - x0) * (right - left))); };
  const auto py = [&](double y) { return bottom - static_cast<int>(std::lround((y - y0) / (y1 - y0) * (bottom - top))); };

  for (double v = y0; v <= y1 + ystep * 0.5; v += ystep) {
    cv::line(img, {left, py(v)}, {right, py(v)}, kGrey, 1);
    const auto label = tick_label(v, ystep);
    text(img, label, {left - 8 - text_size(label, 0.42).width, py(v) + 5}, 0.42, kBlack);
  }
  for (double v = std::ceil(x0 / xstep) * xstep; v <= x1 + 1e-9; v += xstep) {
    cv::line(img, {px(v), bottom}, {px(v), bottom + 5}, kBlack, 1);
    const auto label = tick_label(v, xstep);
    text(img, label, {px(v) - text_size(label, 0.42).width / 2, bottom + 20}, 0.42, kBlack);
  }
  cv::rectangle(img, {left, top}, {right, bottom}, kBlack, 1);
  text(img, spec.title, {(width - text_size(spec.title, 0.6).width) / 2, 26}, 0.6, kBlack, 1);
  text(img, spec.x_label, {(left + right - text_size(spec.x_label, 0.45).width) / 2, bottom + 40}, 0.45, kBlack);
  draw_y_label(img, spec.y_label, top, bottom);

  const auto series_color = [&](std::size_t si) {
    const int c = spec.series[si].color;
    return color(c >= 0 ? static_cast<std::size_t>(c) : si);
  };
  for (std::size_t si = 0; si < spec.series.size(); ++si) {
    const auto& s = spec.series[si];
    const auto col = series_color(si);
    cv::Point prev(-1, -1);
    for (std::size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.y[i])) {
        prev = {-1, -1};
        continue;
      }
      const cv::Point p(px(s.x[i]), py(s.y[i]));
      if (prev.x >= 0) {
        if (s.dashed) {
          const double len = std::hypot(p.x - prev.x, p.y - prev.y);
          const int n = std::max(1, static_cast<int>(len / 8));
          for (int k = 0; k < n; k += 2)
            cv::line(img, prev + (p - prev) * (static_cast<double>(k) / n),
                     prev + (p - prev) * (static_cast<double>(k + 1) / n), col, 2, cv::LINE_AA);
        } else {
          cv::line(img, prev, p, col, 2, cv::LINE_AA);
        }
      }
      cv::circle(img, p, 3, col, cv::FILLED, cv::LINE_AA);
      prev = p;
    }
  }
  // Markers: the best epoch as a dashed vertical line, a value (the test accuracy) as a diamond.
  const cv::Scalar kMarker(60, 60, 60);
  for (const auto& m : spec.markers) {
    if (!std::isfinite(m.x) || m.x < x0 || m.x > x1) continue;
    const int mx = px(m.x);
    if (!std::isfinite(m.y)) {
      for (int y = top + 2; y < bottom; y += 10) cv::line(img, {mx, y}, {mx, std::min(bottom, y + 5)}, kMarker, 1);
      const auto ts = text_size(m.label, 0.4);
      const int lx = mx + 4 + ts.width <= right ? mx + 4 : mx - 4 - ts.width;
      text(img, m.label, {lx, top + 14}, 0.4, kMarker);
    } else {
      const cv::Point c(mx, py(m.y));
      const std::vector<cv::Point> diamond = {{c.x, c.y - 7}, {c.x + 7, c.y}, {c.x, c.y + 7}, {c.x - 7, c.y}};
      cv::fillConvexPoly(img, diamond, kMarker, cv::LINE_AA);
      const auto ts = text_size(m.label, 0.42);
      const int lx = c.x + 10 + ts.width <= right ? c.x + 10 : c.x - 10 - ts.width;
      text(img, m.label, {lx, c.y + 18}, 0.42, kMarker);
    }
  }
  // Legend under the x label; a label wider than the whole chart is drawn smaller, whole.
  const int col_w = (right - left) / legend_cols;
  for (std::size_t si = 0, entry = 0; si < spec.series.size(); ++si) {
    if (spec.series[si].label.empty()) continue;
    const int row = static_cast<int>(entry) / legend_cols, col = static_cast<int>(entry) % legend_cols;
    ++entry;
    const int lx = left + col * col_w, ly = bottom + 62 + row * 20;
    cv::line(img, {lx, ly - 4}, {lx + 22, ly - 4}, series_color(si), 2, cv::LINE_AA);
    const auto& label = spec.series[si].label;
    double scale = 0.42;
    while (scale > 0.2 && text_size(label, scale).width > width - lx - 34) scale -= 0.02;
    text(img, label, {lx + 28, ly}, scale, kBlack);
  }
  return img;
}

std::vector<ChartSpec> training_curve_charts(const std::string& title, const std::vector<double>& epoch,
                                             const std::vector<double>& train_loss, const std::vector<double>& val_loss,
                                             const std::vector<double>& train_acc, const std::vector<double>& val_acc,
                                             const CurveMarks& marks) {
  const bool have_val = std::any_of(val_acc.begin(), val_acc.end(), [](double v) { return std::isfinite(v); }) ||
                        std::any_of(val_loss.begin(), val_loss.end(), [](double v) { return std::isfinite(v); });
  ChartSpec loss{title + ": loss", "epoch", "cross-entropy loss", {{"train", epoch, train_loss}}};
  ChartSpec acc{title + ": accuracy", "epoch", "accuracy", {{"train", epoch, train_acc}}};
  if (have_val) {
    loss.series.push_back({"validation", epoch, val_loss});
    acc.series.push_back({"validation", epoch, val_acc});
  }
  if (marks.best_epoch > 0) {
    const auto label = "best: epoch " + std::to_string(marks.best_epoch) +
                       (marks.monitor.empty() ? std::string() : " (" + marks.monitor + ")");
    for (auto* chart : {&loss, &acc})
      chart->markers.push_back(
          {static_cast<double>(marks.best_epoch), std::numeric_limits<double>::quiet_NaN(), label});
  }
  if (std::isfinite(marks.test_acc)) {
    const double at = marks.best_epoch > 0 ? static_cast<double>(marks.best_epoch) : epoch.empty() ? 1.0 : epoch.back();
    acc.markers.push_back({at, marks.test_acc, "test " + fixed(marks.test_acc, 4)});
  }
  return {loss, acc};
}

cv::Mat draw_training_curves(const std::string& title, const std::vector<double>& epoch,
                             const std::vector<double>& train_loss, const std::vector<double>& val_loss,
                             const std::vector<double>& train_acc, const std::vector<double>& val_acc,
                             const CurveMarks& marks) {
  const auto charts = training_curve_charts(title, epoch, train_loss, val_loss, train_acc, val_acc, marks);
  cv::Mat out;
  cv::hconcat(draw_line_chart(charts[0]), draw_line_chart(charts[1]), out);
  return out;
}

cv::Mat draw_bar_chart(const BarChartSpec& spec, int height) {
  const int k = static_cast<int>(spec.categories.size());
  const int n_series = std::max<int>(1, static_cast<int>(spec.series.size()));
  double y1 = 0;
  for (const auto& s : spec.series)
    for (double v : s.values)
      if (std::isfinite(v)) y1 = std::max(y1, v);
  if (y1 <= 0) y1 = 1;
  const double ystep = nice_step(y1 * 1.06, 6);
  y1 = std::ceil(y1 * 1.06 / ystep) * ystep;

  const bool labelled = k <= kBarChartMaxLabelled;
  std::vector<std::string> names;
  int name_h = 0;  // the height the vertical category names need
  for (int c = 0; c < k; ++c) {
    std::string name = spec.categories[static_cast<std::size_t>(c)];
    if (name.size() > 18) name = name.substr(0, 16) + "..";
    if (labelled) name_h = std::max(name_h, text_size(name, 0.42).width);
    names.push_back(name);
  }
  if (!labelled) name_h = 16;
  int label_w = 0;
  for (double v = 0; v <= y1 + ystep * 0.5; v += ystep)
    label_w = std::max(label_w, text_size(tick_label(v, ystep), 0.42).width);
  const int left = 30 + label_w + 10, top = 40;
  const int group_w = std::clamp(n_series * 12 + 8, 4, 80);
  const int plot_w = std::clamp(k * group_w, 560, 1900);
  const int right = left + plot_w;
  const int legend_rows = static_cast<int>((spec.series.size() + 2) / 3);
  const int bottom = height - 30 - name_h - 20 * legend_rows;
  const int width = std::max({right + 20, 640, text_size(spec.title, 0.6).width + 40});
  cv::Mat img(std::max(height, top + 100 + name_h + 20 * legend_rows + 30), width, CV_8UC3, kWhite);
  const auto py = [&](double y) { return bottom - static_cast<int>(std::lround(y / y1 * (bottom - top))); };

  for (double v = 0; v <= y1 + ystep * 0.5; v += ystep) {
    cv::line(img, {left, py(v)}, {right, py(v)}, kGrey, 1);
    const auto label = tick_label(v, ystep);
    text(img, label, {left - 8 - text_size(label, 0.42).width, py(v) + 5}, 0.42, kBlack);
  }
  const double slot = k > 0 ? static_cast<double>(plot_w) / k : plot_w;
  const double bar = std::max(1.0, slot * 0.8 / n_series);
  for (int c = 0; c < k; ++c) {
    const double x0 = left + c * slot + slot * 0.1;
    for (int si = 0; si < static_cast<int>(spec.series.size()); ++si) {
      const auto& values = spec.series[static_cast<std::size_t>(si)].values;
      if (static_cast<std::size_t>(c) >= values.size() || !std::isfinite(values[static_cast<std::size_t>(c)]) ||
          values[static_cast<std::size_t>(c)] <= 0)
        continue;
      const int xa = static_cast<int>(std::lround(x0 + si * bar));
      const int xb = std::max(xa + 1, static_cast<int>(std::lround(x0 + (si + 1) * bar)) - (bar >= 4 ? 1 : 0));
      cv::rectangle(img, cv::Rect(cv::Point(xa, py(values[static_cast<std::size_t>(c)])), cv::Point(xb, bottom)),
                    color(static_cast<std::size_t>(si)), cv::FILLED);
    }
    if (labelled) {
      const auto& name = names[static_cast<std::size_t>(c)];
      const auto ts = text_size(name, 0.42);
      cv::Mat label(ts.height + 8, ts.width + 4, CV_8UC3, kWhite);
      text(label, name, {2, ts.height + 2}, 0.42, kBlack);
      cv::rotate(label, label, cv::ROTATE_90_COUNTERCLOCKWISE);
      const int x = static_cast<int>(std::lround(left + (c + 0.5) * slot)) - label.cols / 2, y = bottom + 6;
      if (x >= 0 && x + label.cols <= img.cols && y + label.rows <= img.rows)
        label.copyTo(img(cv::Rect(x, y, label.cols, label.rows)));
    }
  }
  if (!labelled && k > 0)
    for (int i = 0; i <= 4; ++i) {  // class index ticks
      const int cls = i * (k - 1) / 4;
      const auto label = std::to_string(cls);
      const int x = static_cast<int>(std::lround(left + (cls + 0.5) * slot));
      cv::line(img, {x, bottom}, {x, bottom + 4}, kBlack, 1);
      text(img, label, {x - text_size(label, 0.4).width / 2, bottom + 18}, 0.4, kBlack);
    }
  cv::rectangle(img, {left, top}, {right, bottom}, kBlack, 1);
  text(img, spec.title, {(width - text_size(spec.title, 0.6).width) / 2, 26}, 0.6, kBlack, 1);
  draw_y_label(img, spec.y_label, top, bottom);
  const int col_w = (right - left) / 3;
  for (std::size_t si = 0; si < spec.series.size(); ++si) {
    const int row = static_cast<int>(si / 3), col = static_cast<int>(si % 3);
    const int lx = left + col * col_w, ly = bottom + name_h + 28 + row * 20;
    cv::rectangle(img, cv::Rect(lx, ly - 10, 22, 10), color(si), cv::FILLED);
    text(img, spec.series[si].label, {lx + 28, ly}, 0.42, kBlack);
  }
  return img;
}

ChartSpec train_val_chart(const std::string& quantity, const std::vector<RunCurves>& runs) {
  ChartSpec chart;
  chart.title = quantity + " per epoch (solid: validation, dashed: train)";
  chart.x_label = "epoch";
  chart.y_label = quantity;
  for (std::size_t i = 0; i < runs.size(); ++i) {
    const auto& r = runs[i];
    chart.series.push_back({r.label, r.epoch, r.val, false, static_cast<int>(i)});
    chart.series.push_back({"", r.epoch, r.train, true, static_cast<int>(i)});
  }
  return chart;
}

namespace {

// matplotlib's "Blues", from white (0) to dark blue (1); BGR.
cv::Scalar blues(double v) {
  v = std::clamp(v, 0.0, 1.0);
  return {255 - v * (255 - 107), 255 - v * (255 - 48), 255 - v * (255 - 8)};
}

// `s` written bottom to top, black on white.
cv::Mat vertical_text(const std::string& s, double scale) {
  const auto ts = text_size(s, scale);
  cv::Mat label(ts.height + 8, ts.width + 4, CV_8UC3, kWhite);
  text(label, s, {2, ts.height + 2}, scale, kBlack);
  cv::rotate(label, label, cv::ROTATE_90_COUNTERCLOCKWISE);
  return label;
}

// Copies `part` into `img` with its top-left corner at (x, y), when it fits.
void paste(cv::Mat& img, const cv::Mat& part, int x, int y) {
  if (x >= 0 && y >= 0 && x + part.cols <= img.cols && y + part.rows <= img.rows)
    part.copyTo(img(cv::Rect(x, y, part.cols, part.rows)));
}

// `s` at `scale`, made smaller (down to 0.3) until it is at most `width` pixels wide.
double fitting_scale(const std::string& s, double scale, int width) {
  while (scale > 0.3 && text_size(s, scale).width > width) scale -= 0.02;
  return scale;
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

// A count in at most four characters: 950, 1.2k, 12k, 3.4M.
std::string compact_count(int64_t n) {
  if (n < 1000) return std::to_string(n);
  const double v = static_cast<double>(n);
  if (n < 10000) return fixed(v / 1e3, 1) + "k";
  if (n < 1000000) return std::to_string(n / 1000) + "k";
  return fixed(v / 1e6, 1) + "M";
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

cv::Mat draw_image_grid(const std::vector<GridTile>& tiles, const std::string& title, int tile) {
  const int n = static_cast<int>(tiles.size());
  const int cols = std::max(1, std::min(n, static_cast<int>(std::ceil(std::sqrt(static_cast<double>(n)) * 1.25))));
  const int rows = std::max(1, (n + cols - 1) / cols);
  std::size_t max_lines = 1;
  for (const auto& t : tiles) max_lines = std::max(max_lines, t.lines.size());
  const int pad = 10, line_h = 17, caption_h = static_cast<int>(max_lines) * line_h + 6, top = 44;
  const int cell_w = tile + pad, cell_h = tile + caption_h + pad;
  const int width = std::max(pad + cols * cell_w, text_size(title, 0.6).width + 40);
  cv::Mat img(top + rows * cell_h + pad, width, CV_8UC3, kWhite);
  text(img, title, {(width - text_size(title, 0.6).width) / 2, 28}, 0.6, kBlack);
  const cv::Scalar green(40, 140, 40), red(40, 40, 200);
  for (int i = 0; i < n; ++i) {
    const auto& t = tiles[static_cast<std::size_t>(i)];
    const int x0 = pad + (i % cols) * cell_w, y0 = top + (i / cols) * cell_h;
    cv::Mat bgr;
    if (t.image.channels() == 1)
      cv::cvtColor(t.image, bgr, cv::COLOR_GRAY2BGR);
    else
      cv::cvtColor(t.image, bgr, cv::COLOR_RGB2BGR);
    const double scale = std::min(static_cast<double>(tile) / bgr.cols, static_cast<double>(tile) / bgr.rows);
    const int w = std::max(1, static_cast<int>(std::lround(bgr.cols * scale)));
    const int h = std::max(1, static_cast<int>(std::lround(bgr.rows * scale)));
    cv::Mat scaled;
    cv::resize(bgr, scaled, {w, h}, 0, 0, scale > 1 ? cv::INTER_NEAREST : cv::INTER_AREA);
    scaled.copyTo(img(cv::Rect(x0 + (tile - w) / 2, y0 + (tile - h) / 2, w, h)));
    const auto frame = t.correct > 0 ? green : t.correct < 0 ? red : kGrey;
    cv::rectangle(img, cv::Rect(x0 - 1, y0 - 1, tile + 2, tile + 2), frame, t.correct != 0 ? 2 : 1);
    for (std::size_t l = 0; l < t.lines.size(); ++l) {
      std::string line = t.lines[l];
      while (line.size() > 4 && text_size(line, 0.42).width > tile) line = line.substr(0, line.size() - 3) + "..";
      const auto c = l == 0 && t.correct != 0 ? frame : kBlack;
      text(img, line, {x0, y0 + tile + 4 + static_cast<int>(l + 1) * line_h - 4}, 0.42, c);
    }
  }
  return img;
}

void write_png(const std::string& path, const cv::Mat& image) {
  std::vector<unsigned char> bytes;
  if (!cv::imencode(".png", image, bytes)) throw IoError(path + ": cannot encode the PNG");
  write_file_atomic(path, std::string(bytes.begin(), bytes.end()));
}

}  // namespace imgcls
