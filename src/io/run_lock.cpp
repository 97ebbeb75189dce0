#include "io/run_lock.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "imgcls/errors.hpp"

namespace imgcls {
namespace {

// The pid the holder wrote into the lock file ("" when it has not written it yet).
std::string holder_pid(int fd) {
  char buf[32] = {};
  const auto n = ::pread(fd, buf, sizeof buf - 1, 0);
  if (n <= 0) return "";
  std::string pid(buf, static_cast<std::size_t>(n));
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid.find_first_not_of("0123456789") == std::string::npos ? pid : "";
}

// Takes the lock on `fd` or throws the refusal, naming the holder.
void lock_or_refuse(int fd, const std::string& dir) {
  while (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EINTR) continue;
    const int err = errno;
    const auto pid = err == EWOULDBLOCK ? holder_pid(fd) : "";
    ::close(fd);
    if (err != EWOULDBLOCK) throw IoError(run_lock_path(dir) + ": cannot lock the run directory: " + std::strerror(err));
    throw UsageError(dir + ": in use by " + (pid.empty() ? std::string("another process") : "process " + pid) +
                     " (it holds " + run_lock_path(dir) +
                     "); one run directory takes one imgcls train at a time: wait for it to end or stop it");
  }
}

}  // namespace

std::string run_lock_path(const std::string& dir) { return dir + "/.lock"; }

RunLock::RunLock(const std::string& dir) {
  const auto path = run_lock_path(dir);
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd < 0) throw IoError(path + ": cannot create the run directory's lock file: " + std::strerror(errno));
  lock_or_refuse(fd, dir);
  fd_ = fd;
  const auto pid = std::to_string(::getpid()) + "\n";
  // Best effort: the pid only makes a refusal clearer, the lock is what protects the run.
  if (::ftruncate(fd_, 0) == 0 && ::pwrite(fd_, pid.data(), pid.size(), 0) < 0) {
  }
}

RunLock::~RunLock() {
  if (fd_ >= 0) ::close(fd_);  // closing the last descriptor releases the lock
}

RunLock::RunLock(RunLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

RunLock& RunLock::operator=(RunLock&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

void check_run_dir_unlocked(const std::string& dir) {
  const int fd = ::open(run_lock_path(dir).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;  // no lock file (or an unreadable one: RunLock itself will say)
  lock_or_refuse(fd, dir);
  ::close(fd);
}

}  // namespace imgcls
