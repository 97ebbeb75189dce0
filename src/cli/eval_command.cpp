// `imgcls eval RUN_DIR|CHECKPOINT [--split val|test] [--top-losses N] [KEY=VALUE ...]`: loss,
// top-1, top-5, per-class precision/recall/F1, the confusion matrix and what the model gets
// wrong (every image's prediction, the misclassified ones, the top losses, calibration) of a
// trained run, written to RUN_DIR/eval/<split>/.
#include <ATen/ATen.h>

#include <CLI/App.hpp>
#include <CLI/Config.hpp>
#include <CLI/Formatter.hpp>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/core/mat.hpp>

#include "cli/commands.hpp"
#include "data/image_folder.hpp"
#include "data/splits.hpp"
#include "data/transforms.hpp"
#include "engine/device.hpp"
#include "engine/evaluator.hpp"
#include "engine/trained_run.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "imgcls/io/atomic_file.hpp"
#include "report/classification_report.hpp"
#include "report/error_analysis.hpp"
#include "report/plot.hpp"
#include "util/error_text.hpp"
#include "util/json_text.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace fs = std::filesystem;
namespace {

nlohmann::json metrics_json(const ClassMetrics& m) {
  return {{"precision", m.precision}, {"recall", m.recall}, {"f1", m.f1}, {"support", m.support}};
}

nlohmann::json calibration_json(const Calibration& c) {
  nlohmann::json j;
  j["bins"] = c.bins.size();
  for (const auto& b : c.bins) {
    j["count"].push_back(b.count);
    j["accuracy"].push_back(b.accuracy);
    j["confidence"].push_back(b.confidence);
  }
  return j;
}

// Sample `index` of `ds` as an 8-bit HWC image (RGB or grayscale), as it is on disk or in memory.
cv::Mat sample_image(const Dataset& ds, int64_t index) {
  if (!ds.in_memory()) return decode_image(ds.paths.at(static_cast<std::size_t>(index)), ds.channels, ds.max_image_pixels);
  const auto hwc = ds.images[index].permute({1, 2, 0}).contiguous();
  return cv::Mat(static_cast<int>(hwc.size(0)), static_cast<int>(hwc.size(1)), CV_8UC(static_cast<int>(hwc.size(2))),
                 hwc.data_ptr<uint8_t>())
      .clone();
}

std::string percent(double p) { return fixed(p * 100, p < 0.1 ? 1 : 0) + "%"; }

// fastai's plot_top_losses: the misclassified images, highest loss first, captioned with the
// prediction and its probability, the true class and its probability, the loss and the file.
cv::Mat draw_top_losses(const Dataset& ds, const SamplePredictions& s, const std::vector<std::size_t>& wrong,
                        std::size_t n, const std::string& title) {
  const auto name = [&](int64_t c) {
    return static_cast<std::size_t>(c) < ds.class_names.size() ? ds.class_names[static_cast<std::size_t>(c)]
                                                               : std::to_string(c);
  };
  std::vector<GridTile> tiles;
  for (std::size_t i = 0; i < wrong.size() && tiles.size() < n; ++i) {
    const auto r = wrong[i];
    const auto index = s.index[r];
    GridTile t;
    try {
      t.image = sample_image(ds, index);
    } catch (const std::exception& e) {
      std::fprintf(stderr, "warning: top_losses.png: %s (left out)\n", error_line(e).c_str());
      continue;
    }
    t.correct = -1;
    t.lines = {"Pred: " + name(s.predicted(r)) + " " + percent(s.probability(r)),
               "True: " + name(s.label[r]) + " " + percent(std::exp(-static_cast<double>(s.loss[r]))),
               "loss " + fixed(s.loss[r], 2) + "  " +
                   (ds.in_memory() ? "#" + std::to_string(index)
                                   : fs::path(ds.paths[static_cast<std::size_t>(index)]).filename().string())};
    tiles.push_back(std::move(t));
  }
  return draw_image_grid(tiles, title);
}

}  // namespace

void setup_eval(CLI::App& app) {
  auto options = std::make_shared<EvalOptions>();
  auto* cmd = app.add_subcommand(
      "eval",
      "Evaluate a trained run: loss, top-1/top-5, per-class report, confusion matrix, per-image predictions, "
      "misclassified images, calibration");
  cmd->add_option("run", options->target, "RUN_DIR (its best checkpoint) or a checkpoint file")->required();
  cmd->add_option("overrides", options->overrides, "Dotted overrides of the run's config, e.g. data.root=/elsewhere");
  cmd->add_option("--split", options->split, "val or test (default: test when the dataset has one)")
      ->check(CLI::IsMember({"val", "test"}));
  cmd->add_option("--top-losses", options->top_losses,
                  "Misclassified images in top_losses.png, highest loss first (default 15; 0: no picture)")
      ->check(CLI::Range(0, 1000000));
  cmd->add_option("--tta", options->tta,
                  "Test-time augmentation: none (default) or hflip (the mean of the softmax over each image and "
                  "its mirror)")
      ->check(CLI::IsMember(tta_choices()));
  cmd->callback([options]() { run_eval(*options); });
}

