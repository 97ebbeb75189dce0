// Runs a sweep's trials as separate `imgcls train` processes, `jobs` at a time.
//
// Per trial, in SWEEP_DIR/<trial>/: finished (summary.json says completed or stopped_early)
// -> skipped; checkpoints/last.pt present -> `imgcls train --resume` (the engine's exact
// resume); otherwise (never started, or died before its first checkpoint: nothing learned)
// -> the folder is cleared and the trial starts from SWEEP_DIR/configs/<trial>.yaml. Each
// process's output goes to SWEEP_DIR/logs/<trial>.log. A trial that fails is recorded with
// its error line and the others go on. LibTorch threads (and loader workers left on auto)
// are divided among the jobs so they do not oversubscribe the cores. SIGINT/SIGTERM: no new
// trial starts, running ones are asked to stop (they checkpoint), and the runner waits.
#pragma once

#include <functional>
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
  // Called after every change of a trial's state (the leaderboard refresh).
  std::function<void(const std::vector<TrialOutcome>&)> on_change;
  std::function<void(const std::string&)> log;  // progress lines
};

// Returns one outcome per trial of spec (in spec order). Signals: an outcome says
// "interrupted" for trials stopped or never started.
std::vector<TrialOutcome> run_trials(const SweepSpec& spec, const RunnerOptions& options);

// The "imgcls: error: ..." line of a trial's log (the last one), or its last line.
std::string error_line(const std::string& log_path);

}  // namespace imgcls
