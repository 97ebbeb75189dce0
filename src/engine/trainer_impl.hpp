// Trainer's private state, shared by its two source files: trainer_setup.cpp (building a run
// from its config, resuming, describing it) and trainer.cpp (running it). See trainer.cpp for
// how the engine's pieces fit together.
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/util/Exception.h>
#include <torch/optim/optimizer.h>

#include <chrono>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "data/dataset.hpp"
#include "data/loader.hpp"
#include "data/transforms.hpp"
#include "dist/collective.hpp"
#include "dist/launch_env.hpp"
#include "engine/amp.hpp"
#include "engine/builtin_hooks.hpp"
#include "engine/checkpoint.hpp"
#include "engine/checkpoint_policy.hpp"
#include "engine/data_parallel.hpp"
#include "engine/device_feed.hpp"
#include "engine/lr_schedule.hpp"
#include "engine/model_ema.hpp"
#include "engine/run_reporter.hpp"
#include "engine/train_loop.hpp"
#include "imgcls/engine/trainer.hpp"
#include "imgcls/errors.hpp"
#include "io/run_dir.hpp"
#include "io/run_lock.hpp"
#include "models/classifier.hpp"
#include "util/error_text.hpp"
#include "util/runtime_info.hpp"

namespace imgcls {

using TrainerClock = std::chrono::steady_clock;
constexpr double kNoValue = std::numeric_limits<double>::quiet_NaN();

inline double seconds_since(TrainerClock::time_point t) {
  return std::chrono::duration<double>(TrainerClock::now() - t).count();
}

// Data-parallel ranks other than 0 keep their run files here (removed when the trainer goes):
// the run directory is rank 0's alone.
struct ScratchDir {
  std::string path;
  ScratchDir() = default;
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir();
};

struct Trainer::Impl {
  ScratchDir scratch;                // first: removed after everything that writes into it is gone
  RunLock lock;                      // next: the run directory is ours until everything else is done
  LaunchEnv launch;                  // torchrun / srun's variables; launch.distributed() false: one process
  std::unique_ptr<Collective> dist;  // the process group, when data-parallel
  std::unique_ptr<DataParallel> data_parallel;
  Config config;
  TrainerOptions options;
  RunPaths paths;
  RuntimeInfo runtime;
  at::Device device{at::kCPU};
  DataSplits data;
  std::unique_ptr<Pipeline> train_pipeline, val_pipeline;
  std::unique_ptr<BadImageLog> bad_images;
  std::unique_ptr<BatchSource> train_batches;  // kept across epochs: a Loader's threads stay up
  std::unique_ptr<DeviceFeed> train_feed;
  std::unique_ptr<BatchSource> val_batches, test_batches;  // made at the first evaluation
  std::shared_ptr<ClassifierImpl> model;
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::vector<double> lr_scales;  // per parameter group (param_groups): head 1, backbone optimizer.backbone_lr_scale
  std::unique_ptr<LrSchedule> schedule;
  std::unique_ptr<EarlyStopping> early_stopping;
  std::unique_ptr<GradScaler> scaler;
  std::unique_ptr<RunReporter> reporter;
  std::unique_ptr<CheckpointPolicy> checkpoints;
  std::unique_ptr<TrainStep> step;
  std::unique_ptr<TrainLoop> loop;
  StopOnSignal stop_on_signal;
  KillPointHook kill_point_hook;
  std::unique_ptr<UnfreezeBackbone> unfreeze;
  std::unique_ptr<TrainHook> mixup;  // train.mixup (engine/mixup.hpp); null when off
  std::unique_ptr<ModelEma> ema;     // train.ema (engine/model_ema.hpp); null when off
  std::vector<TrainHook*> hooks;  // the loop's extension points, called in this order
  TrainProgress progress;
  std::string monitor;  // the metric that picks best.pt and drives early stopping
  std::vector<double> class_weights;  // train.class_weights resolved per class; empty: none
  TrainerClock::time_point started = TrainerClock::now();
  double seconds_before = 0;  // total_seconds of the run before this process (resume)
  bool already_finished = false;
  std::string backbone;  // a TorchScript backbone's description, for the setup banner
  // What the setup has to say (true: a warning), printed after the banner.
  std::vector<std::pair<bool, std::string>> setup_notes;

  bool have_val() const { return data.val.size() > 0; }
  int64_t world_size() const { return dist ? dist->world_size() : 1; }
  int64_t global_batch() const { return config.data.batch_size * world_size(); }
  // The training batches' options: per process data.batch_size, global batches when data-parallel.
  LoaderOptions train_loading() const;
  // The validation accuracy best.pt is chosen by: the EMA weights' with train.ema.use_for_best.
  double best_acc(const EpochMetrics& m) const { return monitor_uses_ema() ? m.val_acc_ema : m.val_acc; }
  bool monitor_uses_ema() const { return monitor.size() > 4 && monitor.compare(monitor.size() - 4, 4, "_ema") == 0; }
  void save(const std::string& path) {
    progress.schedule_state = schedule->state();
    progress.early_stopping_state = early_stopping->state();
    progress.scaler_state = scaler->state();
    // A collective: every rank saves at the same points (ranks > 0 into their scratch folder).
    if (dist) progress.rank_rng_cpu = gather_cpu_generators(*dist);
    if (ema) {
      const auto state = ema->state();
      progress.ema = state.tensors, progress.ema_updates = state.updates, progress.ema_steps = state.steps;
    }
    save_checkpoint(path, *model, optimizer.get(), progress);
  }
  void build_training();
  void restore();
  nlohmann::json facts() const;
  void end_epoch(const EpochMetrics& metrics, RunSummary& s);
  void finish(RunSummary& s, const std::string& status, const std::string& error = "") {
    s.total_seconds = seconds_before + seconds_since(started);
    reporter->finish(s, progress.skipped, status, error);
  }
  // The one line a failure leaves on stderr, in train.log and in summary.json.
  std::string failure_line(const std::exception& e) const {
    if (dynamic_cast<const Error*>(&e)) return e.what();
    return "epoch " + std::to_string(progress.epoch + 1) + " step " + std::to_string(progress.step) + ": " +
           (dynamic_cast<const c10::Error*>(&e) ? "LibTorch: " : "") + error_line(e);
  }
};

}  // namespace imgcls
