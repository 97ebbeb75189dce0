// Typed errors thrown by the imgcls library and the exit codes main maps them to.
//
// Every error carries a one-line, user-facing message that already says where the
// problem is (file:line, dotted config key, path, epoch/step). `main` catches them
// once, prints `imgcls: error: <what()>` to stderr and returns exit_code().
#pragma once

#include <stdexcept>
#include <string>

namespace imgcls {

// Documented process exit codes (README "Exit codes").
enum class ExitCode : int {
  kSuccess = 0,
  kUsage = 2,         // bad command line, bad config file or override
  kData = 3,          // dataset missing, unreadable or malformed
  kTraining = 4,      // training failed (non-finite loss, I/O failure while writing a run)
  kInterrupted = 130, // SIGINT (128 + 2)
  kTerminated = 143,  // SIGTERM (128 + 15)
};

class Error : public std::runtime_error {
 public:
  Error(const std::string& message, ExitCode code) : std::runtime_error(message), code_(code) {}
  ExitCode exit_code() const noexcept { return code_; }

 private:
  ExitCode code_;
};

// A command-line usage problem (unknown subcommand option, missing file argument).
class UsageError : public Error {
 public:
  explicit UsageError(const std::string& m) : Error(m, ExitCode::kUsage) {}
};

// A config file or override that does not satisfy the schema.
class ConfigError : public Error {
 public:
  explicit ConfigError(const std::string& m) : Error(m, ExitCode::kUsage) {}
};

// A dataset file or folder that is missing, truncated or inconsistent.
class DataError : public Error {
 public:
  explicit DataError(const std::string& m) : Error(m, ExitCode::kData) {}
};

// Training could not go on: non-finite loss, a failed write in the run directory, ...
class TrainError : public Error {
 public:
  explicit TrainError(const std::string& m) : Error(m, ExitCode::kTraining) {}
};

// A file that matters (checkpoint, metrics, summary) could not be written.
class IoError : public Error {
 public:
  explicit IoError(const std::string& m) : Error(m, ExitCode::kTraining) {}
};

// The run was stopped by SIGINT or SIGTERM after saving a checkpoint.
class InterruptedError : public Error {
 public:
  InterruptedError(const std::string& m, int signal_number)
      : Error(m, signal_number == 15 ? ExitCode::kTerminated : ExitCode::kInterrupted) {}
};

}  // namespace imgcls
