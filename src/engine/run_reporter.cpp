#include "engine/run_reporter.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "data/dataset_table.hpp"
#include "engine/run_files.hpp"
#include "imgcls/io/atomic_file.hpp"
#include "report/plot.hpp"
#include "util/json_text.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

nlohmann::json finite_or_null(double v) { return std::isfinite(v) ? nlohmann::json(v) : nlohmann::json(); }

}  // namespace

RunReporter::RunReporter(RunPaths paths, const Config& config, bool quiet)
    : paths_(std::move(paths)), config_(config), console_(std::make_unique<Console>(paths_.log(), quiet)) {}

void RunReporter::write_history(const std::vector<EpochMetrics>& history, int64_t best_epoch) {
  best_epoch_ = best_epoch;
  write_files(history);
}

void RunReporter::write_files(const std::vector<EpochMetrics>& history) const {
  write_metrics_csv(paths_.metrics(), history);
  write_metrics_jsonl(paths_.metrics_jsonl(), history);
  write_curves(history);
  if (config_.logging.tensorboard && !history.empty()) write_tensorboard(paths_.tensorboard(), history);
}

void RunReporter::write_curves(const std::vector<EpochMetrics>& history) const {
  if (history.empty()) return;
  const bool have_val =
      std::any_of(history.begin(), history.end(), [](const EpochMetrics& m) { return std::isfinite(m.val_acc); });
  CurveMarks marks;
  marks.best_epoch = best_epoch_;
  marks.monitor = effective_monitor(config_.train.early_stopping.monitor, have_val);
  if (have_val && config_.train.ema.enabled && config_.train.ema.use_for_best) marks.monitor += "_ema";
  marks.test_acc = test_acc_;
  write_curves_png(paths_.curves(), config_.name, history, marks);
}

void RunReporter::test_done(double test_acc, const std::vector<EpochMetrics>& history) {
  test_acc_ = test_acc;
  write_curves(history);
}

void RunReporter::epoch_done(const EpochMetrics& m, const std::vector<EpochMetrics>& history, bool improved) {
  if (improved) best_epoch_ = m.epoch;
  write_files(history);
  std::string line = "epoch " + std::to_string(m.epoch) + "/" + std::to_string(config_.train.epochs) +
                     "  train loss " + fixed(m.train_loss, 4) + " acc " + fixed(m.train_acc, 4);
  if (std::isfinite(m.val_acc)) line += "  val loss " + fixed(m.val_loss, 4) + " acc " + fixed(m.val_acc, 4);
  if (std::isfinite(m.val_acc_ema))
    line += "  ema loss " + fixed(m.val_loss_ema, 4) + " acc " + fixed(m.val_acc_ema, 4);
  line += "  lr " + fixed(m.lr, 6) + "  " + fixed(m.epoch_seconds, 1) + " s (data " + fixed(m.data_seconds, 1) +
          ", step " + fixed(m.step_seconds, 1) + ", eval " + fixed(m.eval_seconds, 1) + ")  " +
          fixed(m.images_per_second, 0) + " img/s" + (improved ? "  *" : "");
  console_->info(line);
  if (const auto hint = data_wait_hint(m, config_.data); !hint.empty() && !data_hint_given_) {
    console_->warn(hint);
    data_hint_given_ = true;
  }
}

std::string data_wait_hint(const EpochMetrics& m, const DataConfig& d) {
  const double total = m.data_seconds + m.step_seconds + m.eval_seconds;
  if (!(total > 0) || !(m.data_seconds > 0.2 * total)) return "";
  const bool in_memory = dataset_info(d.dataset).format != DatasetFormat::kImageFolder;
  std::string tries = "data.workers=" + std::to_string(std::max<int64_t>(2, d.workers * 2)) + " (now " +
                      std::to_string(d.workers) + ")";
  tries += in_memory ? ", data.device_resident=true (batches made on the training device)"
                     : ", smaller images (data.image_size, or smaller resize sizes in the transform lists)";
  return "the input pipeline is the bottleneck: " + fixed(100 * m.data_seconds / total, 0) + "% of epoch " +
         std::to_string(m.epoch) + " (" + fixed(m.data_seconds, 1) + " of " + fixed(total, 1) +
         " s) went to waiting for batches; try " + tries;
}

