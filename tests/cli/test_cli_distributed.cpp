// Data-parallel `imgcls train`: ranks started as torchrun starts them (RANK, WORLD_SIZE,
// MASTER_ADDR, MASTER_PORT), Gloo on 127.0.0.1, on the real Fashion-MNIST.
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <sstream>

#include "test_util.hpp"

namespace imgcls {
namespace {
namespace fs = std::filesystem;

const std::string kBinary = IMGCLS_BINARY;
const std::string kConfig = std::string(IMGCLS_SOURCE_DIR) + "/configs/fashion_mnist.yaml";
// 810 training images: 12 batches of 64 and a last one of 42 (rank 0: 32, rank 1: 10); one
// thread and fp32, so two processes and one do the same arithmetic per sample.
const std::string kTrain = " train " + kConfig +
                           " model.name=mlp data.limit=1000 data.val_split=190 train.epochs=2 device=cpu threads=1 "
                           "data.workers=0 train.amp=none ";

using test::free_port;

std::string rank_env(int rank, int world, int port) {
  return "env RANK=" + std::to_string(rank) + " WORLD_SIZE=" + std::to_string(world) +
         " LOCAL_RANK=" + std::to_string(rank) + " LOCAL_WORLD_SIZE=" + std::to_string(world) +
         " MASTER_ADDR=127.0.0.1 MASTER_PORT=" + std::to_string(port) + " ";
}

struct Ranks {
  int exit0 = -1, exit1 = -1;
  std::string out0, out1;
};

// Two ranks of `args`; `env1` goes to rank 1 only (a test hook), `env` to both.
Ranks two_ranks(const test::TempDir& dir, const std::string& args, const std::string& env1 = "",
                const std::string& env = "", double seconds = 300) {
  const int port = free_port();
  const auto log0 = dir / "rank0.txt", log1 = dir / "rank1.txt";
  const auto p0 = test::start(rank_env(0, 2, port) + env + kBinary + args, log0);
  const auto p1 =
      test::start(rank_env(1, 2, port) + "TMPDIR=" + (dir / "tmp1") + " " + env + env1 + kBinary + args, log1);
  Ranks r;
  r.exit0 = test::wait_exit(p0, seconds);
  r.exit1 = test::wait_exit(p1, seconds);
  if (r.exit0 < 0) test::stop(p0);
  if (r.exit1 < 0) test::stop(p1);
  r.out0 = test::read_text(log0), r.out1 = test::read_text(log1);
  return r;
}

std::vector<std::vector<double>> metrics_of(const std::string& run_dir) {
  std::vector<std::vector<double>> rows;
  const auto lines = test::lines_of(test::read_text(run_dir + "/metrics.csv"));
  for (std::size_t i = 1; i < lines.size(); ++i) {
    std::vector<double> v;
    std::istringstream row(lines[i]);
    // Empty cells (train.ema's columns without it) read as NaN.
    for (std::string cell; std::getline(row, cell, ',');) v.push_back(cell.empty() ? NAN : std::stod(cell));
    rows.push_back(v);
  }
  return rows;
}

// The numbers two runs should share: train loss/acc, val loss/acc per epoch (metrics.csv's
// columns 2-5), and the test split's from summary.json.
void expect_same_training(const std::string& a, const std::string& b, double tolerance) {
  const auto ma = metrics_of(a), mb = metrics_of(b);
  ASSERT_EQ(ma.size(), mb.size());
  ASSERT_FALSE(ma.empty());
  for (std::size_t e = 0; e < ma.size(); ++e)
    for (std::size_t col = 2; col <= 5; ++col)
      EXPECT_NEAR(ma[e][col], mb[e][col], tolerance) << "epoch " << e + 1 << " column " << col;
  const auto sa = nlohmann::json::parse(test::read_text(a + "/summary.json"));
  const auto sb = nlohmann::json::parse(test::read_text(b + "/summary.json"));
  EXPECT_NEAR(sa["test_loss"].get<double>(), sb["test_loss"].get<double>(), tolerance);
  EXPECT_NEAR(sa["test_acc"].get<double>(), sb["test_acc"].get<double>(), tolerance);
}

TEST(CliDistributed, TwoRanksTrainLikeOneProcessAtTheGlobalBatch) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  fs::create_directories(dir / "tmp1");
  const auto one = dir / "one", two = dir / "two";
  const auto single = test::run(kBinary + kTrain + "data.batch_size=64 --out " + one);
  ASSERT_EQ(single.exit_code, 0) << single.output;
  const auto r = two_ranks(dir, kTrain + "data.batch_size=32 --out " + two);
  ASSERT_EQ(r.exit0, 0) << r.out0 << "\n--- rank 1:\n" << r.out1;
  ASSERT_EQ(r.exit1, 0) << r.out1;
  // The same training, validation (sharded, sums all-reduced) and test numbers, up to the
  // order float sums were taken in.
  expect_same_training(one, two, 2e-5);
  // The console and summary.json say how the batch was made.
  EXPECT_NE(r.out0.find("batch 32 per process x 2 = 64"), std::string::npos) << r.out0;
  const auto s = nlohmann::json::parse(test::read_text(two + "/summary.json"));
  EXPECT_EQ(s["world_size"], 2);
  EXPECT_EQ(s["global_batch"], 64);
  EXPECT_EQ(s["distributed"]["backend"], "gloo");
  const auto s1 = nlohmann::json::parse(test::read_text(one + "/summary.json"));
  EXPECT_EQ(s1["world_size"], 1);
  EXPECT_EQ(s1.count("distributed"), 0u);
  // Rank 0 alone wrote a run directory; rank 1 printed nothing and left nothing behind.
  std::vector<std::string> entries;
  for (const auto& e : fs::directory_iterator(dir.path())) entries.push_back(e.path().filename().string());
  std::sort(entries.begin(), entries.end());
  EXPECT_EQ(entries, (std::vector<std::string>{"one", "rank0.txt", "rank1.txt", "tmp1", "two"}));
  EXPECT_TRUE(fs::is_empty(dir / "tmp1"));
  EXPECT_EQ(r.out1, "");
}

TEST(CliDistributed, SigintOnOneRankStopsBothAtOneStepAndResumesExactly) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  fs::create_directories(dir / "tmp1");
  const auto whole = dir / "whole", cut = dir / "cut";
  const auto w = two_ranks(dir, kTrain + "data.batch_size=32 --out " + whole);
  ASSERT_EQ(w.exit0, 0) << w.out0 << "\n--- rank 1:\n" << w.out1;
  // Ctrl-C reaches rank 1 alone, after its step 5 of epoch 1: both stop after that step.
  const auto i = two_ranks(dir, kTrain + "data.batch_size=32 --out " + cut, "IMGCLS_TEST_KILL_AT=1:5:INT ");
  EXPECT_EQ(i.exit0, 130) << i.out0;
  EXPECT_EQ(i.exit1, 130) << i.out1;
  EXPECT_NE(i.out0.find("interrupted by SIGINT in epoch 1 after batch 5 of 13"), std::string::npos) << i.out0;
  EXPECT_NE(i.out1.find("interrupted by SIGINT in epoch 1 after batch 5 of 13"), std::string::npos) << i.out1;
  ASSERT_TRUE(fs::exists(cut + "/checkpoints/last.pt"));
  // Resumed by both ranks (rank 1 gets rank 0's last.pt over the process group): the run ends
  // as the uninterrupted one did.
  const auto r = two_ranks(dir, " train --resume " + cut);
  ASSERT_EQ(r.exit0, 0) << r.out0 << "\n--- rank 1:\n" << r.out1;
  ASSERT_EQ(r.exit1, 0) << r.out1;
  EXPECT_EQ(test::metrics_without_timing(whole), test::metrics_without_timing(cut));
  expect_same_training(whole, cut, 0);
  // Another process count is refused, naming the one the run was trained with.
  const auto alone = test::run(kBinary + " train --resume " + cut);
  EXPECT_EQ(alone.exit_code, 4) << alone.output;
  EXPECT_NE(alone.output.find(cut + ": was trained by 2 processes (world_size in summary.json); resume it with as "
                                    "many (1 now): data.batch_size is per process, so the batches would differ"),
            std::string::npos)
      << alone.output;
}

