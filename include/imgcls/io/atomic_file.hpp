// Atomic file writes: the new content goes to a temporary file in the same folder, is
// fsync'ed, renamed over the target, and the folder is fsync'ed. A crash or kill at any
// moment leaves either the old file or the new one, never a mix. The destructor of an
// AtomicFile that was not committed removes its temporary file; a process killed before
// that leaves it behind, as `<target>.tmp.XXXXXX` (six letters or digits), which
// remove_stale_temp_files clears. The new file gets the mode a plain ofstream would give it
// (0666 minus the umask).
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
  int slot_ = -1;  // its entry among the temporary files in flight
  int fd_ = -1;
  bool committed_ = false;
};

// Replaces `path` with `content` atomically.
void write_file_atomic(const std::string& path, const std::string& content);

// Removes the temporary files AtomicFile leaves in `dir` when the process is killed mid-write
// (regular files named `<name>.tmp.XXXXXX`, X a letter or digit; nothing else, no
// subfolders) and returns how many it removed. Call it only while no other process writes in
// `dir` (a resumed run, on its run directory and checkpoints/), or their writes would fail.
// A missing `dir` gives 0; a folder that cannot be read or a file that cannot be removed
// throws IoError.
//
//   remove_stale_temp_files(paths.dir);
//   remove_stale_temp_files(paths.checkpoints());
int remove_stale_temp_files(const std::string& dir);

// Removes the temporary files of the AtomicFiles being written right now. Async-signal-safe
// (unlink only): for a signal handler about to _exit (a second Ctrl-C), so that the exit
// leaves no `<target>.tmp.XXXXXX` behind, as an uncommitted AtomicFile's destructor would.
void unlink_temp_files_in_flight() noexcept;

}  // namespace imgcls
