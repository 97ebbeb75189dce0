// The training numerics, apart from files and the console.
//
// TrainStep is one optimisation step's pieces: forward and loss under autocast, the scaled
// backward pass, and the end of an accumulation group (unscale, after_backward hooks,
// clipping, optimizer step, scaler update). `imgcls bench step` times exactly these.
//
// TrainLoop is one epoch over a DeviceFeed: batches weighted so that an accumulated group's
// gradient is that of the group's mean loss, the learning rate set per epoch or per step,
// the non-finite-loss policy, the running sums (EpochMeter), and the hooks' extension points
// (engine/train_hooks.hpp). It writes no file and prints nothing: it reports through hooks
// and returns what the epoch did; the trainer saves and reports.
//
//   TrainStep step(*model, *optimizer, scaler, StepSettings{...}, hooks);
//   TrainLoop loop(step, *optimizer, schedule, lr_scales, LoopSettings{...}, hooks, device);
//   auto r = loop.run(feed, epoch, progress);   // r.stop_signal != 0: interrupted mid-epoch
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "engine/torch_fwd.hpp"
#include "engine/train_hooks.hpp"
#include "imgcls/errors.hpp"

namespace imgcls {

class ClassifierImpl;
class Collective;
class DeviceFeed;
class GradScaler;
class LrSchedule;
struct TrainProgress;

struct StepSettings {
  std::string amp = "none";  // autocast dtype: none | bf16 | fp16 (CUDA); none | bf16 (CPU)
  bool channels_last = false;
  double label_smoothing = 0;
  double grad_clip_norm = 0;  // 0: no clipping
  at::Tensor class_weights;   // float, one per class, on the model's device; undefined: none
};

class TrainStep {
 public:
  // Everything passed must outlive the step.
  TrainStep(ClassifierImpl& model, torch::optim::Optimizer& optimizer, GradScaler& scaler, StepSettings settings,
            std::vector<TrainHook*> hooks = {});

  // The forward pass and the batch's mean cross-entropy (against inputs.targets when defined).
  void forward(StepInputs& inputs, at::Tensor& logits, at::Tensor& loss) const;
  // Adds the gradient of loss x weight (scaled for fp16).
  void backward(const at::Tensor& loss, double weight) const;
  // The end of an accumulation group: unscale, after_backward hooks, clip, optimizer step
  // (skipped when fp16 gradients overflowed), scaler update, zero_grad.
  void finish_group(int64_t epoch, int64_t step) const;
  void zero_grad() const;
  ClassifierImpl& model() const { return model_; }
  // The gradients of the last finished group, for nonfinite.json: their total norm is computed
  // only when asked (norm()), so keeping them costs nothing per step. Without clipping they are
  // the unscaled gradients themselves (zero_grad only drops the parameters' handles); with
  // clipping, the norm clip_grad_norm_ measured before clipping.
  struct Gradients {
    std::vector<at::Tensor> grads;
    double clip_norm = std::numeric_limits<double>::quiet_NaN();
    double norm() const;  // NaN before the first group
  };
  const Gradients& last_gradients() const { return last_gradients_; }
  // fp16's current loss scale (a host read); NaN without a gradient scaler.
  double loss_scale() const;

 private:
  ClassifierImpl& model_;
  torch::optim::Optimizer& optimizer_;
  GradScaler& scaler_;
  StepSettings settings_;
  std::vector<TrainHook*> hooks_;
  mutable Gradients last_gradients_;
};

// A non-finite training loss (train.on_nan: stop), with what the trainer writes to
// RUN_DIR/nonfinite.json: where, the batches, and the optimisation state just before.
class NonFiniteLoss : public TrainError {
 public:
  struct Step {
    int64_t step = 0;              // 1-based, in the epoch
    std::vector<int64_t> indices;  // the batch's samples (indices into the training split)
  };
  struct Details {
    int64_t epoch = 0;
    // The steps whose summed loss was not finite: one on the CPU (the loss is read every
    // step), the steps since the last read on CUDA (one read per log line or progress redraw).
    std::vector<Step> steps;
    double loss = 0;                // the loss summed over those steps (nan or inf)
    double lr = 0;                  // the learning rate of the first of them
    double previous_grad_norm = 0;  // of the last optimizer step before them; NaN when none
    double loss_scale = 0;          // fp16's gradient scaler; NaN without one
  };
  NonFiniteLoss(const std::string& message, Details details) : TrainError(message), details_(std::move(details)) {}
  const Details& details() const { return details_; }

 private:
  Details details_;
};

struct LoopSettings {
  int64_t grad_accum_steps = 1;
  int64_t batch_size = 1;
  int64_t train_size = 0;     // images in the training split
  bool skip_nonfinite = false;  // train.on_nan: skip_batch
  // Data-parallel (batch_size then counts the global batch): each step's loss, correct count
  // and images are summed over the ranks and read (one small all-reduce), so the epoch's
  // numbers, the non-finite policy and the skip decisions are the global batch's, on every rank.
  Collective* collective = nullptr;
  // model.sync_batchnorm under data parallelism: the model's BatchNorm layers make collectives
  // in the forward and backward passes, so a rank whose share of a short last batch is empty
  // still runs both (on its empty batch, with a zero loss).
  bool every_rank_steps = false;
};

// What one call of TrainLoop::run did.
struct EpochRun {
  double lr_at_start = 0;  // the schedule's lr at the epoch's first step
  int64_t images = 0;      // trained in this call (a resumed epoch: since the resume)
  double seconds = 0;      // from the first batch's making to the last step
  double data_seconds = 0;  // of which waiting for batches (host time in the feed's next())
  int stop_signal = 0;     // non-zero: a hook asked to stop; progress.step says where
};

class TrainLoop {
 public:
  TrainLoop(const TrainStep& step, torch::optim::Optimizer& optimizer, const LrSchedule& schedule,
            std::vector<double> lr_scales, LoopSettings settings, std::vector<TrainHook*> hooks, c10::Device device);

  // Trains epoch `epoch` (1-based) from batch progress.step (a resumed run) to its end, or
  // until a hook asks to stop after an optimizer step. Updates progress: step, global_step,
  // loss_sum / correct / seen (settled), skipped. Throws TrainError for a non-finite loss
  // unless skip_nonfinite; progress then holds the last good step.
  EpochRun run(DeviceFeed& feed, int64_t epoch, TrainProgress& progress);

 private:
  const TrainStep& step_;
  torch::optim::Optimizer& optimizer_;
  const LrSchedule& schedule_;
  std::vector<double> lr_scales_;
  LoopSettings settings_;
  std::vector<TrainHook*> hooks_;
  c10::Device device_;
};

}  // namespace imgcls
