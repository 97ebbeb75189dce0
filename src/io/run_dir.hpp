// The run directory layout:
//   <dir>/config.yaml  metrics.csv  summary.json  train.log  checkpoints/{last,best}.pt
#pragma once

#include <cstdint>
#include <string>

namespace imgcls {

struct Config;

struct RunPaths {
  std::string dir;
  std::string config() const { return dir + "/config.yaml"; }
  std::string metrics() const { return dir + "/metrics.csv"; }
  std::string metrics_jsonl() const { return dir + "/metrics.jsonl"; }
  std::string curves() const { return dir + "/curves.png"; }
  std::string tensorboard() const { return dir + "/tb"; }
  std::string summary() const { return dir + "/summary.json"; }
  std::string log() const { return dir + "/train.log"; }
  std::string nonfinite() const { return dir + "/nonfinite.json"; }
  std::string checkpoints() const { return dir + "/checkpoints"; }
  std::string last_checkpoint() const { return checkpoints() + "/last.pt"; }
  std::string best_checkpoint() const { return checkpoints() + "/best.pt"; }
  std::string epoch_checkpoint(int64_t epoch) const { return checkpoints() + "/epoch-" + std::to_string(epoch) + ".pt"; }
};

// Creates the run directory: `out` when given, else runs/<name>-<YYYYmmdd-HHMMSS>[-N], the
// first of those names that this call itself creates (runs started together never share one).
// Refuses (UsageError) an `out` that already holds a run, so earlier results are never
// overwritten. Throws IoError when the folder cannot be created.
RunPaths create_run_dir(const Config& config, const std::string& out);

// Creates and returns <parent>/<name>-<YYYYmmdd-HHMMSS>[-N], the first of those names this call
// itself creates (mkdir, so two callers in the same second never share one), making `parent`
// first when needed. Throws IoError.
std::string create_timestamped_dir(const std::string& parent, const std::string& name);

// An existing run directory to resume. Throws UsageError when `dir` holds no run.
RunPaths open_run_dir(const std::string& dir);

// The same refusal as create_run_dir, without creating anything: call it before slow work.
void check_out_dir_is_free(const std::string& out);

}  // namespace imgcls
