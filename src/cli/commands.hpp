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
};
void setup_train(CLI::App& app);
int run_train(const TrainOptions& options);

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
  std::string torchscript;  // output file
  std::string checkpoint = "best";
};
// `imgcls export RUN_DIR --torchscript OUT.pt`: a fine-tuned backbone for the next run.
void setup_export(CLI::App& app);
int run_export(const ExportOptions& options);

struct EvalOptions {
  std::string target;  // RUN_DIR or a checkpoint
  std::vector<std::string> overrides;
  std::string split;   // "" = test when there is one, else val
};
// `imgcls eval RUN_DIR|CHECKPOINT [--split val|test]`: the per-class report and confusion matrix.
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

struct BenchOptions {
  std::string config_path;
  std::vector<std::string> overrides;
  int64_t batches = 50;
};
// `imgcls bench data|step CONFIG`: input pipeline or model throughput, in images/second.
void setup_bench(CLI::App& app);

// `imgcls --version` text.
std::string version_text();

}  // namespace imgcls
