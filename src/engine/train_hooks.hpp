// The training loop's extension points. A feature that changes or watches training (model
// EMA, mixup, gradient all-reduce across processes, a time breakdown, the progress bar) is a
// TrainHook in its own file, added to the trainer's hook list in one line; the loop calls
// every hook at each point, in list order. Hooks see tensors on the training device and must
// not synchronise with the host unless they need a value (settle() is the one read the loop
// offers).
//
//   class CountSteps final : public TrainHook {
//    public:
//     void after_step(const StepInfo& s) override { if (s.optimizer_stepped) ++steps_; }
//     int64_t steps_ = 0;
//   };
//   hooks.push_back(&count);   // Trainer::Impl::hooks, or TrainLoop's constructor
//
// The points, in the order one epoch meets them:
//   on_epoch_start   before the first batch (unfreeze a backbone, reset a timer)
//   before_forward   a batch on the device, before the forward pass: may replace the images
//                    or set soft targets (mixup/cutmix)
//   after_backward   at the end of an accumulation group: gradients complete and unscaled,
//                    before clipping and the optimizer step (all-reduce gradients)
//   after_step       after every batch; optimizer_stepped says whether the group ended and
//                    the optimizer stepped (EMA update, progress bar, log lines, test hooks)
//   stop_requested   polled after each optimizer step; non-zero (a signal number) ends the
//                    epoch early and the trainer saves an exact mid-epoch checkpoint
//   on_epoch_end     the epoch's metrics, after validation (a time breakdown's report)
//   before_evaluate / after_evaluate
//                    around every validation and test pass (swap EMA weights in and out)
#pragma once

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <functional>
#include <string>

namespace imgcls {

struct EpochMetrics;

// The inputs of one training step, on the device. `targets`, when a hook defines it, holds
// class probabilities [N, C] (float, any label smoothing already applied: the loss adds none)
// and replaces `labels` in the loss; labels still count for the training accuracy.
struct StepInputs {
  at::Tensor images, labels, targets;
};

struct StepInfo {
  int64_t epoch = 0;  // 1-based
  int64_t step = 0;   // 1-based, within the epoch
  int64_t steps = 0;  // in this epoch
  int64_t images = 0;             // images in this batch (0: every image of it was bad)
  bool skipped = false;           // non-finite loss, batch skipped (train.on_nan: skip_batch)
  bool optimizer_stepped = false; // this batch ended an accumulation group
  // The epoch's running loss and accuracy so far: the one host read the loop offers. Returns
  // {mean loss, accuracy, images}. Throws TrainError for a non-finite loss (train.on_nan: stop).
  std::function<void(double& loss, double& accuracy, int64_t& seen)> settle;
};

class TrainHook {
 public:
  virtual ~TrainHook() = default;
  virtual void on_epoch_start(int64_t /*epoch*/) {}
  virtual void before_forward(StepInputs& /*inputs*/, int64_t /*epoch*/, int64_t /*step*/) {}
  virtual void after_backward(int64_t /*epoch*/, int64_t /*step*/) {}
  virtual void after_step(const StepInfo& /*step*/) {}
  virtual int stop_requested() { return 0; }
  virtual void on_epoch_end(EpochMetrics& /*metrics*/) {}
  virtual void before_evaluate(const std::string& /*split*/) {}
  virtual void after_evaluate(const std::string& /*split*/) {}
};

}  // namespace imgcls
