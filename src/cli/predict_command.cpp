// `imgcls predict RUN_DIR IMAGE_OR_DIR... [--top-k K] [--format csv|json] [--out FILE]
// [--grid OUT.png [--grid-max N] [--grid-seed S] [--grid-wrong]]`: classifies image files
// with a trained run. The files go through the one evaluation path (engine/evaluator: the
// run's validation transforms, the loader, the model), and the top-k classes with their
// softmax probabilities are printed (or written to --out). An image inside a folder named
// like one of the run's classes is taken to have that label (shown in the grid and the
// `label` column). The grid shows a seeded sample across the classes (report/grid_sample),
// captioned with each file's folder and name. Unreadable images are reported on stderr and
// skipped; none readable at all is a DataError.
#include <CLI/App.hpp>
#include <CLI/Config.hpp>
#include <CLI/Formatter.hpp>
#include <ATen/ATen.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.hpp"
#include "config/checks.hpp"
#include "data/image_folder.hpp"
#include "data/transforms.hpp"
#include "data/loader.hpp"
#include "engine/device.hpp"
#include "engine/evaluator.hpp"
#include "engine/trained_run.hpp"
#include "imgcls/errors.hpp"
#include "imgcls/io/atomic_file.hpp"
#include "report/grid_sample.hpp"
#include "report/plot.hpp"
#include "util/json_text.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace fs = std::filesystem;
namespace {

struct Prediction {
  std::string path;
  int64_t label = -1;                           // from the parent folder's name; -1 unknown
  std::vector<std::pair<int64_t, double>> top;  // class, probability; most likely first
};

// The files to classify: files as given, folders listed recursively (image extensions).
std::vector<std::string> input_files(const std::vector<std::string>& inputs) {
  std::vector<std::string> files;
  for (const auto& in : inputs) {
    std::error_code ec;
    if (fs::is_directory(in, ec)) {
      const auto listed = list_images(in);
      if (listed.empty()) std::fprintf(stderr, "warning: %s: no image files in this folder\n", in.c_str());
      files.insert(files.end(), listed.begin(), listed.end());
    } else if (fs::exists(in, ec)) {
      files.push_back(in);
    } else {
      throw UsageError(in + ": no such file or folder");
    }
  }
  return files;
}

int64_t folder_label(const std::string& path, const std::vector<std::string>& classes) {
  const auto parent = fs::path(path).parent_path().filename().string();
  const auto it = std::find(classes.begin(), classes.end(), parent);
  return it == classes.end() ? -1 : static_cast<int64_t>(it - classes.begin());
}

std::string csv_text(const std::vector<Prediction>& preds, const std::vector<std::string>& names, int64_t k) {
  std::ostringstream os;
  os << "path,label";
  for (int64_t i = 1; i <= k; ++i) os << ",class_" << i << ",prob_" << i;
  os << '\n';
  char prob[32];
  for (const auto& p : preds) {
    os << csv_field(p.path) << ',' << (p.label >= 0 ? csv_field(names[static_cast<std::size_t>(p.label)]) : "");
    for (const auto& [c, pr] : p.top) {
      std::snprintf(prob, sizeof prob, "%.6f", pr);
      os << ',' << csv_field(names[static_cast<std::size_t>(c)]) << ',' << prob;
    }
    os << '\n';
  }
  return os.str();
}

std::string predictions_json(const std::vector<Prediction>& preds, const std::vector<std::string>& names) {
  auto all = nlohmann::json::array();
  for (const auto& p : preds) {
    nlohmann::json j;
    j["path"] = p.path;
    j["label"] = p.label >= 0 ? nlohmann::json(names[static_cast<std::size_t>(p.label)]) : nlohmann::json();
    for (const auto& [c, pr] : p.top)
      j["top"].push_back({{"class", names[static_cast<std::size_t>(c)]}, {"index", c}, {"probability", pr}});
    all.push_back(j);
  }
  return json_text(all, 2) + "\n";
}

// "daisy/00000.jpg": the file with its folder.
std::string folder_and_name(const std::string& path) {
  const fs::path p(path);
  const auto folder = p.parent_path().filename();
  return folder.empty() ? p.filename().string() : (folder / p.filename()).string();
}

GridTile grid_tile(const cv::Mat& image, const Prediction& p, const std::vector<std::string>& names) {
  char line[160];
  const auto& [c, pr] = p.top.front();
  std::snprintf(line, sizeof line, "Pred: %s %.0f%%", names[static_cast<std::size_t>(c)].c_str(), pr * 100);
  GridTile t{image, {line}, 0};
  if (p.label >= 0) {
    t.lines.push_back("Label: " + names[static_cast<std::size_t>(p.label)]);
    t.correct = p.label == c ? 1 : -1;
  }
  t.lines.push_back(folder_and_name(p.path));  // 00000.jpg is in every class folder
  return t;
}

}  // namespace

