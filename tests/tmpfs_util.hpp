// A real, small tmpfs for the full-disk tests: a genuine ENOSPC, not a simulated one.
#pragma once

#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string>

namespace imgcls::test {

// A tmpfs of `bytes` mounted on `dir` (made if needed) for one test, unmounted when it goes.
// Needs root (or CAP_SYS_ADMIN); reason() says why not when it could not mount.
class SmallTmpfs {
 public:
  SmallTmpfs(const std::string& dir, std::size_t bytes) : dir_(dir) {
    std::filesystem::create_directories(dir_);
    if (::geteuid() != 0)
      reason_ = "needs root to mount a tmpfs (run the tests as root to check a full disk)";
    else if (::mount("tmpfs", dir_.c_str(), "tmpfs", 0, ("size=" + std::to_string(bytes)).c_str()) != 0)
      reason_ = std::string("cannot mount a tmpfs here: ") + std::strerror(errno);
    else
      mounted_ = true;
  }
  ~SmallTmpfs() {
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
  }
  SmallTmpfs(const SmallTmpfs&) = delete;
  SmallTmpfs& operator=(const SmallTmpfs&) = delete;

  bool mounted() const { return mounted_; }
  const std::string& reason() const { return reason_; }

  // Fills the filesystem with the file `name` until a write fails (ENOSPC), then gives `leave`
  // bytes back. Returns the filler's size.
  std::size_t fill(const std::string& name, std::size_t leave) const {
    const int fd = ::open((dir_ + "/" + name).c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return 0;
    const std::string block(65536, 'x');
    std::size_t size = 0;
    for (ssize_t n; (n = ::write(fd, block.data(), block.size())) > 0;) size += static_cast<std::size_t>(n);
    size = size > leave ? size - leave : 0;
    if (::ftruncate(fd, static_cast<off_t>(size)) != 0) size = 0;
    ::close(fd);
    return size;
  }

 private:
  std::string dir_;
  std::string reason_;
  bool mounted_ = false;
};

}  // namespace imgcls::test
