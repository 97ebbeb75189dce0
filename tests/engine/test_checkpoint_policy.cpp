// CheckpointPolicy: the order of an epoch's checkpoint writes and what recover() makes of
// every state a kill can leave; read_progress on corrupt files.
#include <gtest/gtest.h>
#include <torch/serialize/output-archive.h>
#include <torch/torch.h>

#include <filesystem>

#include "engine/checkpoint.hpp"
#include "engine/checkpoint_policy.hpp"
#include "imgcls/errors.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {
namespace fs = std::filesystem;

struct RunFixture {
  test::TempDir dir;
  RunPaths paths{dir.path()};
  RunFixture() { fs::create_directories(paths.checkpoints()); }
  std::vector<std::string> written;
  // A writer that records the order and puts the epoch's name in each file.
  CheckpointPolicy::Writer writer(int64_t epoch) {
    return [this, epoch](const std::string& path) {
      written.push_back(fs::path(path).filename().string());
      test::write_text(path, "epoch " + std::to_string(epoch));
    };
  }
};

TEST(CheckpointPolicy, WritesEpochThenPendingBestThenLastThenRenames) {
  RunFixture f;
  CheckpointPolicy policy(f.paths, 2);
  policy.commit_epoch(1, true, f.writer(1));
  EXPECT_EQ(f.written, (std::vector<std::string>{"epoch-1.pt", "best.pending-1.pt", "last.pt"}));
  EXPECT_EQ(test::read_text(f.paths.best_checkpoint()), "epoch 1");
  EXPECT_FALSE(fs::exists(CheckpointPolicy::pending_best(f.paths, 1)));
  f.written.clear();
  policy.commit_epoch(2, false, f.writer(2));
  EXPECT_EQ(f.written, (std::vector<std::string>{"epoch-2.pt", "last.pt"}));
  EXPECT_EQ(test::read_text(f.paths.best_checkpoint()), "epoch 1");
  policy.commit_epoch(3, true, f.writer(3));
  EXPECT_EQ(test::read_text(f.paths.best_checkpoint()), "epoch 3");
  // keep_last 2: epoch-1.pt pruned once epoch 3 is written.
  EXPECT_FALSE(fs::exists(f.paths.epoch_checkpoint(1)));
  EXPECT_TRUE(fs::exists(f.paths.epoch_checkpoint(2)));
  EXPECT_TRUE(fs::exists(f.paths.epoch_checkpoint(3)));
}

TEST(CheckpointPolicy, KilledBeforeLastIsWrittenKeepsTheOldPair) {
  RunFixture f;
  CheckpointPolicy policy(f.paths, 0);
  policy.commit_epoch(1, true, f.writer(1));
  // Epoch 2 improves, but the process dies while writing last.pt.
  const auto dying = [&](const std::string& path) {
    if (path == f.paths.last_checkpoint()) throw std::runtime_error("killed");
    test::write_text(path, "epoch 2");
  };
  EXPECT_THROW(policy.commit_epoch(2, true, dying), std::runtime_error);
  EXPECT_EQ(test::read_text(f.paths.best_checkpoint()), "epoch 1");
  EXPECT_TRUE(fs::exists(CheckpointPolicy::pending_best(f.paths, 2)));
  // last.pt (epoch 1's) names epoch 1 as best: the pending file is dropped.
  EXPECT_TRUE(CheckpointPolicy::recover(f.paths, 1));
  EXPECT_FALSE(fs::exists(CheckpointPolicy::pending_best(f.paths, 2)));
  EXPECT_EQ(test::read_text(f.paths.best_checkpoint()), "epoch 1");
  EXPECT_FALSE(CheckpointPolicy::recover(f.paths, 1));  // nothing left to do
}

TEST(CheckpointPolicy, KilledAfterLastIsWrittenFinishesTheRename) {
  RunFixture f;
  test::write_text(f.paths.best_checkpoint(), "epoch 1");
  test::write_text(CheckpointPolicy::pending_best(f.paths, 2), "epoch 2");
  test::write_text(f.paths.last_checkpoint(), "epoch 2");
  EXPECT_TRUE(CheckpointPolicy::recover(f.paths, 2));  // last.pt names epoch 2 as best
  EXPECT_EQ(test::read_text(f.paths.best_checkpoint()), "epoch 2");
  EXPECT_FALSE(fs::exists(CheckpointPolicy::pending_best(f.paths, 2)));
}

TEST(CheckpointPolicy, BestCheckpointIsReadOnly) {
  RunFixture f;
  EXPECT_EQ(CheckpointPolicy::best_checkpoint(f.paths), "");
  test::write_text(f.paths.best_checkpoint(), "epoch 1");
  EXPECT_EQ(CheckpointPolicy::best_checkpoint(f.paths), f.paths.best_checkpoint());
  // A pending file without a last.pt that names it is not the best.
  test::write_text(CheckpointPolicy::pending_best(f.paths, 2), "epoch 2");
  EXPECT_EQ(CheckpointPolicy::best_checkpoint(f.paths), f.paths.best_checkpoint());
  EXPECT_TRUE(fs::exists(CheckpointPolicy::pending_best(f.paths, 2)));
}

// A checkpoint whose fields have the wrong sizes: an error naming the file and the field,
// never an out-of-bounds read.
TEST(CheckpointPolicy, CorruptCountersAreAClearError) {
  test::TempDir dir;
  const auto path = dir / "bad.pt";
  torch::serialize::OutputArchive archive;
  archive.write("format_version", at::tensor(kCheckpointFormatVersion));
  archive.write("counters", at::tensor(at::ArrayRef<int64_t>({1, 2, 3})));
  archive.save_to(path);
  const auto message = test::message_of<TrainError>([&] { read_progress(path); });
  EXPECT_NE(message.find(path), std::string::npos) << message;
  EXPECT_NE(message.find("'counters' holds 3"), std::string::npos) << message;

  torch::serialize::OutputArchive wrong_type;
  wrong_type.write("format_version", at::tensor(kCheckpointFormatVersion));
  wrong_type.write("counters", at::zeros({7}, at::kFloat));
  wrong_type.save_to(path);
  EXPECT_NE(test::message_of<TrainError>([&] { read_progress(path); }).find("Float"), std::string::npos);

  test::write_text(path, "not a zip archive at all");
  EXPECT_NE(test::message_of<TrainError>([&] { read_progress(path); }).find("cannot load checkpoint"),
            std::string::npos);
}

}  // namespace
}  // namespace imgcls
