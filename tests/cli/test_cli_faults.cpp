// Faults a run survives, run as a user meets them: a second process on one run directory, a
// full disk. (The kill storm is scripts/dev/kill_storm.sh; docs/RELIABILITY.md has its figures.)
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "engine/checkpoint.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "io/run_lock.hpp"
#include "models/classifier.hpp"
#include "test_util.hpp"
#include "tmpfs_util.hpp"

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

// An MLP with dropout and Adam: a checkpoint of about 2.5 MB, three epochs of a few seconds.
const char* kSmallRun = R"(name: full
seed: 5
device: cpu
threads: 1
data: {dataset: fashion_mnist, root: /usr/share/datasets/fashion-mnist, limit: 1500, val_split: 0.2, batch_size: 50}
model: {name: mlp, hidden: [256], dropout: 0.2}
optimizer: {name: adam, lr: 0.001}
train: {epochs: 3}
output: {keep_last: 1}
)";

std::vector<at::Tensor> weights_of(const std::string& checkpoint) {
  auto model = make_model(parse_config(kSmallRun, "full.yaml"), InputSpec{1, 28, 28, 10});
  load_checkpoint(checkpoint, *model, nullptr);
  return model->parameters();
}

// Files an atomic write left behind (`<name>.tmp.XXXXXX`) anywhere under `dir`.
std::vector<std::string> temp_files_under(const std::string& dir) {
  std::vector<std::string> found;
  for (const auto& e : fs::recursive_directory_iterator(dir))
    if (e.path().filename().string().find(".tmp.") != std::string::npos) found.push_back(e.path().string());
  return found;
}

TEST(CliFaults, AFullDiskStopsWithExitFourKeepsLastPtAndTheResumedRunEqualsAStraightOne) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  test::SmallTmpfs disk(dir / "disk", 48u << 20);
  if (!disk.mounted()) GTEST_SKIP() << disk.reason();
  test::write_text(dir / "c.yaml", kSmallRun);
  const auto straight = test::run(kBinary + " train " + dir / "c.yaml" + " -q --out " + dir / "straight");
  ASSERT_EQ(straight.exit_code, 0) << straight.output;

  // Killed in epoch 2: last.pt holds epoch 1. Then the disk fills up, leaving room for the
  // small files but not for a checkpoint.
  const auto run = dir / "disk/run";
  const auto killed = test::run("IMGCLS_TEST_KILL_AT=2:3 " + kBinary + " train " + dir / "c.yaml" + " -q --out " + run);
  ASSERT_EQ(killed.exit_code, 128 + SIGKILL) << killed.output;
  const auto checkpoint_size = fs::file_size(run + "/checkpoints/last.pt");
  ASSERT_GT(disk.fill("filler", checkpoint_size / 2), 0u);

  const auto full = test::run(kBinary + " train --resume " + run + " -q");
  EXPECT_EQ(full.exit_code, 4) << full.output;
  // One line: the file (epoch 2's first checkpoint) and the cause.
  EXPECT_EQ(test::lines_of(full.output).size(), 1u) << full.output;
  EXPECT_NE(full.output.find("imgcls: error: " + run + "/checkpoints/"), std::string::npos) << full.output;
  EXPECT_NE(full.output.find(".pt: write failed: No space left on device"), std::string::npos) << full.output;
  EXPECT_EQ(temp_files_under(run), std::vector<std::string>{});
  EXPECT_EQ(read_progress(run + "/checkpoints/last.pt").epoch, 1);
  EXPECT_EQ(weights_of(run + "/checkpoints/last.pt").size(), weights_of(dir / "straight/checkpoints/last.pt").size());
  const auto failed = nlohmann::json::parse(test::read_text(run + "/summary.json"));
  EXPECT_EQ(failed["status"], "failed");

  // Room made: the resumed run finishes as if nothing had happened.
  fs::remove(dir / "disk/filler");
  const auto resumed = test::run(kBinary + " train --resume " + run + " -q");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_EQ(test::metrics_without_timing(run), test::metrics_without_timing(dir / "straight"));
  const auto a = weights_of(dir / "straight/checkpoints/last.pt");
  const auto b = weights_of(run + "/checkpoints/last.pt");
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(a[i].equal(b[i])) << "parameter " << i;
  const auto sa = nlohmann::json::parse(test::read_text(dir / "straight/summary.json"));
  const auto sb = nlohmann::json::parse(test::read_text(run + "/summary.json"));
  EXPECT_EQ(sb["status"], "completed");
  EXPECT_EQ(sa["test_acc"], sb["test_acc"]);
  EXPECT_EQ(temp_files_under(run), std::vector<std::string>{});
}

}  // namespace
}  // namespace imgcls
