#include "imgcls/io/atomic_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <vector>

#include "imgcls/errors.hpp"
#include "util/kill_point.hpp"

namespace imgcls {
namespace {

// Temporary names: "<target>.tmp." and six characters from kTempChars, as mkstemp makes them.
constexpr const char* kTempInfix = ".tmp.";
constexpr std::size_t kTempSuffixLength = 6;
constexpr char kTempChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

bool is_temp_name(const std::string& name) {
  const auto infix = std::strlen(kTempInfix);
  if (name.size() < 1 + infix + kTempSuffixLength) return false;
  const auto at = name.size() - kTempSuffixLength - infix;
  if (name.compare(at, infix, kTempInfix) != 0) return false;
  for (auto i = at + infix; i < name.size(); ++i)
    if (name[i] == '\0' || !std::strchr(kTempChars, name[i])) return false;
  return true;
}

std::string parent_dir(const std::string& path) {
  const auto slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

// The temporary files being written, readable from a signal handler: a fixed table of
// slots (0 free, 1 being filled, 2 holding a path), no allocation, no locks.
constexpr int kSlots = 64;
constexpr std::size_t kSlotPath = 4096;
struct InFlight {
  std::atomic<int> state{0};
  char path[kSlotPath];
};
InFlight g_in_flight[kSlots];

int claim_slot(const std::string& path) {
  if (path.size() >= kSlotPath) return -1;
  for (int i = 0; i < kSlots; ++i) {
    int expected = 0;
    if (g_in_flight[i].state.compare_exchange_strong(expected, 1)) {
      std::memcpy(g_in_flight[i].path, path.c_str(), path.size() + 1);
      g_in_flight[i].state.store(2);
      return i;
    }
  }
  return -1;  // more files in flight than slots: only the destructor cleans this one
}

void release_slot(int& slot) {
  if (slot >= 0) g_in_flight[slot].state.store(0);
  slot = -1;
}

[[noreturn]] void io_fail(const std::string& what, const std::string& path) {
  throw IoError(path + ": " + what + ": " + std::strerror(errno));
}

}  // namespace

AtomicFile::AtomicFile(std::string path) : path_(std::move(path)) {
  // Not mkstemp: its files are 0600 whatever the umask. open() with 0666 gives the file the
  // mode a plain ofstream would (0666 & ~umask), and O_EXCL makes the name ours alone.
  thread_local std::mt19937_64 random(std::random_device{}() ^ (static_cast<uint64_t>(::getpid()) << 32));
  for (int attempt = 0; fd_ < 0; ++attempt) {
    std::string name = path_ + kTempInfix;
    for (std::size_t i = 0; i < kTempSuffixLength; ++i) name += kTempChars[random() % (sizeof kTempChars - 1)];
    fd_ = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd_ >= 0)
      tmp_path_ = name, slot_ = claim_slot(name);
    else if (errno == ENOENT)  // the folder is gone: say so, not just "No such file or directory"
      throw IoError(path_ + ": cannot write it: its folder " + std::filesystem::path(path_).parent_path().string() +
                    " does not exist");
    else if (errno != EEXIST || attempt == 100)
      io_fail("cannot create a temporary file next to it", path_);
  }
}

AtomicFile::~AtomicFile() {
  if (fd_ >= 0) ::close(fd_);
  if (!committed_ && !tmp_path_.empty()) ::unlink(tmp_path_.c_str());
  release_slot(slot_);
}

void AtomicFile::write(const void* data, std::size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    const auto n = ::write(fd_, p, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      io_fail("write failed", path_);
    }
    p += n;
    size -= static_cast<std::size_t>(n);
  }
}

void AtomicFile::commit() {
  if (::fsync(fd_) != 0) io_fail("fsync failed", path_);
  if (::close(fd_) != 0) {
    fd_ = -1;
    io_fail("close failed", path_);
  }
  fd_ = -1;
  if (::rename(tmp_path_.c_str(), path_.c_str()) != 0) io_fail("rename failed", path_);
  committed_ = true;
  release_slot(slot_);
  // Make the rename itself durable.
  const int dir = ::open(parent_dir(path_).c_str(), O_RDONLY | O_DIRECTORY);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

void write_file_atomic(const std::string& path, const std::string& content) {
  AtomicFile file(path);
  // Test hook (IMGCLS_TEST_KILL_AT=write:<file name>): stopped with the temporary file half
  // written, as a kill in the middle of a large checkpoint write would.
  const auto half = kill_points_armed() ? content.size() / 2 : 0;
  file.write(content.data(), half);
  if (kill_points_armed()) kill_point("write:" + path.substr(path.rfind('/') + 1));
  file.write(content.data() + half, content.size() - half);
  file.commit();
}

int remove_stale_temp_files(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (!d) {
    if (errno == ENOENT) return 0;
    io_fail("cannot list the folder to remove stale temporary files", dir);
  }
  std::vector<std::string> stale;
  errno = 0;
  while (const dirent* entry = ::readdir(d)) {
    const std::string name = entry->d_name;
    struct stat st {};
    if (is_temp_name(name) && ::fstatat(::dirfd(d), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode))
      stale.push_back(name);
  }
  ::closedir(d);
  int removed = 0;
  for (const auto& name : stale) {
    const auto file = (dir == "/" ? dir : dir + "/") + name;
    if (::unlink(file.c_str()) == 0)
      ++removed;
    else if (errno != ENOENT)
      io_fail("cannot remove a stale temporary file", file);
  }
  return removed;
}

void unlink_temp_files_in_flight() noexcept {
  for (auto& f : g_in_flight)
    if (f.state.load() == 2) ::unlink(f.path);
}

}  // namespace imgcls
