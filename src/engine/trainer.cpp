#include "imgcls/engine/trainer.hpp"

#include <ATen/ATen.h>
#include <ATen/Context.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/nn/functional/loss.h>
#include <torch/nn/utils/clip_grad.h>
#include <torch/optim/optimizer.h>
#include <torch/utils.h>

#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "data/device_batches.hpp"
#include "data/loader.hpp"
#include "data/splits.hpp"
#include "data/transforms.hpp"
#include "engine/amp.hpp"
#include "engine/checkpoint.hpp"
#include "engine/device.hpp"
#include "engine/device_feed.hpp"
#include "engine/epoch_meter.hpp"
#include "engine/evaluator.hpp"
#include "engine/lr_schedule.hpp"
#include "engine/optimizers.hpp"
#include "engine/run_files.hpp"
#include "imgcls/errors.hpp"
#include "imgcls/io/atomic_file.hpp"
#include "io/run_dir.hpp"
#include "models/classifier.hpp"
#include "models/torchscript_backbone.hpp"
#include "util/console.hpp"
#include "util/runtime_info.hpp"
#include "util/signals.hpp"

namespace imgcls {
namespace {

using Clock = std::chrono::steady_clock;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

std::string fixed(double v, int digits) {
  std::ostringstream os;
  os << std::fixed << std::setprecision(digits) << v;
  return os.str();
}


double metric_of(const EpochMetrics& m, const std::string& name) {
  if (name == "val_acc") return m.val_acc;
  if (name == "val_loss") return m.val_loss;
  if (name == "train_acc") return m.train_acc;
  return m.train_loss;
}

// With no validation split, val_* monitors fall back to their train_* counterparts.
std::string effective_monitor(const std::string& monitor, bool have_val) {
  if (have_val || monitor.rfind("val_", 0) != 0) return monitor;
  return "train_" + monitor.substr(4);
}

nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

}  // namespace

struct Trainer::Impl {
  Config config;
  TrainerOptions options;
  RunPaths paths;
  std::unique_ptr<Console> console;
  RuntimeInfo runtime;
  at::Device device{at::kCPU};
  DataSplits data;
  std::unique_ptr<Pipeline> train_pipeline, val_pipeline;
  std::unique_ptr<BadImageLog> bad_images;
  std::unique_ptr<BatchSource> train_batches;  // kept across epochs: a Loader's threads stay up
  std::unique_ptr<DeviceFeed> train_feed;
  std::unique_ptr<BatchSource> val_batches, test_batches;  // made at the first evaluation
  bool device_resident = false;  // data.device_resident in effect
  std::shared_ptr<ClassifierImpl> model;
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::vector<double> lr_scales;  // per parameter group: head 1, backbone optimizer.backbone_lr_scale
  std::unique_ptr<LrSchedule> schedule;
  std::unique_ptr<EarlyStopping> early_stopping;
  std::unique_ptr<GradScaler> scaler;
  TrainProgress progress;
  std::string monitor;  // the metric that picks best.pt and drives early stopping
  std::string amp = "none";
  Clock::time_point started = Clock::now();
  double seconds_before = 0;  // total_seconds of the run before this process (resume)
  int64_t steps_per_epoch = 0, optimizer_steps_per_epoch = 0;
  bool already_finished = false;

