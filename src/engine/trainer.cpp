#include "imgcls/engine/trainer.hpp"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <torch/cuda.h>
#include <torch/nn/functional/loss.h>
#include <torch/optim/adam.h>
#include <torch/optim/sgd.h>
#include <torch/utils.h>

#include <chrono>
#include <cmath>
#include <iomanip>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

#include "data/loader.hpp"
#include "data/mnist.hpp"
#include "engine/checkpoint.hpp"
#include "engine/run_files.hpp"
#include "imgcls/errors.hpp"
#include "imgcls/io/atomic_file.hpp"
#include "io/run_dir.hpp"
#include "models/classifier.hpp"
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

at::Device pick_device(const Config& config) {
  const auto& d = config.device;
  if (d == "cpu") return at::kCPU;
  if (d == "auto") return torch::cuda::is_available() ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
  if (!torch::cuda::is_available())
    throw ConfigError(config.where("device") + ": device: '" + d + "' asked for, but CUDA is not available here " +
                      "(use device: auto or cpu)");
  const at::Device device(d);
  if (device.has_index() && device.index() >= static_cast<int>(torch::cuda::device_count()))
    throw ConfigError(config.where("device") + ": device: '" + d + "' does not exist (" +
                      std::to_string(torch::cuda::device_count()) + " CUDA device(s))");
  return device.has_index() ? device : at::Device(at::kCUDA, 0);
}

std::unique_ptr<torch::optim::Optimizer> make_optimizer(const Config& c, std::vector<at::Tensor> params) {
  const auto& o = c.optimizer;
  if (o.name == "sgd")
    return std::make_unique<torch::optim::SGD>(
        params, torch::optim::SGDOptions(o.lr).momentum(o.momentum).weight_decay(o.weight_decay));
  return std::make_unique<torch::optim::Adam>(params, torch::optim::AdamOptions(o.lr).weight_decay(o.weight_decay));
}

}  // namespace

struct Trainer::Impl {
  Config config;
  TrainerOptions options;
  RunPaths paths;
  std::unique_ptr<Console> console;
  RuntimeInfo runtime;
  at::Device device{at::kCPU};
  DataSplits data;
  std::shared_ptr<ClassifierImpl> model;
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::vector<EpochMetrics> history;
  Clock::time_point started = Clock::now();
  int64_t eval_batch_size = 256;

  double lr() const { return optimizer->param_groups().at(0).options().get_lr(); }
  Batch to_device(Batch b) const {
    if (device.is_cpu()) return b;
    return Batch{b.images.to(device, /*non_blocking=*/true), b.labels.to(device, true)};
  }
  void write_summary(const RunSummary& s) const;
};

Trainer::Trainer(Config config, TrainerOptions options) : impl_(std::make_unique<Impl>()) {
  auto& m = *impl_;
  m.config = std::move(config);
  m.options = std::move(options);
  const auto& c = m.config;
  if (c.threads > 0) at::set_num_threads(static_cast<int>(c.threads));
  // Everything that can reject the config or the data runs before the run directory is
  // made, so a bad run leaves nothing behind.
  check_out_dir_is_free(m.options.out_dir);
  m.device = pick_device(c);
  m.runtime = runtime_info();
  torch::manual_seed(static_cast<uint64_t>(c.seed));
  m.data = make_splits(c);
  m.model = make_model(c, InputSpec{m.data.channels, m.data.height, m.data.width, m.data.num_classes});
  m.model->to(m.device);
  m.optimizer = make_optimizer(c, m.model->parameters());
  m.eval_batch_size = std::max<int64_t>(c.data.batch_size, 256);

  m.paths = create_run_dir(c, m.options.out_dir);
  m.console = std::make_unique<Console>(m.paths.log(), m.options.quiet);
  write_file_atomic(m.paths.config(), to_yaml(c));
}

Trainer::~Trainer() = default;

const std::string& Trainer::run_dir() const { return impl_->paths.dir; }

void Trainer::describe(std::ostream& os) const {
  const auto& m = *impl_;
  const auto& c = m.config;
  os << "imgcls " << m.runtime.imgcls_version << " (LibTorch " << m.runtime.libtorch_version << ")\n"
     << "run:       " << m.paths.dir << "\n"
     << "device:    " << m.device.str() << ", " << at::get_num_threads() << " CPU threads\n"
     << "data:      " << c.data.dataset << ", " << m.data.channels << "x" << m.data.height << "x" << m.data.width
     << ", " << m.data.num_classes << " classes; train " << m.data.train.size() << ", val " << m.data.val.size()
     << ", test " << m.data.test.size() << "; batch " << c.data.batch_size << "\n"
     << "model:     " << c.model.name << ", " << count_parameters(*m.model) << " parameters ("
     << count_parameters(*m.model, true) << " trainable)\n"
     << "optimizer: " << c.optimizer.name << ", lr " << c.optimizer.lr << ", weight_decay "
     << c.optimizer.weight_decay;
  if (c.optimizer.name == "sgd") os << ", momentum " << c.optimizer.momentum;
  os << "\nepochs:    " << c.train.epochs << ", seed " << c.seed;
}

