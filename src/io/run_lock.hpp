// One run directory, one process: an advisory lock (flock(2)) on <dir>/.lock, held for as long
// as a RunLock lives. The kernel drops it when the process ends in any way, SIGKILL included,
// so a killed run never leaves a stale lock; the file itself stays (removing it would let two
// processes lock two different files of one name). The holder writes its pid into the file,
// so a refusal can name it.
//
//   RunLock lock(paths.dir);   // throws UsageError (exit 2) while another process holds it
//
// Throws UsageError when another process holds the lock, naming its pid; IoError when the lock
// file cannot be created or opened (missing or read-only folder).
#pragma once

#include <string>

namespace imgcls {

class RunLock {
 public:
  RunLock() = default;
  explicit RunLock(const std::string& dir);
  ~RunLock();
  RunLock(RunLock&& other) noexcept;
  RunLock& operator=(RunLock&& other) noexcept;
  RunLock(const RunLock&) = delete;
  RunLock& operator=(const RunLock&) = delete;

  bool held() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
};

// The lock file of a run directory.
std::string run_lock_path(const std::string& dir);

// Throws the same UsageError as RunLock when a live process holds `dir`'s lock; creates
// nothing (a folder without a lock file, or with a lock nobody holds, passes). For checks
// before slow work, as check_out_dir_is_free.
void check_run_dir_unlocked(const std::string& dir);

}  // namespace imgcls
