#include "report/classification_report.hpp"

#include <algorithm>
#include <cstdio>
#include <sstream>

#include "util/strings.hpp"

namespace imgcls {
namespace {

double ratio(int64_t a, int64_t b) { return b > 0 ? static_cast<double>(a) / static_cast<double>(b) : 0.0; }

}  // namespace

int64_t ConfusionMatrix::total() const {
  int64_t n = 0;
  for (const auto& row : counts)
    for (auto v : row) n += v;
  return n;
}

ClassificationReport classification_report(const ConfusionMatrix& cm, const std::vector<std::string>& class_names) {
  ClassificationReport r;
  r.class_names = class_names;
  const auto k = cm.size();
  r.total = cm.total();
  int64_t correct = 0;
  for (std::size_t c = 0; c < k; ++c) {
    const auto tp = cm.counts[c][c];
    int64_t predicted = 0, actual = 0;
    for (std::size_t j = 0; j < k; ++j) predicted += cm.counts[j][c], actual += cm.counts[c][j];
    ClassMetrics m;
    m.precision = ratio(tp, predicted);
    m.recall = ratio(tp, actual);
    m.f1 = m.precision + m.recall > 0 ? 2 * m.precision * m.recall / (m.precision + m.recall) : 0.0;
    m.support = actual;
    correct += tp;
    r.per_class.push_back(m);
  }
  r.accuracy = ratio(correct, r.total);
  int64_t present = 0;
  for (const auto& m : r.per_class)
    if (m.support > 0) r.balanced_accuracy += m.recall, ++present;
  r.balanced_accuracy = present > 0 ? r.balanced_accuracy / static_cast<double>(present) : 0.0;
  for (const auto& m : r.per_class) {
    const double w = ratio(m.support, r.total);
    r.macro.precision += m.precision / static_cast<double>(k);
    r.macro.recall += m.recall / static_cast<double>(k);
    r.macro.f1 += m.f1 / static_cast<double>(k);
    r.weighted.precision += m.precision * w;
    r.weighted.recall += m.recall * w;
    r.weighted.f1 += m.f1 * w;
  }
  r.macro.support = r.weighted.support = r.total;
  return r;
}

std::string report_text(const ClassificationReport& r, int digits) {
  std::size_t width = std::string("weighted avg").size();
  for (const auto& n : r.class_names) width = std::max(width, n.size());
  const int w = static_cast<int>(width), col = std::max(digits + 6, 9);
  std::ostringstream out;
  char buf[512];
  std::snprintf(buf, sizeof buf, "%*s  %*s %*s %*s %*s\n\n", w, "", col, "precision", col, "recall", col, "f1-score", col,
                "support");
  out << buf;
  const auto row = [&](const std::string& name, const ClassMetrics& m) {
    std::snprintf(buf, sizeof buf, "%*s  %*.*f %*.*f %*.*f %*lld\n", w, name.c_str(), col, digits, m.precision, col,
                  digits, m.recall, col, digits, m.f1, col, static_cast<long long>(m.support));
    out << buf;
  };
  for (std::size_t c = 0; c < r.per_class.size(); ++c) row(c < r.class_names.size() ? r.class_names[c] : std::to_string(c), r.per_class[c]);
  out << "\n";
  std::snprintf(buf, sizeof buf, "%*s  %*s %*s %*.*f %*lld\n", w, "accuracy", col, "", col, "", col, digits, r.accuracy,
                col, static_cast<long long>(r.total));
  out << buf;
  row("macro avg", r.macro);
  row("weighted avg", r.weighted);
  return out.str();
}

std::string confusion_csv(const ConfusionMatrix& cm, const std::vector<std::string>& class_names) {
  std::ostringstream out;
  out << "true\\predicted";
  for (const auto& n : class_names) out << "," << csv_field(n);
  out << "\n";
  for (std::size_t t = 0; t < cm.size(); ++t) {
    out << csv_field(t < class_names.size() ? class_names[t] : std::to_string(t));
    for (auto v : cm.counts[t]) out << "," << v;
    out << "\n";
  }
  return out.str();
}

}  // namespace imgcls