TEST(CliDistributed, MissingPeerFailsWithinTheTimeoutNamingIt) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  const auto started = std::chrono::steady_clock::now();
  const auto r = test::run(rank_env(0, 2, free_port()) + kBinary + kTrain +
                           "data.batch_size=32 distributed.timeout_s=3 --out " + (dir / "run"));
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(r.exit_code, 4) << r.output;
  EXPECT_NE(r.output.find("imgcls: error: distributed: rank 0: rank 1 of 2 did not join within "
                          "distributed.timeout_s=3 s (store 127.0.0.1:"),
            std::string::npos)
      << r.output;
  EXPECT_LT(seconds, 30) << r.output;
  EXPECT_FALSE(fs::exists(dir / "run"));  // it failed before making anything
}

TEST(CliDistributed, DeadPeerEndsTheOtherRankWithOneLine) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  fs::create_directories(dir / "tmp1");
  // Rank 1 is SIGKILLed after step 3: rank 0 must not wait for it forever.
  const auto started = std::chrono::steady_clock::now();
  const auto r = two_ranks(dir, kTrain + "data.batch_size=32 distributed.timeout_s=20 --out " + (dir / "run"),
                           "IMGCLS_TEST_KILL_AT=1:3 ", "", 120);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  EXPECT_EQ(r.exit1, 137);
  EXPECT_EQ(r.exit0, 4) << r.out0;
  EXPECT_NE(r.out0.find("imgcls: error: distributed: rank 0 lost contact with rank 1 (exited, or silent for "
                        "distributed.timeout_s=20 s): "),
            std::string::npos)
      << r.out0;
  EXPECT_LT(seconds, 60) << r.out0;
}

