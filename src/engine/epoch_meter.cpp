#include "engine/epoch_meter.hpp"

#include <ATen/ATen.h>

#include <cmath>
#include <string>

#include "engine/checkpoint.hpp"
#include "imgcls/errors.hpp"

namespace imgcls {

EpochMeter::EpochMeter(c10::Device device, int64_t epoch, int64_t first_step)
    : loss_sum_(at::zeros({}, at::TensorOptions().device(device).dtype(at::kDouble))),
      correct_(at::zeros({}, at::TensorOptions().device(device).dtype(at::kLong))),
      epoch_(epoch),
      from_step_(first_step) {}

void EpochMeter::add(const at::Tensor& mean_loss, const at::Tensor& logits, const at::Tensor& labels) {
  const auto n = labels.size(0);
  loss_sum_ += mean_loss.detach().to(at::kDouble) * static_cast<double>(n);
  correct_ += logits.detach().argmax(1).eq(labels).sum();
  seen_ += n;
}

void EpochMeter::add_sums(double loss_sum, int64_t correct, int64_t count) {
  loss_sum_ += loss_sum;
  correct_ += correct;
  seen_ += count;
}

void EpochMeter::settle(int64_t through_step, TrainProgress& progress) {
  if (seen_ > 0) {
    const double loss_sum = loss_sum_.item<double>();
    if (!std::isfinite(loss_sum)) {
      failed_loss_sum_ = loss_sum;
      const auto steps = from_step_ == through_step
                             ? "step " + std::to_string(through_step)
                             : "steps " + std::to_string(from_step_) + "-" + std::to_string(through_step);
      const auto value = std::isnan(loss_sum) ? std::string("nan") : loss_sum > 0 ? "inf" : "-inf";
      // In epoch 1 no epoch has ended, so there is no last good state to point at.
      throw TrainError("epoch " + std::to_string(epoch_) + " " + steps + ": loss is " + value +
                       "; nonfinite.json names the batches" +
                       (epoch_ > 1 ? ", checkpoints/last.pt keeps the last good state" : "") +
                       " (try a lower optimizer.lr, or train.on_nan: skip_batch)");
    }
    progress.loss_sum += loss_sum;
    progress.correct += correct_.item<int64_t>();
    progress.seen += seen_;
    loss_sum_.zero_(), correct_.zero_();
    seen_ = 0;
  }
  from_step_ = through_step + 1;
}

}  // namespace imgcls