void RunReporter::finish(const RunSummary& s, int64_t skipped_batches, const std::string& status,
                         const std::string& error) {
  if (!error.empty()) console_->error(error);
  nlohmann::json j;
  j["name"] = config_.name;
  j["status"] = status;
  if (!error.empty()) j["error"] = error;
  j["best_val_acc"] = finite_or_null(s.best_val_acc);
  j["best_epoch"] = s.best_epoch;
  j["test_acc"] = finite_or_null(s.test_acc);
  j["test_loss"] = finite_or_null(s.test_loss);
  j["epochs_run"] = s.epochs_run;
  j["epochs_planned"] = config_.train.epochs;
  j["skipped_batches"] = skipped_batches;
  j["total_seconds"] = s.total_seconds;
  for (const auto& [key, value] : facts_.items()) j[key] = value;
  write_file_atomic(paths_.summary(), json_text(j, 2) + "\n");
}

std::string duration_text(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "";
  const auto s = static_cast<int64_t>(std::llround(seconds));
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%lld:%02lld:%02lld", static_cast<long long>(s / 3600),
                  static_cast<long long>(s / 60 % 60), static_cast<long long>(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%lld:%02lld", static_cast<long long>(s / 60), static_cast<long long>(s % 60));
  return buf;
}

std::string progress_bar_text(const ProgressBar& p) {
  const int width = 24;
  const int filled = p.steps > 0 ? static_cast<int>(width * std::min(p.step, p.steps) / p.steps) : 0;
  // The epoch's remaining batches at the pace of those this process has run.
  const double left = p.steps_run > 0 ? p.seconds / static_cast<double>(p.steps_run) *
                                            static_cast<double>(p.steps - p.step)
                                      : -1;
  const auto eta = duration_text(left);
  return "epoch " + std::to_string(p.epoch) + "/" + std::to_string(p.epochs) + " [" + std::string(filled, '=') +
         std::string(width - filled, ' ') + "] " + std::to_string(p.step) + "/" + std::to_string(p.steps) +
         "  loss " + fixed(p.loss, 4) + "  " + fixed(p.seconds > 0 ? p.images / p.seconds : 0.0, 0) + " img/s" +
         (eta.empty() ? "" : "  eta " + eta);
}

void RunReporter::on_epoch_start(int64_t) {
  epoch_start_ = last_draw_ = Clock::now();
  epoch_images_ = 0;
  epoch_steps_ = 0;
}

void RunReporter::after_step(const StepInfo& s) {
  epoch_images_ += s.images;
  ++epoch_steps_;
  if (s.skipped)
    console_->warn("epoch " + std::to_string(s.epoch) + " step " + std::to_string(s.step) +
                   ": non-finite loss, batch skipped");
  const bool log_line = config_.train.log_every > 0 && s.step % config_.train.log_every == 0;
  const bool draw = console_->interactive() && seconds_since(last_draw_) > 0.2;
  if (!log_line && !draw) return;
  double loss = 0, accuracy = 0;
  int64_t seen = 0;
  s.settle(loss, accuracy, seen);
  if (log_line)
    console_->info("  epoch " + std::to_string(s.epoch) + " step " + std::to_string(s.step) + "/" +
                   std::to_string(s.steps) + "  loss " + fixed(seen ? loss : 0.0, 4) + "  acc " +
                   fixed(seen ? accuracy : 0.0, 4));
  if (draw) {
    last_draw_ = Clock::now();
    console_->progress(progress_bar_text(ProgressBar{s.epoch, config_.train.epochs, s.step, s.steps, epoch_steps_,
                                                     seen ? loss : 0.0, static_cast<double>(epoch_images_),
                                                     seconds_since(epoch_start_)}));
  }
}

}  // namespace imgcls
