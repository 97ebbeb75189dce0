#include "report/error_analysis.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <numeric>
#include <sstream>
#include <stdexcept>

#include "util/strings.hpp"

namespace imgcls {
namespace {

std::string class_name(int64_t c, const std::vector<std::string>& names) {
  return c >= 0 && static_cast<std::size_t>(c) < names.size() ? names[static_cast<std::size_t>(c)] : std::to_string(c);
}

}  // namespace

std::vector<std::size_t> misclassified_by_loss(const SamplePredictions& s) {
  std::vector<std::size_t> rows;
  for (std::size_t r = 0; r < s.size(); ++r)
    if (!s.correct(r)) rows.push_back(r);
  std::stable_sort(rows.begin(), rows.end(), [&](std::size_t a, std::size_t b) { return s.loss[a] > s.loss[b]; });
  return rows;
}

std::vector<std::size_t> all_rows(const SamplePredictions& s) {
  std::vector<std::size_t> rows(s.size());
  std::iota(rows.begin(), rows.end(), std::size_t{0});
  return rows;
}

std::string predictions_csv(const SamplePredictions& s, const std::vector<std::size_t>& rows,
                            const std::vector<std::string>& class_names, const std::vector<std::string>& paths) {
  const bool with_path = !paths.empty();
  std::ostringstream os;
  os << "index" << (with_path ? ",path" : "") << ",label,predicted,probability,loss";
  for (int64_t j = 1; j <= s.k; ++j) os << ",class_" << j << ",prob_" << j;
  os << '\n';
  for (const auto r : rows) {
    const auto index = s.index[r];
    os << index;
    if (with_path) {
      const auto i = static_cast<std::size_t>(index);
      os << ',' << csv_field(i < paths.size() ? paths[i] : "");
    }
    os << ',' << csv_field(class_name(s.label[r], class_names)) << ','
       << csv_field(class_name(s.predicted(r), class_names)) << ',' << fixed(s.probability(r), 6) << ','
       << fixed(s.loss[r], 6);
    for (int64_t j = 0; j < s.k; ++j) {
      const auto at = r * static_cast<std::size_t>(s.k) + static_cast<std::size_t>(j);
      os << ',' << csv_field(class_name(s.top_class[at], class_names)) << ',' << fixed(s.top_prob[at], 6);
    }
    os << '\n';
  }
  return os.str();
}

Calibration calibration(const std::vector<double>& confidence, const std::vector<bool>& correct, int bins) {
  if (bins < 1) throw std::invalid_argument("calibration: bins must be at least 1, not " + std::to_string(bins));
  if (confidence.size() != correct.size())
    throw std::invalid_argument("calibration: " + std::to_string(confidence.size()) + " confidences but " +
                                std::to_string(correct.size()) + " correctness flags");
  Calibration c;
  c.bins.resize(static_cast<std::size_t>(bins));
  std::vector<double> conf_sum(c.bins.size(), 0.0), right(c.bins.size(), 0.0);
  const auto edge = [bins](int i) { return static_cast<double>(i) / bins; };
  for (std::size_t i = 0; i < confidence.size(); ++i) {
    const double v = confidence[i];
    // The bin with edge(b) < v <= edge(b + 1), found from the estimate and nudged to the exact edges.
    int b = static_cast<int>(std::ceil(v * bins)) - 1;
    b = std::clamp(b, 0, bins - 1);
    while (b > 0 && v <= edge(b)) --b;
    while (b < bins - 1 && v > edge(b + 1)) ++b;
    const auto bi = static_cast<std::size_t>(b);
    ++c.bins[bi].count;
    conf_sum[bi] += v;
    right[bi] += correct[i] ? 1.0 : 0.0;
  }
  c.total = static_cast<int64_t>(confidence.size());
  for (std::size_t b = 0; b < c.bins.size(); ++b) {
    auto& bin = c.bins[b];
    bin.lower = edge(static_cast<int>(b)), bin.upper = edge(static_cast<int>(b) + 1);
    if (bin.count == 0) continue;
    const auto n = static_cast<double>(bin.count);
    bin.accuracy = right[b] / n, bin.confidence = conf_sum[b] / n;
    c.ece += n / static_cast<double>(c.total) * std::abs(bin.accuracy - bin.confidence);
  }
  return c;
}

Calibration calibration(const SamplePredictions& s, int bins) {
  std::vector<double> confidence;
  std::vector<bool> correct;
  for (std::size_t r = 0; r < s.size(); ++r) confidence.push_back(s.probability(r)), correct.push_back(s.correct(r));
  return calibration(confidence, correct, bins);
}

}  // namespace imgcls
