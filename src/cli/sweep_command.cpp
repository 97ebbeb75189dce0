// `imgcls sweep SWEEP.yaml [--jobs N] [--dry-run] [--out DIR] [--emit slurm [--gpus-per-trial N]] [--collect]
// [--restart-changed] [KEY=VALUE ...]`: one config, many runs, one leaderboard (see sweep/sweep_spec.hpp for the
// file, sweep/runner.hpp for how trials run and resume).
//
// SWEEP_DIR (default sweeps/<name>/): configs/<trial>.yaml, <trial>/ (an ordinary run
// directory), logs/<trial>.log, sweep.json (each trial's status and error), leaderboard.csv,
// leaderboard.md (with the command that made it), comparison.png; with --emit slurm also
// trials.txt and sweep.sbatch. A re-run refuses to mix results made with other settings
// (see changed_trials in sweep/runner.hpp) unless --restart-changed.
#include <CLI/App.hpp>
#include <CLI/Config.hpp>
#include <CLI/Formatter.hpp>
#include <unistd.h>

#include <climits>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "engine/preflight.hpp"
#include "imgcls/errors.hpp"
#include "imgcls/io/atomic_file.hpp"
#include "sweep/leaderboard.hpp"
#include "sweep/runner.hpp"
#include "sweep/sweep_spec.hpp"
#include "util/error_text.hpp"
#include "util/json_text.hpp"
#include "util/signals.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace fs = std::filesystem;
namespace {

std::string self_path() {
  char buf[PATH_MAX];
  const auto n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) throw IoError("/proc/self/exe: cannot find the imgcls binary to start trials with");
  return std::string(buf, static_cast<std::size_t>(n));
}

// What sweep.json recorded: each trial's outcome and the command of the run that wrote it.
std::vector<TrialOutcome> read_outcomes(const SweepSpec& spec, const std::string& dir, std::string* command) {
  std::vector<TrialOutcome> out(spec.trials.size());
  std::ifstream in(dir + "/sweep.json");
  if (!in) return out;
  const auto j = nlohmann::json::parse(in, nullptr, false);
  if (!j.is_object() || !j.contains("trials")) return out;
  if (command && j.contains("command") && j["command"].is_string()) *command = j["command"].get<std::string>();
  for (std::size_t i = 0; i < spec.trials.size(); ++i)
    for (const auto& t : j["trials"])
      if (t.value("name", "") == spec.trials[i].name) out[i] = {t.value("status", ""), t.value("error", "")};
  return out;
}

void write_outcomes(const SweepSpec& spec, const std::string& dir, const std::vector<TrialOutcome>& outcomes,
                    const std::string& command) {
  nlohmann::json j;
  j["sweep"] = spec.path;
  j["command"] = command;
  j["base"] = spec.base;
  j["trials"] = nlohmann::json::array();
  for (std::size_t i = 0; i < spec.trials.size(); ++i)
    j["trials"].push_back({{"name", spec.trials[i].name}, {"status", outcomes[i].status}, {"error", outcomes[i].error}});
  write_file_atomic(dir + "/sweep.json", json_text(j, 2) + "\n");
}

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

// `s` as one shell word: as it is when that is safe, else quoted.
std::string shell_word(const std::string& s) {
  const bool plain = !s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                                       "0123456789_-.,/=:+@%") == std::string::npos;
  return plain ? s : shell_quote(s);
}

// The sweep's command line as a user would type it again: what the leaderboard records.
std::string command_line(const SweepOptions& options, const std::string& dir) {
  std::string c = "imgcls sweep " + shell_word(options.sweep_path) + " --out " + shell_word(dir);
  if (options.jobs != 1) c += " --jobs " + std::to_string(options.jobs);
  for (const auto& o : options.overrides) c += " " + shell_word(o);
  return c;
}

