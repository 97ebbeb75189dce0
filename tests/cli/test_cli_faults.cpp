// Faults a run survives, run as a user meets them: a second process on one run directory. (The kill storm is scripts/dev/kill_storm.sh; docs/RELIABILITY.md has its figures.)
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "imgcls/errors.hpp"
#include "io/run_lock.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {
namespace fs = std::filesystem;

const std::string kBinary = IMGCLS_BINARY;
const std::string kConfig = std::string(IMGCLS_SOURCE_DIR) + "/configs/fashion_mnist.yaml";

bool locked(const std::string& run) {
  try {
    check_run_dir_unlocked(run);
    return false;
  } catch (const UsageError&) {
    return true;
  }
}

TEST(CliFaults, ASecondProcessOnALiveRunDirectoryIsRefusedAndSigkillLeavesNoStaleLock) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  const auto run = dir / "run";
  const pid_t first = test::start(kBinary + " train " + kConfig +
                                      " data.limit=2000 data.val_split=0.1 train.epochs=200 device=cpu threads=1 --out " +
                                      run,
                                  dir / "first.txt");
  ASSERT_TRUE(test::wait_until([&] { return fs::exists(run + "/checkpoints/last.pt"); }, 120))
      << test::read_text(dir / "first.txt");
  ASSERT_TRUE(locked(run));
  const auto holder = "in use by process " + std::to_string(first);
  // A resume of it, and a new run into it, are refused at once, naming the holder.
  for (const auto& line : {kBinary + " train --resume " + run,
                           kBinary + " train " + kConfig + " data.limit=2000 device=cpu --out " + run}) {
    const auto r = test::run(line);
    EXPECT_EQ(r.exit_code, 2) << line << "\n" << r.output;
    EXPECT_EQ(r.output, "imgcls: error: " + run + ": " + holder + " (it holds " + run +
                            "/.lock); one run directory takes one imgcls train at a time: wait for it to end or stop "
                            "it\n")
        << line;
  }
  EXPECT_EQ(test::wait_exit(first, 0), -1) << "the refusals must not disturb the holder";
  // SIGKILL runs no cleanup; the kernel drops the lock with the process.
  ::kill(first, SIGKILL);
  EXPECT_EQ(test::wait_exit(first, 30), 128 + SIGKILL);
  EXPECT_TRUE(fs::exists(run + "/.lock"));
  EXPECT_FALSE(locked(run));
  const auto resumed = test::run(kBinary + " train --resume " + run + " train.epochs=1 -q");
  EXPECT_EQ(resumed.exit_code, 0) << resumed.output;
}

}  // namespace
}  // namespace imgcls
