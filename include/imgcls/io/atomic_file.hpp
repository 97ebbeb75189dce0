// Atomic file writes: the new content goes to a temporary file in the same folder, is
// fsync'ed, renamed over the target, and the folder is fsync'ed. A crash or kill at any
// moment leaves either the old file or the new one, never a mix. The destructor of an
// AtomicFile that was not committed removes its temporary file.
//
// Throws IoError (exit code 4) naming the path and the system error.
#pragma once

#include <string>

namespace imgcls {

class AtomicFile {
 public:
  explicit AtomicFile(std::string path);
  ~AtomicFile();
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  void write(const void* data, std::size_t size);
  void write(const std::string& text) { write(text.data(), text.size()); }
  // Makes the content visible under the target path. Call once.
  void commit();

 private:
  std::string path_;
  std::string tmp_path_;
  int fd_ = -1;
  bool committed_ = false;
};

// Replaces `path` with `content` atomically.
void write_file_atomic(const std::string& path, const std::string& content);

}  // namespace imgcls