// An sbatch array script: task k runs trial k of trials.txt (resuming it if it has a
// checkpoint), so a re-submitted array continues where it stopped. With `gpus` > 0 each task
// asks for that many GPUs on one node, one process each; with more than one, srun starts them
// and imgcls trains data-parallel from SLURM's variables (README "Distributed training").
std::string slurm_script(const SweepSpec& spec, const std::string& dir, const std::string& binary, int gpus) {
  const auto abs = fs::absolute(dir).lexically_normal().string();
  std::string s = "#!/bin/bash\n";
  s += "# imgcls sweep " + spec.path + ": " + std::to_string(spec.trials.size()) + " trials, one array task each.\n";
  s += "# Submit: sbatch " + abs + "/sweep.sbatch   Then: imgcls sweep " + spec.path + " --out " + abs + " --collect\n";
  s += "#SBATCH --job-name=" + spec.name + "\n";
  s += "#SBATCH --array=0-" + std::to_string(spec.trials.size() - 1) + "\n";
  s += "#SBATCH --output=" + abs + "/logs/%a.out\n";
  s += "#SBATCH --cpus-per-task=4\n";
  if (gpus > 0) {
    s += "#SBATCH --nodes=1\n";
    s += "#SBATCH --ntasks-per-node=" + std::to_string(gpus) + "\n";
    s += "#SBATCH --gpus-per-task=1\n";
    s += "# Add your cluster's partition and time limit here.\n";
  } else {
    s += "# Add your cluster's partition, time limit and GPU request here, e.g. #SBATCH --gres=gpu:1\n";
  }
  s += "set -euo pipefail\n";
  s += "IMGCLS=\"${IMGCLS:-" + binary + "}\"\n";
  s += "SWEEP_DIR=" + shell_quote(abs) + "\n";
  std::string run = "\"$IMGCLS\"";
  if (gpus > 1) {
    s += "# " + std::to_string(gpus) + " processes per trial, data-parallel: imgcls reads SLURM_PROCID, SLURM_NTASKS and\n";
    s += "# SLURM_LOCALID, and the rendezvous below (one port per array task on a shared node).\n";
    s += "export MASTER_ADDR=\"${MASTER_ADDR:-$(scontrol show hostnames \"$SLURM_JOB_NODELIST\" | head -n 1)}\"\n";
    s += "export MASTER_PORT=\"${MASTER_PORT:-$((20000 + SLURM_ARRAY_TASK_ID % 20000))}\"\n";
    run = "srun --kill-on-bad-exit=1 \"$IMGCLS\"";
  }
  s += "trial=$(sed -n \"$((SLURM_ARRAY_TASK_ID + 1))p\" \"$SWEEP_DIR/trials.txt\")\n";
  s += "if [[ -f \"$SWEEP_DIR/$trial/checkpoints/last.pt\" ]]; then\n";
  s += "  exec " + run + " train --resume \"$SWEEP_DIR/$trial\" threads=\"${SLURM_CPUS_PER_TASK:-4}\"\n";
  s += "else\n";
  s += "  rm -rf \"${SWEEP_DIR:?}/$trial\"\n";
  s += "  exec " + run + " train \"$SWEEP_DIR/configs/$trial.yaml\" --out \"$SWEEP_DIR/$trial\" "
       "threads=\"${SLURM_CPUS_PER_TASK:-4}\"\n";
  s += "fi\n";
  return s;
}

