// What a model gets wrong, from the per-sample results of one evaluation pass (`imgcls eval`):
// the predictions and misclassified CSVs, the samples ordered by loss (fastai's top losses)
// and calibration (expected calibration error, reliability-diagram bins). No LibTorch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace imgcls {

// One evaluation pass, a row per sample in the order the batches came (dataset order for the
// unshuffled evaluation batches; bad images skipped). Filled by predict_split.
struct SamplePredictions {
  int64_t k = 0;                   // classes kept per sample: min(5, classes)
  std::vector<int64_t> index;      // the sample's dataset index
  std::vector<int64_t> label;      // its true class
  std::vector<int64_t> top_class;  // size() x k, row-major, most likely first
  std::vector<float> top_prob;     // the softmax probabilities of top_class
  std::vector<float> loss;         // cross-entropy, -log p(label)

  std::size_t size() const { return index.size(); }
  int64_t predicted(std::size_t row) const { return top_class[row * static_cast<std::size_t>(k)]; }
  double probability(std::size_t row) const { return top_prob[row * static_cast<std::size_t>(k)]; }
  bool correct(std::size_t row) const { return predicted(row) == label[row]; }
};

// The rows of the wrong predictions, highest loss first (ties in row order): fastai's
// plot_top_losses order, restricted to the misclassified samples.
std::vector<std::size_t> misclassified_by_loss(const SamplePredictions& s);

// Every row, in order.
std::vector<std::size_t> all_rows(const SamplePredictions& s);

// `rows` of `s` as CSV: a header, then one line per row with
//   index[,path],label,predicted,probability,loss,class_1,prob_1,...,class_k,prob_k
// `path` only when `paths` (indexed by dataset index) is non-empty. Classes are named by
// `class_names` (the class number where a name is missing); probability is the predicted
// class's softmax probability; numbers with 6 decimals.
std::string predictions_csv(const SamplePredictions& s, const std::vector<std::size_t>& rows,
                            const std::vector<std::string>& class_names, const std::vector<std::string>& paths);

struct CalibrationBin {
  double lower = 0, upper = 0;  // confidences in (lower, upper]
  int64_t count = 0;
  double accuracy = 0, confidence = 0;  // means over the bin's samples; 0 when it has none
};

struct Calibration {
  std::vector<CalibrationBin> bins;
  double ece = 0;  // sum over bins of count/total * |accuracy - confidence|
  int64_t total = 0;
};

// Expected calibration error over `bins` equal-width confidence bins (i/bins, (i+1)/bins]
// (Guo et al. 2017, "On Calibration of Modern Neural Networks"); a confidence of 0 counts in
// the first bin. `confidence` and `correct` have one entry per sample. Throws std::invalid_argument
// when their sizes differ or bins < 1.
Calibration calibration(const std::vector<double>& confidence, const std::vector<bool>& correct, int bins = 15);

// The same with each sample's top-1 probability as its confidence.
Calibration calibration(const SamplePredictions& s, int bins = 15);

}  // namespace imgcls