// The largest difference between two runs' training, validation and test numbers.
double largest_difference(const std::string& a, const std::string& b) {
  const auto ma = metrics_of(a), mb = metrics_of(b);
  double most = 0;
  for (std::size_t e = 0; e < std::min(ma.size(), mb.size()); ++e)
    for (std::size_t col = 2; col <= 5; ++col) most = std::max(most, std::abs(ma[e][col] - mb[e][col]));
  return most;
}

// model.sync_batchnorm: BatchNorm over the global batch, so two ranks train a BatchNorm model
// like one process at the global batch; without it (per-rank statistics) they do not. 790
// training images: the last global batch (22) is rank 0's alone, and rank 1 steps on an empty
// share so that the BatchNorm collectives still pair up.
TEST(CliDistributed, SyncBatchNormTrainsLikeOneProcessAtTheGlobalBatch) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  fs::create_directories(dir / "tmp1");
  // Adam with eps 1e-3: with its default 1e-8, g / sqrt(v) turns the last-bit differences of
  // near-zero gradients (the order the statistics were summed in) into whole steps.
  const auto bn = std::string(" model.name=vgg_cnn model.widths=[8,16] model.blocks=1 model.hidden=[32] "
                              "model.dropout=0 data.val_split=210 optimizer.eps=0.001 ");
  const auto one = dir / "one", synced = dir / "synced", per_rank = dir / "per_rank";
  const auto single = test::run(kBinary + kTrain + bn + "data.batch_size=64 --out " + one);
  ASSERT_EQ(single.exit_code, 0) << single.output;
  const auto s = two_ranks(dir, kTrain + bn + "data.batch_size=32 model.sync_batchnorm=true --out " + synced);
  ASSERT_EQ(s.exit0, 0) << s.out0 << "\n--- rank 1:\n" << s.out1;
  ASSERT_EQ(s.exit1, 0) << s.out1;
  EXPECT_NE(s.out0.find("BatchNorm over the global batch (model.sync_batchnorm)"), std::string::npos) << s.out0;
  // Losses agree to 1e-5; an accuracy may move by one image of the 10,000 (float rounding).
  expect_same_training(one, synced, 3e-4);
  // The running statistics are the global batch's too: best.pt's test numbers above.
  const auto p = two_ranks(dir, kTrain + bn + "data.batch_size=32 --out " + per_rank);
  ASSERT_EQ(p.exit0, 0) << p.out0 << "\n--- rank 1:\n" << p.out1;
  EXPECT_GT(largest_difference(one, per_rank), 1e-3) << "per-rank BatchNorm should differ from the global batch's";
  // A model without BatchNorm does not take the key.
  const auto mlp = test::run(kBinary + kTrain + "model.sync_batchnorm=true --out " + (dir / "mlp"));
  EXPECT_EQ(mlp.exit_code, 2) << mlp.output;
  EXPECT_NE(mlp.output.find("model.sync_batchnorm: mlp does not take this key"), std::string::npos) << mlp.output;
}

