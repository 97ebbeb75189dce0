// Charts drawn with OpenCV (no Python): line charts with axes, ticks, labels and a legend,
// the per-run training curves, and the confusion-matrix heat map. Images are BGR 8-bit;
// write_png writes one atomically.
#pragma once

#include <opencv2/core/mat.hpp>

#include <string>
#include <vector>

#include "report/classification_report.hpp"
#include "report/error_analysis.hpp"

namespace imgcls {

struct Series {
  std::string label;
  std::vector<double> x, y;  // NaN y values are gaps (e.g. epochs without validation)
  bool dashed = false;
};

struct ChartSpec {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  bool integer_x = true;  // epochs
};

// One chart of `width` x `height` pixels.
cv::Mat draw_line_chart(const ChartSpec& spec, int width = 640, int height = 440);

// Training curves of one run: loss (train, val) and accuracy (train, val) per epoch, side by
// side. Columns of metrics.csv: epoch, train_loss, train_acc, val_loss, val_acc.
cv::Mat draw_training_curves(const std::string& title, const std::vector<double>& epoch,
                             const std::vector<double>& train_loss, const std::vector<double>& val_loss,
                             const std::vector<double>& train_acc, const std::vector<double>& val_acc);

// Grouped bar chart: one group of bars per category (a class), one bar per series (a split)
// in the line charts' colours, with a legend; the y axis starts at 0. Categories are named
// under the axis, written vertically, up to kBarChartMaxLabelled of them; more are numbered
// by index. The width grows with the categories (at least 640, at most about 2,000 pixels).
struct BarSeries {
  std::string label;
  std::vector<double> values;  // one per category
};
struct BarChartSpec {
  std::string title, y_label;
  std::vector<std::string> categories;
  std::vector<BarSeries> series;
};
constexpr int kBarChartMaxLabelled = 60;
cv::Mat draw_bar_chart(const BarChartSpec& spec, int height = 480);

// Heat map: rows true class, columns predicted, cells shaded by the row-normalised share (a
// colour bar beside it) and labelled with the count and that share in percent. Cells are
// confusion_cell_size(classes) pixels: the matrix grows to ~kConfusionMatrixSide pixels for
// few classes (readable on a slide) and by kConfusionCellMin per class beyond. Over
// kConfusionMaxLabelled classes, a summary view instead: the shares alone in an image of at
// most ~1,100 pixels a side, axes numbered by class index.
constexpr int kConfusionMaxLabelled = 60;
constexpr int kConfusionMatrixSide = 720, kConfusionCellMin = 56, kConfusionCellMax = 120;
int confusion_cell_size(int classes);
cv::Mat draw_confusion(const ConfusionMatrix& cm, const std::vector<std::string>& class_names,
                       const std::string& title);

// Reliability diagram of `c`: per confidence bin, the accuracy as a bar and its gap to the
// bin's mean confidence, the diagonal of perfect calibration, the ECE, and below it the
// number of samples in each bin. 680 x 626 pixels.
cv::Mat draw_reliability_diagram(const Calibration& c, const std::string& title);

// Per-class recall and precision as horizontal bars, one pair per class with its support.
// Over kPerClassMaxRows classes, the kPerClassMaxRows with the lowest recall, lowest first.
constexpr int kPerClassMaxRows = 60;
cv::Mat draw_per_class(const ClassificationReport& r, const std::string& title);

// One image of a prediction grid: the picture (8-bit, 1 or 3 channels RGB, any size) and
// its caption lines. `correct`: +1 green (prediction matches the known label), -1 red
// (it does not), 0 black (label unknown).
struct GridTile {
  cv::Mat image;
  std::vector<std::string> lines;
  int correct = 0;
};

// The seeds' "Label: X, Predicted: Y" figure: tiles of `tile` x `tile` pixels (images
// scaled to fit, aspect kept), captions under each, about square.
cv::Mat draw_image_grid(const std::vector<GridTile>& tiles, const std::string& title, int tile = 160);

// PNG-encodes `image` and writes it atomically. Throws IoError.
void write_png(const std::string& path, const cv::Mat& image);

}  // namespace imgcls
