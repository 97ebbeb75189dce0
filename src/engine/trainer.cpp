// Trainer, part 2: the run. It wires the engine's pieces together and decides what happens
// between epochs (trainer_setup.cpp builds them):
//   TrainLoop / TrainStep (engine/train_loop)   the numerics of one epoch
//   hooks (engine/train_hooks, builtin_hooks)   the loop's extension points
//   CheckpointPolicy (engine/checkpoint_policy) best / last / keep-N and their order
//   RunReporter (engine/run_reporter)           console, run files, summary.json
//   make_eval_batches / evaluate_split (engine/evaluator)  validation and test
#include <ATen/ATen.h>

#include <cmath>
#include <filesystem>
#include <sstream>

#include "engine/evaluator.hpp"
#include "engine/run_files.hpp"
#include "engine/trainer_impl.hpp"
#include "report/classification_report.hpp"
#include "util/signals.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

std::string signal_name(int sig) { return sig == 15 ? "SIGTERM" : "SIGINT"; }

}  // namespace

EpochMetrics Trainer::train_one_epoch(int64_t epoch) {
  auto& m = *impl_;
  auto& p = m.progress;
  const auto t0 = TrainerClock::now();
  const auto run = m.loop->run(*m.train_feed, epoch, p);
  m.reporter->console().clear_progress();
  if (run.stop_signal) {
    m.checkpoints->save_last([&](const std::string& path) { m.save(path); });
    throw InterruptedError("interrupted by " + signal_name(run.stop_signal) + " in epoch " + std::to_string(epoch) +
                               " after batch " + std::to_string(p.step) + " of " +
                               std::to_string(m.train_feed->num_batches()),
                           run.stop_signal);
  }
  // Every image skipped as unreadable: the data is unusable, not the training.
  const int64_t bad = m.bad_images ? m.bad_images->count() : 0;
  if (p.seen == 0 && bad > 0)
    throw DataError("epoch " + std::to_string(epoch) + ": not one training image could be read (" +
                    count_text(bad, "bad image") +
                    " skipped, named in train.log); check the dataset with `imgcls data check`");
  EpochMetrics metrics;
  metrics.epoch = epoch;
  metrics.lr = run.lr_at_start;
  metrics.train_loss = p.seen ? p.loss_sum / p.seen : kNoValue;
  metrics.train_acc = p.seen ? static_cast<double>(p.correct) / p.seen : kNoValue;
  double images = static_cast<double>(run.images);
  if (m.dist) {  // every rank's images: the job's throughput
    auto t = at::full({1}, images, at::kDouble);
    m.dist->sum(t);
    images = t.item<double>();
  }
  metrics.images_per_second = images / run.seconds;
  metrics.data_seconds = run.data_seconds;
  metrics.step_seconds = run.seconds - run.data_seconds;
  metrics.val_loss = metrics.val_acc = metrics.val_macro_f1 = metrics.val_balanced_acc = kNoValue;
  metrics.eval_seconds = 0;
  if (m.have_val() && (epoch % m.config.train.val_every == 0 || epoch == m.config.train.epochs)) {
    const auto evaluating = TrainerClock::now();
    const auto v = evaluate("val");
    metrics.val_loss = v.loss;
    metrics.val_acc = v.accuracy;
    metrics.val_macro_f1 = v.macro_f1;
    metrics.val_balanced_acc = v.balanced_accuracy;
    if (m.ema) {  // the same pass with the averaged weights
      m.ema->swap();
      try {
        const auto e = evaluate("val");
        metrics.val_loss_ema = e.loss, metrics.val_acc_ema = e.accuracy;
      } catch (...) {
        m.ema->swap();
        throw;
      }
      m.ema->swap();
    }
    metrics.eval_seconds = seconds_since(evaluating);
  }
  metrics.epoch_seconds = seconds_since(t0);
  for (auto* h : m.hooks) h->on_epoch_end(metrics);
  return metrics;
}

EvalMetrics Trainer::evaluate(const std::string& split) {
  auto& m = *impl_;
  const bool test = split == "test";
  const auto& ds = test ? m.data.test : m.data.val;
  auto& source = test ? m.test_batches : m.val_batches;
  if (!source)
    source = make_eval_batches(m.config, ds, *m.val_pipeline, m.data.height, m.data.width, m.device, m.bad_images.get(),
                               m.options.max_batches, m.dist ? m.dist->rank() : 0, m.world_size());
  for (auto* h : m.hooks) h->before_evaluate(split);
  // Data-parallel: each rank evaluates its share; the sums are the whole split's, on every rank.
  const auto p = evaluate_split(*m.model, *source, ds.class_names.size(), m.config, m.device, nullptr, m.dist.get());
  for (auto* h : m.hooks) h->after_evaluate(split);
  const auto report = classification_report(p.confusion, ds.class_names);
  return EvalMetrics{p.loss(), p.accuracy(), report.macro.f1, report.balanced_accuracy, p.count};
}