// Each rank's random generator is in last.pt: with dropout and a short last batch (rank 1's
// share is empty, so the ranks' generators drift apart), a run resumed after epoch 1 ends as
// the uninterrupted one.
TEST(CliDistributed, ResumeRestoresEveryRanksGenerator) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  fs::create_directories(dir / "tmp1");
  const auto args = kTrain + "model.dropout=0.5 data.val_split=210 data.batch_size=32 ";
  const auto whole = dir / "whole", cut = dir / "cut";
  const auto w = two_ranks(dir, args + "--out " + whole);
  ASSERT_EQ(w.exit0, 0) << w.out0 << "\n--- rank 1:\n" << w.out1;
  const auto first = two_ranks(dir, args + "train.epochs=1 --out " + cut);
  ASSERT_EQ(first.exit0, 0) << first.out0 << "\n--- rank 1:\n" << first.out1;
  const auto r = two_ranks(dir, " train --resume " + cut + " train.epochs=2");
  ASSERT_EQ(r.exit0, 0) << r.out0 << "\n--- rank 1:\n" << r.out1;
  ASSERT_EQ(r.exit1, 0) << r.out1;
  expect_same_training(whole, cut, 0);
}

// torchrun from the project's torch environment (next to IMGCLS_PYTHON), or "".
std::string torchrun() {
  const auto path = fs::path(IMGCLS_PYTHON).parent_path() / "torchrun";
  return std::string(IMGCLS_PYTHON).empty() || !fs::exists(path) ? "" : path.string();
}

TEST(CliDistributed, TorchrunRestartAfterAKilledRankEndsAsTheUninterruptedRun) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  if (torchrun().empty()) GTEST_SKIP() << "no torchrun next to IMGCLS_PYTHON (./scripts/setup.sh installs it)";
  test::TempDir dir;
  const auto whole = dir / "whole", restarted = dir / "restarted";
  const auto launch =
      torchrun() + " --standalone --nproc-per-node 2 --max-restarts 1 --monitor-interval 0.2 --no-python ";
  const auto args = kTrain + "data.batch_size=32 --out ";
  const auto w = test::run("TMPDIR=" + dir.path() + " " + launch + kBinary + args + whole);
  ASSERT_EQ(w.exit_code, 0) << w.output;
  const auto s = nlohmann::json::parse(test::read_text(whole + "/summary.json"));
  EXPECT_EQ(s["world_size"], 2);
  EXPECT_EQ(s["distributed"]["launcher"], "torchrun");
  // Rank 1 of the first attempt is SIGKILLed in epoch 2; torchrun restarts both, and they go on
  // from checkpoints/last.pt (epoch 1) by themselves.
  test::write_text(dir / "rank.sh",
                   "if [ \"$RANK\" = 1 ] && [ \"$TORCHELASTIC_RESTART_COUNT\" = 0 ]; then export "
                   "IMGCLS_TEST_KILL_AT=2:3; fi\nexec " +
                       kBinary + args + restarted + "\n");
  const auto r = test::run("TMPDIR=" + dir.path() + " " + launch + "sh " + (dir / "rank.sh"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(test::read_text(restarted + "/train.log").find("restart 1 (TORCHELASTIC_RESTART_COUNT): resuming"),
            std::string::npos);
  EXPECT_EQ(test::metrics_without_timing(whole), test::metrics_without_timing(restarted));
  expect_same_training(whole, restarted, 0);
}

TEST(CliDistributed, TwoNodesInNetworkNamespaces) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  if (torchrun().empty()) GTEST_SKIP() << "no torchrun next to IMGCLS_PYTHON (./scripts/setup.sh installs it)";
  test::TempDir dir;
  const auto run = dir / "run";
  const auto r =
      test::run("TORCHRUN=" + torchrun() + " " + std::string(IMGCLS_SOURCE_DIR) + "/scripts/dev/two_nodes.sh " +
                kBinary + kTrain + "data.batch_size=32 train.epochs=1 --out " + run);
  if (r.exit_code == 77) GTEST_SKIP() << r.output;  // no network namespaces here (not root)
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const auto s = nlohmann::json::parse(test::read_text(run + "/summary.json"));
  EXPECT_EQ(s["status"], "completed");
  EXPECT_EQ(s["world_size"], 2);
  EXPECT_EQ(s["distributed"]["launcher"], "torchrun");
}

}  // namespace
}  // namespace imgcls
