// A sweep's results, read back from its trial run directories (summary.json, metrics.csv)
// and the sweep's own record of failures (sweep.json), written as leaderboard.csv,
// leaderboard.md and comparison.png. Works the same on a sweep run here or on a cluster
// (`imgcls sweep --collect`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "sweep/sweep_spec.hpp"

namespace imgcls {

// How a trial ended, as the sweep runner saw it (sweep.json). Absent for --collect.
struct TrialOutcome {
  std::string status;  // completed | stopped_early | failed | interrupted
  std::string error;   // the trial's "imgcls: error: ..." line when it failed
};

struct LeaderboardRow {
  std::string trial;
  std::string variant;
  std::vector<std::string> values;  // one per grid key
  std::string status;  // completed | stopped_early | running | interrupted | failed | pending
  std::string monitor = "val_acc";
  double best_monitored = 0;  // NaN when unknown
  double best_val_acc = 0, test_acc = 0, seconds = 0;
  int64_t best_epoch = 0, epochs_run = 0, parameters = 0;
  std::string error;
  std::vector<double> epochs, val_acc;  // the curve for comparison.png
};

// One row per trial of `spec` from `sweep_dir/<trial>/`, sorted: finished trials by their
// best monitored value (higher accuracy / lower loss first), then the others in trial order.
std::vector<LeaderboardRow> collect_results(const SweepSpec& spec, const std::string& sweep_dir,
                                            const std::vector<TrialOutcome>* outcomes = nullptr);

// leaderboard.csv, leaderboard.md and comparison.png in `sweep_dir`, each written atomically.
// `command` (the sweep's command line, overrides included) is recorded in leaderboard.md.
void write_leaderboard(const SweepSpec& spec, const std::string& sweep_dir, const std::vector<LeaderboardRow>& rows,
                       const std::string& command = "");

// The markdown table alone (what leaderboard.md holds below its title).
std::string leaderboard_markdown(const SweepSpec& spec, const std::vector<LeaderboardRow>& rows);

}  // namespace imgcls
