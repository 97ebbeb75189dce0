#include "engine/train_loop.hpp"

#include <ATen/ATen.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/optimizer.h>

#include <chrono>
#include <cmath>
#include <stdexcept>

#include "dist/collective.hpp"
#include "engine/amp.hpp"
#include "engine/checkpoint.hpp"
#include "engine/device_feed.hpp"
#include "engine/epoch_meter.hpp"
#include "engine/lr_schedule.hpp"
#include "engine/optimizers.hpp"
#include "models/classifier.hpp"

namespace imgcls {

TrainStep::TrainStep(ClassifierImpl& model, torch::optim::Optimizer& optimizer, GradScaler& scaler,
                     StepSettings settings, std::vector<TrainHook*> hooks)
    : model_(model), optimizer_(optimizer), scaler_(scaler), settings_(std::move(settings)), hooks_(std::move(hooks)) {}

void TrainStep::forward(StepInputs& in, at::Tensor& logits, at::Tensor& loss) const {
  if (settings_.channels_last) in.images = in.images.contiguous(at::MemoryFormat::ChannelsLast);
  AutocastScope autocast(settings_.amp, in.images.device().type());
  logits = model_.forward(in.images);
  namespace F = torch::nn::functional;
  // Soft targets (mixup) already hold the label smoothing (timm folds it in); smoothing them
  // again would count it twice.
  auto options = F::CrossEntropyFuncOptions().label_smoothing(in.targets.defined() ? 0.0 : settings_.label_smoothing);
  if (settings_.class_weights.defined()) options = options.weight(settings_.class_weights);
  loss = F::cross_entropy(logits.to(at::kFloat), in.targets.defined() ? in.targets : in.labels, options);
}

void TrainStep::backward(const at::Tensor& loss, double weight) const { scaler_.scale(loss * weight).backward(); }

void TrainStep::finish_group(int64_t epoch, int64_t step) const {
  const bool finite = scaler_.unscale(optimizer_);
  for (auto* h : hooks_) h->after_backward(epoch, step);
  last_gradients_.grads.clear();
  last_gradients_.clip_norm = std::nan("");
  if (settings_.grad_clip_norm > 0) {
    last_gradients_.clip_norm =
        torch::nn::utils::clip_grad_norm_(model_.parameters(), settings_.grad_clip_norm);  // before clipping
  } else {
    for (const auto& p : model_.parameters())
      if (p.grad().defined()) last_gradients_.grads.push_back(p.grad());
  }
  if (finite) optimizer_.step();
  scaler_.update();
  optimizer_.zero_grad(/*set_to_none=*/true);  // new tensors next time: last_gradients_ stays as it was
}

double TrainStep::Gradients::norm() const {
  if (grads.empty()) return clip_norm;
  return at::linalg_vector_norm(at::stack(at::_foreach_norm(grads)), 2).item<double>();
}

void TrainStep::zero_grad() const { optimizer_.zero_grad(); }

double TrainStep::loss_scale() const { return scaler_.enabled() ? scaler_.state()[0] : std::nan(""); }

TrainLoop::TrainLoop(const TrainStep& step, torch::optim::Optimizer& optimizer, const LrSchedule& schedule,
                     std::vector<double> lr_scales, LoopSettings settings, std::vector<TrainHook*> hooks,
                     c10::Device device)
    : step_(step),
      optimizer_(optimizer),
      schedule_(schedule),
      lr_scales_(std::move(lr_scales)),
      settings_(settings),
      hooks_(std::move(hooks)),
      device_(device) {}

EpochRun TrainLoop::run(DeviceFeed& feed, int64_t epoch, TrainProgress& p) {
  using Clock = std::chrono::steady_clock;
  const auto accum = settings_.grad_accum_steps;
  const bool resuming_mid_epoch = p.epoch == epoch - 1 && p.step > 0;
  if (!resuming_mid_epoch) p.step = 0, p.loss_sum = 0, p.correct = 0, p.seen = 0;
  for (auto* h : hooks_) h->on_epoch_start(epoch);
  step_.model().train();

  EpochRun out;
  const auto t0 = Clock::now();  // before start_epoch: the first batch's making counts
  feed.start_epoch(epoch, p.step);
  const int64_t e0 = epoch - 1;
  const auto steps = feed.num_batches();
  out.lr_at_start = schedule_.lr(e0, 0);
  set_lr(optimizer_, schedule_.lr(e0, p.step / accum), lr_scales_);
  step_.zero_grad();
  const int64_t samples_per_epoch = std::min(steps * settings_.batch_size, settings_.train_size);
  // The loss and correct counts add up on the device (EpochMeter). On CUDA they are read only
  // when a hook asks (log lines, progress redraws), at a stop and at the epoch's end; on the
  // CPU, where a read is free, after every step, so a non-finite loss stops before its step.
  const bool read_each_step = !device_.is_cuda();
  EpochMeter meter(device_, epoch, p.step + 1);
  // The batches added since the meter's last read, and the state before the first of them:
  // what nonfinite.json reports when that read finds the loss non-finite.
  std::vector<NonFiniteLoss::Step> unsettled;
  TrainStep::Gradients gradients_before;
  double lr_before = std::nan("");
  const auto settle = [&](int64_t through_step) {
    try {
      meter.settle(through_step, p);
    } catch (const TrainError& e) {
      const double norm = gradients_before.norm();
      throw NonFiniteLoss(e.what(), {epoch, unsettled, meter.failed_loss_sum(), lr_before, norm, step_.loss_scale()});
    }
    unsettled.clear();
  };
  StepInfo info;
  info.epoch = epoch, info.steps = steps;
  int64_t settled_through = p.step;
  info.settle = [&](double& loss, double& accuracy, int64_t& seen) {
    settle(settled_through);
    seen = p.seen;
    loss = p.seen ? p.loss_sum / static_cast<double>(p.seen) : std::nan("");
    accuracy = p.seen ? static_cast<double>(p.correct) / static_cast<double>(p.seen) : std::nan("");
  };

  for (int64_t step = p.step; step < steps; ++step) {
    Batch batch;
    const auto waiting = Clock::now();
    if (!feed.next(batch)) throw std::logic_error("loader ended before its last batch");
    out.data_seconds += std::chrono::duration<double>(Clock::now() - waiting).count();
    StepInputs in{batch.images, batch.labels, {}};
    const auto n = in.labels.size(0);
    // Each micro-batch's mean loss is weighted by its share of the group's samples, so the
    // accumulated gradient is the gradient of the group's mean loss: exactly what one batch
    // of the group's size would give, the short last batch included.
    const auto group_start = step / accum * accum;
    const auto group_end = std::min(group_start + accum, steps);
    const auto group_samples =
        std::min(group_end * settings_.batch_size, samples_per_epoch) - group_start * settings_.batch_size;
    info.skipped = false;
    if (auto* dist = settings_.collective) {
      // Data-parallel: every rank makes this all-reduce every step, with samples of its own or
      // none (a short last batch), so the sums, the skip and the stop are the global batch's.
      at::Tensor logits, loss;
      auto sums = at::zeros({3}, at::TensorOptions().device(device_).dtype(at::kDouble));
      if (n == 0 && settings_.every_rank_steps) {
        step_.forward(in, logits, loss);  // the graph every rank builds; its loss is not used
      } else if (n > 0) {
        for (auto* h : hooks_) h->before_forward(in, epoch, step + 1);
        step_.forward(in, logits, loss);
        sums = at::stack({loss.detach().to(at::kDouble) * static_cast<double>(n),
                          logits.detach().argmax(1).eq(in.labels).sum().to(at::kDouble),
                          at::scalar_tensor(static_cast<double>(n), sums.options())});
      }
      dist->sum(sums);
      const auto host = sums.cpu();
      const auto* s = host.data_ptr<double>();
      const auto global_n = static_cast<int64_t>(s[2]);
      if (global_n > 0 && settings_.skip_nonfinite && !std::isfinite(s[0])) {
        info.skipped = true;
        ++p.skipped;
        step_.zero_grad();
      } else if (global_n > 0) {
        if (unsettled.empty()) gradients_before = step_.last_gradients(), lr_before = get_lr(optimizer_);
        meter.add_sums(s[0], static_cast<int64_t>(s[1]), global_n);
        unsettled.push_back({step + 1, batch.indices});
        settle(step + 1);  // on every rank alike: a non-finite global loss stops them all here
        if (n > 0) step_.backward(loss, static_cast<double>(n) / static_cast<double>(group_samples));
        else if (settings_.every_rank_steps) step_.backward(logits.sum(), 0.0);  // zeros, through the collectives
      }
    } else if (n > 0) {  // a batch can be empty when every image in it was bad and skipped
      for (auto* h : hooks_) h->before_forward(in, epoch, step + 1);
      at::Tensor logits, loss;
      step_.forward(in, logits, loss);
      if (settings_.skip_nonfinite && !std::isfinite(loss.item<double>())) {
        info.skipped = true;
        ++p.skipped;
        step_.zero_grad();  // the group's earlier micro-batches go too: their gradient is incomplete
      } else {
        if (unsettled.empty()) gradients_before = step_.last_gradients(), lr_before = get_lr(optimizer_);
        meter.add(loss, logits, in.labels);
        unsettled.push_back({step + 1, batch.indices});
        if (read_each_step) settle(step + 1);  // a non-finite loss stops before its step
        step_.backward(loss, static_cast<double>(n) / static_cast<double>(group_samples));
      }
    }
    out.images += n;
    settled_through = step + 1;

    info.optimizer_stepped = (step + 1) % accum == 0 || step + 1 == steps;
    if (info.optimizer_stepped) {
      step_.finish_group(epoch, step + 1);
      ++p.global_step;
      if (schedule_.per_step() && step + 1 < steps) set_lr(optimizer_, schedule_.lr(e0, (step + 1) / accum), lr_scales_);
    }
    p.step = step + 1;
    info.step = step + 1, info.images = n;
    for (auto* h : hooks_) h->after_step(info);
    if (info.optimizer_stepped && step + 1 < steps)
      for (auto* h : hooks_)
        if ((out.stop_signal = h->stop_requested()) != 0) break;
    if (out.stop_signal) break;
  }
  settle(p.step);
  out.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
  return out;
}

}  // namespace imgcls
