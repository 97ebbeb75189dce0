// Checkpoints: everything needed to continue a run exactly, in LibTorch's archive format.
// Written atomically (temp file, fsync, rename, fsync of the folder) and read back before the
// rename, so a kill at any moment leaves the previous file intact and a file that exists
// loads. A format version and a hash of the frozen config keys are checked on load.
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>
#include <vector>

#include "engine/torch_fwd.hpp"
#include "imgcls/engine/trainer.hpp"

namespace imgcls {

constexpr int64_t kCheckpointFormatVersion = 2;

// Where a run is: after `epoch` completed epochs plus `step` batches of the next one.
struct TrainProgress {
  int64_t epoch = 0;
  int64_t step = 0;         // batches of epoch `epoch` + 1 already trained (0 at an epoch boundary)
  int64_t global_step = 0;  // optimizer steps so far
  // Running sums of the unfinished epoch, so a mid-epoch resume reports the same metrics.
  double loss_sum = 0;
  int64_t correct = 0, seen = 0;
  int64_t skipped = 0;      // batches skipped for a non-finite loss (train.on_nan: skip_batch)
  double best_metric = 0;   // the monitored metric at best_epoch
  int64_t best_epoch = 0;   // 0: none yet
  std::vector<double> schedule_state, early_stopping_state;
  std::vector<double> scaler_state;  // fp16 gradient scaler: scale, growth tracker
  std::vector<EpochMetrics> history;
  std::string config_hash;
  // train.ema's average (ModelEma::State): empty without train.ema.
  std::vector<at::Tensor> ema;
  int64_t ema_updates = 0, ema_steps = 0;
  // Data-parallel: every rank's CPU generator state, one row per rank (uint8, ranks x state
  // size), so each rank resumes its own dropout draws; undefined for one process.
  at::Tensor rank_rng_cpu;
};

// Also stores the CPU and CUDA random generator states, progress.rank_rng_cpu when defined
// ("rng_cpu_ranks"), and progress.ema when not empty. Throws IoError when the file cannot be
// written.
void save_checkpoint(const std::string& path, const torch::nn::Module& model, const torch::optim::Optimizer* optimizer,
                     const TrainProgress& progress);

// The progress a checkpoint records (no model, optimizer or generators). Throws TrainError
// naming the file when it is unreadable, of another version, or its fields have wrong sizes.
TrainProgress read_progress(const std::string& path);

// Loads the model (and the optimizer state, and the generator states when `restore_rng`: the
// CPU generator from row `rank` of rng_cpu_ranks when the checkpoint has that row, else from
// rng_cpu, rank 0's). Throws TrainError naming the file when it is unreadable, of another
// format version, or does not fit the model (the first mismatching parameter and both shapes).
TrainProgress load_checkpoint(const std::string& path, torch::nn::Module& model, torch::optim::Optimizer* optimizer,
                              bool restore_rng = false, int64_t rank = 0);

}  // namespace imgcls
