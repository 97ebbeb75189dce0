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
  std::size_t legend_entries = 0;  // series with a label
  for (const auto& s : spec.series) legend_entries += !s.label.empty();
  const int legend_rows = static_cast<int>((legend_entries + 2) / 3);
  const int left = 30 + label_w + 10, right = width - 20, top = 40, bottom = height - 52 - 20 * legend_rows;
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
  // The y label, rotated: drawn horizontally on its own canvas, then turned.
  if (!spec.y_label.empty()) {
    const auto ts = text_size(spec.y_label, 0.45);
    cv::Mat label(ts.height + 8, ts.width + 4, CV_8UC3, kWhite);
    text(label, spec.y_label, {2, ts.height + 2}, 0.45, kBlack);
    cv::rotate(label, label, cv::ROTATE_90_COUNTERCLOCKWISE);
    const int ly = std::max(0, (top + bottom - label.rows) / 2);
    if (ly + label.rows <= img.rows && 4 + label.cols <= img.cols) label.copyTo(img(cv::Rect(4, ly, label.cols, label.rows)));
  }

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
  // Legend: up to three entries per row under the x label; series without a label have none.
  const int col_w = (right - left) / 3;
  for (std::size_t si = 0, entry = 0; si < spec.series.size(); ++si) {
    if (spec.series[si].label.empty()) continue;
    const int row = static_cast<int>(entry / 3), col = static_cast<int>(entry % 3);
    ++entry;
    const int lx = left + col * col_w, ly = bottom + 62 + row * 20;
    cv::line(img, {lx, ly - 4}, {lx + 22, ly - 4}, series_color(si), 2, cv::LINE_AA);
    std::string label = spec.series[si].label;
    while (label.size() > 3 && text_size(label, 0.42).width > col_w - 32) label = label.substr(0, label.size() - 4) + "..";
    text(img, label, {lx + 28, ly}, 0.42, kBlack);
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
  const int width = std::max(left + side + 30, text_size(title, 0.6).width + 40), height = top + side + 60;
  cv::Mat img(height, width, CV_8UC3, kWhite);
  text(img, title, {(width - text_size(title, 0.6).width) / 2, 26}, 0.6, kBlack);
  for (int y = 0; y < side; ++y)
    for (int x = 0; x < side; ++x) {
      const double v = std::clamp(static_cast<double>(share.at<float>(y, x)), 0.0, 1.0);
      img.at<cv::Vec3b>(top + y, left + x) = cv::Vec3b(static_cast<uchar>(255 - v * (255 - 107)),
                                                       static_cast<uchar>(255 - v * (255 - 48)),
                                                       static_cast<uchar>(255 - v * (255 - 8)));
    }
  cv::rectangle(img, cv::Rect(left - 1, top - 1, side + 2, side + 2), kGrey, 1);
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
  int name_w = 0;
  for (const auto& n : names) name_w = std::max(name_w, text_size(n, 0.45).width);
  int64_t max_count = 1;
  for (const auto& row : cm.counts)
    for (auto v : row) max_count = std::max(max_count, v);
  const int digits_w = text_size(std::to_string(max_count), 0.45).width;
  const int cell = std::clamp(std::max(digits_w + 12, 36), 36, 80);
  const int left = name_w + 50, top = 60 + name_w;  // column names are written vertically
  const int width = std::max(left + k * cell + 30, text_size(title, 0.6).width + 40);
  const int height = top + k * cell + 50;
  cv::Mat img(height, width, CV_8UC3, kWhite);
  text(img, title, {(width - text_size(title, 0.6).width) / 2, 26}, 0.6, kBlack);
  for (int t = 0; t < k; ++t) {
    int64_t row_total = 0;
    for (auto v : cm.counts[static_cast<std::size_t>(t)]) row_total += v;
    for (int p = 0; p < k; ++p) {
      const auto count = cm.counts[static_cast<std::size_t>(t)][static_cast<std::size_t>(p)];
      const double share = row_total ? static_cast<double>(count) / static_cast<double>(row_total) : 0.0;
      // White to dark blue (matplotlib's "Blues").
      const cv::Scalar fill(255 - share * (255 - 107), 255 - share * (255 - 48), 255 - share * (255 - 8));
      const cv::Rect r(left + p * cell, top + t * cell, cell, cell);
      cv::rectangle(img, r, fill, cv::FILLED);
      cv::rectangle(img, r, kGrey, 1);
      const auto s = std::to_string(count);
      const auto ts = text_size(s, 0.45);
      text(img, s, {r.x + (cell - ts.width) / 2, r.y + (cell + ts.height) / 2}, 0.45, share > 0.5 ? kWhite : kBlack);
    }
    text(img, names[static_cast<std::size_t>(t)],
         {left - 8 - text_size(names[static_cast<std::size_t>(t)], 0.45).width, top + t * cell + cell / 2 + 5}, 0.45, kBlack);
  }
  for (int p = 0; p < k; ++p) {
    const auto& n = names[static_cast<std::size_t>(p)];
    const auto ts = text_size(n, 0.45);
    cv::Mat label(ts.height + 8, ts.width + 4, CV_8UC3, kWhite);
    text(label, n, {2, ts.height + 2}, 0.45, kBlack);
    cv::rotate(label, label, cv::ROTATE_90_COUNTERCLOCKWISE);
    const int x = left + p * cell + (cell - label.cols) / 2, y = top - 6 - label.rows;
    if (x >= 0 && y >= 0) label.copyTo(img(cv::Rect(x, y, label.cols, label.rows)));
  }
  text(img, "predicted", {left + k * cell / 2 - 35, 48 + 0}, 0.45, kBlack);
  const auto ts = text_size("true", 0.45);
  text(img, "true", {std::max(2, left - name_w - 8 - ts.width - 6), top - 8}, 0.45, kBlack);
  text(img, "(shading: share of the true class's row)", {left, top + k * cell + 30}, 0.4, kBlack);
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
