// Everything a run tells the world: the console lines and live progress bar (util/console),
// train.log, metrics.csv / metrics.jsonl / curves.png / TensorBoard (engine/run_files) and
// summary.json, whose `status` is written for every way a run ends:
//   running       after each epoch
//   completed     all epochs and the test evaluation done
//   stopped_early early stopping ended it
//   interrupted   SIGINT/SIGTERM; checkpoints/last.pt holds the exact state
//   failed        any error; `error` holds its one line, train.log too
//
// As a TrainHook it draws the progress bar (terminals only), prints a line every
// train.log_every steps and warns about skipped batches.
//
//   RunReporter report(paths, config, quiet);
//   report.set_facts(json);                  // what summary.json says of the setup
//   hooks.push_back(&report);
//   report.epoch_done(metrics, history, improved);
//   report.finish(summary, "completed");
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "engine/train_hooks.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/engine/trainer.hpp"
#include "io/run_dir.hpp"
#include "util/console.hpp"

namespace imgcls {

// What the progress bar shows of an epoch in progress.
struct ProgressBar {
  int64_t epoch = 0, epochs = 0;
  int64_t step = 0, steps = 0;  // the batch done, of the epoch's
  int64_t steps_run = 0;        // batches this process has run this epoch (a resumed epoch starts midway)
  double loss = 0;
  double images = 0, seconds = 0;  // this process's, this epoch
};
// "epoch 2/5 [=====      ] 115/391  loss 0.4321  3521 img/s  eta 0:41": the time left in the
// epoch at the pace of the batches run so far (no eta before the first).
std::string progress_bar_text(const ProgressBar& p);
// "0:41", "12:05", "1:02:03"; "" for a negative or non-finite time.
std::string duration_text(double seconds);

class RunReporter final : public TrainHook {
 public:
  // Opens train.log (appending: a resumed run keeps its history). Throws IoError.
  RunReporter(RunPaths paths, const Config& config, bool quiet);

  Console& console() { return *console_; }
  void info(const std::string& line) { console_->info(line); }
  void warn(const std::string& line) { console_->warn(line); }

  // The static part of summary.json (setup, data, versions); merged into every write.
  void set_facts(nlohmann::json facts) { facts_ = std::move(facts); }
  // Rewrites the per-epoch files from `history` (all epochs so far) and prints the epoch line
  // (with where its time went), and once per run a hint when waiting for data took more than a
  // fifth of an epoch; `improved`: this epoch is the new best (marked in curves.png).
  void epoch_done(const EpochMetrics& metrics, const std::vector<EpochMetrics>& history, bool improved);
  // Rewrites the per-epoch files only (a resumed run drops rows written after its checkpoint);
  // `best_epoch` (0: none) is the one best.pt holds.
  void write_history(const std::vector<EpochMetrics>& history, int64_t best_epoch);
  // The test accuracy (of the best epoch's weights): curves.png redrawn with it marked.
  void test_done(double test_acc, const std::vector<EpochMetrics>& history);
  // summary.json with `status`; `error` (failed runs) is also logged to train.log.
  void finish(const RunSummary& summary, int64_t skipped_batches, const std::string& status,
              const std::string& error = "");

  void on_epoch_start(int64_t epoch) override;
  void after_step(const StepInfo& step) override;

 private:
  RunPaths paths_;
  const Config& config_;
  std::unique_ptr<Console> console_;
  nlohmann::json facts_;
  std::chrono::steady_clock::time_point epoch_start_, last_draw_;
  int64_t epoch_images_ = 0;
  int64_t epoch_steps_ = 0;
  bool data_hint_given_ = false;
  int64_t best_epoch_ = 0;
  double test_acc_ = std::numeric_limits<double>::quiet_NaN();

  void write_files(const std::vector<EpochMetrics>& history) const;
  void write_curves(const std::vector<EpochMetrics>& history) const;
};

// "" unless more than a fifth of epoch `m` went to waiting for batches; else one line saying
// so, and what to try for `data`'s kind of dataset.
std::string data_wait_hint(const EpochMetrics& m, const DataConfig& data);

}  // namespace imgcls
