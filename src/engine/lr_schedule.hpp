// Learning-rate schedules with the semantics of PyTorch's torch.optim.lr_scheduler, as pure
// functions of the position (epoch, step) plus, for plateau, a small state. No LibTorch.
//
// lr(epoch, step) is the learning rate in effect for step `step` (0-based, within the epoch)
// of epoch `epoch` (0-based): the value PyTorch's optimizer holds before scheduler.step().
//   step, multistep, cosine, exponential  StepLR, MultiStepLR, CosineAnnealingLR, ExponentialLR
//                                         (stepped per epoch)
//   onecycle                              OneCycleLR (stepped per batch; total = epochs x steps)
//   plateau                               ReduceLROnPlateau: call end_epoch(metric) after each epoch
//   warmup_epochs W                       SequentialLR([LinearLR(start_factor, 1, W), schedule], [W])
//   warmup_steps W                        lr x (start + (1 - start) x s / W) for global step s < W
#pragma once

#include <cstdint>
#include <vector>

#include "imgcls/config/config.hpp"

namespace imgcls {

class LrSchedule {
 public:
  // base_lr: optimizer.lr. epochs >= 1, steps_per_epoch >= 1. Throws ConfigError for
  // settings that cannot work (e.g. a onecycle with fewer than 2 steps).
  LrSchedule(const SchedulerConfig& config, double base_lr, int64_t epochs, int64_t steps_per_epoch);

  double lr(int64_t epoch, int64_t step) const;
  // True when the lr can change within an epoch (onecycle, warmup_steps).
  bool per_step() const;
  // plateau: feed the monitored value of the finished epoch (other schedules ignore it).
  void end_epoch(int64_t epoch, double monitored);

  // The plateau state, for checkpoints.
  std::vector<double> state() const;
  void load_state(const std::vector<double>& state);

 private:
  double main_lr(int64_t epoch, int64_t step) const;

  SchedulerConfig c_;
  double base_lr_;
  int64_t epochs_, steps_;
  // plateau
  double plateau_lr_, best_;
  int64_t bad_epochs_ = 0, cooldown_counter_ = 0;
  bool maximize_ = false;
};

// Stops training when the monitored value has not improved by more than min_delta for
// `patience` epochs, or is not finite. patience 0 never stops (but still tracks the best).
class EarlyStopping {
 public:
  EarlyStopping(bool maximize, int64_t patience, double min_delta);
  // Returns true when the value is the best so far.
  bool update(double value);
  bool should_stop() const { return stop_; }
  double best() const { return best_; }
  int64_t bad_epochs() const { return bad_epochs_; }
  std::vector<double> state() const;
  void load_state(const std::vector<double>& state);

 private:
  bool maximize_;
  int64_t patience_;
  double min_delta_, best_;
  int64_t bad_epochs_ = 0;
  bool stop_ = false;
};

// "auto" mode: maximise accuracies and F1 scores, minimise losses.
bool monitor_maximizes(const std::string& monitor, const std::string& mode);

}  // namespace imgcls
