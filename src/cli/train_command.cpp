#include <CLI/App.hpp>
#include <CLI/Config.hpp>
#include <CLI/Formatter.hpp>
#include <fstream>

#include "cli/commands.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/engine/trainer.hpp"
#include "imgcls/errors.hpp"
#include "sweep/sweep_spec.hpp"

namespace imgcls {

void setup_train(CLI::App& app) {
  auto options = std::make_shared<TrainOptions>();
  auto* cmd = app.add_subcommand("train", "Train a model from a YAML or JSON experiment config");
  cmd->add_option("config", options->config_path, "Experiment config (.yaml, .yml or .json); not with --resume");
  cmd->add_option("overrides", options->overrides,
                  "Dotted overrides applied after loading, e.g. optimizer.lr=0.01 train.epochs=2");
  cmd->add_option("-o,--out", options->out_dir, "Run directory (default: runs/<name>-<timestamp>)");
  cmd->add_option("-r,--resume", options->resume_dir,
                  "Continue RUN_DIR exactly from its checkpoints/last.pt (overrides may change train.epochs, see README)");
  cmd->add_flag("-q,--quiet", options->quiet, "Print nothing but errors (train.log still gets everything)");
  cmd->add_option("--smoke", options->smoke,
                  "Smoke test: the whole run on N batches per split (default 2), a checkpoint resumed for one "
                  "step, in a temporary directory unless --out; for CI")
      ->expected(0, 1)
      ->default_str("2");
  cmd->footer(
      "The run directory gets config.yaml, metrics.csv, summary.json, train.log and checkpoints/{last,best}.pt.\n"
      "Exit codes: 0 success, 2 usage/config error, 3 data error, 4 training failure, 130/143 interrupted.");
  cmd->callback([options]() { run_train(*options); });
}

int run_train(const TrainOptions& options) {
  if (options.smoke >= 0) return run_train_smoke(options);
  if (options.resume_dir.empty()) {
    if (options.config_path.empty()) throw UsageError("train: give a CONFIG file, or --resume RUN_DIR");
    auto config = load_config(options.config_path, options.overrides);
    // runs/<name>_<what was overridden>-<time>, as a sweep names its trials: an MLP run made
    // from a CNN config does not land in a folder named for the CNN.
    config.name += overrides_name_suffix(options.overrides);
    Trainer trainer(std::move(config), TrainerOptions{options.out_dir, options.quiet, false});
    trainer.train();
    return 0;
  }
  if (!options.out_dir.empty()) throw UsageError("train: --resume continues RUN_DIR in place; drop --out");
  // With --resume the first positional, if any, is an override (KEY=VALUE), not a config.
  auto overrides = options.overrides;
  if (!options.config_path.empty()) {
    if (options.config_path.find('=') == std::string::npos)
      throw UsageError("train: --resume uses RUN_DIR/config.yaml; do not give a CONFIG file ('" +
                       options.config_path + "')");
    overrides.insert(overrides.begin(), options.config_path);
  }
  const auto config_path = options.resume_dir + "/config.yaml";
  if (!std::ifstream(config_path))
    throw UsageError(options.resume_dir + ": not a run directory (no config.yaml); --resume takes a directory "
                     "`imgcls train` made");
  const auto original = load_run_config(config_path);
  auto config = load_run_config(config_path, overrides);
  check_resume_changes(original, config);
  Trainer trainer(std::move(config), TrainerOptions{options.resume_dir, options.quiet, true});
  trainer.train();
  return 0;
}

}  // namespace imgcls
