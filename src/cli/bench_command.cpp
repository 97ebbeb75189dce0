// `imgcls bench data CONFIG`: images/second of the training input pipeline alone (decode,
// transforms, batching, with the config's workers). `imgcls bench step CONFIG`: training
// images/second of the model alone, on synthetic input of the config's shape.
#include <CLI/App.hpp>
#include <CLI/Config.hpp>
#include <CLI/Formatter.hpp>
#include <ATen/ATen.h>
#include <torch/cuda.h>
#include <torch/optim/optimizer.h>

#include <chrono>
#include <cstdio>

#include "cli/commands.hpp"
#include "data/loader.hpp"
#include "data/splits.hpp"
#include "data/transforms.hpp"
#include "engine/amp.hpp"
#include "engine/device.hpp"
#include "engine/optimizers.hpp"
#include "engine/train_loop.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "models/classifier.hpp"

namespace imgcls {
namespace {

using Clock = std::chrono::steady_clock;

int run_bench_data(const BenchOptions& options) {
  const auto config = load_config(options.config_path, options.overrides);
  const auto splits = make_splits(config);
  const Pipeline pipeline(config.data.train_transforms, splits.train.channels);
  auto o = loader_options(config, /*train=*/true);
  o.height = splits.height, o.width = splits.width;
  BadImageLog bad([](const std::string& m) { std::fprintf(stderr, "warning: %s (skipped)\n", m.c_str()); });
  Loader loader(splits.train, pipeline, o, &bad);
  std::printf("data: %s, %lld training images -> %lldx%lldx%lld, batch %lld, %lld worker(s), prefetch %lld\n",
              config.data.dataset.c_str(), static_cast<long long>(splits.train.size()),
              static_cast<long long>(splits.channels), static_cast<long long>(splits.height),
              static_cast<long long>(splits.width), static_cast<long long>(o.batch_size),
              static_cast<long long>(o.workers), static_cast<long long>(o.prefetch));
  const int64_t warmup = 2;
  int64_t images = 0, batches = 0, epoch = 0;
  Clock::time_point start;
  loader.start_epoch(epoch);
  for (Batch b; batches < options.batches + warmup;) {
    if (!loader.next(b)) {
      loader.start_epoch(++epoch);
      continue;
    }
    if (++batches == warmup) start = Clock::now();
    else if (batches > warmup) images += b.images.size(0);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("%lld batches, %lld images in %.2f s\nimages_per_second: %.1f\n", static_cast<long long>(options.batches),
              static_cast<long long>(images), seconds, images / seconds);
  return 0;
}

int run_bench_step(const BenchOptions& options) {
  const auto config = load_config(options.config_path, options.overrides);
  for (const auto& w : config.warnings) std::fprintf(stderr, "warning: %s\n", w.c_str());
  const auto shape = data_shape(config);
  const auto device = pick_device(config);
  configure_runtime(config, device);
  auto model = make_model(config, InputSpec{shape.channels, shape.height, shape.width, shape.num_classes});
  const bool channels_last = effective_channels_last(config, device, *model);
  if (channels_last) use_channels_last(*model);  // as the trainer does
  model->to(device);
  auto optimizer = make_optimizer(config.optimizer, param_groups(*model, config.optimizer));
  const auto amp = effective_amp(config, device);
  GradScaler scaler(amp == "fp16", device);
  // The trainer's own step: forward and loss under autocast, backward, clip, optimizer step.
  const TrainStep step(
      *model, *optimizer, scaler,
      StepSettings{amp, channels_last, config.train.label_smoothing, config.train.grad_clip_norm, {}});
  const auto b = config.data.batch_size;
  const auto images = at::randn({b, shape.channels, shape.height, shape.width}, at::TensorOptions().device(device))
                          .contiguous(channels_last ? at::MemoryFormat::ChannelsLast
                                                                 : at::MemoryFormat::Contiguous);
  const auto labels = at::randint(shape.num_classes, {b}, at::TensorOptions().dtype(at::kLong).device(device));
  model->train();
  const auto one_step = [&] {
    StepInputs in{images, labels, {}};
    at::Tensor logits, loss;
    step.forward(in, logits, loss);
    step.backward(loss, 1.0);
    step.finish_group(1, 1);
  };
  for (int i = 0; i < 3; ++i) one_step();
  if (device.is_cuda()) torch::cuda::synchronize();
  const auto start = Clock::now();
  for (int64_t i = 0; i < options.batches; ++i) one_step();
  if (device.is_cuda()) torch::cuda::synchronize();
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  std::printf("step: %s on %s, batch %lld of %lldx%lldx%lld, amp %s%s, %d CPU threads\n", config.model.name.c_str(),
              device.str().c_str(), static_cast<long long>(b), static_cast<long long>(shape.channels),
              static_cast<long long>(shape.height), static_cast<long long>(shape.width), amp.c_str(),
              channels_last ? ", channels_last" : "", at::get_num_threads());
  std::printf("%lld steps in %.2f s\nimages_per_second: %.1f\n", static_cast<long long>(options.batches), seconds,
              static_cast<double>(options.batches * b) / seconds);
  return 0;
}

}  // namespace

void setup_bench(CLI::App& app) {
  auto* bench = app.add_subcommand("bench", "Measure throughput: the input pipeline (data) or the model (step)");
  bench->require_subcommand(1);
  for (const std::string what : {"data", "step"}) {
    auto options = std::make_shared<BenchOptions>();
    auto* cmd = bench->add_subcommand(
        what, what == "data" ? "Training images/second of the input pipeline alone (decode, transforms, batching)"
                             : "Training images/second of the model alone, on synthetic input of the config's shape");
    cmd->add_option("config", options->config_path, "Experiment config (.yaml, .yml or .json)")->required();
    cmd->add_option("overrides", options->overrides, "Dotted overrides, e.g. data.workers=2");
    cmd->add_option("--batches", options->batches, "Batches to time (after 2 or 3 warm-up batches)")
        ->check(CLI::Range(1, 1000000));  // PositiveNumber would print a 309-digit maximum
    cmd->callback([options, what]() { what == "data" ? run_bench_data(*options) : run_bench_step(*options); });
  }
}

}  // namespace imgcls
