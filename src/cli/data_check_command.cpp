// `imgcls data check CONFIG [KEY=VALUE...] [--out DIR] [--near [--near-distance BITS] [--near-correlation C]]`: the
// config's train / val / test splits, read exactly as `imgcls train` reads them, checked for
// what breaks or flatters a run (diagnostics/data_check.hpp). Prints the report and writes
// DIR/data_report.json and DIR/class_counts.png; exit 3 when it found unreadable files or
// duplicates across splits.
#include <CLI/App.hpp>
#include <CLI/Config.hpp>
#include <CLI/Formatter.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/data_preview.hpp"
#include "data/loader.hpp"
#include "data/splits.hpp"
#include "diagnostics/data_check.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "imgcls/io/atomic_file.hpp"
#include "io/run_dir.hpp"
#include "report/plot.hpp"
#include "util/json_text.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace fs = std::filesystem;

void setup_data(CLI::App& app) {
  auto* data = app.add_subcommand("data", "Look at a config's data before training on it");
  data->require_subcommand(1);
  auto options = std::make_shared<DataCheckOptions>();
  auto* cmd = data->add_subcommand(
      "check", "Class counts, unreadable files, duplicates within and across splits, sizes, mean/std");
  cmd->add_option("config", options->config_path, "Experiment config (.yaml, .yml or .json)")->required();
  cmd->add_option("overrides", options->overrides, "Dotted overrides, e.g. data.root=/elsewhere");
  cmd->add_option("-o,--out", options->out,
                  "Folder for data_report.json and class_counts.png "
                  "(default: data_check/<name>-<timestamp>)");
  cmd->add_flag("--near", options->near, "Also look for near duplicates (perceptual hash)");
  cmd->add_option("--near-distance", options->near_distance,
                  "With --near: perceptual hashes at most this many bits (of 64) apart (default 4)")
      ->check(CLI::Range(0, 32));
  cmd->add_option("--near-correlation", options->near_correlation,
                  "With --near: and 16x16 grey thumbnails correlated at least this much (default 0.98)")
      ->check(CLI::Range(-1.0, 1.0));
  cmd->footer(
      "Exit codes: 0 clean (warnings allowed), 2 usage/config error, 3 unreadable files, duplicates "
      "across splits, or data that cannot be read at all.");
  cmd->callback([options]() { run_data_check(*options); });
  setup_data_preview(*data);
}

int run_data_check(const DataCheckOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  const auto config = load_config(options.config_path, options.overrides);
  const auto splits = make_splits(config);
  const double load_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  DataCheckSettings settings;
  settings.threads = std::max<int64_t>(1, loader_options(config, false).workers);
  settings.near = options.near;
  settings.near_distance = options.near_distance;
  settings.near_correlation = options.near_correlation;
  auto report = check_data(config, splits, settings);
  report.load_seconds = load_seconds;

  std::string dir = options.out;
  if (dir.empty()) {
    dir = create_timestamped_dir("data_check", config.name);
  } else {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw IoError(dir + ": cannot create the folder: " + ec.message());
  }
  write_file_atomic((fs::path(dir) / "data_report.json").string(), json_text(report_json(report), 2) + "\n");
  BarChartSpec chart;
  chart.title = config.name + ": images per class";
  chart.y_label = "images";
  chart.categories = report.class_names;
  for (std::size_t s = 0; s < report.splits.size(); ++s)
    chart.series.push_back(
        {report.splits[s], std::vector<double>(report.class_counts[s].begin(), report.class_counts[s].end())});
  write_png((fs::path(dir) / "class_counts.png").string(), draw_bar_chart(chart));
  std::printf("%swritten to %s/ (data_report.json, class_counts.png)\n", report_text(report).c_str(), dir.c_str());
  std::fflush(stdout);
  if (report.failed()) {
    std::vector<std::string> what;
    if (!report.bad_images.empty()) what.push_back(std::to_string(report.bad_images.size()) + " unreadable files");
    if (report.exact.across > 0)
      what.push_back(std::to_string(report.exact.across) + " pairs of identical images across splits");
    throw DataError("data check: " + join(what, " and ") + " (see " + (fs::path(dir) / "data_report.json").string() +
                    ")");
  }
  return 0;
}

}  // namespace imgcls
