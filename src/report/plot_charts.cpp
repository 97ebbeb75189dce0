// Line charts, training curves, bar charts.
#include "report/plot.hpp"

#include <algorithm>
#include <cmath>
#include <opencv2/imgproc.hpp>

#include "report/draw.hpp"
#include "util/strings.hpp"

namespace imgcls {

using namespace draw;  // NOLINT: the drawing primitives of this folder

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
  if (spec.integer_x || spec.log10_x) xstep = std::max(1.0, std::round(xstep));

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
    const auto label = spec.log10_x ? (std::lround(v) == 0 ? std::string("1") : "1e" + std::to_string(std::lround(v)))
                                    : tick_label(v, xstep);
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

}  // namespace imgcls
