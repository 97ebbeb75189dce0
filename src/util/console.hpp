// What a run prints: lines go to stdout and to the run's train.log; the live progress
// bar goes to stdout only, and only when stdout is a terminal.
//
// Thread-safe: loader workers warn about bad images while the training thread redraws the
// progress bar; one mutex orders every write and the progress state, so a line never lands
// on the end of a progress bar.
#pragma once

#include <memory>
#include <mutex>
#include <string>

namespace spdlog {
class logger;
namespace sinks {
class sink;
}
}

namespace imgcls {

class Console {
 public:
  // `log_file` empty: console only. Throws IoError if the log file cannot be opened.
  explicit Console(const std::string& log_file = "", bool quiet = false);
  ~Console();
  Console(const Console&) = delete;
  Console& operator=(const Console&) = delete;

  void info(const std::string& line);
  void warn(const std::string& line);
  // Also to stderr; used for the final error of a failed run.
  void error(const std::string& line);
  // train.log only: a line main prints to the console itself (an interrupt, as information).
  void log_only(const std::string& line);
  // Redraws the progress line (no-op when stdout is not a terminal).
  void progress(const std::string& line);
  void clear_progress();
  bool interactive() const { return interactive_; }

 private:
  void clear_progress_locked();

  std::mutex mutex_;
  std::shared_ptr<spdlog::logger> logger_;
  std::shared_ptr<spdlog::sinks::sink> file_sink_;
  bool interactive_ = false;
  bool progress_shown_ = false;
};

}  // namespace imgcls
