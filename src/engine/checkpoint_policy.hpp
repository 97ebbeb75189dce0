// Which checkpoints a run keeps, in which order they are written, and what survives a kill.
//
// At the end of an epoch the run commits, in this order:
//   1. checkpoints/epoch-E.pt            (output.keep_last > 0), then the one E - keep_last
//                                         is deleted
//   2. checkpoints/best.pending-E.pt     when the epoch improved the monitored metric
//   3. checkpoints/last.pt               the exact state to resume from; its best_epoch is E
//   4. best.pending-E.pt renamed to best.pt
// Each file is written atomically (io/atomic_file.hpp), so each exists whole or not at all;
// the pending name makes the best/last pair consistent whatever moment the process dies:
// killed before 3, last.pt still names the previous best, which best.pt still holds, and the
// pending file is dropped by recover(); killed after 3, recover() finishes the rename. A
// resumed run calls recover(); readers that must not change the run (eval, predict, export,
// perhaps while it trains) ask best_checkpoint() which file holds the best weights.
//
//   CheckpointPolicy policy(paths, config.output.keep_last);
//   policy.commit_epoch(epoch, improved, [&](const std::string& path) { save_checkpoint(path, ...); });
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "io/run_dir.hpp"

namespace imgcls {

class CheckpointPolicy {
 public:
  using Writer = std::function<void(const std::string& path)>;

  CheckpointPolicy(RunPaths paths, int64_t keep_last);

  // Writes the end of `epoch` as above. `write(path)` saves the current state to path.
  void commit_epoch(int64_t epoch, bool improved, const Writer& write) const;
  // last.pt alone: an interruption mid-epoch.
  void save_last(const Writer& write) const { write(paths_.last_checkpoint()); }

  // Finishes or drops a commit a kill cut short, given the best epoch last.pt records
  // (0: none). Returns true when it changed anything.
  static bool recover(const RunPaths& paths, int64_t best_epoch_in_last);
  // The file that holds the best weights, without changing anything: best.pt, or the pending
  // file a kill left when last.pt already names its epoch. "" when neither exists.
  static std::string best_checkpoint(const RunPaths& paths);

  static std::string pending_best(const RunPaths& paths, int64_t epoch);

 private:
  RunPaths paths_;
  int64_t keep_last_;
};

}  // namespace imgcls