void setup_predict(CLI::App& app) {
  auto options = std::make_shared<PredictOptions>();
  auto* cmd = app.add_subcommand("predict", "Classify image files with a trained run (top-k classes, probabilities)");
  cmd->add_option("run", options->run, "RUN_DIR (its best checkpoint) or a checkpoint file")->required();
  cmd->add_option("inputs", options->inputs, "Image files and/or folders (searched recursively)")->required();
  cmd->add_option("--top-k,-k", options->top_k, "Classes per image, most likely first (default 5, at most the classes)")
      ->check(CLI::Range(1, 1000000));  // PositiveNumber would print a 309-digit maximum
  cmd->add_option("--format", options->format, "csv (default) or json")->check(CLI::IsMember({"csv", "json"}));
  cmd->add_option("--out,-o", options->out, "Write the predictions to this file instead of printing them");
  cmd->add_option("--grid", options->grid, "Also draw the images titled with their predictions into this PNG");
  cmd->add_option("--grid-max", options->grid_max, "At most this many images in the grid (default 64)")
      ->check(CLI::Range(1, 1000000));
  cmd->add_option("--grid-seed", options->grid_seed,
                  "The grid shows a sample across the classes drawn with this seed (default 0)");
  cmd->add_flag("--grid-wrong", options->grid_wrong,
                "The grid shows the wrong predictions first (images whose class folder is known)");
  cmd->add_option("--tta", options->tta,
                  "Test-time augmentation: none (default) or hflip (the mean of the softmax over each image and "
                  "its mirror)")
      ->check(CLI::IsMember(tta_choices()));
  cmd->callback([options]() { run_predict(*options); });
}

namespace {

// The run's validation transforms, ending at the model's input size: a list that leaves the
// size open (no resize or crop) gets a resize to it, with a warning.
std::vector<TransformSpec> predict_transforms(const Config& config, int64_t channels, const InputSpec& in) {
  auto specs = config.data.val_transforms;
  if (Pipeline(specs, channels).out_size(-1, -1).first > 0) return specs;
  std::fprintf(stderr, "warning: the run's validation transforms leave the image size open; images are resized to "
               "the model's %lldx%lld\n", static_cast<long long>(in.height), static_cast<long long>(in.width));
  TransformSpec resize;
  resize.name = "resize";
  resize.size = {in.height, in.width};
  const auto last = !specs.empty() && specs.back().name == "normalize" ? specs.end() - 1 : specs.end();
  specs.insert(last, resize);
  return specs;
}

// The --grid PNG: a seeded sample across the classes (grid_sample), mistakes first with
// --grid-wrong; what it shows is said on stderr.
void write_grid(const PredictOptions& options, const std::vector<Prediction>& preds,
                const std::vector<std::string>& names, const Dataset& ds, const std::string& run_name) {
  std::vector<GridItem> items;
  int64_t known = 0, wrong = 0;
  for (const auto& p : preds) {
    const int correct = p.label < 0 ? 0 : p.label == p.top.front().first ? 1 : -1;
    items.push_back(
        {p.label >= 0 ? names[static_cast<std::size_t>(p.label)] : fs::path(p.path).parent_path().filename().string(),
         correct});
    known += correct != 0, wrong += correct < 0;
  }
  const auto shown = grid_sample(items, static_cast<std::size_t>(options.grid_max),
                                 static_cast<uint64_t>(options.grid_seed), options.grid_wrong);
  std::vector<GridTile> tiles;
  for (const auto i : shown) tiles.push_back(grid_tile(decode_image(preds[i].path, ds.channels, ds.max_image_pixels), preds[i], names));
  std::string title = run_name + ": " + std::to_string(preds.size()) + " predictions";
  if (known > 0) title += ", " + std::to_string(known - wrong) + "/" + std::to_string(known) + " correct";
  if (shown.size() < preds.size()) title += "; " + std::to_string(shown.size()) + " shown";
  write_png(options.grid, draw_image_grid(tiles, title));
  std::string what = "grid: " + std::to_string(shown.size()) + " of " + std::to_string(preds.size()) +
                     " images, sampled across the classes (--grid-seed " + std::to_string(options.grid_seed) + ")";
  if (options.grid_wrong)
    what += known == 0
                ? "; --grid-wrong: no image is in a folder named like one of the run's classes, so no "
                  "mistakes are known"
                : "; the " + std::to_string(std::min<std::size_t>(static_cast<std::size_t>(wrong), shown.size())) +
                      " wrong predictions first";
  std::fprintf(stderr, "%s\n", what.c_str());
}

}  // namespace

