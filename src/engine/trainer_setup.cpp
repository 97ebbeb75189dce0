// Trainer, part 1: a run built from its config (data, model, optimizer, schedule, the loop and
// its hooks, the run directory), resumed from last.pt, and described.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>

#include "data/batch_count.hpp"
#include "data/device_batches.hpp"
#include "data/splits.hpp"
#include "engine/device.hpp"
#include "engine/mixup.hpp"
#include "engine/optimizers.hpp"
#include "engine/preflight.hpp"
#include "engine/trainer_impl.hpp"
#include "imgcls/io/atomic_file.hpp"
#include "models/torchscript_backbone.hpp"
#include "util/strings.hpp"

namespace imgcls {

Trainer::Trainer(Config config, TrainerOptions options) : impl_(std::make_unique<Impl>()) {
  auto& m = *impl_;
  m.config = std::move(config);
  m.options = std::move(options);
  const auto& c = m.config;
  // Everything that can reject the config or the data runs before the run directory is
  // made, so a bad run leaves nothing behind.
  if (!m.options.resume) check_out_dir_is_free(m.options.out_dir);
  m.device = pick_device(c);
  configure_runtime(c, m.device);
  m.runtime = runtime_info();
  torch::manual_seed(static_cast<uint64_t>(c.seed));
  m.data = make_splits(c);
  m.train_pipeline = std::make_unique<Pipeline>(c.data.train_transforms, m.data.train.channels);
  m.val_pipeline = std::make_unique<Pipeline>(c.data.val_transforms, m.data.train.channels);
  m.model = make_model(c, InputSpec{m.data.channels, m.data.height, m.data.width, m.data.num_classes});
  if (c.train.channels_last)
    for (auto& p : m.model->parameters())
      if (p.dim() == 4) p.set_data(p.data().contiguous(at::MemoryFormat::ChannelsLast));
  m.model->to(m.device);
  auto groups = param_groups(*m.model, c.optimizer);
  for (const auto& g : groups) m.lr_scales.push_back(g.lr_scale);
  m.optimizer = make_optimizer(c.optimizer, std::move(groups));
  auto train_loading = loader_options(c, /*train=*/true);
  train_loading.max_batches = m.options.max_batches;
  check_makes_a_batch(c, m.data.train.size());
  const auto steps_per_epoch = batches_per_epoch(m.data.train.size(), train_loading);
  const auto optimizer_steps = (steps_per_epoch + c.train.grad_accum_steps - 1) / c.train.grad_accum_steps;
  m.schedule = std::make_unique<LrSchedule>(c.scheduler, c.optimizer.lr, c.train.epochs, optimizer_steps);
  m.monitor = effective_monitor(c.train.early_stopping.monitor, m.have_val());
  if (c.train.ema.enabled && c.train.ema.use_for_best && m.have_val()) m.monitor += "_ema";
  m.early_stopping = std::make_unique<EarlyStopping>(monitor_maximizes(m.monitor, c.train.early_stopping.mode),
                                                     c.train.early_stopping.patience, c.train.early_stopping.min_delta);
  m.scaler = std::make_unique<GradScaler>(effective_amp(c, m.device) == "fp16", m.device);
  m.progress.config_hash = frozen_config_hash(c);

  m.paths = m.options.resume ? open_run_dir(m.options.out_dir) : create_run_dir(c, m.options.out_dir);
  if (m.options.resume)  // what a killed run's atomic writes left behind
    for (const auto& dir : {m.paths.dir, m.paths.checkpoints(), m.paths.tensorboard()}) remove_stale_temp_files(dir);
  m.reporter = std::make_unique<RunReporter>(m.paths, c, m.options.quiet);
  m.checkpoints = std::make_unique<CheckpointPolicy>(m.paths, c.output.keep_last);
  // From here on the run directory exists: a failure is recorded in it before it propagates.
  try {
    m.build_training();
    if (m.options.resume && std::filesystem::exists(m.paths.last_checkpoint())) m.restore();
    else if (m.options.resume) {  // killed before its first last.pt: nothing to continue from
      CheckpointPolicy::recover(m.paths, 0);
      m.setup_notes.push_back({false, "no checkpoints/last.pt in " + m.paths.dir +
                                          " (the run stopped before its first checkpoint): starting it over at epoch 1"});
    }
    write_file_atomic(m.paths.config(), to_yaml(c));
  } catch (const std::exception& e) {
    const auto line = m.failure_line(e);
    RunSummary s;
    s.best_val_acc = s.test_acc = s.test_loss = kNoValue;
    try {
      m.finish(s, "failed", line);
    } catch (const std::exception&) {
    }
    if (dynamic_cast<const Error*>(&e)) throw;
    throw TrainError(line);
  }
}

// The batch sources, the step and the loop with its hooks, the console warnings of the setup.
void Trainer::Impl::build_training() {
  const auto& c = config;
  bad_images = std::make_unique<BadImageLog>([r = reporter.get()](const std::string& message) {
    r->warn(message + " (skipped; data.on_bad_image: error stops instead)");
  });
  const bool resident = use_device_batches(c.data.device_resident, device, data.train, c.data.train_transforms,
                                           c.where("data.device_resident"));
  auto loading = loader_options(c, /*train=*/true);
  loading.max_batches = options.max_batches;
  loading.pin_memory = device.is_cuda();
  loading.height = data.height, loading.width = data.width;
  train_batches = make_batch_source(data.train, c.data.train_transforms, *train_pipeline, loading, device, resident,
                                    bad_images.get());
  train_feed = std::make_unique<DeviceFeed>(*train_batches, device);

  unfreeze = std::make_unique<UnfreezeBackbone>(*model, c.model.unfreeze_at_epoch,
                                                [r = reporter.get()](const std::string& line) { r->info(line); });
  hooks = {unfreeze.get(), reporter.get(), &kill_point_hook, &stop_on_signal};
  if (c.train.mixup.enabled())
    hooks.insert(hooks.begin(),
                 (mixup = std::make_unique<MixupHook>(c.train.mixup, data.num_classes, c.train.label_smoothing,
                                                      static_cast<uint64_t>(c.seed)))
                     .get());
  if (c.train.ema.enabled)  // before the reporter and the test hooks: a step's update is in place when they run
    hooks.insert(std::find(hooks.begin(), hooks.end(), reporter.get()),
                 (ema = std::make_unique<ModelEma>(*model, c.train.ema)).get());
  step = std::make_unique<TrainStep>(
      *model, *optimizer, *scaler,
      StepSettings{effective_amp(c, device), c.train.channels_last, c.train.label_smoothing, c.train.grad_clip_norm},
      hooks);
  loop = std::make_unique<TrainLoop>(
      *step, *optimizer, *schedule, lr_scales,
      LoopSettings{c.train.grad_accum_steps, c.data.batch_size, data.train.size(), c.train.on_nan == "skip_batch"},
      hooks, device);

  // Said after the setup banner (Trainer::train), not before it.
  for (const auto& w : c.warnings) setup_notes.push_back({true, w});  // what loading the config changed
  if (c.train.amp != "none" && !device.is_cuda())
    setup_notes.push_back(
        {true, "train.amp: " + c.train.amp + " needs CUDA; training on " + device.str() + " in full precision"});
  if (auto* ts = dynamic_cast<TorchscriptClassifierImpl*>(model.get())) {
    const auto& info = ts->info();
    backbone = c.model.path + ": " + (info.arch.empty() ? "TorchScript" : info.arch) + ", " +
               std::to_string(info.feature_size) + " features, weights: " +
               (info.weights.empty() ? "unknown" : info.weights) + (ts->frozen() ? " (frozen)" : "");
    const auto mismatch = normalisation_mismatch(info, val_pipeline->mean(), val_pipeline->std());
    if (!mismatch.empty()) setup_notes.push_back({true, mismatch});
  }
  if (monitor != c.train.early_stopping.monitor && !monitor_uses_ema())
    setup_notes.push_back({true, "no validation split: best.pt and early stopping use " + monitor});
  reporter->set_facts(facts());
}

Trainer::~Trainer() = default;

const std::string& Trainer::run_dir() const { return impl_->paths.dir; }

void Trainer::describe(std::ostream& os) const {
  const auto& m = *impl_;
  const auto& c = m.config;
  const auto amp = effective_amp(c, m.device);
  os << "imgcls " << m.runtime.imgcls_version << " (LibTorch " << m.runtime.libtorch_version << ")\n"
     << "run:       " << m.paths.dir << "\n"
     << "device:    " << m.device.str() << ", " << count_text(at::get_num_threads(), "CPU thread")
     << (amp != "none" ? ", amp " + amp : std::string()) << (c.train.channels_last ? ", channels_last" : "") << "\n"
     << "data:      " << c.data.dataset << ", " << m.data.channels << "x" << m.data.height << "x" << m.data.width
     << ", " << count_text(m.data.num_classes, "class", "classes") << "; train " << m.data.train.size() << ", val "
     << m.data.val.size() << ", test " << m.data.test.size() << "; batch " << c.data.batch_size
     << (c.train.grad_accum_steps > 1 ? " x " + std::to_string(c.train.grad_accum_steps) + " accumulated" : "") << "\n"
     << "model:     " << c.model.name << ", " << count_parameters(*m.model) << " parameters ("
     << count_parameters(*m.model, true) << " trainable)\n"
     << (m.backbone.empty() ? std::string() : "backbone:  " + m.backbone + "\n")
     << "optimizer: " << c.optimizer.name << ", lr " << c.optimizer.lr << ", weight_decay "
     << c.optimizer.weight_decay;
  if (c.optimizer.name == "sgd" || c.optimizer.name == "rmsprop") os << ", momentum " << c.optimizer.momentum;
  for (const auto scale : m.lr_scales)
    if (scale != 1.0) {
      os << "; backbone lr x " << scale;
      break;
    }
  if (!std::isnan(c.optimizer.norm_weight_decay)) os << "; norm weight_decay " << c.optimizer.norm_weight_decay;
  if (!std::isnan(c.optimizer.bias_weight_decay)) os << "; bias weight_decay " << c.optimizer.bias_weight_decay;
  os << "\nschedule:  " << c.scheduler.name
     << (c.scheduler.warmup_epochs ? ", warmup " + std::to_string(c.scheduler.warmup_epochs) + " epochs" : "")
     << (c.scheduler.warmup_steps ? ", warmup " + std::to_string(c.scheduler.warmup_steps) + " steps" : "")
     << "\nepochs:    " << c.train.epochs << ", seed " << c.seed << ", monitor " << m.monitor;
  if (c.train.early_stopping.patience > 0)
    os << ", early stopping after " << c.train.early_stopping.patience << " epochs without improvement";
  const auto& mix = c.train.mixup;
  if (mix.enabled())
    os << "\nmixup:     " << (mix.mixup_alpha > 0 ? "mixup alpha " + shortest_text(mix.mixup_alpha) : std::string())
       << (mix.mixup_alpha > 0 && mix.cutmix_alpha > 0 ? ", " : "")
       << (mix.cutmix_alpha > 0 ? "cutmix alpha " + shortest_text(mix.cutmix_alpha) : std::string()) << "; prob "
       << shortest_text(mix.prob)
       << (mix.mixup_alpha > 0 && mix.cutmix_alpha > 0 ? ", switch " + shortest_text(mix.switch_prob) : std::string());
  if (c.train.ema.enabled)
    os << "\nema:       decay " << shortest_text(c.train.ema.decay) << (c.train.ema.warmup ? " with warmup" : "")
       << ", every " << count_text(c.train.ema.every, "optimizer step")
       << (c.train.ema.use_for_best ? "; best.pt and the test by the EMA weights" : "");
  // The position last.pt holds: inside an epoch (after an interrupt) or at an epoch's end.
  if (m.progress.step > 0)
    os << "\nresuming:  epoch " << m.progress.epoch + 1 << " after batch " << m.progress.step << " of "
       << m.train_feed->num_batches();
  else if (m.progress.epoch > 0)
    os << "\nresuming:  after epoch " << m.progress.epoch << " of " << c.train.epochs;
}

// Continues from checkpoints/last.pt: weights, optimizer, schedule, early stopping, scaler,
// the position in the run and the time it has taken so far.
void Trainer::Impl::restore() {
  auto restored = load_checkpoint(paths.last_checkpoint(), *model, optimizer.get(), /*restore_rng=*/true);
  if (restored.config_hash != progress.config_hash)
    throw TrainError(paths.last_checkpoint() + ": was written for a different config than " + paths.config() +
                     " (data, model, optimizer, scheduler or train settings changed)");
  progress = std::move(restored);
  CheckpointPolicy::recover(paths, progress.best_epoch);
  schedule->load_state(progress.schedule_state);
  early_stopping->load_state(progress.early_stopping_state);
  scaler->load_state(progress.scaler_state);
  if (ema) {
    if (progress.ema.empty()) throw TrainError(paths.last_checkpoint() + ": holds no train.ema weights");
    ema->load_state({progress.ema, progress.ema_updates, progress.ema_steps}, paths.last_checkpoint());
    progress.ema.clear();  // the hook holds them now
  }
  already_finished = progress.step == 0 && (progress.epoch >= config.train.epochs || early_stopping->should_stop());
  if (std::filesystem::exists(paths.summary())) {
    try {
      const auto old = nlohmann::json::parse(std::ifstream(paths.summary()));
      seconds_before = old.value("total_seconds", 0.0);
      if (old.value("status", "") != "completed" && old.value("status", "") != "stopped_early")
        already_finished = false;  // the final test evaluation has not run yet
    } catch (const nlohmann::json::exception&) {
    }
  }
}

nlohmann::json Trainer::Impl::facts() const {
  nlohmann::json j;
  j["monitor"] = monitor;
  j["device"] = device.str();
  j["threads"] = at::get_num_threads();
  j["parameters"] = count_parameters(*model);
  j["dataset"] = {{"name", config.data.dataset},
                  {"train", data.train.size()},
                  {"val", data.val.size()},
                  {"test", data.test.size()},
                  {"classes", data.train.class_names},
                  {"input", {data.channels, data.height, data.width}},
                  {"bad_images", bad_images ? bad_images->count() : 0}};
  if (bad_images && bad_images->count() > 0) j["dataset"]["bad_image_paths"] = bad_images->paths();
  j["versions"] = {{"imgcls", runtime.imgcls_version},
                   {"libtorch", runtime.libtorch_version},
                   {"opencv", runtime.opencv_version},
                   {"cuda_available", runtime.cuda_available},
                   {"cudnn_available", runtime.cudnn_available}};
  return j;
}

}  // namespace imgcls
