// The hooks every run has (engine/train_hooks.hpp): small enough to share one file; a new
// feature's hook gets a file of its own.
//   StopOnSignal      SIGINT/SIGTERM (util/signals) end the epoch after the current step
//   KillPointHook     the IMGCLS_TEST_KILL_AT=<epoch>:<step>[:action] test hook (util/kill_point)
//   UnfreezeBackbone  model.unfreeze_at_epoch: a frozen TorchScript backbone starts training
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "engine/train_hooks.hpp"

namespace imgcls {

class ClassifierImpl;

class StopOnSignal final : public TrainHook {
 public:
  int stop_requested() override;
};

class KillPointHook final : public TrainHook {
 public:
  void after_step(const StepInfo& step) override;
  std::string run_dir;  // what the rm-run-dir action deletes (a user removing the run's folder)
};

class UnfreezeBackbone final : public TrainHook {
 public:
  // `at_epoch` <= 0: never. `info` gets the line announcing it.
  UnfreezeBackbone(ClassifierImpl& model, int64_t at_epoch, std::function<void(const std::string&)> info)
      : model_(model), at_epoch_(at_epoch), info_(std::move(info)) {}
  void on_epoch_start(int64_t epoch) override;

 private:
  ClassifierImpl& model_;
  int64_t at_epoch_;
  std::function<void(const std::string&)> info_;
};

}  // namespace imgcls
