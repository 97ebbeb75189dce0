#include "engine/trained_run.hpp"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "data/splits.hpp"
#include "engine/checkpoint.hpp"
#include "engine/checkpoint_policy.hpp"
#include "engine/model_ema.hpp"
#include "imgcls/errors.hpp"

namespace imgcls {
namespace fs = std::filesystem;
namespace {

std::pair<std::string, std::string> run_and_checkpoint(const std::string& target, const std::string& which) {
  if (fs::is_regular_file(target)) {
    const auto run = fs::path(target).parent_path().parent_path();
    if (!fs::exists(run / "config.yaml"))
      throw UsageError(target + ": a checkpoint must sit in RUN_DIR/checkpoints/ (next to RUN_DIR/config.yaml)");
    return {run.string(), target};
  }
  if (!fs::is_directory(target)) throw UsageError(target + ": no such run directory or checkpoint");
  if (!fs::exists(fs::path(target) / "config.yaml")) throw UsageError(target + ": not a run directory (no config.yaml)");
  const auto dir = fs::path(target) / "checkpoints";
  if (which == "best") {
    const auto best = CheckpointPolicy::best_checkpoint(RunPaths{target});
    if (!best.empty()) return {target, best};
  }
  if (fs::exists(dir / (which + ".pt"))) return {target, (dir / (which + ".pt")).string()};
  if (which == "best" && fs::exists(dir / "last.pt")) return {target, (dir / "last.pt").string()};
  throw UsageError(target + ": has no checkpoints/" + which + ".pt" + (which == "best" ? " or last.pt" : "") +
                   " (did the run finish an epoch?)");
}

}  // namespace

TrainedRun open_trained_run(const std::string& target, const std::vector<std::string>& overrides,
                            const std::string& which) {
  TrainedRun run;
  std::tie(run.dir, run.checkpoint) = run_and_checkpoint(target, which);
  run.config = load_run_config(run.dir + "/config.yaml", overrides);
  nlohmann::json summary;
  if (std::ifstream in(run.dir + "/summary.json"); in) summary = nlohmann::json::parse(in, nullptr, false);
  const auto* dataset = summary.is_object() && summary.contains("dataset") ? &summary["dataset"] : nullptr;
  if (dataset && dataset->contains("classes") && dataset->contains("input") && (*dataset)["input"].size() == 3) {
    run.class_names = (*dataset)["classes"].get<std::vector<std::string>>();
    const auto in = (*dataset)["input"].get<std::vector<int64_t>>();
    run.input = InputSpec{in[0], in[1], in[2], static_cast<int64_t>(run.class_names.size())};
  } else {
    const auto shape = data_shape(run.config);
    run.input = InputSpec{shape.channels, shape.height, shape.width, shape.num_classes};
    if (dataset && dataset->contains("classes")) run.class_names = (*dataset)["classes"].get<std::vector<std::string>>();
    if (static_cast<int64_t>(run.class_names.size()) != shape.num_classes) {
      run.class_names.clear();
      for (int64_t c = 0; c < shape.num_classes; ++c) run.class_names.push_back(std::to_string(c));
    }
  }
  return run;
}

std::shared_ptr<ClassifierImpl> load_trained_model(const TrainedRun& run) {
  auto model = make_model(run.config, run.input);
  const auto loaded = load_checkpoint(run.checkpoint, *model, nullptr);
  // train.ema.use_for_best: the run was judged, and tested, by its averaged weights.
  if (run.config.train.ema.enabled && run.config.train.ema.use_for_best)
    load_ema_into(*model, loaded.ema, run.checkpoint);
  model->eval();
  return model;
}

}  // namespace imgcls