  bool have_val() const { return data.val.size() > 0; }
  LoaderOptions loader_options(bool train) const {
    auto o = imgcls::loader_options(config, train);
    o.pin_memory = device.is_cuda();
    o.height = data.height, o.width = data.width;
    return o;
  }
  BatchSource& eval_batches(const std::string& split) {
    auto& source = split == "test" ? test_batches : val_batches;
    if (!source)
      source = make_batch_source(split == "test" ? data.test : data.val, config.data.val_transforms, *val_pipeline,
                                 loader_options(false), device, device_resident, bad_images.get());
    return *source;
  }
  at::Tensor loss_of(const at::Tensor& logits, const at::Tensor& labels) const {
    return torch::nn::functional::cross_entropy(
        logits.to(at::kFloat), labels,
        torch::nn::functional::CrossEntropyFuncOptions().label_smoothing(config.train.label_smoothing));
  }
  void save(const std::string& path) {
    progress.schedule_state = schedule->state();
    progress.early_stopping_state = early_stopping->state();
    progress.scaler_state = scaler->state();
    save_checkpoint(path, *model, optimizer.get(), progress);
  }
  void restore();
  void write_summary(const RunSummary& s) const;
  void prune_epoch_checkpoints(int64_t epoch) const;
};

Trainer::Trainer(Config config, TrainerOptions options) : impl_(std::make_unique<Impl>()) {
  auto& m = *impl_;
  m.config = std::move(config);
  m.options = std::move(options);
  const auto& c = m.config;
  // Everything that can reject the config or the data runs before the run directory is
  // made, so a bad run leaves nothing behind.
  if (!m.options.resume) check_out_dir_is_free(m.options.out_dir);
  if (c.threads > 0) at::set_num_threads(static_cast<int>(c.threads));
  m.device = pick_device(c);
  m.runtime = runtime_info();
  if (c.train.deterministic) {
    setenv("CUBLAS_WORKSPACE_CONFIG", ":4096:8", /*overwrite=*/0);
    at::globalContext().setDeterministicAlgorithms(true, /*warn_only=*/false);
    at::globalContext().setDeterministicCuDNN(true);
    at::globalContext().setBenchmarkCuDNN(false);
  } else if (m.device.is_cuda()) {
    at::globalContext().setBenchmarkCuDNN(true);  // fixed input shapes: let cuDNN pick its fastest kernels
  }
  torch::manual_seed(static_cast<uint64_t>(c.seed));
  m.data = make_splits(c);
  m.train_pipeline = std::make_unique<Pipeline>(c.data.train_transforms, m.data.train.channels);
  m.val_pipeline = std::make_unique<Pipeline>(c.data.val_transforms, m.data.train.channels);
  m.model = make_model(c, InputSpec{m.data.channels, m.data.height, m.data.width, m.data.num_classes});
  if (c.train.channels_last)
    for (auto& p : m.model->parameters())
      if (p.dim() == 4) p.set_data(p.data().contiguous(at::MemoryFormat::ChannelsLast));
  m.model->to(m.device);
  {
    auto split = split_parameters(*m.model);
    std::vector<ParamGroup> groups;
    if (split.head.empty() || split.backbone.empty() || c.optimizer.backbone_lr_scale == 1.0) {
      groups.push_back(ParamGroup{m.model->parameters(), 1.0});
    } else {
      groups.push_back(ParamGroup{split.head, 1.0});
      groups.push_back(ParamGroup{split.backbone, c.optimizer.backbone_lr_scale});
    }
    for (const auto& g : groups) m.lr_scales.push_back(g.lr_scale);
    m.optimizer = make_optimizer(c.optimizer, std::move(groups));
  }
  m.steps_per_epoch = c.data.drop_last ? m.data.train.size() / c.data.batch_size
                                       : (m.data.train.size() + c.data.batch_size - 1) / c.data.batch_size;
  if (m.steps_per_epoch == 0)
    throw ConfigError(c.where("data.drop_last") + ": data.drop_last: the " + std::to_string(m.data.train.size()) +
                      " training images make no full batch of " + std::to_string(c.data.batch_size));
  m.optimizer_steps_per_epoch = (m.steps_per_epoch + c.train.grad_accum_steps - 1) / c.train.grad_accum_steps;
  m.schedule = std::make_unique<LrSchedule>(c.scheduler, c.optimizer.lr, c.train.epochs, m.optimizer_steps_per_epoch);
  m.monitor = effective_monitor(c.train.early_stopping.monitor, m.have_val());
  m.early_stopping = std::make_unique<EarlyStopping>(monitor_maximizes(m.monitor, c.train.early_stopping.mode),
                                                     c.train.early_stopping.patience, c.train.early_stopping.min_delta);
  m.amp = m.device.is_cuda() ? c.train.amp : "none";
  m.scaler = std::make_unique<GradScaler>(m.amp == "fp16", m.device);
  m.progress.config_hash = frozen_config_hash(c);

  m.paths = m.options.resume ? open_run_dir(m.options.out_dir) : create_run_dir(c, m.options.out_dir);
  m.console = std::make_unique<Console>(m.paths.log(), m.options.quiet);
  m.bad_images = std::make_unique<BadImageLog>([console = m.console.get()](const std::string& message) {
    console->warn(message + " (skipped; data.on_bad_image: error stops instead)");
  });
  m.device_resident = use_device_batches(c.data.device_resident, m.device, m.data.train, c.data.train_transforms,
                                         c.where("data.device_resident")) &&
                      use_device_batches(c.data.device_resident, m.device, m.data.train, c.data.val_transforms,
                                         c.where("data.device_resident"));
  m.train_batches = make_batch_source(m.data.train, c.data.train_transforms, *m.train_pipeline, m.loader_options(true),
                                      m.device, m.device_resident, m.bad_images.get());
  m.train_feed = std::make_unique<DeviceFeed>(*m.train_batches, m.device);
  if (c.train.amp != "none" && !m.device.is_cuda())
    m.console->warn("train.amp: " + c.train.amp + " needs CUDA; training on " + m.device.str() + " in full precision");
  if (auto* ts = dynamic_cast<TorchscriptClassifierImpl*>(m.model.get())) {
    const auto& info = ts->info();
    m.console->info("backbone:  " + c.model.path + ": " + (info.arch.empty() ? "TorchScript" : info.arch) + ", " +
                    std::to_string(info.feature_size) + " features, weights: " +
                    (info.weights.empty() ? "unknown" : info.weights) + (ts->frozen() ? " (frozen)" : ""));
    const auto mismatch = normalisation_mismatch(info, m.val_pipeline->mean(), m.val_pipeline->std());
    if (!mismatch.empty()) m.console->warn(mismatch);
  }
  if (m.monitor != c.train.early_stopping.monitor)
    m.console->warn("no validation split: best.pt and early stopping use " + m.monitor);

  if (m.options.resume && std::filesystem::exists(m.paths.last_checkpoint())) m.restore();
  write_file_atomic(m.paths.config(), to_yaml(c));
}

Trainer::~Trainer() = default;

const std::string& Trainer::run_dir() const { return impl_->paths.dir; }

void Trainer::describe(std::ostream& os) const {
  const auto& m = *impl_;
  const auto& c = m.config;
  os << "imgcls " << m.runtime.imgcls_version << " (LibTorch " << m.runtime.libtorch_version << ")\n"
     << "run:       " << m.paths.dir << "\n"
     << "device:    " << m.device.str() << ", " << at::get_num_threads() << " CPU threads"
     << (m.amp != "none" ? ", amp " + m.amp : std::string()) << (c.train.channels_last ? ", channels_last" : "")
     << "\n"
     << "data:      " << c.data.dataset << ", " << m.data.channels << "x" << m.data.height << "x" << m.data.width
     << ", " << m.data.num_classes << " classes; train " << m.data.train.size() << ", val " << m.data.val.size()
     << ", test " << m.data.test.size() << "; batch " << c.data.batch_size
     << (c.train.grad_accum_steps > 1 ? " x " + std::to_string(c.train.grad_accum_steps) + " accumulated" : "") << "\n"
     << "model:     " << c.model.name << ", " << count_parameters(*m.model) << " parameters ("
     << count_parameters(*m.model, true) << " trainable)\n"
     << "optimizer: " << c.optimizer.name << ", lr " << c.optimizer.lr << ", weight_decay "
     << c.optimizer.weight_decay;
  if (c.optimizer.name == "sgd" || c.optimizer.name == "rmsprop") os << ", momentum " << c.optimizer.momentum;
  if (m.lr_scales.size() > 1) os << "; backbone lr x " << m.lr_scales[1];
  os << "\nschedule:  " << c.scheduler.name
     << (c.scheduler.warmup_epochs ? ", warmup " + std::to_string(c.scheduler.warmup_epochs) + " epochs" : "")
     << (c.scheduler.warmup_steps ? ", warmup " + std::to_string(c.scheduler.warmup_steps) + " steps" : "")
     << "\nepochs:    " << c.train.epochs << ", seed " << c.seed << ", monitor " << m.monitor;
  if (c.train.early_stopping.patience > 0)
    os << ", early stopping after " << c.train.early_stopping.patience << " epochs without improvement";
  if (m.progress.epoch > 0 || m.progress.step > 0)
    os << "\nresuming:  after epoch " << m.progress.epoch
       << (m.progress.step ? " and " + std::to_string(m.progress.step) + " batches" : "");
}

EpochMetrics Trainer::train_one_epoch(int64_t epoch) {
  auto& m = *impl_;
  const auto& c = m.config;
  auto& p = m.progress;
  auto& feed = *m.train_feed;

  if (auto* ts = dynamic_cast<TorchscriptClassifierImpl*>(m.model.get()))
    if (ts->frozen() && c.model.unfreeze_at_epoch > 0 && epoch >= c.model.unfreeze_at_epoch) {
      ts->set_frozen(false);
      m.console->info("epoch " + std::to_string(epoch) + ": backbone unfrozen (model.unfreeze_at_epoch)");
    }
  m.model->train();
  const bool resuming_mid_epoch = p.epoch == epoch - 1 && p.step > 0;
  if (!resuming_mid_epoch) p.step = 0, p.loss_sum = 0, p.correct = 0, p.seen = 0;
  const auto t0 = Clock::now();  // before start_epoch: the first batch's making counts
  feed.start_epoch(epoch, p.step);
  const int64_t e0 = epoch - 1;
  const auto accum = c.train.grad_accum_steps;
  const auto steps = feed.num_batches();
  double lr_at_start = m.schedule->lr(e0, 0);
  set_lr(*m.optimizer, m.schedule->lr(e0, p.step / accum), m.lr_scales);

  auto last_draw = t0;
  int64_t seen_here = 0;
  m.optimizer->zero_grad();
  const int64_t samples_per_epoch = std::min(steps * c.data.batch_size, m.data.train.size());
  // The loss and correct counts add up on the device (EpochMeter). On CUDA they are read only
  // at log lines, progress redraws, interruptions and the epoch's end; on the CPU, where a read
  // is free, after every step. train.on_nan: skip_batch reads each loss before its step anyway.
  const bool sync_each_step = !m.device.is_cuda();
  EpochMeter meter(m.device, epoch, p.step + 1);
  for (int64_t step = p.step; step < steps; ++step) {
    Batch batch;
    if (!feed.next(batch)) throw std::logic_error("loader ended before its last batch");
    if (c.train.channels_last) batch.images = batch.images.contiguous(at::MemoryFormat::ChannelsLast);
    // Each micro-batch's mean loss is weighted by its share of the group's samples, so the
    // accumulated gradient is the gradient of the group's mean loss: exactly what one batch
    // of the group's size would give, the short last batch included.
    const auto group_start = step / accum * accum;
    const auto group_end = std::min(group_start + accum, steps);
    const auto group_samples = std::min(group_end * c.data.batch_size, samples_per_epoch) -
                               group_start * c.data.batch_size;
    const auto n = batch.labels.size(0);
    at::Tensor logits, loss;
    if (n > 0) {  // a batch can be empty when every image in it was bad and skipped
      AutocastScope autocast(m.amp);
      logits = m.model->forward(batch.images);
      loss = m.loss_of(logits, batch.labels);
    }
    bool skip = false;
    if (n > 0 && c.train.on_nan == "skip_batch") {
      const double loss_value = loss.item<double>();
      if (!std::isfinite(loss_value)) {
        skip = true;
        ++p.skipped;
        m.console->warn("epoch " + std::to_string(epoch) + " step " + std::to_string(step + 1) +
                        ": non-finite loss, batch skipped");
        m.optimizer->zero_grad();
      }
    }
    if (n > 0 && !skip) {
      meter.add(loss, logits, batch.labels);
      if (sync_each_step) meter.settle(step + 1, p);  // a non-finite loss stops before its step
      m.scaler->scale(loss * (static_cast<double>(n) / static_cast<double>(group_samples))).backward();
    }
    seen_here += n;

    const bool boundary = (step + 1) % accum == 0 || step + 1 == steps;
    if (boundary) {
      const bool finite = m.scaler->unscale(*m.optimizer);
      if (c.train.grad_clip_norm > 0) torch::nn::utils::clip_grad_norm_(m.model->parameters(), c.train.grad_clip_norm);
      if (finite) m.optimizer->step();
      m.scaler->update();
      m.optimizer->zero_grad();
      ++p.global_step;
      if (m.schedule->per_step() && step + 1 < steps) set_lr(*m.optimizer, m.schedule->lr(e0, (step + 1) / accum), m.lr_scales);
    }
    p.step = step + 1;

    const bool log_line = c.train.log_every > 0 && (step + 1) % c.train.log_every == 0;
    const bool draw = m.console->interactive() && seconds_since(last_draw) > 0.2;
    const int stop_signal = boundary && step + 1 < steps ? StopSignals::stop_requested() : 0;
    if (log_line || draw || stop_signal || step + 1 == steps) meter.settle(step + 1, p);
    if (log_line)
      m.console->info("  epoch " + std::to_string(epoch) + " step " + std::to_string(step + 1) + "/" +
                      std::to_string(steps) + "  loss " + fixed(p.loss_sum / std::max<int64_t>(p.seen, 1), 4) +
                      "  acc " + fixed(static_cast<double>(p.correct) / std::max<int64_t>(p.seen, 1), 4));
    if (stop_signal) {
      m.save(m.paths.last_checkpoint());
      throw InterruptedError("interrupted by " + std::string(stop_signal == 15 ? "SIGTERM" : "SIGINT") + " at epoch " +
                                 std::to_string(epoch) + " step " + std::to_string(step + 1) + "/" +
                                 std::to_string(steps),
                             stop_signal);
    }
    if (draw) {
      last_draw = Clock::now();
      const int width = 24;
      const int filled = static_cast<int>(width * (step + 1) / steps);
      m.console->progress("epoch " + std::to_string(epoch) + "/" + std::to_string(c.train.epochs) + " [" +
                          std::string(filled, '=') + std::string(width - filled, ' ') + "] " +
                          std::to_string(step + 1) + "/" + std::to_string(steps) + "  loss " +
                          fixed(p.loss_sum / std::max<int64_t>(p.seen, 1), 4) + "  " +
                          fixed(seen_here / seconds_since(t0), 0) + " img/s");
    }
  }
  m.console->clear_progress();
  const double train_seconds = seconds_since(t0);

  EpochMetrics metrics;
  metrics.epoch = epoch;
  metrics.lr = lr_at_start;
  metrics.train_loss = p.seen ? p.loss_sum / p.seen : kNaN;
  metrics.train_acc = p.seen ? static_cast<double>(p.correct) / p.seen : kNaN;
  metrics.images_per_second = seen_here / train_seconds;
  metrics.val_loss = metrics.val_acc = kNaN;
  if (m.have_val() && (epoch % c.train.val_every == 0 || epoch == c.train.epochs)) {
    const auto v = evaluate("val");
    metrics.val_loss = v.loss;
    metrics.val_acc = v.accuracy;
  }
  metrics.epoch_seconds = seconds_since(t0);
  return metrics;
}

EvalMetrics Trainer::evaluate(const std::string& split) {
  auto& m = *impl_;
  const auto& ds = split == "test" ? m.data.test : m.data.val;
  const auto p = predict_split(*m.model, m.eval_batches(split), ds.class_names.size(), m.device, m.amp,
                               m.config.train.channels_last);
  return EvalMetrics{p.loss(), p.accuracy(), p.count};
}

// Continues from checkpoints/last.pt: weights, optimizer, schedule, early stopping, scaler,
// the position in the run and the time it has taken so far.
void Trainer::Impl::restore() {
  auto restored = load_checkpoint(paths.last_checkpoint(), *model, optimizer.get(), /*restore_rng=*/true);
  if (restored.config_hash != progress.config_hash)
    throw TrainError(paths.last_checkpoint() + ": was written for a different config than " + paths.config() +
                     " (data, model, optimizer, scheduler or train settings changed)");
  progress = std::move(restored);
  schedule->load_state(progress.schedule_state);
  early_stopping->load_state(progress.early_stopping_state);
  scaler->load_state(progress.scaler_state);
  already_finished = progress.step == 0 &&
                     (progress.epoch >= config.train.epochs || early_stopping->should_stop());
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

void Trainer::Impl::write_summary(const RunSummary& s) const {
  nlohmann::json j;
  j["name"] = config.name;
  j["status"] = s.status;
  j["monitor"] = monitor;
  j["best_val_acc"] = finite_or_null(s.best_val_acc);
  j["best_epoch"] = s.best_epoch;
  j["test_acc"] = finite_or_null(s.test_acc);
  j["test_loss"] = finite_or_null(s.test_loss);
  j["epochs_run"] = s.epochs_run;
  j["epochs_planned"] = config.train.epochs;
  j["skipped_batches"] = progress.skipped;
  j["total_seconds"] = s.total_seconds;
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
  write_file_atomic(paths.summary(), j.dump(2) + "\n");
}

void Trainer::Impl::prune_epoch_checkpoints(int64_t epoch) const {
  const auto keep = config.output.keep_last;
  if (keep <= 0) return;
  std::error_code ec;
  std::filesystem::remove(paths.epoch_checkpoint(epoch - keep), ec);
}

RunSummary Trainer::train() {
  auto& m = *impl_;
  const auto& c = m.config;
  auto& p = m.progress;
  RunSummary s;
  s.run_dir = m.paths.dir;
  s.best_epoch = p.best_epoch;
  s.best_val_acc = kNaN;
  for (const auto& row : p.history)
    if (row.epoch == p.best_epoch) s.best_val_acc = row.val_acc;
  s.test_acc = s.test_loss = kNaN;
  s.epochs_run = p.epoch;
  if (m.already_finished) {
    m.console->info(m.paths.dir + ": the run already finished (" + std::to_string(p.epoch) + " epochs); nothing to do");
    s.status = "completed";
    return s;
  }

  std::ostringstream setup;
  describe(setup);
  std::istringstream lines(setup.str());
  for (std::string line; std::getline(lines, line);) m.console->info(line);

  StopSignals signals;
  const auto finish = [&](const std::string& status) {
    s.status = status;
    s.total_seconds = m.seconds_before + seconds_since(m.started);
    m.write_summary(s);
  };
  try {
    write_metrics_csv(m.paths.metrics(), p.history);  // drops rows a killed run wrote after its checkpoint
    write_metrics_jsonl(m.paths.metrics_jsonl(), p.history);
    if (c.logging.tensorboard && !p.history.empty()) write_tensorboard(m.paths.tensorboard(), p.history);
    for (int64_t epoch = p.epoch + 1; epoch <= c.train.epochs && !m.early_stopping->should_stop(); ++epoch) {
      auto metrics = train_one_epoch(epoch);
      const bool validated = !m.have_val() || std::isfinite(metrics.val_acc);
      bool improved = false;
      if (validated) {
        const double monitored = metric_of(metrics, m.monitor);
        improved = m.early_stopping->update(monitored);
        if (improved) p.best_metric = monitored, p.best_epoch = epoch;
        m.schedule->end_epoch(epoch - 1, metric_of(metrics, effective_monitor(c.scheduler.monitor, m.have_val())));
      }
      p.history.push_back(metrics);
      p.epoch = epoch;
      p.step = 0;
      p.loss_sum = 0, p.correct = 0, p.seen = 0;
      m.save(m.paths.last_checkpoint());
      if (improved) m.save(m.paths.best_checkpoint());
      if (c.output.keep_last > 0) {
        m.save(m.paths.epoch_checkpoint(epoch));
        m.prune_epoch_checkpoints(epoch);
      }
      write_metrics_csv(m.paths.metrics(), p.history);
      write_metrics_jsonl(m.paths.metrics_jsonl(), p.history);
      write_curves_png(m.paths.curves(), c.name, p.history);
      if (c.logging.tensorboard) write_tensorboard(m.paths.tensorboard(), p.history);
      s.epochs_run = epoch;
      s.best_epoch = p.best_epoch;
      if (improved) s.best_val_acc = metrics.val_acc;

      std::string line = "epoch " + std::to_string(epoch) + "/" + std::to_string(c.train.epochs) + "  train loss " +
                         fixed(metrics.train_loss, 4) + " acc " + fixed(metrics.train_acc, 4);
      if (std::isfinite(metrics.val_acc))
        line += "  val loss " + fixed(metrics.val_loss, 4) + " acc " + fixed(metrics.val_acc, 4);
      line += "  lr " + fixed(metrics.lr, 6) + "  " + fixed(metrics.epoch_seconds, 1) + " s  " +
              fixed(metrics.images_per_second, 0) + " img/s" + (improved ? "  *" : "");
      m.console->info(line);
      finish("running");
      if (const int sig = StopSignals::stop_requested())
        throw InterruptedError("interrupted by " + std::string(sig == 15 ? "SIGTERM" : "SIGINT") + " after epoch " +
                                   std::to_string(epoch),
                               sig);
      if (m.early_stopping->should_stop())
        m.console->info("early stopping: " + m.monitor + " has not improved for " +
                        std::to_string(m.early_stopping->bad_epochs()) + " epochs (best " +
                        fixed(m.early_stopping->best(), 4) + " at epoch " + std::to_string(p.best_epoch) + ")");
    }
    // The test split is evaluated with the best weights, reloaded from disk.
    const bool have_best = p.best_epoch > 0 && std::filesystem::exists(m.paths.best_checkpoint());
    load_checkpoint(have_best ? m.paths.best_checkpoint() : m.paths.last_checkpoint(), *m.model, nullptr);
    if (m.data.test.size() > 0) {
      const auto test = evaluate("test");
      s.test_acc = test.accuracy;
      s.test_loss = test.loss;
      m.console->info("test (" + (have_best ? "best epoch " + std::to_string(p.best_epoch) : std::string("last epoch")) +
                      "): loss " + fixed(test.loss, 4) + " acc " + fixed(test.accuracy, 4) + " on " +
                      std::to_string(test.count) + " images");
    }
    finish(m.early_stopping->should_stop() && p.epoch < c.train.epochs ? "stopped_early" : "completed");
    m.console->info("total " + fixed(s.total_seconds, 1) + " s; results in " + m.paths.dir);
    return s;
  } catch (const InterruptedError& e) {
    finish("interrupted");
    m.console->info(std::string(e.what()) + "; checkpoints/last.pt holds the exact state. Resume with: imgcls train --resume " +
                    m.paths.dir);
    throw;
  } catch (const Error& e) {
    try {
      finish("failed");
    } catch (const Error&) {
    }
    m.console->error(e.what());
    throw;
  }
}

}  // namespace imgcls
