#include "diagnostics/data_check.hpp"

#include <ATen/ATen.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "data/dataset.hpp"
#include "data/dataset_table.hpp"
#include "diagnostics/duplicates.hpp"
#include "diagnostics/image_scan.hpp"
#include "imgcls/config/config.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

using Clock = std::chrono::steady_clock;
constexpr std::size_t kTextExamples = 10;  // examples of each kind the console shows

struct Part {
  std::string name;
  const Dataset* data;
  SplitScan scan;
};

std::string source_text(const Config& c) {
  const auto& d = c.data;
  if (dataset_info(d.dataset).format != DatasetFormat::kImageFolder)
    return d.root.empty() ? dataset_info(d.dataset).default_root : d.root;
  std::string s = d.train_root.empty() ? d.root : d.train_root;
  if (!d.val_root.empty()) s += ", val " + d.val_root;
  if (!d.test_root.empty()) s += ", test " + d.test_root;
  return s;
}

SampleNote note(const Part& p, int64_t i) {
  SampleNote n;
  n.split = p.name;
  n.index = i;
  n.source_index = p.data->source_index(i);
  if (!p.data->paths.empty()) n.path = p.data->paths[static_cast<std::size_t>(i)];
  const auto label = p.data->labels[i].item<int64_t>();
  n.label = p.data->class_names[static_cast<std::size_t>(label)];
  return n;
}

std::string channels_text(int64_t c) {
  switch (c) {
    case 1:
      return "1 channel (grey)";
    case 2:
      return "2 channels (grey + alpha)";
    case 3:
      return "3 channels (colour)";
    case 4:
      return "4 channels (colour + alpha, or CMYK)";
    default:
      return std::to_string(c) + " channels";
  }
}

ValueRange range_of(std::vector<double> v) {
  if (v.empty()) return {};
  ValueRange r;
  r.min = *std::min_element(v.begin(), v.end());
  r.max = *std::max_element(v.begin(), v.end());
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2), v.end());
  r.median = v[v.size() / 2];
  return r;
}

DuplicateSummary summarize(const DuplicateFindings& f, const std::vector<Part>& parts) {
  DuplicateSummary s;
  for (const auto& [key, count] : f.pair_counts) {
    const auto& a = parts[static_cast<std::size_t>(key.first)].name;
    const auto& b = parts[static_cast<std::size_t>(key.second)].name;
    s.counts[key.first == key.second ? a : a + "/" + b] += count;
  }
  s.within = f.within_count();
  s.across = f.across_count();
  const auto notes = [&](const std::vector<DuplicatePair>& pairs) {
    std::vector<DuplicateNote> out;
    for (const auto& p : pairs)
      out.push_back({note(parts[static_cast<std::size_t>(p.a.split)], p.a.index),
                     note(parts[static_cast<std::size_t>(p.b.split)], p.b.index), p.distance, p.correlation});
    return out;
  };
  s.within_pairs = notes(f.within);
  s.across_pairs = notes(f.across);
  return s;
}

std::string counts_text(const std::map<std::string, int64_t>& counts) {
  std::vector<std::string> parts;
  for (const auto& [k, v] : counts) parts.push_back(k + " " + std::to_string(v));
  return join(parts, ", ");
}

nlohmann::json sample_json(const SampleNote& n) {
  nlohmann::json j{{"split", n.split}, {"index", n.index}, {"label", n.label}};
  if (!n.path.empty())
    j["path"] = n.path;
  else
    j["source_index"] = n.source_index;
  return j;
}

nlohmann::json duplicates_json(const DuplicateSummary& s, bool near) {
  nlohmann::json j;
  j["within"] = nlohmann::json::object();
  j["across"] = nlohmann::json::object();
  for (const auto& [k, v] : s.counts) j[k.find('/') == std::string::npos ? "within" : "across"][k] = v;
  j["within_pairs_total"] = s.within;
  j["across_pairs_total"] = s.across;
  for (const auto* list : {&s.within_pairs, &s.across_pairs}) {
    auto& out = j[list == &s.within_pairs ? "within_pairs" : "across_pairs"];
    out = nlohmann::json::array();
    for (const auto& p : *list) {
      nlohmann::json e{{"a", sample_json(p.a)}, {"b", sample_json(p.b)}};
      if (near) e["distance"] = p.distance, e["correlation"] = p.correlation;
      out.push_back(e);
    }
  }
  return j;
}

