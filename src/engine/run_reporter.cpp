#include "engine/run_reporter.hpp"

#include <algorithm>
#include <cmath>

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
  line += "  lr " + fixed(m.lr, 6) + "  " + fixed(m.epoch_seconds, 1) + " s  " + fixed(m.images_per_second, 0) +
          " img/s" + (improved ? "  *" : "");
  console_->info(line);
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

void RunReporter::on_epoch_start(int64_t) {
  epoch_start_ = last_draw_ = Clock::now();
  epoch_images_ = 0;
}

void RunReporter::after_step(const StepInfo& s) {
  epoch_images_ += s.images;
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
    const int width = 24;
    const int filled = static_cast<int>(width * s.step / s.steps);
    console_->progress("epoch " + std::to_string(s.epoch) + "/" + std::to_string(config_.train.epochs) + " [" +
                       std::string(filled, '=') + std::string(width - filled, ' ') + "] " + std::to_string(s.step) +
                       "/" + std::to_string(s.steps) + "  loss " + fixed(seen ? loss : 0.0, 4) + "  " +
                       fixed(epoch_images_ / seconds_since(epoch_start_), 0) + " img/s");
  }
}

}  // namespace imgcls
