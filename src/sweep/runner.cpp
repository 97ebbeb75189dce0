#include "sweep/runner.hpp"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "util/signals.hpp"
#include "util/strings.hpp"

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
  if (rc != 0)
    throw IoError(args[0] + ": cannot start a trial process (output to " + log_path + "): " + std::strerror(rc));
  return pid;
}

bool resumable_run(const fs::path& dir) { return fs::exists(dir / "checkpoints" / "last.pt"); }

// Sends SIGTERM to every running trial's process group, waits for them (SIGKILL after
// kStopGraceSeconds) and forgets them. For unwinding: never throws.
void stop_all(std::map<pid_t, std::size_t>& running) noexcept {
  for (const auto& entry : running) ::kill(-entry.first, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kStopGraceSeconds);
  while (!running.empty()) {
    for (auto it = running.begin(); it != running.end();) {
      int status = 0;
      const pid_t r = ::waitpid(it->first, &status, WNOHANG);
      it = (r == it->first || (r < 0 && errno != EINTR)) ? running.erase(it) : std::next(it);
    }
    if (running.empty()) break;
    if (std::chrono::steady_clock::now() > deadline) {
      for (const auto& entry : running) ::kill(-entry.first, SIGKILL);
      for (const auto& entry : running) {
        int status = 0;
        while (::waitpid(entry.first, &status, 0) < 0 && errno == EINTR) {
        }
      }
      running.clear();
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

// A running trial's log, read as it grows: the lines that show its progress (the epoch lines,
// early stopping, the test result) are passed on, prefixed with the trial's name.
class LogTail {
 public:
  explicit LogTail(std::string path) : path_(std::move(path)) {
    std::error_code ec;
    const auto size = fs::file_size(path_, ec);  // a resumed trial appends to its old log
    offset_ = ec ? 0 : static_cast<std::streamoff>(size);
  }

  // Calls `line` for each progress line written since the last call; with `final`, also
  // for an unterminated last line (the process has ended).
  void forward(const std::function<void(const std::string&)>& line, bool final = false) {
    std::ifstream in(path_, std::ios::binary);
    if (in && in.seekg(offset_)) {
      std::string chunk((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      offset_ += static_cast<std::streamoff>(chunk.size());
      partial_ += chunk;
    }
    std::size_t start = 0;
    for (auto end = partial_.find('\n'); end != std::string::npos; end = partial_.find('\n', start)) {
      emit(partial_.substr(start, end - start), line);
      start = end + 1;
    }
    partial_.erase(0, start);
    if (final && !partial_.empty()) emit(partial_, line), partial_.clear();
  }

 private:
  static void emit(const std::string& text, const std::function<void(const std::string&)>& line) {
    if (starts_with(text, "epoch ") || starts_with(text, "early stopping:") || starts_with(text, "test (")) line(text);
  }

  std::string path_;
  std::streamoff offset_ = 0;
  std::string partial_;
};

// Keys that do not change a trial's results (the runner sets threads and workers per --jobs;
// batches do not depend on the loader's threads or prefetch).
const std::set<std::string>& ignored_keys() {
  static const std::set<std::string> keys = {"name", "threads", "data.workers", "data.prefetch"};
  return keys;
}

}  // namespace

std::string trial_error_line(const std::string& log_path) {
  std::ifstream in(log_path);
  std::string line, last, error;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    last = line;
    if (line.rfind("imgcls: error: ", 0) == 0) error = line.substr(15);
  }
  return error.empty() ? last : error;
}

std::vector<ChangedTrial> changed_trials(const SweepSpec& spec, const std::string& sweep_dir) {
  std::vector<ChangedTrial> changed;
  for (const auto& t : spec.trials) {
    const auto dir = fs::path(sweep_dir) / t.name;
    if (!finished_run(dir) && !resumable_run(dir)) continue;  // starts afresh anyway
    ChangedTrial c{t.name, {}, {}};
    const auto ran_path = (dir / "config.yaml").string();
    try {
      const auto ran = load_run_config(ran_path);
      for (const auto& key : config_keys()) {
        if (ignored_keys().count(key)) continue;
        const auto before = value_text(ran, key), now = value_text(t.config, key);
        if (before == now) continue;
        c.keys.push_back(key);
        c.differences.push_back(key + ": " + before + " -> " + now);
      }
    } catch (const Error& e) {  // ConfigError: one line; load_config throws nothing else
      c.keys.push_back("config.yaml");
      c.differences.push_back(ran_path + ": cannot be compared (" + e.what() + ")");
    }
    if (!c.keys.empty()) changed.push_back(std::move(c));
  }
  return changed;
}

std::string changed_trials_message(const std::vector<ChangedTrial>& changed, const std::string& sweep_dir) {
  constexpr std::size_t kShown = 3;  // trials named in full; the rest are counted
  std::string text = "sweep: " + sweep_dir + ": ";
  for (std::size_t i = 0; i < changed.size() && i < kShown; ++i) {
    const auto& d = changed[i].differences;
    const std::size_t n = std::min<std::size_t>(4, d.size());  // keys shown in full
    std::vector<std::string> shown(d.begin(), d.begin() + static_cast<std::ptrdiff_t>(n));
    if (d.size() > n) shown.push_back("and " + std::to_string(d.size() - n) + " more keys");
    text += (i ? "; " : "") + std::string("trial '") + changed[i].name + "' ran with other settings (" +
            join(shown, ", ") + ")";
  }
  if (changed.size() > kShown) text += "; and " + std::to_string(changed.size() - kShown) + " more trials";
  text += "; results made with different settings are not mixed: rerun with --restart-changed to restart " +
          std::string(changed.size() == 1 ? "this trial" : "these " + std::to_string(changed.size()) + " trials") +
          ", or use another --out";
  return text;
}

std::vector<TrialOutcome> run_trials(const SweepSpec& spec, const RunnerOptions& o) {
  const int cores = o.cores > 0 ? o.cores : std::max(1u, std::thread::hardware_concurrency());
  const int jobs = std::max(1, std::min<int>(o.jobs, static_cast<int>(spec.trials.size())));
  const int threads = std::max(1, cores / jobs);
  fs::create_directories(fs::path(o.sweep_dir) / "logs");
  std::vector<TrialOutcome> outcomes(spec.trials.size());
  std::vector<std::size_t> queue;
  for (std::size_t i = 0; i < spec.trials.size(); ++i) {
    if (!o.restart.count(spec.trials[i].name) && finished_run(fs::path(o.sweep_dir) / spec.trials[i].name)) {
      outcomes[i].status = "completed";
      if (o.log) o.log(spec.trials[i].name + ": finished earlier, skipped");
    } else {
      queue.push_back(i);
    }
  }
  std::map<pid_t, std::size_t> running;
  std::map<std::size_t, LogTail> tails;  // trial -> its log, while it runs
  const auto forward = [&](std::size_t i, bool final) {
    const auto it = tails.find(i);
    if (it == tails.end() || !o.log) return;
    it->second.forward([&](const std::string& line) { o.log(spec.trials[i].name + ": " + line); }, final);
  };
  StopSignals signals;
  bool forwarded = false;
  std::size_t next = 0;
  try {
    // A stop ends the loop once the running trials are done, whatever is still queued.
    while ((!StopSignals::stop_requested() && next < queue.size()) || !running.empty()) {
      const int stop = StopSignals::stop_requested();
      if (stop && !forwarded) {
        for (const auto& entry : running) ::kill(-entry.first, stop);  // each trial checkpoints and exits
        forwarded = true;
      }
      while (!stop && next < queue.size() && static_cast<int>(running.size()) < jobs) {
        const auto i = queue[next++];
        const auto& t = spec.trials[i];
        const auto dir = fs::path(o.sweep_dir) / t.name;
        const auto log = (fs::path(o.sweep_dir) / "logs" / (t.name + ".log")).string();
        std::vector<std::string> args{o.binary, "train"};
        const bool restart = o.restart.count(t.name) > 0;
        if (!restart && resumable_run(dir)) {
          args.insert(args.end(), {"--resume", dir.string()});
          if (o.log) o.log(t.name + ": resuming from its last checkpoint");
        } else {
          fs::remove_all(dir);  // no checkpoint (nothing learned yet), or its settings changed
          args.insert(args.end(),
                      {(fs::path(o.sweep_dir) / "configs" / (t.name + ".yaml")).string(), "--out", dir.string()});
          if (o.log) o.log(t.name + (restart ? ": restarted (its settings changed)" : ": started"));
        }
        if (t.config.threads == 0) args.push_back("threads=" + std::to_string(threads));
        if (t.config.data.workers < 0) args.push_back("data.workers=" + std::to_string(std::max(0, threads - 1)));
        tails.erase(i);
        tails.emplace(i, LogTail(log));
        running[spawn(args, log)] = i;
        outcomes[i].status = "running";
        if (o.on_change) o.on_change(outcomes);
      }
      int status = 0;
      const pid_t pid = ::waitpid(-1, &status, WNOHANG);
      if (pid < 0 && errno == ECHILD) {
        // Our children were reaped elsewhere: nothing left to wait for.
        for (const auto& entry : running)
          outcomes[entry.second] = {"failed", "the trial process was lost (reaped by someone else)"};
        running.clear();
        continue;
      }
      if (pid <= 0) {
        for (const auto& entry : running) forward(entry.second, false);
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
        continue;
      }
      const auto it = running.find(pid);
      if (it == running.end()) continue;
      const auto i = it->second;
      running.erase(it);
      forward(i, true);
      tails.erase(i);
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
        outcomes[i] = {"failed", trial_error_line(log)};
        if (o.log) o.log(t.name + ": FAILED (exit " + std::to_string(code) + "): " + outcomes[i].error);
      }
      if (o.on_change) o.on_change(outcomes);
    }
  } catch (...) {
    stop_all(running);  // no trial outlives the runner unsignalled
    throw;
  }
  for (auto& out : outcomes)
    if (out.status.empty()) out = {"interrupted", "not started: the sweep was stopped"};
  return outcomes;
}

}  // namespace imgcls