nlohmann::json range_json(const ValueRange& r) { return {{"min", r.min}, {"median", r.median}, {"max", r.max}}; }

std::string list_text(const std::vector<double>& v) {
  std::vector<std::string> parts;
  for (double x : v) parts.push_back(fixed(x, 4));
  return "[" + join(parts, ", ") + "]";
}

std::string pair_text(const DuplicateNote& p, bool near) {
  std::string s = "  " + p.a.text() + (near ? " ~ " : " = ") + p.b.text();
  if (near) s += " (" + std::to_string(p.distance) + " bits, correlation " + fixed(p.correlation, 3) + ")";
  if (p.a.label != p.b.label) s += " (labels differ: " + p.a.label + ", " + p.b.label + ")";
  return s + "\n";
}

std::string pairs_text(const std::string& what, int64_t total, const std::map<std::string, int64_t>& counts,
                       const std::vector<DuplicateNote>& pairs, bool near, bool across) {
  if (total == 0) return "";
  std::map<std::string, int64_t> kind;
  for (const auto& [k, v] : counts)
    if ((k.find('/') != std::string::npos) == across) kind[k] = v;
  std::string s =
      what + ": " + std::to_string(total) + " pair" + (total == 1 ? "" : "s") + " (" + counts_text(kind) + ")\n";
  for (std::size_t i = 0; i < pairs.size() && i < kTextExamples; ++i) s += pair_text(pairs[i], near);
  if (total > static_cast<int64_t>(std::min(pairs.size(), kTextExamples)))
    s += "  ... (" + std::to_string(pairs.size()) + " listed in data_report.json)\n";
  return s;
}

}  // namespace

std::string SampleNote::text() const {
  if (!path.empty()) return path;
  return split + " #" + std::to_string(index) + " (" + (split == "test" ? "test" : "train") + " file #" +
         std::to_string(source_index) + ")";
}

std::string DataCheckReport::normalize_line() const {
  return "normalize: {mean: " + list_text(mean) + ", std: " + list_text(std) + "}";
}

double DataCheckReport::imbalance(std::size_t split) const {
  const auto& c = class_counts.at(split);
  if (c.empty()) return 0;
  const auto [lo, hi] = std::minmax_element(c.begin(), c.end());
  return *lo == 0 ? 0.0 : static_cast<double>(*hi) / static_cast<double>(*lo);
}

