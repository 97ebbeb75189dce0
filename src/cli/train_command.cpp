#include <CLI/App.hpp>
#include <CLI/Config.hpp>
#include <CLI/Formatter.hpp>

#include "cli/commands.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/engine/trainer.hpp"

namespace imgcls {

void setup_train(CLI::App& app) {
  auto options = std::make_shared<TrainOptions>();
  auto* cmd = app.add_subcommand("train", "Train a model from a YAML or JSON experiment config");
  cmd->add_option("config", options->config_path, "Experiment config (.yaml, .yml or .json)")->required();
  cmd->add_option("overrides", options->overrides,
                  "Dotted overrides applied after loading, e.g. optimizer.lr=0.01 train.epochs=2");
  cmd->add_option("-o,--out", options->out_dir, "Run directory (default: runs/<name>-<timestamp>)");
  cmd->add_flag("-q,--quiet", options->quiet, "Print nothing but errors (train.log still gets everything)");
  cmd->footer(
      "The run directory gets config.yaml, metrics.csv, summary.json, train.log and checkpoints/{last,best}.pt.\n"
      "Exit codes: 0 success, 2 usage/config error, 3 data error, 4 training failure, 130/143 interrupted.");
  cmd->callback([options]() { run_train(*options); });
}

int run_train(const TrainOptions& options) {
  auto config = load_config(options.config_path, options.overrides);
  Trainer trainer(std::move(config), TrainerOptions{options.out_dir, options.quiet});
  trainer.train();
  return 0;
}

}  // namespace imgcls