EpochMetrics Trainer::train_one_epoch(int64_t epoch) {
  auto& m = *impl_;
  const auto& c = m.config;
  BatchLoader loader(m.data.train, c.data.batch_size, /*shuffle=*/true, {c.data.normalize, c.data.mean, c.data.std});
  loader.start_epoch(static_cast<uint64_t>(c.seed), epoch);
  m.model->train();

  double loss_sum = 0;
  int64_t correct = 0, seen = 0;
  const auto t0 = Clock::now();
  auto last_draw = t0;
  const auto steps = loader.num_batches();
  for (int64_t step = 0; step < steps; ++step) {
    const auto batch = m.to_device(loader.batch(step));
    m.optimizer->zero_grad();
    const auto logits = m.model->forward(batch.images);
    const auto loss = torch::nn::functional::cross_entropy(logits, batch.labels);
    const double loss_value = loss.item<double>();
    if (!std::isfinite(loss_value))
      throw TrainError("epoch " + std::to_string(epoch) + " step " + std::to_string(step + 1) + ": loss is " +
                       std::to_string(loss_value) + "; checkpoints/last.pt keeps the last good epoch (try a lower optimizer.lr)");
    loss.backward();
    m.optimizer->step();

    const auto n = batch.labels.size(0);
    loss_sum += loss_value * static_cast<double>(n);
    correct += logits.argmax(1).eq(batch.labels).sum().item<int64_t>();
    seen += n;

    if (const int sig = StopSignals::stop_requested())
      throw InterruptedError("interrupted by " + std::string(sig == 15 ? "SIGTERM" : "SIGINT") + " at epoch " +
                                 std::to_string(epoch) + " step " + std::to_string(step + 1) + "/" +
                                 std::to_string(steps),
                             sig);
    if (c.train.log_every > 0 && (step + 1) % c.train.log_every == 0)
      m.console->info("  epoch " + std::to_string(epoch) + " step " + std::to_string(step + 1) + "/" +
                      std::to_string(steps) + "  loss " + fixed(loss_sum / seen, 4) + "  acc " +
                      fixed(static_cast<double>(correct) / seen, 4));
    if (m.console->interactive() && seconds_since(last_draw) > 0.2) {
      last_draw = Clock::now();
      const int width = 24;
      const int filled = static_cast<int>(width * (step + 1) / steps);
      m.console->progress("epoch " + std::to_string(epoch) + "/" + std::to_string(c.train.epochs) + " [" +
                          std::string(filled, '=') + std::string(width - filled, ' ') + "] " +
                          std::to_string(step + 1) + "/" + std::to_string(steps) + "  loss " +
                          fixed(loss_sum / seen, 4) + "  acc " + fixed(static_cast<double>(correct) / seen, 4) +
                          "  " + fixed(seen / seconds_since(t0), 0) + " img/s");
    }
  }
  m.console->clear_progress();
  const double train_seconds = seconds_since(t0);

  EpochMetrics metrics;
  metrics.epoch = epoch;
  metrics.lr = m.lr();
  metrics.train_loss = loss_sum / std::max<int64_t>(seen, 1);
  metrics.train_acc = static_cast<double>(correct) / std::max<int64_t>(seen, 1);
  metrics.images_per_second = seen / train_seconds;
  metrics.val_loss = metrics.val_acc = kNaN;
  if (m.data.val.size() > 0) {
    const auto v = evaluate("val");
    metrics.val_loss = v.loss;
    metrics.val_acc = v.accuracy;
  }
  metrics.epoch_seconds = seconds_since(t0);
  return metrics;
}

EvalMetrics Trainer::evaluate(const std::string& split) {
  auto& m = *impl_;
  const auto& c = m.config;
  const auto& ds = split == "test" ? m.data.test : m.data.val;
  BatchLoader loader(ds, m.eval_batch_size, /*shuffle=*/false, {c.data.normalize, c.data.mean, c.data.std});
  torch::NoGradGuard no_grad;
  m.model->eval();
  double loss_sum = 0;
  int64_t correct = 0;
  for (int64_t i = 0; i < loader.num_batches(); ++i) {
    const auto batch = m.to_device(loader.batch(i));
    const auto logits = m.model->forward(batch.images);
    loss_sum += torch::nn::functional::cross_entropy(
                    logits, batch.labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kSum))
                    .item<double>();
    correct += logits.argmax(1).eq(batch.labels).sum().item<int64_t>();
  }
  m.model->train();
  const auto n = ds.size();
  return EvalMetrics{n ? loss_sum / n : kNaN, n ? static_cast<double>(correct) / n : kNaN, n};
}

