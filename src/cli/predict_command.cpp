// `imgcls predict RUN_DIR IMAGE_OR_DIR... [--top-k K] [--format csv|json] [--out FILE]
// [--grid OUT.png]`: classifies image files with a trained run. Each image gets the run's
// validation transforms (the same code as training's loader), batches of data.batch_size
// go through the model, and the top-k classes with their softmax probabilities are printed
// (or written to --out). An image inside a folder named like one of the run's classes is
// taken to have that label (shown in the grid and the `label` column). Unreadable images
// are reported on stderr and skipped; none readable at all is a DataError.
#include <CLI/App.hpp>
#include <CLI/Config.hpp>
#include <CLI/Formatter.hpp>
#include <c10/core/GradMode.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <opencv2/imgproc.hpp>
#include <sstream>

#include "cli/commands.hpp"
#include "config/checks.hpp"
#include "data/image_folder.hpp"
#include "data/transforms.hpp"
#include "engine/device.hpp"
#include "engine/trained_run.hpp"
#include "imgcls/errors.hpp"
#include "util/strings.hpp"
#include "imgcls/io/atomic_file.hpp"
#include "report/plot.hpp"

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

std::string json_text(const std::vector<Prediction>& preds, const std::vector<std::string>& names) {
  auto all = nlohmann::json::array();
  for (const auto& p : preds) {
    nlohmann::json j;
    j["path"] = p.path;
    j["label"] = p.label >= 0 ? nlohmann::json(names[static_cast<std::size_t>(p.label)]) : nlohmann::json();
    for (const auto& [c, pr] : p.top)
      j["top"].push_back({{"class", names[static_cast<std::size_t>(c)]}, {"index", c}, {"probability", pr}});
    all.push_back(j);
  }
  return all.dump(2) + "\n";
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
  t.lines.push_back(fs::path(p.path).filename().string());
  return t;
}

}  // namespace

void setup_predict(CLI::App& app) {
  auto options = std::make_shared<PredictOptions>();
  auto* cmd = app.add_subcommand("predict", "Classify image files with a trained run (top-k classes, probabilities)");
  cmd->add_option("run", options->run, "RUN_DIR (its best checkpoint) or a checkpoint file")->required();
  cmd->add_option("inputs", options->inputs, "Image files and/or folders (searched recursively)")->required();
  cmd->add_option("--top-k,-k", options->top_k, "Classes per image, most likely first (default 5, at most the classes)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--format", options->format, "csv (default) or json")->check(CLI::IsMember({"csv", "json"}));
  cmd->add_option("--out,-o", options->out, "Write the predictions to this file instead of printing them");
  cmd->add_option("--grid", options->grid, "Also draw the images titled with their predictions into this PNG");
  cmd->add_option("--grid-max", options->grid_max, "At most this many images in the grid (default 64)")
      ->check(CLI::PositiveNumber);
  cmd->callback([options]() { run_predict(*options); });
}

int run_predict(const PredictOptions& options) {
  const auto run = open_trained_run(options.run, {});
  auto model = load_trained_model(run);
  const auto device = pick_device(run.config);
  model->to(device);
  const auto files = input_files(options.inputs);
  const auto channels = input_channels(run.config.data);
  const Pipeline pipeline(run.config.data.val_transforms, channels);
  const auto& in = run.input;
  const int64_t k = std::min<int64_t>(options.top_k, in.num_classes);
  const int64_t batch_size = std::max<int64_t>(1, run.config.data.batch_size);
  const int64_t sample = in.channels * in.height * in.width;

  std::vector<Prediction> preds;
  std::vector<GridTile> tiles;
  int64_t unreadable = 0;
  bool warned_size = false;
  c10::NoGradGuard no_grad;
  for (std::size_t start = 0; start < files.size();) {
    auto batch = at::empty({batch_size, in.channels, in.height, in.width}, at::kFloat);
    std::vector<Prediction> pending;
    std::vector<cv::Mat> originals;
    for (; start < files.size() && static_cast<int64_t>(pending.size()) < batch_size; ++start) {
      const auto& path = files[start];
      cv::Mat img;
      try {
        img = decode_image(path, channels);
      } catch (const BadImageError& e) {
        std::fprintf(stderr, "warning: %s (skipped)\n", e.what());
        ++unreadable;
        continue;
      }
      Rng rng(0);  // validation transforms are deterministic
      auto x = pipeline.apply(img, rng);
      if (x.rows != in.height || x.cols != in.width) {
        if (!warned_size)
          std::fprintf(stderr, "warning: %s: %dx%d after the run's validation transforms; resized to the model's "
                       "%lldx%lld\n", path.c_str(), x.rows, x.cols, static_cast<long long>(in.height),
                       static_cast<long long>(in.width));
        warned_size = true;
        cv::resize(x, x, {static_cast<int>(in.width), static_cast<int>(in.height)}, 0, 0, cv::INTER_LINEAR);
      }
      pipeline.to_tensor(x, batch.data_ptr<float>() + static_cast<int64_t>(pending.size()) * sample);
      pending.push_back(Prediction{path, folder_label(path, run.class_names), {}});
      if (!options.grid.empty() && static_cast<int64_t>(tiles.size() + originals.size()) < options.grid_max)
        originals.push_back(img);
    }
    if (pending.empty()) continue;
    const auto n = static_cast<int64_t>(pending.size());
    const auto probs = at::softmax(model->forward(batch.narrow(0, 0, n).to(device)).to(at::kFloat), 1).to(at::kCPU);
    const auto [values, indices] = probs.topk(k, 1);
    const auto top_p = values.accessor<float, 2>();
    const auto top_c = indices.accessor<int64_t, 2>();
    for (int64_t i = 0; i < n; ++i) {
      auto& p = pending[static_cast<std::size_t>(i)];
      for (int64_t j = 0; j < k; ++j) p.top.emplace_back(top_c[i][j], static_cast<double>(top_p[i][j]));
      if (static_cast<std::size_t>(i) < originals.size())
        tiles.push_back(grid_tile(originals[static_cast<std::size_t>(i)], p, run.class_names));
      preds.push_back(std::move(p));
    }
  }
  if (preds.empty())
    throw DataError("predict: no readable images among " + std::to_string(files.size()) + " file(s)");

  const auto text = options.format == "json" ? json_text(preds, run.class_names) : csv_text(preds, run.class_names, k);
  if (options.out.empty())
    std::fputs(text.c_str(), stdout);
  else
    write_file_atomic(options.out, text);
  if (!options.grid.empty()) {
    int64_t known = 0, right = 0;
    for (const auto& p : preds)
      if (p.label >= 0) ++known, right += p.label == p.top.front().first;
    std::string title = run.config.name + ": " + std::to_string(preds.size()) + " predictions";
    if (known > 0) title += ", " + std::to_string(right) + "/" + std::to_string(known) + " correct";
    write_png(options.grid, draw_image_grid(tiles, title));
  }
  std::fprintf(stderr, "predict: %zu image(s) classified%s%s%s\n", preds.size(),
               unreadable ? (", " + std::to_string(unreadable) + " unreadable skipped").c_str() : "",
               options.out.empty() ? "" : (", written to " + options.out).c_str(),
               options.grid.empty() ? "" : (", grid in " + options.grid).c_str());
  return 0;
}

}  // namespace imgcls
