// Trainer, part 1: a run built from its config (data, model, optimizer, schedule, the loop and
// its hooks, the run directory), resumed from last.pt, and described.
#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "data/batch_count.hpp"
#include "data/device_batches.hpp"
#include "data/splits.hpp"
#include "dist/process_group.hpp"
#include "engine/device.hpp"
#include "engine/mixup.hpp"
#include "engine/optimizers.hpp"
#include "engine/preflight.hpp"
#include "engine/trainer_impl.hpp"
#include "imgcls/io/atomic_file.hpp"
#include "models/batch_norm.hpp"
#include "models/torchscript_backbone.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

// Rank > 0's private run directory: TMPDIR/imgcls-rank<R>-XXXXXX.
std::string make_scratch_dir(int rank) {
  const char* tmp = std::getenv("TMPDIR");
  auto pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/imgcls-rank" + std::to_string(rank) + "-XXXXXX";
  if (!mkdtemp(pattern.data()))
    throw IoError(pattern + ": cannot create rank " + std::to_string(rank) + "'s scratch folder");
  return pattern;
}

// Resuming data-parallel: rank 0's checkpoints/last.pt (if any) copied to the other ranks'
// scratch run directories, over the process group (the ranks need not share a file system).
void share_last_checkpoint(Collective& dist, const RunPaths& paths) {
  std::string bytes;
  if (dist.rank() == 0 && std::filesystem::exists(paths.last_checkpoint())) {
    std::ifstream in(paths.last_checkpoint(), std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  auto size = at::full({1}, static_cast<int64_t>(bytes.size()), at::kLong);
  std::vector<at::Tensor> one{size};
  dist.broadcast(one);
  const auto n = size.item<int64_t>();
  if (n == 0) return;
  auto data = at::empty({n}, at::kByte);
  if (dist.rank() == 0) std::memcpy(data.data_ptr<uint8_t>(), bytes.data(), bytes.size());
  std::vector<at::Tensor> payload{data};
  dist.broadcast(payload);
  if (dist.rank() != 0)
    write_file_atomic(paths.last_checkpoint(), std::string(reinterpret_cast<const char*>(data.data_ptr<uint8_t>()),
                                                           static_cast<std::size_t>(n)));
}

// The header's precision: ", amp bf16 (CPU bf16 native: AMX-BF16)", ", fp32 (train.amp auto:
// CPU bf16 not native)" and the like; "" for fp32 asked for.
std::string amp_text(const Config& c, c10::Device device, const RuntimeInfo& runtime) {
  const auto amp = effective_amp(c, device);
  const std::string why = c.train.amp == "auto" ? "train.amp auto" : "";
  if (!device.is_cpu()) return amp != "none" ? ", amp " + amp : why.empty() ? "" : ", fp32 (" + why + " on CUDA)";
  const auto cpu = "CPU bf16 " + (runtime.cpu_bf16 == "none" ? std::string("not native") : "native: " + runtime.cpu_bf16);
  if (amp == "none") return why.empty() ? "" : ", fp32 (" + why + ": " + cpu + ")";
  return ", amp " + amp + " (" + (why.empty() ? "" : why + "; ") + cpu + ")";
}

// The memory format of the run header's device line: ", channels_last" when used, saying so
// when train.channels_last: auto chose it.
std::string channels_last_text(const Config& c, c10::Device device, const torch::nn::Module& model) {
  if (!effective_channels_last(c, device, model)) return "";
  return c.train.channels_last == "auto" ? ", channels_last (train.channels_last auto)" : ", channels_last";
}

}  // namespace

ScratchDir::~ScratchDir() {
  if (path.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(path, ignored);
}

LoaderOptions Trainer::Impl::train_loading() const {
  auto o = loader_options(config, /*train=*/true);
  o.max_batches = options.max_batches;
  if (dist) o.batch_size *= dist->world_size(), o.shard_rank = dist->rank(), o.shard_count = dist->world_size();
  return o;
}

Trainer::Trainer(Config config, TrainerOptions options) : impl_(std::make_unique<Impl>()) {
  auto& m = *impl_;
  m.config = std::move(config);
  m.options = std::move(options);
  const auto& c = m.config;
  m.launch = launch_env();
  m.device = pick_device(c);
  if (m.launch.distributed()) {
    // One GPU per process: LOCAL_RANK picks it unless the config names one. Modulo the GPUs
    // this process sees: under srun --gpus-per-task=1 each task sees only its own.
    if (m.device.is_cuda() && (c.device == "auto" || c.device == "cuda"))
      m.device = at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(
                                           m.launch.local_rank % std::max<int64_t>(1, torch::cuda::device_count())));
    if (effective_amp(c, m.device) == "fp16")
      throw ConfigError(c.where("train.amp") +
                        ": train.amp: fp16 is not supported with data-parallel training yet "
                        "(the gradient scaler's overflow check is per rank); use bf16");
    if (m.launch.rank > 0) {  // the run directory is rank 0's; this rank keeps its files aside
      m.scratch.path = make_scratch_dir(m.launch.rank);
      m.options.out_dir = m.scratch.path + "/run";
      m.options.quiet = true;
    }
    m.dist = join_process_group(m.launch, c.distributed.backend, c.distributed.timeout_s, m.device);
    // Restarted by torchrun --max-restarts: continue --out's run from its last.pt (or start it
    // over in place when the attempt before died before its first checkpoint).
    if (m.launch.restart_count > 0 && !m.options.resume) {
      const bool have_run = m.dist->rank() == 0 && !m.options.out_dir.empty() &&
                            std::filesystem::exists(m.options.out_dir + "/config.yaml");
      if (m.dist->max(have_run ? 1 : 0)) {
        m.options.resume = true;
        m.setup_notes.push_back({false, "restart " + std::to_string(m.launch.restart_count) +
                                            " (TORCHELASTIC_RESTART_COUNT): resuming " + m.options.out_dir});
      }
    }
  }
  // Everything that can reject the config or the data runs before the run directory is
  // made, so a bad run leaves nothing behind. A run directory takes one process at a time:
  // a resume locks it first; a new run into a live run's folder is refused before slow work.
  // Data-parallel ranks other than 0 write only their own scratch folder.
  const bool own_files = !m.dist || m.dist->rank() == 0;
  const bool reopen = m.options.resume && own_files;
  if (reopen) {
    open_run_dir(m.options.out_dir);  // a run directory, or a UsageError before the lock file
    m.lock = RunLock(m.options.out_dir);
  } else if (!m.options.out_dir.empty()) {
    check_run_dir_unlocked(m.options.out_dir);
    check_out_dir_is_free(m.options.out_dir);
  }
  configure_runtime(c, m.device);
  m.runtime = runtime_info();
  torch::manual_seed(static_cast<uint64_t>(c.seed));
  m.data = make_splits(c);
  m.train_pipeline = std::make_unique<Pipeline>(c.data.train_transforms, m.data.train.channels);
  m.val_pipeline = std::make_unique<Pipeline>(c.data.val_transforms, m.data.train.channels);
  m.model = make_model(c, InputSpec{m.data.channels, m.data.height, m.data.width, m.data.num_classes});
  if (effective_channels_last(c, m.device, *m.model)) use_channels_last(*m.model);
  m.model->to(m.device);
  if (m.dist && c.model.sync_batchnorm) sync_batchnorm(*m.model, m.dist.get());
  auto groups = param_groups(*m.model, c.optimizer);
  for (const auto& g : groups) m.lr_scales.push_back(g.lr_scale);
  m.optimizer = make_optimizer(c.optimizer, std::move(groups));
  const auto train_loading = m.train_loading();
  check_makes_a_batch(c, m.data.train.size());
  m.class_weights = resolve_class_weights(c, train_class_counts(m.data.train), m.data.train.class_names);
  const auto steps_per_epoch = batches_per_epoch(m.data.train.size(), train_loading);
  const auto optimizer_steps = (steps_per_epoch + c.train.grad_accum_steps - 1) / c.train.grad_accum_steps;
  m.schedule = std::make_unique<LrSchedule>(c.scheduler, c.optimizer.lr, c.train.epochs, optimizer_steps);
  m.monitor = effective_monitor(c.train.early_stopping.monitor, m.have_val());
  if (c.train.ema.enabled && c.train.ema.use_for_best && m.have_val()) m.monitor += "_ema";
  m.early_stopping = std::make_unique<EarlyStopping>(monitor_maximizes(m.monitor, c.train.early_stopping.mode),
                                                     c.train.early_stopping.patience, c.train.early_stopping.min_delta);
  m.scaler = std::make_unique<GradScaler>(effective_amp(c, m.device) == "fp16", m.device);
  m.progress.config_hash = frozen_config_hash(c);

  m.paths = reopen ? open_run_dir(m.options.out_dir) : create_run_dir(c, m.options.out_dir);
  if (!reopen) {
    m.lock = RunLock(m.paths.dir);
    check_out_dir_is_free(m.options.out_dir);  // another process may have run there since the check above
  }
  // What a killed process's atomic writes left behind (a resumed run, or a new one into the
  // --out of a run killed while starting); the lock makes this process the only writer.
  for (const auto& dir : {m.paths.dir, m.paths.checkpoints(), m.paths.tensorboard()}) remove_stale_temp_files(dir);
  m.reporter = std::make_unique<RunReporter>(m.paths, c, m.options.quiet);
  m.kill_point_hook.run_dir = m.paths.dir;
  m.checkpoints = std::make_unique<CheckpointPolicy>(m.paths, c.output.keep_last);
  // From here on the run directory exists: a failure is recorded in it before it propagates.
  try {
    m.build_training();
    if (m.dist && m.options.resume) share_last_checkpoint(*m.dist, m.paths);
    if (m.options.resume && std::filesystem::exists(m.paths.last_checkpoint())) m.restore();
    else if (m.options.resume) {  // killed before its first last.pt: nothing to continue from
      CheckpointPolicy::recover(m.paths, 0);
      m.setup_notes.push_back({false, "no checkpoints/last.pt in " + m.paths.dir +
                                          " (the run stopped before its first checkpoint): starting it over at epoch 1"});
    }
    if (m.dist) broadcast_model(*m.model, *m.dist);  // identical already (one seed, one checkpoint): made sure
    // A finished run resumed with nothing to do keeps the config it ran with.
    if (!m.already_finished) write_file_atomic(m.paths.config(), to_yaml(c));
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
  auto loading = train_loading();
  loading.pin_memory = device.is_cuda();
  loading.height = data.height, loading.width = data.width;
  train_batches = make_batch_source(data.train, c.data.train_transforms, *train_pipeline, loading, device, resident,
                                    bad_images.get());
  train_feed = std::make_unique<DeviceFeed>(*train_batches, device);

  unfreeze = std::make_unique<UnfreezeBackbone>(*model, c.model.unfreeze_at_epoch,
                                                [r = reporter.get()](const std::string& line) { r->info(line); });
  hooks = {unfreeze.get(), reporter.get(), &kill_point_hook, &stop_on_signal};
  if (dist) {  // the gradient sum before any hook that reads gradients; its collective stop replaces the local one
    data_parallel = std::make_unique<DataParallel>(*model, *dist);
    hooks = {data_parallel.get(), unfreeze.get(), reporter.get(), &kill_point_hook};
  }
  if (c.train.mixup.enabled())
    hooks.insert(hooks.begin(),
                 (mixup = std::make_unique<MixupHook>(c.train.mixup, data.num_classes, c.train.label_smoothing,
                                                      static_cast<uint64_t>(c.seed)))
                     .get());
  if (c.train.ema.enabled)  // before the reporter and the test hooks: a step's update is in place when they run
    hooks.insert(std::find(hooks.begin(), hooks.end(), reporter.get()),
                 (ema = std::make_unique<ModelEma>(*model, c.train.ema)).get());
  StepSettings step_settings;
  step_settings.amp = effective_amp(c, device);
  step_settings.channels_last = effective_channels_last(c, device, *model);
  step_settings.label_smoothing = c.train.label_smoothing;
  step_settings.grad_clip_norm = c.train.grad_clip_norm;
  if (!class_weights.empty())
    step_settings.class_weights = at::tensor(class_weights, at::kDouble).to(at::kFloat).to(device);
  step = std::make_unique<TrainStep>(*model, *optimizer, *scaler, step_settings, hooks);
  loop = std::make_unique<TrainLoop>(*step, *optimizer, *schedule, lr_scales,
                                     LoopSettings{c.train.grad_accum_steps, global_batch(), data.train.size(),
                                                  c.train.on_nan == "skip_batch", dist.get(),
                                                  dist && c.model.sync_batchnorm},
                                     hooks, device);

  // Said after the setup banner (Trainer::train), not before it.
  for (const auto& w : c.warnings) setup_notes.push_back({true, w});  // what loading the config changed
  if (c.train.amp != "none" && c.train.amp != "auto" && effective_amp(c, device) == "none")
    setup_notes.push_back(
        {true, "train.amp: " + c.train.amp + " needs CUDA; training on " + device.str() + " in full precision"});
  if (effective_amp(c, device) == "bf16" && device.is_cpu() && runtime.cpu_bf16 == "none")
    setup_notes.push_back({true, "train.amp: bf16 on a CPU without native bf16 (AVX512-BF16 or AMX): emulated, "
                                 "expect it slower than fp32"});
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
     << amp_text(c, m.device, m.runtime) << channels_last_text(c, m.device, *m.model) << "\n"
     << "data:      " << c.data.dataset << ", " << m.data.channels << "x" << m.data.height << "x" << m.data.width
     << ", " << count_text(m.data.num_classes, "class", "classes") << "; train " << m.data.train.size() << ", val "
     << m.data.val.size() << ", test " << m.data.test.size() << "; batch " << c.data.batch_size
     << (m.dist ? " per process x " + std::to_string(m.world_size()) + " = " + std::to_string(m.global_batch()) : "")
     << (c.train.grad_accum_steps > 1 ? " x " + std::to_string(c.train.grad_accum_steps) + " accumulated" : "") << "\n"
     << (m.dist
             ? "parallel:  " + std::to_string(m.world_size()) + " processes (" + m.launch.launcher + ", " +
                   resolve_backend(c.distributed.backend, m.device) + "); this is rank 0, the run directory's writer" +
                   (c.model.sync_batchnorm ? "; BatchNorm over the global batch (model.sync_batchnorm)" : "") + "\n"
             : std::string())
     << "model:     " << c.model.name << ", " << count_parameters(*m.model) << " parameters ("
     << count_parameters(*m.model, true) << " trainable)\n"
     << (m.backbone.empty() ? std::string() : "backbone:  " + m.backbone + "\n") << "optimizer: " << c.optimizer.name
     << (uses_fused_kernel(c.optimizer) ? " (fused)" : "") << ", lr " << c.optimizer.lr << ", weight_decay "
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
  if (!m.class_weights.empty() || c.data.sampler != "random") {
    std::vector<std::string> weights;
    for (const auto w : m.class_weights) weights.push_back(fixed(w, 3));
    os << "\nimbalance: sampler " << c.data.sampler << ", class_weights "
       << (weights.empty() ? std::string("none") : c.train.class_weights + " [" + join(weights, ", ") + "]");
  }
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
  auto restored = load_checkpoint(paths.last_checkpoint(), *model, optimizer.get(), /*restore_rng=*/true,
                                  dist ? dist->rank() : 0);
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
  int64_t trained_world = world_size();
  if (std::filesystem::exists(paths.summary())) {
    // Checked before any training: the run ends by writing it (a folder there would lose the
    // summary of a run that trained to the end).
    if (!std::filesystem::is_regular_file(paths.summary()))
      throw IoError(paths.summary() + ": not a file; imgcls keeps the run's summary there: move it away and resume");
    try {
      const auto old = nlohmann::json::parse(std::ifstream(paths.summary()));
      seconds_before = old.value("total_seconds", 0.0);
      trained_world = old.value("world_size", int64_t{1});
      if (old.value("status", "") != "completed" && old.value("status", "") != "stopped_early")
        already_finished = false;  // the final test evaluation has not run yet
    } catch (const nlohmann::json::exception&) {
    }
  }
  if (dist) {  // rank 0 read summary.json: its answers hold for every rank
    auto facts = at::tensor(std::vector<int64_t>{already_finished ? 1 : 0, trained_world}, at::kLong);
    std::vector<at::Tensor> one{facts};
    dist->broadcast(one);
    already_finished = facts[0].item<int64_t>() != 0;
    trained_world = facts[1].item<int64_t>();
  }
  // Another process count would cut the global batches differently (data.batch_size is per
  // process): refused rather than continued inexactly.
  if (trained_world != world_size())
    throw TrainError(paths.dir + ": was trained by " + std::to_string(trained_world) + " process" +
                     (trained_world == 1 ? "" : "es") + " (world_size in summary.json); resume it with as many (" +
                     std::to_string(world_size()) +
                     " now): data.batch_size is per process, so the batches would differ");
}

nlohmann::json Trainer::Impl::facts() const {
  nlohmann::json j;
  j["monitor"] = monitor;
  // train.class_weights as trained with, in class-index order (null: none).
  j["class_weights"] = class_weights.empty() ? nlohmann::json() : nlohmann::json(class_weights);
  j["sampler"] = config.data.sampler;
  j["device"] = device.str();
  j["threads"] = at::get_num_threads();
  j["world_size"] = world_size();
  j["global_batch"] = global_batch();
  if (dist)
    j["distributed"] = {{"launcher", launch.launcher},
                        {"backend", resolve_backend(config.distributed.backend, device)},
                        {"restart_count", launch.restart_count}};
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
                   {"cudnn_available", runtime.cudnn_available},
                   {"cpu_bf16", runtime.cpu_bf16}};
  return j;
}

}  // namespace imgcls
