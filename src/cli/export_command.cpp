#include <CLI/App.hpp>
#include <CLI/Config.hpp>
#include <CLI/Formatter.hpp>
#include <cstdio>
#include <filesystem>

#include "cli/commands.hpp"
#include "data/splits.hpp"
#include "engine/checkpoint.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "models/classifier.hpp"
#include "models/torchscript_backbone.hpp"

namespace imgcls {

void setup_export(CLI::App& app) {
  auto options = std::make_shared<ExportOptions>();
  auto* cmd = app.add_subcommand("export", "Save a trained run's model for other tools or the next run");
  cmd->add_option("run_dir", options->run_dir, "A run directory made by `imgcls train`")->required();
  cmd->add_option("--torchscript", options->torchscript,
                  "Write the (fine-tuned) backbone as TorchScript, usable as model.path of the next run")
      ->required();
  cmd->add_option("--checkpoint", options->checkpoint, "best (default) or last")->check(CLI::IsMember({"best", "last"}));
  cmd->callback([options]() { run_export(*options); });
}

int run_export(const ExportOptions& options) {
  const auto config = load_config(options.run_dir + "/config.yaml");
  const auto checkpoint = options.run_dir + "/checkpoints/" + options.checkpoint + ".pt";
  if (!std::filesystem::exists(checkpoint)) throw UsageError(checkpoint + ": no such checkpoint");
  const auto shape = data_shape(config);
  auto model = make_model(config, InputSpec{shape.channels, shape.height, shape.width, shape.num_classes});
  auto* ts = dynamic_cast<TorchscriptClassifierImpl*>(model.get());
  if (!ts)
    throw UsageError("export --torchscript: " + options.run_dir + " trained model.name " + config.model.name +
                     "; only runs on a TorchScript backbone (model.name: torchscript) can be saved back as TorchScript");
  load_checkpoint(checkpoint, *model, nullptr);
  ts->save_backbone(options.torchscript, "imgcls run " + options.run_dir + " (" + options.checkpoint + ".pt)");
  std::printf("wrote %s: the backbone of %s (%s.pt), %lld features\n", options.torchscript.c_str(),
              options.run_dir.c_str(), options.checkpoint.c_str(), static_cast<long long>(ts->info().feature_size));
  return 0;
}

}  // namespace imgcls
