#include "engine/lr_finder.hpp"

#include <ATen/ATen.h>
#include <torch/optim/optimizer.h>
#include <torch/utils.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <memory>

#include "data/device_batches.hpp"
#include "data/loader.hpp"
#include "data/splits.hpp"
#include "data/transforms.hpp"
#include "engine/amp.hpp"
#include "engine/device.hpp"
#include "engine/device_feed.hpp"
#include "engine/mixup.hpp"
#include "engine/optimizers.hpp"
#include "engine/preflight.hpp"
#include "engine/train_loop.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "models/classifier.hpp"

namespace imgcls {

double LrFindResult::suggested_lr() const {
  return suggested >= 0 ? lr.at(static_cast<std::size_t>(suggested)) : std::numeric_limits<double>::quiet_NaN();
}

double ramp_lr(const LrFindSettings& s, int64_t i) {
  if (s.steps <= 1) return s.start;
  return s.start * std::pow(s.end / s.start, static_cast<double>(i) / static_cast<double>(s.steps - 1));
}

bool LrFindRecorder::add(double lr, double loss) {
  const auto n = static_cast<double>(r_.lr.size() + 1);
  average_ = s_.beta * average_ + (1 - s_.beta) * loss;
  const double smoothed = average_ / (1 - std::pow(s_.beta, n));  // bias-corrected
  r_.lr.push_back(lr), r_.loss.push_back(loss), r_.smoothed.push_back(smoothed);
  if (!std::isfinite(smoothed) || (r_.lr.size() > 1 && smoothed > s_.diverge_factor * best_)) {
    r_.diverged = true;
    return false;
  }
  if (r_.lr.size() == 1 || smoothed < best_) best_ = smoothed;
  return true;
}

LrFindResult LrFindRecorder::finish() {
  // Lightning's rule over the points up to the smoothed loss's minimum: past it the loss is
  // diverging, and a dip after one of its spikes would look like the steepest descent.
  std::size_t lowest = 0;
  for (std::size_t i = 0; i < r_.smoothed.size(); ++i)
    if (std::isfinite(r_.smoothed[i]) && !(r_.smoothed[i] >= r_.smoothed[lowest])) lowest = i;
  const std::vector<double> descent(
      r_.smoothed.begin(), r_.smoothed.begin() + static_cast<std::ptrdiff_t>(std::min(lowest + 1, r_.smoothed.size())));
  r_.suggested = steepest_descent_index(descent, 10, 0);
  return r_;
}

int64_t steepest_descent_index(const std::vector<double>& smoothed, int64_t skip_begin, int64_t skip_end) {
  const auto size = static_cast<int64_t>(smoothed.size());
  // Lightning: loss[skip_begin:-skip_end], non-finite values dropped, np.gradient's argmin.
  std::vector<double> y;
  std::vector<int64_t> index;
  for (int64_t i = skip_begin; i < size - skip_end; ++i)
    if (std::isfinite(smoothed[static_cast<std::size_t>(i)]))
      y.push_back(smoothed[static_cast<std::size_t>(i)]), index.push_back(i);
  if (y.size() < 2) return -1;
  const auto n = y.size();
  std::size_t best = 0;
  double best_gradient = std::numeric_limits<double>::infinity();
  for (std::size_t i = 0; i < n; ++i) {
    // np.gradient: one-sided differences at the ends, central ones inside.
    const double g = i == 0 ? y[1] - y[0] : i == n - 1 ? y[n - 1] - y[n - 2] : (y[i + 1] - y[i - 1]) / 2;
    if (g < best_gradient) best_gradient = g, best = i;
  }
  return index[best];
}

LrFindResult find_lr(const Config& c, const LrFindSettings& settings) {
  const auto device = pick_device(c);
  configure_runtime(c, device);
  torch::manual_seed(static_cast<uint64_t>(c.seed));  // the same initial weights as `imgcls train`
  const auto data = make_splits(c);
  check_makes_a_batch(c, data.train.size());
  const Pipeline pipeline(c.data.train_transforms, data.train.channels);
  auto model = make_model(c, InputSpec{data.channels, data.height, data.width, data.num_classes});
  const bool channels_last = effective_channels_last(c, device, *model);
  if (channels_last) use_channels_last(*model);
  model->to(device);
  auto groups = param_groups(*model, c.optimizer);
  std::vector<double> lr_scales;
  for (const auto& g : groups) lr_scales.push_back(g.lr_scale);
  auto optimizer = make_optimizer(c.optimizer, std::move(groups));
  GradScaler scaler(effective_amp(c, device) == "fp16", device);

  BadImageLog bad_images;
  auto loading = loader_options(c, /*train=*/true);
  loading.pin_memory = device.is_cuda();
  loading.height = data.height, loading.width = data.width;
  const bool resident = use_device_batches(c.data.device_resident, device, data.train, c.data.train_transforms,
                                           c.where("data.device_resident"));
  auto source =
      make_batch_source(data.train, c.data.train_transforms, pipeline, loading, device, resident, &bad_images);
  DeviceFeed feed(*source, device);

  std::vector<TrainHook*> hooks;
  std::unique_ptr<MixupHook> mixup;
  if (c.train.mixup.enabled())
    hooks.push_back((mixup = std::make_unique<MixupHook>(c.train.mixup, data.num_classes, c.train.label_smoothing,
                                                         static_cast<uint64_t>(c.seed)))
                        .get());
  const TrainStep step(
      *model, *optimizer, scaler,
      StepSettings{effective_amp(c, device), channels_last, c.train.label_smoothing, c.train.grad_clip_norm},
      hooks);
  LrFindRecorder recorder(settings);
  model->train();
  int64_t epoch = 1, step_in_epoch = 0;
  feed.start_epoch(epoch);
  for (int64_t i = 0; i < settings.steps; ++i) {
    Batch batch;
    for (int64_t empty_epochs = 0;;) {  // the next batch with images, into the next epoch when needed
      if (!feed.next(batch)) {
        if (step_in_epoch == 0 && ++empty_epochs > 1) throw DataError("lr-find: the training split gives no batch");
        feed.start_epoch(++epoch), step_in_epoch = 0;
        continue;
      }
      ++step_in_epoch;
      if (batch.labels.size(0) > 0) break;  // else every image of it was bad
    }
    const double lr = ramp_lr(settings, i);
    set_lr(*optimizer, lr, lr_scales);
    StepInputs in{batch.images, batch.labels, {}};
    for (auto* h : hooks) h->before_forward(in, epoch, step_in_epoch);
    at::Tensor logits, loss;
    step.forward(in, logits, loss);
    const double value = loss.item<double>();
    if (std::isfinite(value)) {
      step.backward(loss, 1.0);
      step.finish_group(epoch, step_in_epoch);
    }
    if (!recorder.add(lr, value)) break;
  }
  return recorder.finish();
}

}  // namespace imgcls