int run_eval(const EvalOptions& options) {
  const auto run = open_trained_run(options.target, options.overrides);
  const auto& config = run.config;
  const auto& run_dir = run.dir;
  const auto& checkpoint = run.checkpoint;
  // Where the reports go must be writable before the evaluation, not found out after it.
  {
    const auto eval_dir = fs::path(run_dir) / "eval";
    std::error_code ec;
    fs::create_directories(eval_dir, ec);
    if (ec) throw IoError(eval_dir.string() + ": cannot create the folder for the reports: " + ec.message());
    AtomicFile probe((eval_dir / "report.json").string());  // made and removed: a file can be written there
  }
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
  SamplePredictions samples;
  const auto p = evaluate_split(*model, *batches, ds.class_names.size(), config, device, &samples, nullptr, options.tta);
  const auto report = classification_report(p.confusion, ds.class_names);
  const bool have_top5 = ds.class_names.size() > 5;
  const auto calib = calibration(samples, 15);
  const auto wrong = misclassified_by_loss(samples);

  nlohmann::json j;
  j["run"] = run_dir;
  j["checkpoint"] = checkpoint;
  j["split"] = split;
  j["tta"] = options.tta;
  j["count"] = p.count;
  j["loss"] = p.loss();
  j["accuracy"] = p.accuracy();
  if (have_top5) j["top5_accuracy"] = p.top5();
  j["ece"] = calib.ece;
  j["calibration"] = calibration_json(calib);
  j["misclassified"] = wrong.size();
  j["bad_images"] = bad.count();
  for (std::size_t c = 0; c < report.per_class.size(); ++c) {
    auto m = metrics_json(report.per_class[c]);
    m["class"] = ds.class_names[c];
    j["per_class"].push_back(m);
  }
  j["macro_avg"] = metrics_json(report.macro);
  j["balanced_accuracy"] = report.balanced_accuracy;
  j["weighted_avg"] = metrics_json(report.weighted);
  j["confusion"] = p.confusion.counts;
  j["class_names"] = ds.class_names;

  const auto out = fs::path(run_dir) / "eval" / split;
  std::error_code made;
  fs::create_directories(out, made);
  if (made) throw IoError(out.string() + ": cannot create the folder for the reports: " + made.message());
  char head[256];
  std::snprintf(head, sizeof head, "%s split, %lld images, checkpoint %s%s\nloss %.4f  top-1 %.4f", split.c_str(),
                static_cast<long long>(p.count), fs::path(checkpoint).filename().c_str(),
                options.tta == "none" ? "" : (", tta " + options.tta).c_str(), p.loss(), p.accuracy());
  std::string text = std::string(head) + (have_top5 ? "  top-5 " + fixed(p.top5(), 4) : "") + "  ECE " +
                     fixed(calib.ece, 4) + "\nmacro F1 " + fixed(report.macro.f1, 4) + "  balanced accuracy " +
                     fixed(report.balanced_accuracy, 4) + "\n\n" + report_text(report);
  const auto prefix = config.name + ": " + split;
  write_file_atomic((out / "report.json").string(), json_text(j, 2) + "\n");
  write_file_atomic((out / "report.txt").string(), text);
  write_file_atomic((out / "confusion.csv").string(), confusion_csv(p.confusion, ds.class_names));
  write_png((out / "confusion.png").string(),
            draw_confusion(p.confusion, ds.class_names, prefix + " confusion matrix"));
  write_file_atomic((out / "predictions.csv").string(),
                    predictions_csv(samples, all_rows(samples), ds.class_names, ds.paths));
  write_file_atomic((out / "misclassified.csv").string(), predictions_csv(samples, wrong, ds.class_names, ds.paths));
  write_png((out / "calibration.png").string(), draw_reliability_diagram(calib, prefix + " reliability diagram"));
  write_png((out / "per_class.png").string(), draw_per_class(report, prefix + " per-class recall and precision"));
  std::string files =
      "report.json, report.txt, confusion.csv, confusion.png, predictions.csv, misclassified.csv, "
      "calibration.png, per_class.png";
  const auto top_losses = (out / "top_losses.png").string();
  const auto shown = std::min(wrong.size(), static_cast<std::size_t>(options.top_losses));
  if (shown > 0) {
    write_png(top_losses, draw_top_losses(ds, samples, wrong, shown,
                                          prefix + " top losses (" + std::to_string(shown) + " of " +
                                              std::to_string(wrong.size()) + " misclassified)"));
    files += ", top_losses.png";
  } else {
    std::error_code ec;
    fs::remove(top_losses, ec);  // an earlier eval's picture would no longer describe this one
  }
  std::printf("%s\nwritten to %s/ (%s)\n", text.c_str(), out.c_str(), files.c_str());
  return 0;
}

}  // namespace imgcls