DataCheckReport check_data(const Config& config, const DataSplits& splits, const DataCheckSettings& settings) {
  const auto start = Clock::now();
  DataCheckReport r;
  r.name = config.name;
  r.dataset = config.data.dataset;
  r.source = source_text(config);
  r.class_names = splits.train.class_names;
  r.val_is_test = config.data.val == "test";
  r.threads = std::max<int64_t>(1, settings.threads);
  r.near_checked = settings.near;
  r.near_distance = settings.near_distance;
  r.near_correlation = settings.near_correlation;

  std::vector<Part> parts;
  parts.push_back({"train", &splits.train, {}});
  if (!r.val_is_test && splits.val.size() > 0) parts.push_back({"val", &splits.val, {}});
  if (splits.test.size() > 0) parts.push_back({"test", &splits.test, {}});
  const auto k = static_cast<int64_t>(r.class_names.size());
  for (auto& p : parts) {
    r.splits.push_back(p.name);
    const auto counts = p.data->labels.bincount({}, k).contiguous();
    r.class_counts.emplace_back(counts.data_ptr<int64_t>(), counts.data_ptr<int64_t>() + k);
    p.scan = scan_split(*p.data, ScanSettings{r.threads, settings.near, p.name == "train"});
  }

  // Per image: unusable files, channel counts, sizes.
  std::map<int64_t, int64_t> stored;  // channels -> images
  std::vector<double> heights, widths, aspects;
  std::map<std::pair<int64_t, int64_t>, int64_t> sizes;
  for (const auto& p : parts)
    for (std::size_t i = 0; i < p.scan.images.size(); ++i) {
      const auto& f = p.scan.images[i];
      ++r.images;
      if (!f.error.empty()) {
        r.bad_images.push_back({p.name, p.data->paths[i], f.error});
        continue;
      }
      ++r.usable;
      if (f.file_channels > 0) ++stored[f.file_channels];
      heights.push_back(static_cast<double>(f.height));
      widths.push_back(static_cast<double>(f.width));
      aspects.push_back(static_cast<double>(f.width) / static_cast<double>(f.height));
      ++sizes[{f.width, f.height}];
    }
  for (const auto& [c, n] : stored)
    if (r.stored_channels == 0 || n > stored[r.stored_channels]) r.stored_channels = c;
  for (const auto& p : parts)
    for (std::size_t i = 0; i < p.scan.images.size(); ++i) {
      const auto& f = p.scan.images[i];
      if (!f.error.empty()) continue;
      std::vector<std::string> what;
      if (f.file_channels > 0 && f.file_channels != r.stored_channels)
        what.push_back("stores " + channels_text(f.file_channels) + " where most store " +
                       std::to_string(r.stored_channels));
      const auto lo = std::min(f.height, f.width), hi = std::max(f.height, f.width);
      if (lo < kTinySide || hi > kHugeSide || static_cast<double>(hi) > kExtremeAspect * static_cast<double>(lo))
        what.push_back("extreme size " + std::to_string(f.width) + "x" + std::to_string(f.height));
      if (what.empty()) continue;
      ++r.odd_count;
      if (r.odd_images.size() < settings.max_listed)
        r.odd_images.push_back({note(p, static_cast<int64_t>(i)), join(what, "; ")});
    }
  r.height = range_of(heights);
  r.width = range_of(widths);
  r.aspect = range_of(aspects);
  r.distinct_sizes = static_cast<int64_t>(sizes.size());
  std::vector<std::pair<std::string, int64_t>> common;
  for (const auto& [wh, n] : sizes) common.emplace_back(std::to_string(wh.first) + "x" + std::to_string(wh.second), n);
  std::stable_sort(common.begin(), common.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  common.resize(std::min<std::size_t>(common.size(), 5));
  r.common_sizes = common;
  r.mean = parts.front().scan.pixels.mean();
  r.std = parts.front().scan.pixels.std();

  std::vector<SplitFingerprints> prints;
  for (const auto& p : parts) {
    SplitFingerprints fp;
    for (const auto& f : p.scan.images) {
      fp.exact.push_back(f.hash);
      if (settings.near) fp.perceptual.push_back(f.perceptual);
      fp.usable.push_back(f.error.empty());
    }
    fp.thumbnails = p.scan.thumbnails;
    prints.push_back(std::move(fp));
  }
  r.exact = summarize(exact_duplicates(prints, settings.max_listed), parts);
  if (settings.near)
    r.near = summarize(near_duplicates(prints, settings.near_distance, settings.near_correlation, settings.max_listed),
                       parts);

  for (std::size_t s = 0; s < parts.size(); ++s)
    for (std::size_t c = 0; c < r.class_names.size(); ++c)
      if (r.class_counts[s][c] == 0)
        r.warnings.push_back("class '" + r.class_names[c] + "' has no images in the " + parts[s].name + " split");
  if (r.exact.within > 0)
    r.warnings.push_back(std::to_string(r.exact.within) + " pairs of identical images within a split (" +
                         counts_text([&] {
                           std::map<std::string, int64_t> m;
                           for (const auto& [key, v] : r.exact.counts)
                             if (key.find('/') == std::string::npos) m[key] = v;
                           return m;
                         }()) +
                         ")");
  if (r.near.within + r.near.across > 0)
    r.warnings.push_back(std::to_string(r.near.across) + " near-duplicate pairs across splits and " +
                         std::to_string(r.near.within) + " within: look at them");
  if (r.odd_count > 0)
    r.warnings.push_back(std::to_string(r.odd_count) + " images with another channel count or an extreme size");
  r.seconds = std::chrono::duration<double>(Clock::now() - start).count();
  return r;
}

nlohmann::json report_json(const DataCheckReport& r) {
  nlohmann::json j;
  j["name"] = r.name;
  j["dataset"] = r.dataset;
  j["source"] = r.source;
  j["status"] = r.failed() ? "failed" : "ok";
  j["classes"] = r.class_names;
  j["splits"] = r.splits;
  j["val_is_test"] = r.val_is_test;
  j["images"] = r.images;
  j["usable"] = r.usable;
  for (std::size_t s = 0; s < r.splits.size(); ++s) {
    auto& counts = j["class_counts"][r.splits[s]];
    for (std::size_t c = 0; c < r.class_names.size(); ++c) counts[r.class_names[c]] = r.class_counts[s][c];
    const double ratio = r.imbalance(s);
    j["imbalance_ratio"][r.splits[s]] = ratio > 0 ? nlohmann::json(ratio) : nlohmann::json(nullptr);
  }
  j["unreadable"] = nlohmann::json::array();
  for (const auto& b : r.bad_images)
    j["unreadable"].push_back({{"split", b.split}, {"path", b.path}, {"reason", b.reason}});
  j["odd_images"]["count"] = r.odd_count;
  j["odd_images"]["stored_channels"] = r.stored_channels;
  j["odd_images"]["listed"] = nlohmann::json::array();
  for (const auto& o : r.odd_images) {
    auto e = sample_json(o.sample);
    e["what"] = o.what;
    j["odd_images"]["listed"].push_back(e);
  }
  j["sizes"] = {{"height", range_json(r.height)},
                {"width", range_json(r.width)},
                {"aspect_ratio", range_json(r.aspect)},
                {"distinct", r.distinct_sizes}};
  j["sizes"]["most_common"] = nlohmann::json::array();
  for (const auto& [size, n] : r.common_sizes) j["sizes"]["most_common"].push_back({{"size", size}, {"images", n}});
  j["train_pixels"] = {{"mean", r.mean}, {"std", r.std}, {"normalize", r.normalize_line()}};
  j["exact_duplicates"] = duplicates_json(r.exact, false);
  if (r.near_checked) {
    j["near_duplicates"] = duplicates_json(r.near, true);
    j["near_duplicates"]["max_distance"] = r.near_distance;
    j["near_duplicates"]["min_correlation"] = r.near_correlation;
  } else {
    j["near_duplicates"] = nullptr;
  }
  j["warnings"] = r.warnings;
  j["threads"] = r.threads;
  j["seconds"] = {{"load", r.load_seconds}, {"check", r.seconds}};
  return j;
}

std::string report_text(const DataCheckReport& r) {
  std::string s = "data check: " + r.name + " (" + r.dataset + ", " + r.source + ")\n";
  std::vector<std::string> sizes;
  for (std::size_t i = 0; i < r.splits.size(); ++i) {
    int64_t n = 0;
    for (auto c : r.class_counts[i]) n += c;
    sizes.push_back(r.splits[i] + " " + std::to_string(n));
  }
  s += std::to_string(r.images) + " images (" + join(sizes, ", ") + "), " + std::to_string(r.class_names.size()) +
       " classes" + (r.val_is_test ? "; validation on the test split (data.val: test)" : "") + "\n\n";

  // Class counts: a table for up to 30 classes, else the extremes.
  std::size_t name_w = 9;
  for (const auto& n : r.class_names) name_w = std::max(name_w, std::min<std::size_t>(n.size(), 28));
  const auto cell = [](const std::string& v, std::size_t w) {
    return std::string(w > v.size() ? w - v.size() : 0, ' ') + v;
  };
  const auto name_cell = [&](std::string n) {
    if (n.size() > name_w) n = n.substr(0, name_w - 2) + "..";
    return n + std::string(name_w - n.size(), ' ');
  };
  std::string head = name_cell("class");
  for (const auto& sp : r.splits) head += cell(sp, 9);
  s += head + "\n";
  if (r.class_names.size() <= 30) {
    for (std::size_t c = 0; c < r.class_names.size(); ++c) {
      std::string row = name_cell(r.class_names[c]);
      for (std::size_t i = 0; i < r.splits.size(); ++i) row += cell(std::to_string(r.class_counts[i][c]), 9);
      s += row + "\n";
    }
  } else {
    std::string lo = name_cell("fewest"), hi = name_cell("most");
    for (std::size_t i = 0; i < r.splits.size(); ++i) {
      const auto [a, b] = std::minmax_element(r.class_counts[i].begin(), r.class_counts[i].end());
      lo += cell(std::to_string(*a), 9), hi += cell(std::to_string(*b), 9);
    }
    s += lo + "\n" + hi + "\n";
  }
  std::string imb = name_cell("imbalance");
  for (std::size_t i = 0; i < r.splits.size(); ++i) imb += cell(r.imbalance(i) > 0 ? fixed(r.imbalance(i), 2) : "-", 9);
  s += imb + "   (most / fewest images per class)\n\n";

  if (r.usable > 0) {
    if (r.distinct_sizes == 1)
      s += "sizes: " + r.common_sizes.front().first + " (all)";
    else
      s += "sizes: height " + fixed(r.height.min, 0) + ".." + fixed(r.height.max, 0) + " (median " +
           fixed(r.height.median, 0) + "), width " + fixed(r.width.min, 0) + ".." + fixed(r.width.max, 0) +
           " (median " + fixed(r.width.median, 0) + "), aspect " + fixed(r.aspect.min, 2) + ".." +
           fixed(r.aspect.max, 2) + " (median " + fixed(r.aspect.median, 2) + "); " + std::to_string(r.distinct_sizes) +
           " sizes, most common " + r.common_sizes.front().first + " (" +
           std::to_string(r.common_sizes.front().second) + ")";
    s += r.stored_channels ? "; files store " + channels_text(r.stored_channels) + "\n" : "\n";
    s += "train pixels in [0, 1]: mean " + list_text(r.mean) + ", std " + list_text(r.std) + "\n";
    s += "  " + r.normalize_line() + "   # for data.train_transforms and data.val_transforms\n";
  }

  if (!r.bad_images.empty()) {
    s += "\nunreadable files: " + std::to_string(r.bad_images.size()) + "\n";
    for (std::size_t i = 0; i < r.bad_images.size() && i < kTextExamples; ++i)
      s += "  " + r.bad_images[i].path + ": " + r.bad_images[i].reason + "\n";
    if (r.bad_images.size() > kTextExamples) s += "  ... (all listed in data_report.json)\n";
  }
  const auto dup =
      pairs_text("exact duplicates across splits (leakage: inflates validation and test accuracy)", r.exact.across,
                 r.exact.counts, r.exact.across_pairs, false, true) +
      pairs_text("exact duplicates within a split", r.exact.within, r.exact.counts, r.exact.within_pairs, false, false);
  if (!dup.empty()) s += "\n" + dup;
  if (r.near_checked) {
    const auto near_head = "near duplicates (perceptual hashes at most " + std::to_string(r.near_distance) +
                           " bits apart, thumbnails correlated " + fixed(r.near_correlation, 2) + "+)";
    const auto near =
        pairs_text(near_head + " across splits", r.near.across, r.near.counts, r.near.across_pairs, true, true) +
        pairs_text(near_head + " within a split", r.near.within, r.near.counts, r.near.within_pairs, true, false);
    s += "\n" + (near.empty() ? near_head + ": none\n" : near);
  }
  if (r.odd_count > 0) {
    s += "\nother channel counts or extreme sizes: " + std::to_string(r.odd_count) + "\n";
    for (std::size_t i = 0; i < r.odd_images.size() && i < kTextExamples; ++i)
      s += "  " + r.odd_images[i].sample.text() + ": " + r.odd_images[i].what + "\n";
  }
  if (!r.warnings.empty()) {
    s += "\nwarnings:\n";
    for (const auto& w : r.warnings) s += "  - " + w + "\n";
  }
  char line[200];
  std::snprintf(line, sizeof line, "\nread the splits in %.2f s, checked %lld images in %.2f s (%lld thread%s)\n",
                r.load_seconds, static_cast<long long>(r.images), r.seconds, static_cast<long long>(r.threads),
                r.threads == 1 ? "" : "s");
  return s + line;
}

}  // namespace imgcls
