// Runs a sweep's trials as separate `imgcls train` processes, `jobs` at a time.
//
// Per trial, in SWEEP_DIR/<trial>/: finished (summary.json says completed or stopped_early)
// -> skipped; checkpoints/last.pt present -> `imgcls train --resume` (the engine's exact
// resume); otherwise (never started, or died before its first checkpoint: nothing learned)
// -> the folder is cleared and the trial starts from SWEEP_DIR/configs/<trial>.yaml. Each
// process's output (everything `imgcls train` prints) goes to SWEEP_DIR/logs/<trial>.log,
// appended across re-runs; its progress lines (epoch lines, early stopping, the test
// result) are passed to RunnerOptions::log as they come, as "<trial>: epoch 2/5 ...". A
// trial that fails is recorded with its error line and the others go on. LibTorch threads
// (and loader workers left on auto) are divided among the jobs so they do not oversubscribe
// the cores.
//
// SIGINT/SIGTERM: no new trial starts, running ones get the same signal once (they
// checkpoint and exit), and run_trials returns when they have. Any exception (a trial that
// cannot be started, a throwing on_change) first sends SIGTERM to every running trial's
// process group and waits for them (SIGKILL after kStopGraceSeconds), then propagates.
//
// A re-run must not mix results made with different settings: changed_trials() finds the
// trials whose run (finished, or resumable) was made with another resolved config than the
// sweep now gives them; the caller refuses, or lists them in RunnerOptions::restart.
#pragma once

#include <functional>
#include <set>
#include <string>
#include <vector>

#include "sweep/leaderboard.hpp"
#include "sweep/sweep_spec.hpp"

namespace imgcls {

struct RunnerOptions {
  std::string binary;   // the imgcls executable
  std::string sweep_dir;
  int jobs = 1;
  int cores = 0;        // 0 = hardware concurrency
  // Trials (by name) whose folder is cleared and which start afresh even when finished or
  // resumable (`imgcls sweep --restart-changed`).
  std::set<std::string> restart;
  // Called after every change of a trial's state (the leaderboard refresh).
  std::function<void(const std::vector<TrialOutcome>&)> on_change;
  std::function<void(const std::string&)> log;  // progress lines, the trials' epoch lines among them
};

// Seconds run_trials waits for trials it sent SIGTERM to, on an exception, before SIGKILL.
inline constexpr int kStopGraceSeconds = 30;

// Returns one outcome per trial of spec (in spec order). Signals: an outcome says
// "interrupted" for trials stopped or never started.
std::vector<TrialOutcome> run_trials(const SweepSpec& spec, const RunnerOptions& options);

// The "imgcls: error: ..." line of a trial's log (the last one), or its last line.
std::string trial_error_line(const std::string& log_path);

// A trial whose run in the sweep folder was made with other settings than it has now.
struct ChangedTrial {
  std::string name;
  std::vector<std::string> keys;         // differing dotted keys, in schema order
  std::vector<std::string> differences;  // "key: old -> new", one per key
};

// The trials of `spec` that are finished or resumable in `sweep_dir` (see above) and whose
// run directory's config.yaml differs from the trial's resolved config now. Keys that do
// not change results are not compared: name, threads, data.workers, data.prefetch (the
// runner sets threads and workers from --jobs). A config.yaml that no longer loads counts
// as changed, with key "config.yaml".
std::vector<ChangedTrial> changed_trials(const SweepSpec& spec, const std::string& sweep_dir);

// One line for the refusal: "sweep: trial 'a' ran with other settings (data.limit: 4000 ->
// 5000); ... rerun with --restart-changed to restart these N trials, or use another --out".
std::string changed_trials_message(const std::vector<ChangedTrial>& changed, const std::string& sweep_dir);

}  // namespace imgcls