void Trainer::Impl::write_summary(const RunSummary& s) const {
  nlohmann::json j;
  j["name"] = config.name;
  j["status"] = s.status;
  j["best_val_acc"] = std::isfinite(s.best_val_acc) ? nlohmann::json(s.best_val_acc) : nlohmann::json();
  j["best_epoch"] = s.best_epoch;
  j["test_acc"] = std::isfinite(s.test_acc) ? nlohmann::json(s.test_acc) : nlohmann::json();
  j["test_loss"] = std::isfinite(s.test_loss) ? nlohmann::json(s.test_loss) : nlohmann::json();
  j["epochs_run"] = s.epochs_run;
  j["epochs_planned"] = config.train.epochs;
  j["total_seconds"] = s.total_seconds;
  j["device"] = device.str();
  j["threads"] = at::get_num_threads();
  j["parameters"] = count_parameters(*model);
  j["dataset"] = {{"name", config.data.dataset},
                  {"train", data.train.size()},
                  {"val", data.val.size()},
                  {"test", data.test.size()},
                  {"classes", data.train.class_names}};
  j["versions"] = {{"imgcls", runtime.imgcls_version},
                   {"libtorch", runtime.libtorch_version},
                   {"opencv", runtime.opencv_version},
                   {"cuda_available", runtime.cuda_available},
                   {"cudnn_available", runtime.cudnn_available}};
  write_file_atomic(paths.summary(), j.dump(2) + "\n");
}

RunSummary Trainer::train() {
  auto& m = *impl_;
  const auto& c = m.config;
  std::ostringstream setup;
  describe(setup);
  std::istringstream lines(setup.str());
  for (std::string line; std::getline(lines, line);) m.console->info(line);

  StopSignals signals;
  RunSummary s;
  s.run_dir = m.paths.dir;
  s.status = "running";
  s.best_val_acc = kNaN;
  s.test_acc = s.test_loss = kNaN;
  bool have_best = false;
  try {
    for (int64_t epoch = 1; epoch <= c.train.epochs; ++epoch) {
      auto metrics = train_one_epoch(epoch);
      m.history.push_back(metrics);
      write_metrics_csv(m.paths.metrics(), m.history);
      const double monitored = m.data.val.size() > 0 ? metrics.val_acc : metrics.train_acc;
      save_checkpoint(m.paths.last_checkpoint(), *m.model, m.optimizer.get(), {epoch, monitored});
      const bool improved = !have_best || monitored > (m.data.val.size() > 0 ? s.best_val_acc : -1.0);
      if (improved) {
        have_best = true;
        s.best_val_acc = m.data.val.size() > 0 ? monitored : kNaN;
        s.best_epoch = epoch;
        save_checkpoint(m.paths.best_checkpoint(), *m.model, m.optimizer.get(), {epoch, monitored});
      }
      s.epochs_run = epoch;
      std::string line = "epoch " + std::to_string(epoch) + "/" + std::to_string(c.train.epochs) + "  train loss " +
                         fixed(metrics.train_loss, 4) + " acc " + fixed(metrics.train_acc, 4);
      if (m.data.val.size() > 0) line += "  val loss " + fixed(metrics.val_loss, 4) + " acc " + fixed(metrics.val_acc, 4);
      line += "  lr " + fixed(metrics.lr, 6) + "  " + fixed(metrics.epoch_seconds, 1) + " s  " +
              fixed(metrics.images_per_second, 0) + " img/s" + (improved ? "  *" : "");
      m.console->info(line);
      s.total_seconds = seconds_since(m.started);
      m.write_summary(s);
    }
    // The test split is evaluated with the best weights, reloaded from disk.
    load_checkpoint(m.paths.best_checkpoint(), *m.model, nullptr);
    const auto test = evaluate("test");
    s.test_acc = test.accuracy;
    s.test_loss = test.loss;
    s.status = "completed";
    s.total_seconds = seconds_since(m.started);
    m.write_summary(s);
    m.console->info("test (best epoch " + std::to_string(s.best_epoch) + "): loss " + fixed(test.loss, 4) + " acc " +
                    fixed(test.accuracy, 4) + " on " + std::to_string(test.count) + " images");
    m.console->info("total " + fixed(s.total_seconds, 1) + " s; results in " + m.paths.dir);
    return s;
  } catch (const InterruptedError& e) {
    s.status = "interrupted";
    s.total_seconds = seconds_since(m.started);
    m.write_summary(s);
    m.console->info(std::string(e.what()) + "; " +
                    (s.epochs_run > 0 ? "checkpoints/last.pt holds epoch " + std::to_string(s.epochs_run)
                                      : std::string("no epoch was completed")));
    throw;
  } catch (const Error& e) {
    s.status = "failed";
    s.total_seconds = seconds_since(m.started);
    try {
      m.write_summary(s);
    } catch (const Error&) {
    }
    m.console->error(e.what());
    throw;
  }
}

}  // namespace imgcls
