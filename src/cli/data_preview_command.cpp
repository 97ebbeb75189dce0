#include <ATen/ATen.h>

#include <CLI/App.hpp>
#include <CLI/Config.hpp>
#include <CLI/Formatter.hpp>
#include <cstdio>
#include <memory>

#include "cli/data_preview.hpp"
#include "data/loader.hpp"
#include "data/splits.hpp"
#include "data/transforms.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "report/plot.hpp"

namespace imgcls {

void setup_data_preview(CLI::App& data) {
  auto options = std::make_shared<DataPreviewOptions>();
  auto* cmd =
      data.add_subcommand("preview", "A grid of a split's images as the model sees them (augmented), with labels");
  cmd->add_option("config", options->config_path, "Experiment config (.yaml, .yml or .json)")->required();
  cmd->add_option("overrides", options->overrides, "Dotted overrides, e.g. data.train_transforms=[rand_augment]");
  cmd->add_option("--split", options->split, "train (train_transforms) | val | test (val_transforms); default train")
      ->check(CLI::IsMember({"train", "val", "test"}));
  cmd->add_option("-n,--count", options->count, "Images in the grid (default 32)")->check(CLI::Range(1, 1024));
  cmd->add_option("--epoch", options->epoch, "The epoch whose draws to show (default 0)")
      ->check(CLI::Range(0, 1 << 30));
  cmd->add_option("-o,--out", options->out, "The PNG to write (default data_preview-<name>.png)");
  cmd->footer("Exit codes: 0 written, 2 usage/config error, 3 data error.");
  cmd->callback([options]() { run_data_preview(*options); });
}

int run_data_preview(const DataPreviewOptions& options) {
  const auto config = load_config(options.config_path, options.overrides);
  const auto splits = make_splits(config);
  const bool train = options.split == "train";
  const Dataset& ds = train ? splits.train : options.split == "val" ? splits.val : splits.test;
  if (ds.size() == 0) throw DataError("data preview: the " + options.split + " split has no images");
  const auto& specs = train ? config.data.train_transforms : config.data.val_transforms;
  const Pipeline pipeline(specs, ds.channels);
  auto lo = loader_options(config, train);
  lo.batch_size = options.count;
  lo.workers = 0;
  lo.pin_memory = false;
  lo.drop_last = false;
  lo.max_batches = 1;
  Loader loader(ds, pipeline, lo);
  loader.start_epoch(options.epoch);
  Batch batch;
  if (!loader.next(batch)) throw DataError("data preview: no batch from the " + options.split + " split");
  // Back to 8-bit: x * std + mean, times 255 (ToTensor + Normalize undone).
  const auto c = batch.images.size(1);
  auto mean = at::tensor(std::vector<float>(pipeline.mean().begin(), pipeline.mean().end())).view({1, c, 1, 1});
  auto std = at::tensor(std::vector<float>(pipeline.std().begin(), pipeline.std().end())).view({1, c, 1, 1});
  const auto pixels =
      batch.images.mul(std).add(mean).mul(255.0).round().clamp(0, 255).to(at::kByte).permute({0, 2, 3, 1}).contiguous();
  const auto h = static_cast<int>(pixels.size(1)), w = static_cast<int>(pixels.size(2));
  std::vector<GridTile> tiles;
  for (int64_t k = 0; k < pixels.size(0); ++k) {
    GridTile tile;
    tile.image = cv::Mat(h, w, c == 1 ? CV_8UC1 : CV_8UC3, pixels[k].data_ptr<uint8_t>()).clone();
    const auto label = batch.labels[k].item<int64_t>();
    const auto& names = ds.class_names;
    tile.lines.push_back(label >= 0 && label < static_cast<int64_t>(names.size())
                             ? names[static_cast<std::size_t>(label)]
                             : std::to_string(label));
    tile.lines.push_back("#" + std::to_string(batch.indices[static_cast<std::size_t>(k)]));
    tiles.push_back(std::move(tile));
  }
  const auto out = options.out.empty() ? "data_preview-" + config.name + ".png" : options.out;
  const auto title = config.name + ": " + options.split + " split, epoch " + std::to_string(options.epoch) + ", " +
                     std::to_string(w) + "x" + std::to_string(h) + " as the model sees it";
  write_png(out, draw_image_grid(tiles, title, std::max(96, std::min(160, 2 * std::max(h, w)))));
  std::printf("%lld images of the %s split (epoch %lld) written to %s\n", static_cast<long long>(tiles.size()),
              options.split.c_str(), static_cast<long long>(options.epoch), out.c_str());
  std::fflush(stdout);
  return 0;
}

}  // namespace imgcls
