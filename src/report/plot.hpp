// Charts drawn with OpenCV (no Python): line charts with axes, ticks, labels and a legend,
// the per-run training curves, and the confusion-matrix heat map. Images are BGR 8-bit;
// write_png writes one atomically.
#pragma once

#include <opencv2/core/mat.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "report/classification_report.hpp"
#include "report/error_analysis.hpp"

namespace imgcls {

struct Series {
  std::string label;         // "" : no legend entry (the dashed half of a train/val pair)
  std::vector<double> x, y;  // NaN y values are gaps (e.g. epochs without validation)
  bool dashed = false;
  int color = -1;  // palette index; -1: the series' own index
};

// A mark on a chart: with a NaN y a dashed vertical line at x (the best epoch), else a
// diamond at (x, y) (the test accuracy); the label is written beside it.
struct ChartMarker {
  double x = 0;
  double y = std::numeric_limits<double>::quiet_NaN();
  std::string label;
};

struct ChartSpec {
  std::string title, x_label, y_label;
  std::vector<Series> series;
  bool integer_x = true;  // epochs
  bool log10_x = false;   // x holds log10 values: ticks at whole powers of ten, labelled 1e-5
  std::vector<ChartMarker> markers = {};
};

// One chart of `width` x `height` pixels.
cv::Mat draw_line_chart(const ChartSpec& spec, int width = 640, int height = 440);

// What curves.png marks besides the curves: the epoch best.pt holds and the test accuracy
// measured with it.
struct CurveMarks {
  int64_t best_epoch = 0;  // 0: none (yet)
  std::string monitor;     // what chose it ("val_acc"), for the label
  double test_acc = std::numeric_limits<double>::quiet_NaN();
};

// Training curves of one run: loss and accuracy per epoch, train and validation, the two
// charts of curves.png. No validation series when no epoch has a validation value; the best
// epoch (both charts) and the test accuracy (accuracy chart, at the best epoch) marked when
// known. Columns of metrics.csv: epoch, train_loss, train_acc, val_loss, val_acc.
std::vector<ChartSpec> training_curve_charts(const std::string& title, const std::vector<double>& epoch,
                                             const std::vector<double>& train_loss, const std::vector<double>& val_loss,
                                             const std::vector<double>& train_acc, const std::vector<double>& val_acc,
                                             const CurveMarks& marks = {});
// The two charts side by side.
cv::Mat draw_training_curves(const std::string& title, const std::vector<double>& epoch,
                             const std::vector<double>& train_loss, const std::vector<double>& val_loss,
                             const std::vector<double>& train_acc, const std::vector<double>& val_acc,
                             const CurveMarks& marks = {});

// Several runs' train and validation curves of one quantity on one chart, as seed 004's
// plot_metrics draws them for one run: one colour per run, validation solid (in the legend,
// with the run's label), train dashed. `quantity`: "accuracy" or "loss", for the titles.
struct RunCurves {
  std::string label;
  std::vector<double> epoch, train, val;
};
ChartSpec train_val_chart(const std::string& quantity, const std::vector<RunCurves>& runs);

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
