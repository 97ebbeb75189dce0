// Classification metrics from a confusion matrix, with scikit-learn's definitions
// (classification_report, zero_division=0): per-class precision, recall, F1 and support,
// macro and support-weighted averages, accuracy. No LibTorch.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace imgcls {

// counts[t][p]: samples of true class t predicted as p (rows: truth, columns: prediction).
struct ConfusionMatrix {
  explicit ConfusionMatrix(std::size_t classes) : counts(classes, std::vector<int64_t>(classes, 0)) {}
  void add(int64_t truth, int64_t predicted) { ++counts.at(static_cast<std::size_t>(truth)).at(static_cast<std::size_t>(predicted)); }
  std::size_t size() const { return counts.size(); }
  int64_t total() const;
  std::vector<std::vector<int64_t>> counts;
};

struct ClassMetrics {
  double precision = 0, recall = 0, f1 = 0;  // 0 where undefined (no predictions / no samples)
  int64_t support = 0;
};

struct ClassificationReport {
  std::vector<std::string> class_names;
  std::vector<ClassMetrics> per_class;
  ClassMetrics macro, weighted;  // support = total samples
  double accuracy = 0;
  // scikit-learn's balanced_accuracy_score: the mean recall over the classes that have
  // samples (a class with none is left out, as sklearn does); 0 when no class has any.
  double balanced_accuracy = 0;
  int64_t total = 0;
};

ClassificationReport classification_report(const ConfusionMatrix& cm, const std::vector<std::string>& class_names);

// sklearn's text layout: a row per class, then accuracy, macro avg, weighted avg.
std::string report_text(const ClassificationReport& r, int digits = 4);

// The matrix as CSV: a header "true\predicted,<names...>", then one row per true class.
std::string confusion_csv(const ConfusionMatrix& cm, const std::vector<std::string>& class_names);

}  // namespace imgcls
