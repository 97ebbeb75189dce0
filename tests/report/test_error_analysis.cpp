// `imgcls eval`'s error analysis without a model: expected calibration error against a NumPy
// computation, the predictions / misclassified CSVs, and the reliability and per-class pictures.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <stdexcept>

#include "report/classification_report.hpp"
#include "report/error_analysis.hpp"
#include "report/plot.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {

// 24 samples x 4 classes, drawn once with NumPy (default_rng(7), rounded to 0.1) and kept.
const std::vector<std::vector<double>> kLogits = {
    {0.4, -0.5, -6.5, -1.4}, {-0.2, 0.4, -5.5, -1.7}, {-3.1, -2.5, 3.3, -2.5}, {0.0, 0.9, -0.6, -0.1},
    {0.1, 0.1, -1.6, 0.1},   {4.8, -5.4, 3.0, 0.4},   {-0.1, 0.4, 0.2, -0.3},  {0.2, 1.9, -0.6, 2.3},
    {-0.2, 2.2, 4.6, -2.2},  {0.4, -0.9, 0.3, -2.3},  {-0.8, -0.3, 1.2, 1.5},  {-1.7, -1.0, 0.8, -2.5},
    {-0.5, -0.1, 1.5, 0.8},  {-0.6, -0.7, -0.5, 2.9}, {-0.9, -0.6, 0.7, -0.3}, {-0.5, -2.6, 0.0, -1.0},
    {4.6, 2.6, -0.1, 2.7},   {-1.1, 3.4, 0.0, 1.9},   {-3.3, 0.9, -4.3, -5.2}, {-1.2, -3.6, 0.6, 8.9},
    {-0.8, -0.6, 0.2, 0.5},  {-0.1, -0.2, 0.6, 0.4},  {-2.6, -0.2, 0.1, -2.7}, {0.1, -0.3, 0.4, 0.1}};
const std::vector<int64_t> kLabels = {3, 2, 1, 3, 3, 2, 0, 2, 0, 0, 0, 0, 3, 1, 0, 0, 1, 1, 1, 3, 3, 2, 3, 1};

std::vector<double> softmax(const std::vector<double>& z) {
  const double m = *std::max_element(z.begin(), z.end());
  std::vector<double> p;
  double sum = 0;
  for (double v : z) p.push_back(std::exp(v - m)), sum += p.back();
  for (auto& v : p) v /= sum;
  return p;
}

TEST(Calibration, EceMatchesNumpyOnFixedLogits) {
  std::vector<double> confidence;
  std::vector<bool> correct;
  for (std::size_t i = 0; i < kLogits.size(); ++i) {
    const auto p = softmax(kLogits[i]);
    const auto top = std::max_element(p.begin(), p.end());  // the first of equal maxima, as numpy's argmax
    confidence.push_back(*top);
    correct.push_back(top - p.begin() == kLabels[i]);
  }
  const auto c = calibration(confidence, correct, 15);
  // Reference from ~/.cache/imgcls/venv-torch2.11.0/bin/python (torch 2.11, numpy), float64:
  //   p = torch.softmax(torch.tensor(logits, dtype=torch.float64), 1).numpy()
  //   conf, acc = p.max(1), (p.argmax(1) == labels)
  //   b = np.linspace(0, 1, 16); ece = sum(m.mean() * abs(acc[m].mean() - conf[m].mean())
  //                                        for m in ((conf > lo) & (conf <= hi) for lo, hi in zip(b[:-1], b[1:]))
  //                                        if m.any())
  // gives 0.472995566966291, bin counts [0, 0, 0, 0, 1, 3, 2, 3, 5, 1, 0, 3, 1, 2, 3].
  EXPECT_NEAR(c.ece, 0.472995566966291, 1e-12);
  const std::vector<int64_t> counts = {0, 0, 0, 0, 1, 3, 2, 3, 5, 1, 0, 3, 1, 2, 3};
  ASSERT_EQ(c.bins.size(), 15u);
  for (std::size_t b = 0; b < 15; ++b) EXPECT_EQ(c.bins[b].count, counts[b]) << "bin " << b;
  EXPECT_EQ(c.total, 24);
  EXPECT_DOUBLE_EQ(c.bins[4].lower, 4.0 / 15);
  EXPECT_DOUBLE_EQ(c.bins[4].upper, 5.0 / 15);
}

