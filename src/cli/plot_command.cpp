// `imgcls plot RUN_DIR... [--metric val_acc] [--out FILE.png]`: one metric of several runs
// on one chart, a line per run with its name in the legend (seed 000's comparison of three
// architectures); `--metric acc` or `loss`: each run's train (dashed) and validation (solid)
// curves in one colour (seed 004's batch-size comparison).
#include <CLI/App.hpp>
#include <CLI/Config.hpp>
#include <CLI/Formatter.hpp>

#include <cstdio>
#include <filesystem>

#include "cli/commands.hpp"
#include "engine/run_files.hpp"
#include "imgcls/errors.hpp"
#include "report/plot.hpp"

namespace imgcls {
namespace fs = std::filesystem;

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
                  "val_acc (default), val_loss, train_acc, train_loss, lr; or acc / loss: train (dashed) and "
                  "validation (solid) per run, one colour each")
      ->check(CLI::IsMember({"val_acc", "val_loss", "train_acc", "train_loss", "lr", "acc", "loss"}));
  cmd->add_option("--out", options->out, "Output PNG (default: comparison-<metric>.png)");
  cmd->callback([options]() { run_plot(*options); });
}

int run_plot(const PlotOptions& options) {
  if (options.metric == "acc" || options.metric == "loss") return plot_train_val(options);
  ChartSpec chart;
  chart.title = options.metric + " per epoch";
  chart.x_label = "epoch";
  chart.y_label = options.metric;
  for (const auto& run : options.runs) {
    const auto rows = read_metrics_csv((fs::path(run) / "metrics.csv").string());
    Series s;
    s.label = fs::path(run).lexically_normal().filename().string();
    if (s.label.empty()) s.label = fs::path(run).lexically_normal().parent_path().filename().string();
    for (const auto& m : rows) {
      s.x.push_back(static_cast<double>(m.epoch));
      s.y.push_back(metric_value(m, options.metric));
    }
    chart.series.push_back(std::move(s));
  }
  const auto out = options.out.empty() ? "comparison-" + options.metric + ".png" : options.out;
  write_png(out, draw_line_chart(chart, 800, 480));
  std::printf("wrote %s (%zu runs)\n", out.c_str(), options.runs.size());
  return 0;
}

}  // namespace imgcls