int run_predict(const PredictOptions& options) {
  const auto run = open_trained_run(options.run, {});
  auto model = load_trained_model(run);
  const auto device = pick_device(run.config);
  model->to(device);
  const auto files = input_files(options.inputs);
  const auto& in = run.input;
  const int64_t k = std::min<int64_t>(options.top_k, in.num_classes);
  // The files as a dataset, through the evaluation path eval and the trainer use.
  auto config = run.config;
  config.data.on_bad_image = "skip";  // an unreadable file is reported and skipped
  config.data.val_transforms = predict_transforms(run.config, input_channels(run.config.data), in);
  Dataset ds;
  ds.paths = files;
  ds.channels = input_channels(run.config.data);
  ds.max_image_pixels = run.config.data.max_image_pixels;
  ds.class_names = run.class_names;
  std::vector<int64_t> labels;
  for (const auto& path : files) labels.push_back(folder_label(path, run.class_names));
  ds.labels = at::zeros({static_cast<int64_t>(files.size())}, at::kLong);  // the loader's; ours are `labels`
  const Pipeline pipeline(config.data.val_transforms, ds.channels);
  BadImageLog bad([](const std::string& m) { std::fprintf(stderr, "warning: %s (skipped)\n", m.c_str()); });
  const auto batches = make_eval_batches(config, ds, pipeline, in.height, in.width, device, &bad);

  std::vector<Prediction> preds;
  for_each_logits(
      *model, *batches, device, effective_amp(config, device), effective_channels_last(config, device, *model),
      [&](const Batch& batch, const at::Tensor& logits) {
        const auto [values, indices] = at::softmax(logits, 1).topk(k, 1);
        const auto top_p = values.cpu(), top_c = indices.cpu();
        const auto p_acc = top_p.accessor<float, 2>();
        const auto c_acc = top_c.accessor<int64_t, 2>();
        for (std::size_t i = 0; i < batch.indices.size(); ++i) {
          const auto index = static_cast<std::size_t>(batch.indices[i]);
          Prediction p{files[index], labels[index], {}};
          for (int64_t j = 0; j < k; ++j)
            p.top.emplace_back(c_acc[static_cast<int64_t>(i)][j],
                               static_cast<double>(p_acc[static_cast<int64_t>(i)][j]));
          preds.push_back(std::move(p));
        }
      },
      options.tta);
  const auto unreadable = bad.count();
  if (preds.empty())
    throw DataError("predict: no readable images among " + std::to_string(files.size()) + " file(s)");

  const auto text = options.format == "json" ? predictions_json(preds, run.class_names) : csv_text(preds, run.class_names, k);
  if (options.out.empty())
    std::fputs(text.c_str(), stdout);
  else
    write_file_atomic(options.out, text);
  if (!options.grid.empty()) write_grid(options, preds, run.class_names, ds, run.config.name);
  std::fprintf(stderr, "predict: %zu image(s) classified%s%s%s\n", preds.size(),
               unreadable ? (", " + std::to_string(unreadable) + " unreadable skipped").c_str() : "",
               options.out.empty() ? "" : (", written to " + options.out).c_str(),
               options.grid.empty() ? "" : (", grid in " + options.grid).c_str());
  return 0;
}

}  // namespace imgcls
