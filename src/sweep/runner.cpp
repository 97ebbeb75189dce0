#include "sweep/runner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <thread>

#include "imgcls/errors.hpp"
#include "util/signals.hpp"

extern char** environ;

namespace imgcls {
namespace fs = std::filesystem;
namespace {

bool finished_run(const fs::path& dir) {
  std::ifstream in(dir / "summary.json");
  if (!in) return false;
  const auto s = nlohmann::json::parse(in, nullptr, false);
  if (!s.is_object()) return false;
  const auto status = s.value("status", "");
  return status == "completed" || status == "stopped_early";
}

pid_t spawn(const std::vector<std::string>& args, const std::string& log_path) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  // Its own process group: a Ctrl-C in the terminal reaches only the sweep, which passes one
  // SIGINT on (a trial's second SIGINT would make it exit without its checkpoint).
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], &actions, &attr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) throw IoError(args[0] + ": cannot start a trial process: " + std::strerror(rc));
  return pid;
}

}  // namespace

std::string error_line(const std::string& log_path) {
  std::ifstream in(log_path);
  std::string line, last, error;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    last = line;
    if (line.rfind("imgcls: error: ", 0) == 0) error = line.substr(15);
  }
  return error.empty() ? last : error;
}

std::vector<TrialOutcome> run_trials(const SweepSpec& spec, const RunnerOptions& o) {
  const int cores = o.cores > 0 ? o.cores : std::max(1u, std::thread::hardware_concurrency());
  const int jobs = std::max(1, std::min<int>(o.jobs, static_cast<int>(spec.trials.size())));
  const int threads = std::max(1, cores / jobs);
  fs::create_directories(fs::path(o.sweep_dir) / "logs");
  std::vector<TrialOutcome> outcomes(spec.trials.size());
  std::vector<std::size_t> queue;
  for (std::size_t i = 0; i < spec.trials.size(); ++i) {
    if (finished_run(fs::path(o.sweep_dir) / spec.trials[i].name)) {
      outcomes[i].status = "completed";
      if (o.log) o.log(spec.trials[i].name + ": finished earlier, skipped");
    } else {
      queue.push_back(i);
    }
  }
  std::map<pid_t, std::size_t> running;
  StopSignals signals;
  bool forwarded = false;
  std::size_t next = 0;
  while (next < queue.size() || !running.empty()) {
    const int stop = StopSignals::stop_requested();
    if (stop && !forwarded) {
      for (const auto& [pid, i] : running) kill(pid, SIGINT);  // each trial checkpoints and exits
      forwarded = true;
    }
    while (!stop && next < queue.size() && static_cast<int>(running.size()) < jobs) {
      const auto i = queue[next++];
      const auto& t = spec.trials[i];
      const auto dir = fs::path(o.sweep_dir) / t.name;
      const auto log = (fs::path(o.sweep_dir) / "logs" / (t.name + ".log")).string();
      std::vector<std::string> args{o.binary, "train"};
      if (fs::exists(dir / "checkpoints" / "last.pt")) {
        args.insert(args.end(), {"--resume", dir.string()});
        if (o.log) o.log(t.name + ": resuming from its last checkpoint");
      } else {
        fs::remove_all(dir);  // no checkpoint: nothing learned yet
        args.insert(args.end(), {(fs::path(o.sweep_dir) / "configs" / (t.name + ".yaml")).string(), "--out", dir.string()});
        if (o.log) o.log(t.name + ": started");
      }
      args.push_back("--quiet");
      if (t.config.threads == 0) args.push_back("threads=" + std::to_string(threads));
      if (t.config.data.workers < 0) args.push_back("data.workers=" + std::to_string(std::max(0, threads - 1)));
      running[spawn(args, log)] = i;
      outcomes[i].status = "running";
      if (o.on_change) o.on_change(outcomes);
    }
    int status = 0;
    const pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      continue;
    }
    const auto it = running.find(pid);
    if (it == running.end()) continue;
    const auto i = it->second;
    running.erase(it);
    const auto& t = spec.trials[i];
    const int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    const auto log = (fs::path(o.sweep_dir) / "logs" / (t.name + ".log")).string();
    if (code == 0) {
      outcomes[i].status = "completed";
      if (o.log) o.log(t.name + ": finished");
    } else if (code == 130 || code == 143) {
      outcomes[i] = {"interrupted", "stopped by a signal; the next run of the sweep resumes it"};
      if (o.log) o.log(t.name + ": interrupted (resumable)");
    } else {
      outcomes[i] = {"failed", error_line(log)};
      if (o.log) o.log(t.name + ": FAILED (exit " + std::to_string(code) + "): " + outcomes[i].error);
    }
    if (o.on_change) o.on_change(outcomes);
  }
  for (auto& out : outcomes)
    if (out.status.empty()) out = {"interrupted", "not started: the sweep was stopped"};
  return outcomes;
}

}  // namespace imgcls