// --dry-run: every trial with its varied values, then what its run would get or the error it
// would stop with (engine/preflight: data, model, optimizer; nothing trains, nothing is
// written). Throws, with the first failing trial's exit code, when any trial would fail.
int dry_run(const SweepSpec& spec, const std::string& dir, const std::vector<ChangedTrial>& changed) {
  std::printf("%zu trials of %s -> %s/\n", spec.trials.size(), spec.base.c_str(), dir.c_str());
  std::fflush(stdout);
  Preflight preflight;
  std::size_t failing = 0;
  ExitCode code = ExitCode::kUsage;
  const auto fails = [&](ExitCode c, const std::string& line) {
    if (failing++ == 0) code = c;
    return "would fail: " + line;
  };
  for (const auto& t : spec.trials) {
    std::string varied = t.variant.empty() ? "" : "variant=" + t.variant;
    for (const auto& [k, v] : t.values) varied += (varied.empty() ? "" : " ") + k + "=" + v;
    for (const auto& c : changed)
      if (c.name == t.name) varied += "  (ran with other settings: " + join(c.keys, ", ") + ")";
    std::string verdict;
    try {
      verdict = "ok: " + preflight.check(t.config);
    } catch (const Error& e) {
      verdict = fails(e.exit_code(), e.what());
    } catch (const std::exception& e) {  // LibTorch (a backbone file it cannot read), the standard library
      verdict = fails(ExitCode::kTraining, error_line(e));
    }
    std::printf("  %-40s %s\n", t.name.c_str(), varied.c_str());
    for (const auto& w : t.config.warnings) std::printf("      warning: %s\n", w.c_str());
    std::printf("      %s\n", verdict.c_str());
    std::fflush(stdout);
  }
  if (failing > 0)
    throw Error("sweep --dry-run: " + std::to_string(failing) + " of " + std::to_string(spec.trials.size()) +
                    " trials would fail (see above)",
                code);
  std::printf("dry run: all %zu trials can start\n", spec.trials.size());
  return 0;
}

}  // namespace

void setup_sweep(CLI::App& app) {
  auto options = std::make_shared<SweepOptions>();
  auto* cmd = app.add_subcommand("sweep", "Run a grid of trials from one sweep file; leaderboard and comparison plot");
  cmd->add_option("sweep", options->sweep_path, "The sweep file (YAML): base, fixed, grid, variants")->required();
  cmd->add_option("overrides", options->overrides, "KEY=VALUE overrides for every trial (after `fixed`)");
  cmd->add_option("--jobs,-j", options->jobs, "Trials at a time, as separate processes (default 1); "
                                              "LibTorch threads are divided among them")
      ->check(CLI::Range(1, 1000));  // PositiveNumber would print a 309-digit maximum
  cmd->add_flag("--dry-run", options->dry_run, "Validate every trial and print them; run nothing");
  cmd->add_option("--out", options->out, "The sweep folder (default sweeps/<name>)");
  cmd->add_option("--emit", options->emit, "slurm: write an sbatch array script and the trial configs; run nothing")
      ->check(CLI::IsMember({"slurm"}));
  cmd->add_option("--gpus-per-trial", options->gpus_per_trial,
                  "With --emit slurm: each trial data-parallel on N GPUs of one node (srun, one process per GPU; "
                  "data.batch_size is per process)")
      ->check(CLI::Range(1, 64));
  cmd->add_flag("--collect", options->collect, "Only rebuild the leaderboard from the trial folders");
  cmd->add_flag("--restart-changed", options->restart_changed,
                "Restart (from scratch) the trials whose resolved config differs from the one they ran with; "
                "without it such a re-run is refused");
  cmd->callback([options]() { run_sweep(*options); });
}

