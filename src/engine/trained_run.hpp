// A finished (or interrupted) run opened for use: eval, predict and export all start here.
//
//   auto run = open_trained_run("runs/fm", {});      // RUN_DIR -> checkpoints/best.pt
//   auto model = load_trained_model(run);            // built from config.yaml, weights loaded
//
// The class names and input shape come from the run's summary.json (written from the first
// epoch on), so a run can be used after its training data has moved; older runs without
// them fall back to reading the dataset's shape.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "imgcls/config/config.hpp"
#include "models/classifier.hpp"

namespace imgcls {

struct TrainedRun {
  std::string dir;         // the run directory
  std::string checkpoint;  // the checkpoint file to load
  Config config;           // RUN_DIR/config.yaml with the overrides applied
  std::vector<std::string> class_names;
  InputSpec input;
};

// `target`: a run directory (its checkpoints/<which>.pt, falling back to last.pt when
// which is "best" and there is no best.pt) or a checkpoint file inside RUN_DIR/checkpoints/.
// Throws UsageError for anything else, ConfigError for bad overrides.
TrainedRun open_trained_run(const std::string& target, const std::vector<std::string>& overrides,
                            const std::string& which = "best");

// The run's model with the checkpoint's weights, in eval mode, on the CPU.
std::shared_ptr<ClassifierImpl> load_trained_model(const TrainedRun& run);

}  // namespace imgcls
