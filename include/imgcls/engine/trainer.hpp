// The trainer: built from a validated Config, it owns the data, model and optimizer and
// writes a complete run directory (see README "Run directory").
//
//   Trainer trainer(load_config("configs/fashion_mnist.yaml"), "runs/fm");
//   RunSummary s = trainer.train();   // all epochs, best checkpoint, test evaluation
//
// Throws DataError (dataset), ConfigError (values the data contradicts), TrainError
// (non-finite loss, unusable checkpoint, and any other failure during training, LibTorch's
// included, as one line "epoch E step S: ..."), IoError (run directory), and InterruptedError
// after SIGINT/SIGTERM once checkpoints/last.pt holds the exact state to resume from. Once the
// run directory exists, every failure is also recorded there (summary.json status failed with
// its error, train.log).
//
// Resume (TrainerOptions::resume): the config must be the run's own (config.yaml, changed in
// resumable_keys() only, imgcls/config/config.hpp); training continues from
// checkpoints/last.pt with the same model, optimizer, scheduler, early-stopping and random
// generator states, so on CPU it gives the same numbers as a run never interrupted.
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <ostream>
#include <string>

#include "imgcls/config/config.hpp"

namespace imgcls {

struct EpochMetrics {
  int64_t epoch = 0;
  double lr = 0;
  double train_loss = 0, train_acc = 0;
  double val_loss = 0, val_acc = 0;  // NaN when there is no validation split
  double epoch_seconds = 0;
  double images_per_second = 0;  // training images / seconds spent in training steps
  // Where the epoch's time went (NaN in rows of runs made before these were recorded):
  double data_seconds = 0;  // waiting for the next batch (loader, host-to-device copy)
  double step_seconds = 0;  // forward, backward, optimizer (the rest of the training pass)
  double eval_seconds = 0;  // the validation pass (0 in epochs without one)
  // The validation pass's macro-averaged F1 and balanced accuracy, scikit-learn's definitions
  // (report/classification_report.hpp), the numbers `imgcls eval` reports for the same weights
  // (NaN without a validation pass, and in rows of runs made before these were recorded).
  double val_macro_f1 = 0, val_balanced_acc = 0;
  // The validation pass with train.ema's weights (NaN without train.ema or a validation).
  double val_loss_ema = std::numeric_limits<double>::quiet_NaN();
  double val_acc_ema = std::numeric_limits<double>::quiet_NaN();
};

// A column of EpochMetrics by its metrics.csv name: epoch, lr, train_loss, train_acc, val_loss,
// val_acc, epoch_seconds, images_per_second, data_seconds, step_seconds, eval_seconds,
// val_macro_f1, val_balanced_acc, val_loss_ema, val_acc_ema. Throws std::invalid_argument for
// another name.
double metric_value(const EpochMetrics& m, const std::string& name);

// The metric a run monitors for `monitor` (train.early_stopping.monitor, scheduler.monitor):
// with no validation split, val_* falls back to its train_* counterpart (val_macro_f1 and
// val_balanced_acc, which training does not measure, to train_acc).
std::string effective_monitor(const std::string& monitor, bool have_val);

struct EvalMetrics {
  double loss = 0;
  double accuracy = 0;
  double macro_f1 = 0, balanced_accuracy = 0;
  int64_t count = 0;
};

struct RunSummary {
  std::string run_dir;
  std::string status;  // completed | stopped_early | interrupted | failed
  double best_val_acc = 0;
  int64_t best_epoch = 0;
  double test_acc = 0, test_loss = 0;
  int64_t epochs_run = 0;
  double total_seconds = 0;
};

struct TrainerOptions {
  std::string out_dir;  // "" = runs/<name>-<timestamp>; with resume: the run to continue
  bool quiet = false;   // no console output (train.log is still written)
  bool resume = false;  // continue out_dir from checkpoints/last.pt, exactly
  // > 0: every epoch trains on at most this many batches, and validation and test evaluate
  // at most this many (train --smoke); the schedule counts the epoch's steps the same way.
  int64_t max_batches = 0;
};

class Trainer {
 public:
  Trainer(Config config, TrainerOptions options = {});
  ~Trainer();
  Trainer(const Trainer&) = delete;
  Trainer& operator=(const Trainer&) = delete;

  // Runs every remaining epoch, then evaluates the best checkpoint on the test split.
  // A resumed run that had already finished returns its summary and does nothing.
  RunSummary train();
  // One pass over the training split (epoch counts from 1).
  EpochMetrics train_one_epoch(int64_t epoch);
  // "val" or "test".
  EvalMetrics evaluate(const std::string& split);

  const std::string& run_dir() const;
  // The whole setup: data sizes, model and parameter count, optimizer, device, threads.
  void describe(std::ostream& os) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace imgcls
