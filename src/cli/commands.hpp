// One setup_X / run_X pair per subcommand; each lives in its own file (cli/X_command.cpp).
// setup_X adds the subcommand to `app` and arranges for run_X to be called with its options.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace CLI {
class App;
}

namespace imgcls {

struct TrainOptions {
  std::string config_path;
  std::vector<std::string> overrides;
  std::string out_dir;
  std::string resume_dir;  // --resume RUN_DIR: continue that run (its config.yaml + overrides)
  bool quiet = false;
  int64_t smoke = -1;  // --smoke N: the whole path on N batches (train_smoke.cpp); -1 = a normal run
};
void setup_train(CLI::App& app);
int run_train(const TrainOptions& options);
// `imgcls train CONFIG --smoke [N]`: N training, validation and test batches, a checkpoint
// written, read back and resumed for one step, every run file once; in a temporary directory
// removed afterwards unless --out is given.
int run_train_smoke(const TrainOptions& options);

// `imgcls models`: the registry, one model per line with its description.
void setup_models(CLI::App& app);
int run_models();

struct SummaryOptions {
  std::string config_path;
  std::vector<std::string> overrides;
};
// `imgcls summary CONFIG`: the config's model, layer by layer, for the data's input shape.
void setup_summary(CLI::App& app);
int run_summary(const SummaryOptions& options);

struct ExportOptions {
  std::string run_dir;
  std::string format;       // state_dict (default) | torchscript
  std::string out;          // the file to write
  std::string torchscript;  // --torchscript FILE: --format torchscript --out FILE
  std::string checkpoint = "best";
};
// `imgcls export RUN_DIR --format state_dict|torchscript --out FILE`: the weights for
// PyTorch (scripts/reference_models.py, to_onnx.py) or a fine-tuned backbone for the next run.
void setup_export(CLI::App& app);
int run_export(const ExportOptions& options);

struct EvalOptions {
  std::string target;  // RUN_DIR or a checkpoint
  std::vector<std::string> overrides;
  std::string split;   // "" = test when there is one, else val
  int64_t top_losses = 15;  // images in top_losses.png (0: none)
  std::string tta = "none";  // test-time augmentation: none | hflip (engine/evaluator.hpp)
};
// `imgcls eval RUN_DIR|CHECKPOINT [--split val|test]`: the per-class report and confusion matrix,
// the per-image predictions, the misclassified images, calibration.
void setup_eval(CLI::App& app);
int run_eval(const EvalOptions& options);

struct PlotOptions {
  std::vector<std::string> runs;
  std::string metric = "val_acc";
  std::string out;
};
// `imgcls plot RUN_DIR... [--metric M] [--out FILE.png]`: runs overlaid on one chart.
void setup_plot(CLI::App& app);
int run_plot(const PlotOptions& options);

struct PredictOptions {
  std::string run;                  // RUN_DIR or a checkpoint
  std::vector<std::string> inputs;  // image files and folders
  int64_t top_k = 5;
  std::string format = "csv";       // csv | json
  std::string out;                  // "" = print
  std::string grid;                 // PNG of the images titled with their predictions
  int64_t grid_max = 64;
  int64_t grid_seed = 0;            // the grid's sample across the classes
  bool grid_wrong = false;          // mistakes first
  std::string tta = "none";         // test-time augmentation: none | hflip (engine/evaluator.hpp)
};
// `imgcls predict RUN_DIR IMAGE_OR_DIR... [--top-k K] [--format csv|json] [--grid OUT.png]`.
void setup_predict(CLI::App& app);
int run_predict(const PredictOptions& options);

struct SweepOptions {
  std::string sweep_path;
  std::vector<std::string> overrides;
  int jobs = 1;
  bool dry_run = false;
  std::string out;   // "" = sweeps/<name>
  std::string emit;  // "slurm"
  // --emit slurm: 0 = one process per trial; N = a data-parallel trial of N processes with a
  // GPU each (srun), data.batch_size per process
  int gpus_per_trial = 0;
  bool collect = false;
  bool restart_changed = false;  // restart trials whose settings changed since they ran
};
// `imgcls sweep SWEEP.yaml [--jobs N] [--dry-run] [--out DIR] [--emit slurm] [--collect]
// [--restart-changed]`. Throws TrainError (exit 4) when a trial failed, InterruptedError when
// stopped by a signal, ConfigError (exit 2) when a finished or resumable trial ran with other
// settings than the sweep now gives it (without --restart-changed).
void setup_sweep(CLI::App& app);
int run_sweep(const SweepOptions& options);

struct BenchOptions {
  std::string config_path;
  std::vector<std::string> overrides;
  int64_t batches = 50;
};
// `imgcls bench data|step CONFIG`: input pipeline or model throughput, in images/second.
void setup_bench(CLI::App& app);

struct DataCheckOptions {
  std::string config_path;
  std::vector<std::string> overrides;
  std::string out;  // "" = data_check/<name>-<timestamp>
  bool near = false;
  int near_distance = 4;
  double near_correlation = 0.98;
};
// `imgcls data check CONFIG [KEY=VALUE...] [--out DIR] [--near [--near-distance BITS] [--near-correlation C]]`: the
// config's splits checked as training reads them (diagnostics/data_check.hpp); DIR gets
// data_report.json and class_counts.png. Throws DataError (exit 3) after writing them when it
// found unreadable files or duplicates across splits.
void setup_data(CLI::App& app);
int run_data_check(const DataCheckOptions& options);

struct LrFindOptions {
  std::string config_path;
  std::vector<std::string> overrides;
  double start = 1e-7, end = 10;
  int64_t steps = 100;
  std::string out;  // "" = lr_find/<name>-<timestamp>
};
// `imgcls lr-find CONFIG [KEY=VALUE...] [--start LR] [--end LR] [--steps N] [--out DIR]`: the
// learning-rate range test (engine/lr_finder.hpp); DIR gets lr_find.csv, lr_find.json
// (suggested_lr) and lr_find.png. Writes no checkpoint.
void setup_lr_find(CLI::App& app);
int run_lr_find(const LrFindOptions& options);

// `imgcls --version` text.
std::string version_text();

}  // namespace imgcls
