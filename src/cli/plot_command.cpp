// `imgcls plot RUN_DIR... [--metric val_acc] [--out FILE.png]`: one metric of several runs
// on one chart, a line per run with its name in the legend (seed 000's comparison of three
// architectures); `--metric acc` or `loss`: each run's train (dashed) and validation (solid)
// curves in one colour (seed 004's batch-size comparison).
#include <CLI/App.hpp>
#include <CLI/Config.hpp>
#include <CLI/Formatter.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <set>

#include "cli/commands.hpp"
#include "engine/run_files.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "report/plot.hpp"

namespace imgcls {
namespace fs = std::filesystem;
namespace {

// One legend label per run, all distinct: the settings that differ between the runs'
// config.yaml ("model.name=mlp, optimizer.lr=0.01"), or, when those do not tell them apart,
// the run folders' names (their paths when two share a name).
std::vector<std::string> run_labels(const std::vector<std::string>& runs) {
  std::vector<std::string> names, paths;
  for (const auto& run : runs) {
    const auto p = fs::path(run).lexically_normal();
    names.push_back(p.filename().empty() ? p.parent_path().filename().string() : p.filename().string());
    paths.push_back(run);
  }
  const auto distinct = [](const std::vector<std::string>& v) {
    return std::set<std::string>(v.begin(), v.end()).size() == v.size();
  };
  const auto by_name = distinct(names) ? names : paths;
  if (runs.size() < 2) return by_name;
  std::vector<Config> configs;
  try {
    for (const auto& run : runs) configs.push_back(load_config((fs::path(run) / "config.yaml").string()));
  } catch (const Error&) {
    return by_name;  // not every run has a readable config.yaml
  }
  // Keys that do not change results (those a resume may change, train.epochs excepted).
  auto ignored = resumable_keys();
  ignored.erase(std::remove(ignored.begin(), ignored.end(), "train.epochs"), ignored.end());
  std::vector<std::string> labels(runs.size());
  for (const auto& key : config_keys()) {
    if (std::find(ignored.begin(), ignored.end(), key) != ignored.end()) continue;
    std::vector<std::string> values;
    for (const auto& c : configs) values.push_back(value_text(c, key));
    if (std::set<std::string>(values.begin(), values.end()).size() < 2) continue;
    for (std::size_t i = 0; i < runs.size(); ++i)
      labels[i] += (labels[i].empty() ? "" : ", ") + key + "=" + values[i];
  }
  constexpr std::size_t kLongest = 90;  // beyond that a legend is unreadable: use the names
  for (const auto& l : labels)
    if (l.empty() || l.size() > kLongest) return by_name;
  return distinct(labels) ? labels : by_name;
}

}  // namespace

namespace {

// --metric acc|loss: each run's train and validation curves in one colour (seed 004's pairs).
int plot_train_val(const PlotOptions& options) {
  const bool acc = options.metric == "acc";
  std::vector<RunCurves> runs;
  for (const auto& run : options.runs) {
    RunCurves r;
    r.label = fs::path(run).lexically_normal().filename().string();
    if (r.label.empty()) r.label = fs::path(run).lexically_normal().parent_path().filename().string();
    for (const auto& m : read_metrics_csv((fs::path(run) / "metrics.csv").string())) {
      r.epoch.push_back(static_cast<double>(m.epoch));
      r.train.push_back(metric_value(m, acc ? "train_acc" : "train_loss"));
      r.val.push_back(metric_value(m, acc ? "val_acc" : "val_loss"));
    }
    runs.push_back(std::move(r));
  }
  const auto out = options.out.empty() ? "comparison-" + options.metric + ".png" : options.out;
  write_png(out, draw_line_chart(train_val_chart(acc ? "accuracy" : "loss", runs), 800, 480));
  std::printf("wrote %s (%zu runs; validation solid, train dashed)\n", out.c_str(), options.runs.size());
  return 0;
}

}  // namespace

void setup_plot(CLI::App& app) {
  auto options = std::make_shared<PlotOptions>();
  auto* cmd = app.add_subcommand("plot", "Overlay one metric of several runs on one chart (PNG)");
  cmd->add_option("runs", options->runs, "Run directories")->required();
  cmd->add_option("--metric", options->metric,
                  "val_acc (default), val_loss, train_acc, train_loss, lr, val_macro_f1, val_balanced_acc, "
                  "val_acc_ema, val_loss_ema (train.ema), epoch_seconds, images_per_second; or acc / loss: train "
                  "(dashed) and validation (solid) per run, one colour each")
      ->check(CLI::IsMember({"val_acc", "val_loss", "train_acc", "train_loss", "lr", "val_macro_f1",
                             "val_balanced_acc", "val_acc_ema", "val_loss_ema", "epoch_seconds", "images_per_second",
                             "acc", "loss"}));
  cmd->add_option("--out", options->out, "Output PNG (default: comparison-<metric>.png)");
  cmd->callback([options]() { run_plot(*options); });
}

int run_plot(const PlotOptions& options) {
  // A path that is not a run is a usage error (exit 2), as for eval, not a failed write.
  for (const auto& run : options.runs)
    if (!fs::is_regular_file(fs::path(run) / "metrics.csv"))
      throw UsageError(run + ": not a run directory (no metrics.csv); plot takes folders `imgcls train` made");
  if (options.metric == "acc" || options.metric == "loss") return plot_train_val(options);
  ChartSpec chart;
  chart.title = options.metric + " per epoch";
  chart.x_label = "epoch";
  chart.y_label = options.metric;
  const auto labels = run_labels(options.runs);
  for (std::size_t i = 0; i < options.runs.size(); ++i) {
    const auto& run = options.runs[i];
    const auto rows = read_metrics_csv((fs::path(run) / "metrics.csv").string());
    Series s;
    s.label = labels[i];
    for (const auto& m : rows) {
      s.x.push_back(static_cast<double>(m.epoch));
      s.y.push_back(metric_value(m, options.metric));
    }
    chart.series.push_back(std::move(s));
  }
  // A column a run leaves empty (the EMA ones without train.ema, the validation ones without a
  // validation split, or a run from before the column existed) reads as NaN.
  const bool any = std::any_of(chart.series.begin(), chart.series.end(), [](const Series& s) {
    return std::any_of(s.y.begin(), s.y.end(), [](double y) { return std::isfinite(y); });
  });
  if (!any)
    throw UsageError("--metric " + options.metric + ": none of these runs recorded it" +
                     (options.metric.find("_ema") != std::string::npos ? " (they ran without train.ema)" : ""));
  const auto out = options.out.empty() ? "comparison-" + options.metric + ".png" : options.out;
  write_png(out, draw_line_chart(chart, 800, 480));
  std::printf("wrote %s (%zu runs)\n", out.c_str(), options.runs.size());
  for (std::size_t i = 0; i < options.runs.size(); ++i)
    if (labels[i] != options.runs[i]) std::printf("  %s: %s\n", labels[i].c_str(), options.runs[i].c_str());
  return 0;
}

}  // namespace imgcls
