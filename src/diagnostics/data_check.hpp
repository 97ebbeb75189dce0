// `imgcls data check`: what a run's data holds, from the splits exactly as training reads them
// (data/splits.hpp's make_splits): class counts and imbalance, unusable image files with their
// reasons, files with another channel count or an extreme size, exact duplicates (same decoded
// pixels) within and across splits, optional near duplicates (perceptual hash), the image sizes,
// and the training split's per-channel mean and std as ToTensor sees them.
//
//   const auto splits = make_splits(config);
//   const auto report = check_data(config, splits, DataCheckSettings{...});
//   write_file_atomic(dir + "/data_report.json", json_text(report_json(report), 2) + "\n");
//   if (report.failed()) ...  // unusable files or duplicates across splits: exit 3
#pragma once

#include <cstdint>
#include <map>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <utility>
#include <vector>

namespace imgcls {

struct Config;
struct DataSplits;

// Images with a side under kTinySide or over kHugeSide pixels, or whose long side is over
// kExtremeAspect times the short one, are reported as extreme sizes.
constexpr int64_t kTinySide = 16;
constexpr int64_t kHugeSide = 10000;
constexpr double kExtremeAspect = 4.0;
// `--near`'s default: perceptual hashes at most this many bits (of 64) apart.
constexpr int kDefaultNearDistance = 4;
// and whose 16x16 grey thumbnails correlate at least this much (diagnostics/duplicates.hpp).
constexpr double kNearMinCorrelation = 0.98;

struct DataCheckSettings {
  int64_t threads = 1;  // image files decoded in parallel (data.workers)
  bool near = false;    // look for near duplicates too
  int near_distance = kDefaultNearDistance;
  double near_correlation = kNearMinCorrelation;
  std::size_t max_listed = 100;  // pairs (and odd images) listed per kind; all are counted
};

// How a report names one sample: its split and index there, the index in the files it came
// from (in-memory datasets: the train or test file's sample number), its path (image
// folders) and its class.
struct SampleNote {
  std::string split;
  int64_t index = 0;
  int64_t source_index = 0;
  std::string path;
  std::string label;
  std::string text() const;  // "path" or "val #12 (train file #40211)"
};

struct DuplicateNote {
  SampleNote a, b;
  int distance = 0;        // Hamming distance of the perceptual hashes (near duplicates)
  double correlation = 1;  // of the thumbnails (near duplicates)
};

struct DuplicateSummary {
  std::map<std::string, int64_t> counts;                  // "train" (within) or "train/test" (across) -> pairs
  int64_t within = 0, across = 0;                         // pairs
  std::vector<DuplicateNote> within_pairs, across_pairs;  // the first DataCheckSettings::max_listed
};

struct ValueRange {
  double min = 0, median = 0, max = 0;
};

struct DataCheckReport {
  std::string name, dataset, source;  // config name, data.dataset, the folders or files read
  std::vector<std::string> class_names;
  std::vector<std::string> splits;                 // the splits checked: train, then val and test when present
  std::vector<std::vector<int64_t>> class_counts;  // [split][class]
  bool val_is_test = false;                        // data.val: test (val is the test split)
  int64_t images = 0, usable = 0;

  struct BadImage {
    std::string split, path, reason;
  };
  std::vector<BadImage> bad_images;  // all of them
  struct OddImage {
    SampleNote sample;
    std::string what;  // "stores 4 channels (most store 3)", "extreme size 3x900"
  };
  std::vector<OddImage> odd_images;  // the first max_listed
  int64_t odd_count = 0;
  int64_t stored_channels = 0;  // what most image files store (0: unknown); in-memory: the dataset's

  ValueRange height, width, aspect;  // aspect: width / height
  int64_t distinct_sizes = 0;
  std::vector<std::pair<std::string, int64_t>> common_sizes;  // "WxH" -> images, most common first (5)

  std::vector<double> mean, std;  // the training split's, per channel, in [0, 1]
  DuplicateSummary exact, near;
  bool near_checked = false;
  int near_distance = 0;
  double near_correlation = 0;
  std::vector<std::string> warnings;  // one line each
  int64_t threads = 1;
  double seconds = 0;       // check_data's own time: decoding, hashing, duplicates
  double load_seconds = 0;  // reading the splits before (make_splits), when the caller sets it

  // Unusable files or exact duplicates across splits: what makes `data check` exit 3.
  bool failed() const { return !bad_images.empty() || exact.across > 0; }
  // "normalize: {mean: [0.2860], std: [0.3530]}"
  std::string normalize_line() const;
  // Split `split`'s imbalance: most over fewest images per class (0 when a class has none).
  double imbalance(std::size_t split) const;
};

DataCheckReport check_data(const Config& config, const DataSplits& splits, const DataCheckSettings& settings);

nlohmann::json report_json(const DataCheckReport& report);

// What the console shows: class counts, problems with examples, sizes, mean/std.
std::string report_text(const DataCheckReport& report);

}  // namespace imgcls
