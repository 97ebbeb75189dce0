// The training loss and accuracy of one epoch, added up on the model's device and read back
// (one host synchronisation) only when the trainer asks: at log lines, progress redraws,
// interruptions and the epoch's end. On CUDA this keeps an epoch free of per-step syncs; on
// the CPU, where a read costs nothing, the trainer reads after every step.
//
//   EpochMeter meter(device, epoch, progress.step + 1);
//   for (...) { ...; meter.add(loss, logits, labels); if (time_to_report) meter.settle(step, progress); }
#pragma once

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>

namespace imgcls {

struct TrainProgress;

class EpochMeter {
 public:
  // `first_step`: the 1-based number of the first step that will be added (a resumed epoch
  // starts part-way through).
  EpochMeter(c10::Device device, int64_t epoch, int64_t first_step);

  // One batch: its mean loss (a scalar of any floating type), logits [N, C] and labels [N],
  // all on the meter's device. Never synchronises with the host.
  void add(const at::Tensor& mean_loss, const at::Tensor& logits, const at::Tensor& labels);
  // Sums already read back (data-parallel: the global batch's, summed over the ranks).
  void add_sums(double loss_sum, int64_t correct, int64_t count);

  // Moves what was added since the last read into progress.loss_sum / correct / seen, and
  // starts a new range after `through_step` (the last step added, or skipped). Throws
  // TrainError "epoch E steps a-b: loss is nan; ..." when the loss summed over that range is
  // not finite; `progress` is then unchanged.
  void settle(int64_t through_step, TrainProgress& progress);
  // The non-finite sum the last settle threw for.
  double failed_loss_sum() const { return failed_loss_sum_; }

 private:
  at::Tensor loss_sum_;  // double, on the device
  at::Tensor correct_;   // int64, on the device
  int64_t seen_ = 0, epoch_, from_step_;
  double failed_loss_sum_ = 0;
};

}  // namespace imgcls