TEST(Calibration, BinsAreOpenBelowAndClosedAbove) {
  // 1/15 belongs to the first bin, (1/15, 2/15] to the second; 0 and 1 to the ends.
  const auto c = calibration({1.0 / 15, std::nextafter(1.0 / 15, 1.0), 0.0, 1.0}, {true, false, true, true}, 15);
  EXPECT_EQ(c.bins[0].count, 2);
  EXPECT_EQ(c.bins[1].count, 1);
  EXPECT_EQ(c.bins[14].count, 1);
  EXPECT_DOUBLE_EQ(c.bins[14].accuracy, 1.0);
  EXPECT_DOUBLE_EQ(c.bins[1].accuracy, 0.0);
  EXPECT_THROW(calibration({0.5}, {}, 15), std::invalid_argument);
  EXPECT_THROW(calibration({0.5}, {true}, 0), std::invalid_argument);
  EXPECT_EQ(calibration({}, {}, 15).ece, 0.0);
}

// Three samples of three classes, k = 2: right, wrong (loss 2), wrong (loss 3).
SamplePredictions three_samples() {
  SamplePredictions s;
  s.k = 2;
  s.index = {4, 7, 9};
  s.label = {0, 1, 2};
  s.top_class = {0, 1, 0, 1, 1, 2};
  s.top_prob = {0.9f, 0.05f, 0.7f, 0.2f, 0.6f, 0.3f};
  s.loss = {0.1f, 2.0f, 3.0f};
  return s;
}

TEST(ErrorAnalysis, MisclassifiedAreTheWrongRowsHighestLossFirst) {
  const auto s = three_samples();
  EXPECT_EQ(misclassified_by_loss(s), (std::vector<std::size_t>{2, 1}));
  EXPECT_EQ(all_rows(s), (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_NEAR(calibration(s).ece, (std::abs(1 - 0.9) + std::abs(0 - 0.7) + std::abs(0 - 0.6)) / 3, 1e-6);
}

TEST(ErrorAnalysis, PredictionsCsvNamesClassesAndQuotesPaths) {
  const auto s = three_samples();
  std::vector<std::string> paths(10);
  paths[4] = "/d/a,b.png", paths[7] = "/d/c.png", paths[9] = "/d/e.png";
  const auto lines = test::lines_of(predictions_csv(s, all_rows(s), {"cat", "dog"}, paths));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0], "index,path,label,predicted,probability,loss,class_1,prob_1,class_2,prob_2");
  EXPECT_EQ(lines[1], "4,\"/d/a,b.png\",cat,cat,0.900000,0.100000,cat,0.900000,dog,0.050000");
  EXPECT_EQ(lines[3], "9,/d/e.png,2,dog,0.600000,3.000000,dog,0.600000,2,0.300000");  // no name for class 2
  // In-memory datasets have no path column; rows follow the order asked for.
  const auto wrong = test::lines_of(predictions_csv(s, misclassified_by_loss(s), {"cat", "dog", "eel"}, {}));
  ASSERT_EQ(wrong.size(), 3u);
  EXPECT_EQ(wrong[0], "index,label,predicted,probability,loss,class_1,prob_1,class_2,prob_2");
  EXPECT_EQ(wrong[1].substr(0, 14), "9,eel,dog,0.60");
  EXPECT_EQ(wrong[2].substr(0, 14), "7,dog,cat,0.70");
}

TEST(ErrorAnalysisPlots, ReliabilityDiagramAndPerClassBarsDecode) {
  test::TempDir dir;
  const auto c = calibration({0.2, 0.5, 0.55, 0.9, 0.95, 0.99}, {false, true, false, true, true, true}, 15);
  write_png(dir / "calibration.png", draw_reliability_diagram(c, "run: test reliability diagram"));
  const auto calib = cv::imread(dir / "calibration.png");
  ASSERT_FALSE(calib.empty());
  EXPECT_EQ(calib.cols, 680);
  EXPECT_EQ(calib.rows, 626);

  // Per-class bars: one pair of rows per class, growing with the classes up to kPerClassMaxRows.
  const auto per_class_png = [&](std::size_t k) {
    ConfusionMatrix cm(k);
    for (std::size_t i = 0; i < k; ++i)
      cm.counts[i][i] = static_cast<int64_t>(i % 7) + 1, cm.counts[i][(i + 1) % k] = 2;
    write_png(dir / "per_class.png",
              draw_per_class(classification_report(cm, std::vector<std::string>(k, "class")), "per class"));
    return cv::imread(dir / "per_class.png");
  };
  const auto three = per_class_png(3), thirty = per_class_png(30), sixty = per_class_png(60), many = per_class_png(500);
  ASSERT_FALSE(three.empty());
  EXPECT_GE(three.cols, 480);
  EXPECT_EQ(thirty.rows - three.rows, 27 * (sixty.rows - thirty.rows) / 30);  // linear in the classes
  EXPECT_EQ(many.rows, sixty.rows);                                           // capped
}

}  // namespace
}  // namespace imgcls