// Early stopping, the schedule's epoch end, the checkpoints and the run files of one epoch.
void Trainer::Impl::end_epoch(const EpochMetrics& metrics, RunSummary& s) {
  auto& p = progress;
  bool improved = false;
  if (!have_val() || std::isfinite(metrics.val_acc)) {
    const double monitored = metric_value(metrics, monitor);
    improved = early_stopping->update(monitored);
    if (improved) p.best_metric = monitored, p.best_epoch = metrics.epoch;
    schedule->end_epoch(metrics.epoch - 1,
                        metric_value(metrics, effective_monitor(config.scheduler.monitor, have_val())));
  }
  p.history.push_back(metrics);
  p.epoch = metrics.epoch;
  p.step = 0;
  p.loss_sum = 0, p.correct = 0, p.seen = 0;
  checkpoints->commit_epoch(metrics.epoch, improved, [&](const std::string& path) { save(path); });
  s.epochs_run = metrics.epoch;
  s.best_epoch = p.best_epoch;
  if (improved) s.best_val_acc = best_acc(metrics);
  reporter->set_facts(facts());  // bad images may have been met
  reporter->epoch_done(metrics, p.history, improved);
  finish(s, "running");
}

RunSummary Trainer::train() {
  auto& m = *impl_;
  const auto& c = m.config;
  auto& p = m.progress;
  RunSummary s;
  s.run_dir = m.paths.dir;
  s.best_epoch = p.best_epoch;
  s.best_val_acc = s.test_acc = s.test_loss = kNoValue;
  for (const auto& row : p.history)
    if (row.epoch == p.best_epoch) s.best_val_acc = m.best_acc(row);
  s.epochs_run = p.epoch;
  if (m.already_finished) {
    m.reporter->info(m.paths.dir + ": the run already finished (" + std::to_string(p.epoch) + " epochs); nothing to do");
    s.status = "completed";
    return s;
  }
  std::ostringstream setup;
  describe(setup);
  std::istringstream lines(setup.str());
  for (std::string line; std::getline(lines, line);) m.reporter->info(line);
  for (const auto& [warning, line] : m.setup_notes) warning ? m.reporter->warn(line) : m.reporter->info(line);

  StopSignals signals;
  try {
    m.reporter->write_history(p.history, p.best_epoch);  // drops rows a killed run wrote after its checkpoint
    for (int64_t epoch = p.epoch + 1; epoch <= c.train.epochs && !m.early_stopping->should_stop(); ++epoch) {
      m.end_epoch(train_one_epoch(epoch), s);
      if (const int sig =
              m.dist ? static_cast<int>(m.dist->max(StopSignals::stop_requested())) : StopSignals::stop_requested())
        throw InterruptedError("interrupted by " + signal_name(sig) + " after epoch " + std::to_string(epoch), sig);
      if (m.early_stopping->should_stop())
        m.reporter->info("early stopping: " + m.monitor + " has not improved for " +
                         std::to_string(m.early_stopping->bad_epochs()) + " epochs (best " +
                         fixed(m.early_stopping->best(), 4) + " at epoch " + std::to_string(p.best_epoch) + ")");
    }
    // The test split is evaluated with the best weights, reloaded from disk; the epoch
    // reported is the one best.pt itself records.
    const bool have_best = p.best_epoch > 0 && std::filesystem::exists(m.paths.best_checkpoint());
    const auto tested = have_best ? m.paths.best_checkpoint() : m.paths.last_checkpoint();
    const auto loaded = load_checkpoint(tested, *m.model, nullptr);
    const bool ema_weights = c.train.ema.enabled && c.train.ema.use_for_best;
    if (ema_weights) load_ema_into(*m.model, loaded.ema, tested);
    if (m.dist) broadcast_model(*m.model, *m.dist);  // rank 0's best.pt on every rank
    if (m.data.test.size() > 0) {
      const auto test = evaluate("test");
      s.test_acc = test.accuracy;
      s.test_loss = test.loss;
      m.reporter->test_done(test.accuracy, p.history);
      m.reporter->info("test (" +
                       (have_best ? "best epoch " + std::to_string(loaded.epoch) : std::string("last epoch")) +
                       (ema_weights ? ", EMA weights" : "") + "): loss " + fixed(test.loss, 4) + " acc " +
                       fixed(test.accuracy, 4) + " on " + std::to_string(test.count) + " images");
    }
    s.status = m.early_stopping->should_stop() && p.epoch < c.train.epochs ? "stopped_early" : "completed";
    m.finish(s, s.status);
    m.reporter->info("total " + fixed(s.total_seconds, 1) + " s; results in " + m.paths.dir);
    return s;
  } catch (const InterruptedError& e) {
    m.finish(s, "interrupted");
    // main prints it (as information, not an error: the user asked for it); train.log keeps it.
    const auto line = m.dist && m.dist->rank() > 0
                          ? std::string(e.what()) + " (rank " + std::to_string(m.dist->rank()) +
                                "; rank 0 wrote the run directory's checkpoints/last.pt)"
                          : std::string(e.what()) +
                                "; checkpoints/last.pt holds the exact state. Resume with: imgcls train --resume " +
                                m.paths.dir;
    m.reporter->console().log_only(line);
    throw InterruptedError(line, e.exit_code() == ExitCode::kTerminated ? 15 : 2);
  } catch (const std::exception& e) {
    // Whatever failed (a typed error, LibTorch, the standard library), the run records it;
    // checkpoints/last.pt still holds the last good state for --resume.
    const auto line = m.failure_line(e);
    try {
      if (const auto* nonfinite = dynamic_cast<const NonFiniteLoss*>(&e))
        write_nonfinite_json(m.paths.nonfinite(), *nonfinite, m.data.train, line);
      m.finish(s, "failed", line);
    } catch (const std::exception&) {
    }
    if (dynamic_cast<const Error*>(&e)) throw;
    throw TrainError(line);
  }
}

}  // namespace imgcls
