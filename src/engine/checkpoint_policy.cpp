#include "engine/checkpoint_policy.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <vector>

#include "engine/checkpoint.hpp"
#include "imgcls/errors.hpp"
#include "util/kill_point.hpp"

namespace imgcls {
namespace fs = std::filesystem;
namespace {

const std::string kPendingPrefix = "best.pending-";

// rename(2) and an fsync of the folder, so the new name survives a power cut.
void rename_durably(const std::string& from, const std::string& to) {
  if (::rename(from.c_str(), to.c_str()) != 0)
    throw IoError(to + ": cannot rename " + from + " to it: " + std::strerror(errno));
  const int dir = ::open(fs::path(to).parent_path().c_str(), O_RDONLY | O_DIRECTORY);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace

CheckpointPolicy::CheckpointPolicy(RunPaths paths, int64_t keep_last) : paths_(std::move(paths)), keep_last_(keep_last) {}

std::string CheckpointPolicy::pending_best(const RunPaths& paths, int64_t epoch) {
  return paths.checkpoints() + "/" + kPendingPrefix + std::to_string(epoch) + ".pt";
}

void CheckpointPolicy::commit_epoch(int64_t epoch, bool improved, const Writer& write) const {
  if (keep_last_ > 0) {
    write(paths_.epoch_checkpoint(epoch));
    std::error_code ec;
    fs::remove(paths_.epoch_checkpoint(epoch - keep_last_), ec);
  }
  const auto pending = pending_best(paths_, epoch);
  if (improved) {
    write(pending);
    kill_point(std::to_string(epoch) + ":best-pending");
  }
  write(paths_.last_checkpoint());
  if (improved) {
    kill_point(std::to_string(epoch) + ":last-written");
    rename_durably(pending, paths_.best_checkpoint());
  }
}

bool CheckpointPolicy::recover(const RunPaths& paths, int64_t best_epoch_in_last) {
  std::vector<fs::path> pending;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(paths.checkpoints(), ec))
    if (entry.path().filename().string().compare(0, kPendingPrefix.size(), kPendingPrefix) == 0)
      pending.push_back(entry.path());
  for (const auto& path : pending) {
    const auto epoch = std::atoll(path.filename().c_str() + kPendingPrefix.size());
    if (epoch > 0 && epoch == best_epoch_in_last)
      rename_durably(path.string(), paths.best_checkpoint());  // last.pt already names it
    else
      fs::remove(path, ec);  // last.pt never got to name it: the old best.pt stands
  }
  return !pending.empty();
}

std::string CheckpointPolicy::best_checkpoint(const RunPaths& paths) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(paths.checkpoints(), ec)) {
    const auto name = entry.path().filename().string();
    if (name.compare(0, kPendingPrefix.size(), kPendingPrefix) != 0 || !fs::exists(paths.last_checkpoint())) continue;
    if (std::atoll(name.c_str() + kPendingPrefix.size()) == read_progress(paths.last_checkpoint()).best_epoch)
      return entry.path().string();
  }
  return fs::exists(paths.best_checkpoint()) ? paths.best_checkpoint() : "";
}

}  // namespace imgcls
