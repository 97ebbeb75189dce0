// `imgcls lr-find CONFIG [KEY=VALUE...] [--start 1e-7] [--end 10] [--steps 100] [--out DIR]`:
// the learning-rate range test (engine/lr_finder.hpp). DIR gets lr_find.csv (every step),
// lr_find.json (the suggestion and how the test ended) and lr_find.png (the smoothed loss
// against the learning rate on a log axis, the suggestion marked). It trains fresh weights in
// memory only: no checkpoint and no run directory is written or changed.
#include <CLI/App.hpp>
#include <CLI/Config.hpp>
#include <CLI/Formatter.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.hpp"
#include "engine/lr_finder.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "imgcls/io/atomic_file.hpp"
#include "io/run_dir.hpp"
#include "report/plot.hpp"
#include "util/json_text.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace fs = std::filesystem;

void setup_lr_find(CLI::App& app) {
  auto options = std::make_shared<LrFindOptions>();
  auto* cmd = app.add_subcommand("lr-find",
                                 "Learning-rate range test: loss against an exponentially growing lr, "
                                 "with a suggested optimizer.lr");
  cmd->add_option("config", options->config_path, "Experiment config (.yaml, .yml or .json)")->required();
  cmd->add_option("overrides", options->overrides, "Dotted overrides, e.g. optimizer.name=sgd");
  cmd->add_option("--start", options->start, "The first learning rate (default 1e-7)")->check(CLI::PositiveNumber);
  cmd->add_option("--end", options->end, "The last learning rate (default 10)")->check(CLI::PositiveNumber);
  cmd->add_option("--steps", options->steps, "Training steps, at most (default 100)")->check(CLI::Range(2, 100000));
  cmd->add_option("-o,--out", options->out,
                  "Folder for lr_find.csv, lr_find.json and lr_find.png (default: lr_find/<name>-<timestamp>)");
  cmd->footer(
      "Stops early when the smoothed loss exceeds 4x its minimum. Writes no checkpoint. Exit codes: 0 done, "
      "2 usage/config error, 3 data error, 4 training error.");
  cmd->callback([options]() { run_lr_find(*options); });
}

int run_lr_find(const LrFindOptions& options) {
  if (!(options.end > options.start))
    throw UsageError("lr-find: --end (" + shortest_text(options.end) + ") must be above --start (" +
                     shortest_text(options.start) + ")");
  const auto config = load_config(options.config_path, options.overrides);
  for (const auto& w : config.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  LrFindSettings settings;
  settings.start = options.start, settings.end = options.end, settings.steps = options.steps;
  const auto r = find_lr(config, settings);

  std::string dir = options.out;
  if (dir.empty()) {
    dir = create_timestamped_dir("lr_find", config.name);
  } else {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) throw IoError(dir + ": cannot create the folder: " + ec.message());
  }
  std::ostringstream csv;
  csv.precision(10);
  csv << "step,lr,loss,smoothed_loss\n";
  for (std::size_t i = 0; i < r.lr.size(); ++i) {
    csv << i + 1 << ',' << r.lr[i] << ',';
    if (std::isfinite(r.loss[i])) csv << r.loss[i];
    csv << ',';
    if (std::isfinite(r.smoothed[i])) csv << r.smoothed[i];
    csv << '\n';
  }
  write_file_atomic((fs::path(dir) / "lr_find.csv").string(), csv.str());

  const double suggested = r.suggested_lr();
  nlohmann::json j;
  j["suggested_lr"] = std::isfinite(suggested) ? nlohmann::json(suggested) : nlohmann::json();
  j["suggested_step"] = r.suggested >= 0 ? nlohmann::json(r.suggested + 1) : nlohmann::json();
  j["rule"] =
      "steepest descent of the smoothed loss up to its minimum (Lightning's most negative gradient, the "
      "first 10 steps skipped)";
  j["start"] = settings.start, j["end"] = settings.end, j["steps"] = settings.steps;
  j["steps_run"] = r.lr.size();
  j["stopped"] = r.diverged ? "diverged" : "completed";
  j["seed"] = config.seed;
  j["optimizer"] = config.optimizer.name;
  j["config"] = fs::absolute(options.config_path).string();
  j["overrides"] = options.overrides;
  write_file_atomic((fs::path(dir) / "lr_find.json").string(), json_text(j, 2) + "\n");

  ChartSpec chart;
  chart.title = config.name + ": learning-rate range test";
  chart.x_label = "learning rate (log scale)";
  chart.y_label = "training loss (smoothed)";
  chart.integer_x = false, chart.log10_x = true;
  Series raw{"loss", {}, {}, /*dashed=*/true};
  Series smooth{"smoothed loss", {}, {}};
  // Up to the divergence: the last points run far up and would flatten the rest.
  for (std::size_t i = 0; i < r.lr.size(); ++i) {
    if (r.diverged && i + 1 == r.lr.size()) break;
    raw.x.push_back(std::log10(r.lr[i])), raw.y.push_back(r.loss[i]);
    smooth.x.push_back(std::log10(r.lr[i])), smooth.y.push_back(r.smoothed[i]);
  }
  chart.series = {raw, smooth};
  if (std::isfinite(suggested))
    chart.markers.push_back({std::log10(suggested), std::nan(""), "suggested " + shortest_text(suggested)});
  write_png((fs::path(dir) / "lr_find.png").string(), draw_line_chart(chart, 720, 480));

  std::printf("lr-find: %zu steps from %s to %s%s\n", r.lr.size(), shortest_text(settings.start).c_str(),
              shortest_text(r.lr.empty() ? settings.start : r.lr.back()).c_str(),
              r.diverged ? " (stopped: the loss diverged)" : "");
  if (std::isfinite(suggested))
    std::printf("suggested_lr: %s (optimizer.lr=%s)\n", shortest_text(suggested).c_str(),
                shortest_text(suggested).c_str());
  else
    std::printf("suggested_lr: none (too few steps before the loss diverged; try a lower --start or more --steps)\n");
  std::printf("written to %s/ (lr_find.csv, lr_find.json, lr_find.png)\n", dir.c_str());
  return 0;
}

}  // namespace imgcls
