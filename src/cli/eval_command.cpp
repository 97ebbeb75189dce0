// `imgcls eval RUN_DIR|CHECKPOINT [--split val|test] [KEY=VALUE ...]`: loss, top-1, top-5,
// per-class precision/recall/F1 and the confusion matrix of a trained run, written to
// RUN_DIR/eval/<split>/ (report.json, report.txt, confusion.csv, confusion.png).
#include <CLI/App.hpp>
#include <CLI/Config.hpp>
#include <CLI/Formatter.hpp>

#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "data/splits.hpp"
#include "data/transforms.hpp"
#include "engine/device.hpp"
#include "engine/evaluator.hpp"
#include "engine/trained_run.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "imgcls/io/atomic_file.hpp"
#include "report/classification_report.hpp"
#include "report/plot.hpp"
#include "util/json_text.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace fs = std::filesystem;
namespace {

nlohmann::json metrics_json(const ClassMetrics& m) {
  return {{"precision", m.precision}, {"recall", m.recall}, {"f1", m.f1}, {"support", m.support}};
}

}  // namespace

void setup_eval(CLI::App& app) {
  auto options = std::make_shared<EvalOptions>();
  auto* cmd = app.add_subcommand("eval", "Evaluate a trained run: loss, top-1/top-5, per-class report, confusion matrix");
  cmd->add_option("run", options->target, "RUN_DIR (its best checkpoint) or a checkpoint file")->required();
  cmd->add_option("overrides", options->overrides, "Dotted overrides of the run's config, e.g. data.root=/elsewhere");
  cmd->add_option("--split", options->split, "val or test (default: test when the dataset has one)")
      ->check(CLI::IsMember({"val", "test"}));
  cmd->callback([options]() { run_eval(*options); });
}

int run_eval(const EvalOptions& options) {
  const auto run = open_trained_run(options.target, options.overrides);
  const auto& config = run.config;
  const auto& run_dir = run.dir;
  const auto& checkpoint = run.checkpoint;
  const auto data = make_splits(config);
  std::string split = options.split;
  if (split.empty()) split = data.test.size() > 0 ? "test" : "val";
  const auto& ds = split == "test" ? data.test : data.val;
  if (ds.size() == 0) throw UsageError(run_dir + ": the run's data has no " + split + " split");

  auto model = load_trained_model(run);
  const auto device = pick_device(config);
  model->to(device);
  const Pipeline pipeline(config.data.val_transforms, data.train.channels);
  BadImageLog bad([](const std::string& m) { std::fprintf(stderr, "warning: %s (skipped)\n", m.c_str()); });
  const auto batches = make_eval_batches(config, ds, pipeline, data.height, data.width, device, &bad);
  const auto p = evaluate_split(*model, *batches, ds.class_names.size(), config, device);
  const auto report = classification_report(p.confusion, ds.class_names);
  const bool have_top5 = ds.class_names.size() > 5;

  nlohmann::json j;
  j["run"] = run_dir;
  j["checkpoint"] = checkpoint;
  j["split"] = split;
  j["count"] = p.count;
  j["loss"] = p.loss();
  j["accuracy"] = p.accuracy();
  if (have_top5) j["top5_accuracy"] = p.top5();
  j["bad_images"] = bad.count();
  for (std::size_t c = 0; c < report.per_class.size(); ++c) {
    auto m = metrics_json(report.per_class[c]);
    m["class"] = ds.class_names[c];
    j["per_class"].push_back(m);
  }
  j["macro_avg"] = metrics_json(report.macro);
  j["weighted_avg"] = metrics_json(report.weighted);
  j["confusion"] = p.confusion.counts;
  j["class_names"] = ds.class_names;

  const auto out = fs::path(run_dir) / "eval" / split;
  fs::create_directories(out);
  char head[256];
  std::snprintf(head, sizeof head, "%s split, %lld images, checkpoint %s\nloss %.4f  top-1 %.4f", split.c_str(),
                static_cast<long long>(p.count), fs::path(checkpoint).filename().c_str(), p.loss(), p.accuracy());
  std::string text = std::string(head) + (have_top5 ? "  top-5 " + fixed(p.top5(), 4) : "") +
                     "\n\n" + report_text(report);
  write_file_atomic((out / "report.json").string(), json_text(j, 2) + "\n");
  write_file_atomic((out / "report.txt").string(), text);
  write_file_atomic((out / "confusion.csv").string(), confusion_csv(p.confusion, ds.class_names));
  write_png((out / "confusion.png").string(),
            draw_confusion(p.confusion, ds.class_names, config.name + ": " + split + " confusion matrix"));
  std::printf("%s\nwritten to %s/ (report.json, report.txt, confusion.csv, confusion.png)\n", text.c_str(),
              out.c_str());
  return 0;
}

}  // namespace imgcls