int run_sweep(const SweepOptions& options) {
  const auto spec = load_sweep(options.sweep_path, options.overrides);
  if (options.gpus_per_trial > 0 && options.emit != "slurm")
    throw UsageError("--gpus-per-trial: only with --emit slurm (a local sweep runs each trial as one process)");
  const auto dir = options.out.empty() ? "sweeps/" + spec.name : options.out;
  // Trials whose results were made with other settings than the sweep now gives them.
  const auto changed = options.collect ? std::vector<ChangedTrial>{} : changed_trials(spec, dir);
  if (options.dry_run) return dry_run(spec, dir, changed);
  if (options.collect) {
    if (!fs::is_directory(dir))
      throw UsageError(dir + ": no such sweep folder; --collect reads the trials of a sweep run with this --out");
    std::string command;
    const auto outcomes = read_outcomes(spec, dir, &command);
    const auto rows = collect_results(spec, dir, &outcomes);
    write_leaderboard(spec, dir, rows, command);
    std::printf("%s\nwritten to %s/ (leaderboard.csv, leaderboard.md, comparison.png)\n",
                leaderboard_markdown(spec, rows).c_str(), dir.c_str());
    return 0;
  }

  // Before configs/ is rewritten: what ran must stay recorded when the re-run is refused.
  if (!changed.empty() && !options.restart_changed) throw ConfigError(changed_trials_message(changed, dir));
  fs::create_directories(fs::path(dir) / "configs");
  fs::create_directories(fs::path(dir) / "logs");
  for (const auto& t : spec.trials) write_file_atomic(dir + "/configs/" + t.name + ".yaml", to_yaml(t.config));
  const auto binary = self_path();
  if (options.emit == "slurm") {
    for (const auto& c : changed) fs::remove_all(fs::path(dir) / c.name);  // the array task starts them afresh
    std::string names;
    for (const auto& t : spec.trials) names += t.name + "\n";
    write_file_atomic(dir + "/trials.txt", names);
    write_file_atomic(dir + "/sweep.sbatch", slurm_script(spec, dir, binary, options.gpus_per_trial));
    fs::permissions(dir + "/sweep.sbatch", fs::perms::owner_exec | fs::perms::group_exec, fs::perm_options::add);
    const auto gpus = options.gpus_per_trial == 0 ? std::string()
                                                  : ", " + std::to_string(options.gpus_per_trial) + " GPU(s) each";
    std::printf("wrote %s/sweep.sbatch (%zu array tasks%s), trials.txt and configs/\nsubmit: sbatch %s/sweep.sbatch\n"
                "then:   imgcls sweep %s --out %s --collect\n",
                dir.c_str(), spec.trials.size(), gpus.c_str(), dir.c_str(), options.sweep_path.c_str(), dir.c_str());
    return 0;
  }

  std::printf("sweep %s: %zu trials, %d at a time -> %s/\n", spec.name.c_str(), spec.trials.size(), options.jobs,
              dir.c_str());
  // What loading the trials' configs changed (keys of another model dropped after a variant's
  // model.name), once per distinct line: the trials themselves run the resolved configs.
  std::map<std::string, std::size_t> warnings;
  for (const auto& t : spec.trials)
    for (const auto& w : t.config.warnings) ++warnings[w];
  for (const auto& [w, n] : warnings) std::printf("  warning: %s (%zu trial%s)\n", w.c_str(), n, n == 1 ? "" : "s");
  std::fflush(stdout);
  const auto command = command_line(options, dir);
  RunnerOptions ro;
  ro.binary = binary;
  ro.sweep_dir = dir;
  ro.jobs = options.jobs;
  for (const auto& c : changed) ro.restart.insert(c.name);
  ro.on_change = [&](const std::vector<TrialOutcome>& outcomes) {
    write_outcomes(spec, dir, outcomes, command);
    write_leaderboard(spec, dir, collect_results(spec, dir, &outcomes), command);
  };
  ro.log = [](const std::string& line) {
    std::printf("  %s\n", line.c_str());
    std::fflush(stdout);
  };
  const auto outcomes = run_trials(spec, ro);
  write_outcomes(spec, dir, outcomes, command);
  const auto rows = collect_results(spec, dir, &outcomes);
  write_leaderboard(spec, dir, rows, command);
  std::printf("\n%s\nwritten to %s/ (leaderboard.csv, leaderboard.md, comparison.png)\n",
              leaderboard_markdown(spec, rows).c_str(), dir.c_str());
  int failed = 0, interrupted = 0;
  for (const auto& o : outcomes) failed += o.status == "failed", interrupted += o.status == "interrupted";
  if (interrupted > 0)
    throw InterruptedError("sweep: interrupted; " + std::to_string(interrupted) +
                               " trial(s) unfinished; run the same command again to resume them",
                           StopSignals::stop_requested() ? StopSignals::stop_requested() : 2);
  if (failed > 0)
    throw TrainError("sweep: " + std::to_string(failed) + " of " + std::to_string(spec.trials.size()) +
                     " trials failed (see " + dir + "/leaderboard.md and " + dir + "/logs/)");
  return 0;
}

}  // namespace imgcls
