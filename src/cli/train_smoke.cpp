// `imgcls train CONFIG --smoke [N]` (Lightning's fast_dev_run, for a user's CI): the whole path
// of a real run, config, data, transforms, model, loss, optimizer, schedule, checkpoints and
// run files, on N batches per split, in seconds.
//
//   1. the config as given, with train.epochs=1 (1 + scheduler.warmup_epochs with a warmup, so
//      the schedule after it runs too): N training batches and N validation batches an epoch,
//      the checkpoints of each epoch, N test batches with the best checkpoint read back;
//   2. the same run resumed from checkpoints/last.pt for one more epoch of one step.
// The run directory is a fresh temporary one, removed when the smoke run passes (kept, and
// named, when it fails), or --out. Exit codes are train's.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "cli/commands.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/engine/trainer.hpp"
#include "imgcls/errors.hpp"
#include "util/strings.hpp"

namespace imgcls {
namespace {

std::string fresh_temp_dir() {
  const auto stamp = std::chrono::steady_clock::now().time_since_epoch().count();
  return (std::filesystem::temp_directory_path() /
          ("imgcls-smoke-" + std::to_string(::getpid()) + "-" + std::to_string(stamp)))
      .string();
}

}  // namespace

int run_train_smoke(const TrainOptions& options) {
  if (options.smoke < 1) throw UsageError("train: --smoke takes a number of batches >= 1, got " + std::to_string(options.smoke));
  if (!options.resume_dir.empty()) throw UsageError("train: --smoke runs a config; it does not take --resume");
  if (options.config_path.empty()) throw UsageError("train: --smoke needs a CONFIG file");
  const auto started = std::chrono::steady_clock::now();
  auto config = load_config(options.config_path, options.overrides);
  config.train.epochs = 1 + config.scheduler.warmup_epochs;
  const bool temporary = options.out_dir.empty();
  const auto dir = temporary ? fresh_temp_dir() : options.out_dir;
  try {
    TrainerOptions first{dir, options.quiet, false, options.smoke};
    Trainer(config, first).train();
    auto resumed_config = config;
    resumed_config.train.epochs = config.train.epochs + 1;
    TrainerOptions resume{dir, true, true, 1};
    Trainer(resumed_config, resume).train();
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    if (temporary) std::filesystem::remove_all(dir);
    if (!options.quiet)
      std::printf("smoke: passed in %s s: %lld training, validation and test batches, a checkpoint written, read "
                  "back and resumed for 1 step; %s\n",
                  fixed(seconds, 1).c_str(), static_cast<long long>(options.smoke),
                  (temporary ? "the run directory is removed" : "run files in " + dir).c_str());
    return 0;
  } catch (const InterruptedError&) {
    throw;
  } catch (const Error&) {
    if (temporary && std::filesystem::exists(dir))
      std::fprintf(stderr, "smoke: failed; the run directory is kept: %s\n", dir.c_str());
    throw;
  }
}

}  // namespace imgcls
