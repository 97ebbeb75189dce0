#include <gtest/gtest.h>
#include <torch/torch.h>

#include "engine/checkpoint.hpp"
#include "imgcls/errors.hpp"
#include "imgcls/io/atomic_file.hpp"
#include "models/basic_cnn.hpp"
#include "test_util.hpp"
#include "zip_util.hpp"

namespace imgcls {
namespace {

TEST(Checkpoint, SaveAndReloadGiveTheSameOutputs) {
  test::TempDir dir;
  torch::manual_seed(1);
  BasicCNN a(InputSpec{});
  torch::optim::Adam opt(a->parameters(), torch::optim::AdamOptions(1e-3));
  const auto x = torch::randn({4, 1, 28, 28});
  // One step so the optimizer has state to save.
  torch::nn::functional::cross_entropy(a->forward(x), torch::tensor({1, 2, 3, 4})).backward();
  opt.step();
  TrainProgress progress;
  progress.epoch = 3;
  progress.best_metric = 0.75;
  progress.history = {EpochMetrics{1, 0.1, 2.0, 0.5, 1.9, 0.55, 3.0, 100.0}};
  progress.config_hash = "abc";
  save_checkpoint(dir / "c.pt", *a, &opt, progress);

  torch::manual_seed(2);
  BasicCNN b(InputSpec{});
  torch::optim::Adam opt_b(b->parameters(), torch::optim::AdamOptions(1e-3));
  EXPECT_FALSE(torch::allclose(a->forward(x), b->forward(x)));
  const auto info = load_checkpoint(dir / "c.pt", *b, &opt_b);
  EXPECT_EQ(info.epoch, 3);
  EXPECT_DOUBLE_EQ(info.best_metric, 0.75);
  EXPECT_EQ(info.config_hash, "abc");
  ASSERT_EQ(info.history.size(), 1u);
  EXPECT_DOUBLE_EQ(info.history[0].val_acc, 0.55);
  EXPECT_TRUE(torch::equal(a->forward(x), b->forward(x)));
}

TEST(Checkpoint, HistoryKeepsEveryColumnAndReadsOlderEightAndElevenColumnHistories) {
  test::TempDir dir;
  BasicCNN model(InputSpec{});
  TrainProgress progress;
  progress.epoch = 1;
  progress.history = {EpochMetrics{1, 0.1, 2.0, 0.5, 1.9, 0.55, 3.0, 100.0, 0.25, 2.5, 0.25, 0.5, 0.625}};
  save_checkpoint(dir / "new.pt", *model, nullptr, progress);
  auto read = read_progress(dir / "new.pt");
  ASSERT_EQ(read.history.size(), 1u);
  EXPECT_DOUBLE_EQ(read.history[0].data_seconds, 0.25);
  EXPECT_DOUBLE_EQ(read.history[0].step_seconds, 2.5);
  EXPECT_DOUBLE_EQ(read.history[0].eval_seconds, 0.25);
  EXPECT_DOUBLE_EQ(read.history[0].val_macro_f1, 0.5);
  EXPECT_DOUBLE_EQ(read.history[0].val_balanced_acc, 0.625);

  // A checkpoint written before data/step/eval seconds: its 8 columns, the three as NaN.
  torch::serialize::OutputArchive a;
  a.write("format_version", torch::tensor(kCheckpointFormatVersion));
  a.write("counters", torch::tensor(std::vector<int64_t>{2, 0, 10, 0, 0, 0, 1}));
  a.write("sums", torch::tensor(std::vector<double>{0, 0.5}, torch::kDouble));
  for (const auto* key : {"schedule_state", "early_stopping_state", "scaler_state"})
    a.write(key, torch::empty({0}, torch::kDouble));
  a.write("history", torch::tensor(std::vector<double>{1, 0.1, 2, 0.5, 1.9, 0.55, 3, 100,  //
                                                       2, 0.1, 1, 0.7, 1.5, 0.65, 3, 110},
                                   torch::kDouble)
                         .view({2, 8}));
  a.save_to(dir / "old.pt");
  read = read_progress(dir / "old.pt");
  ASSERT_EQ(read.history.size(), 2u);
  EXPECT_DOUBLE_EQ(read.history[1].val_acc, 0.65);
  EXPECT_DOUBLE_EQ(read.history[1].images_per_second, 110);
  EXPECT_TRUE(std::isnan(read.history[1].data_seconds));
  EXPECT_TRUE(std::isnan(read.history[1].val_macro_f1));

  // One written before val_macro_f1 and val_balanced_acc: 11 columns, the two as NaN.
  a.write("history",
          torch::tensor(std::vector<double>{1, 0.1, 2, 0.5, 1.9, 0.55, 3, 100, 0.25, 2.5, 0.25}, torch::kDouble)
              .view({1, 11}));
  a.save_to(dir / "eleven.pt");
  read = read_progress(dir / "eleven.pt");
  ASSERT_EQ(read.history.size(), 1u);
  EXPECT_DOUBLE_EQ(read.history[0].eval_seconds, 0.25);
  EXPECT_TRUE(std::isnan(read.history[0].val_macro_f1));
  EXPECT_TRUE(std::isnan(read.history[0].val_balanced_acc));
}

TEST(Checkpoint, CorruptOrForeignFilesAreClearErrors) {
  test::TempDir dir;
  BasicCNN model(InputSpec{});
  save_checkpoint(dir / "good.pt", *model, nullptr, TrainProgress{});
  const auto bytes = test::read_text(dir / "good.pt");
  test::write_text(dir / "cut.pt", bytes.substr(0, bytes.size() / 2));
  for (const auto* name : {"cut.pt", "missing.pt"}) {
    try {
      load_checkpoint(dir / name, *model, nullptr);
      FAIL() << name;
    } catch (const TrainError& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.rfind(dir / name + ": cannot load checkpoint", 0), 0u) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;  // one line, no stack trace
    }
  }
  BasicCNN other(InputSpec{1, 28, 28, 5});  // another head size
  EXPECT_THROW(load_checkpoint(dir / "good.pt", *other, nullptr), TrainError);
}

// Found by fuzzing (tests/fuzz/fuzz_checkpoint): a last.pt with a few damaged bytes makes
// LibTorch's unpickler throw std::out_of_range ("Argument passed to at() was not in the map."),
// which escaped as a bare library line without the file's name.
TEST(Checkpoint, DamagedArchiveIsAClearErrorNamingTheFile) {
  test::TempDir dir;
  const auto path = dir / "last.pt";
  test::write_text(path, test::read_text(std::string(IMGCLS_SOURCE_DIR) + "/tests/fixtures/corrupt_archive_last.pt"));
  torch::nn::Linear model(4, 3);
  torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
  for (int what = 0; what < 2; ++what) {
    try {
      if (what == 0) read_progress(path);
      else load_checkpoint(path, *model, &optimizer, true);
      FAIL() << "loaded a damaged checkpoint";
    } catch (const TrainError& e) {
      const std::string msg = e.what();
      EXPECT_EQ(msg.rfind(path + ": cannot load checkpoint", 0), 0u) << msg;
      EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    }
  }
}

// Found by fuzzing: a checkpoint whose history holds an epoch of 1e247 was converted to int64
// (undefined behaviour) and loaded; now it is refused, naming the file.
TEST(Checkpoint, AHistoryEpochThatIsNotAnEpochIsRefused) {
  test::TempDir dir;
  const auto path = dir / "last.pt";
  test::write_text(path, test::read_text(std::string(IMGCLS_SOURCE_DIR) + "/tests/fixtures/history_overflow_last.pt"));
  try {
    read_progress(path);
    FAIL() << "loaded";
  } catch (const TrainError& e) {
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind(path + ": not a valid imgcls checkpoint: history row ", 0), 0u) << msg;
  }
}

// Found by fuzzing (tests/fuzz/fuzz_checkpoint): a pickle that gives 'counters' 7 values over
// a record of 8 bytes made read_progress read past the buffer (and in CI, an 'rng_cpu' of the
// same kind crashed in CPUGeneratorImpl::set_state). The reproducer's CRCs were made to match
// (tests/fixtures/fix_zip_crcs.py) so it reaches the check after the CRC one.
TEST(Checkpoint, ATensorReachingPastItsDataIsRefused) {
  test::TempDir dir;
  const auto path = dir / "last.pt";
  test::write_text(path, test::read_text(std::string(IMGCLS_SOURCE_DIR) + "/tests/fixtures/storage_overrun_last.pt"));
  torch::nn::Linear model(4, 3);
  torch::optim::SGD optimizer(model->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9));
  for (int what = 0; what < 2; ++what) {
    const auto msg = test::message_of<TrainError>([&] {
      if (what == 0) read_progress(path);
      else load_checkpoint(path, *model, &optimizer, true);
    });
    EXPECT_EQ(msg, path + ": not a valid imgcls checkpoint: tensor 'counters' reaches past the data stored for it");
  }
}

// A flipped bit anywhere in a record is caught by its CRC-32 before LibTorch reads the file
// (LibTorch's reader does not check CRCs).
TEST(Checkpoint, AFlippedBitIsNamedByItsRecord) {
  test::TempDir dir;
  BasicCNN model(InputSpec{});
  save_checkpoint(dir / "good.pt", *model, nullptr, TrainProgress{});
  auto bytes = test::read_text(dir / "good.pt");
  const auto [at, size] = test::largest_zip_record(bytes);  // the weights
  ASSERT_GT(size, 0u);
  bytes[at + size / 2] = static_cast<char>(bytes[at + size / 2] ^ 0x10);
  test::write_text(dir / "flipped.pt", bytes);
  const auto msg = test::message_of<TrainError>([&] { load_checkpoint(dir / "flipped.pt", *model, nullptr); });
  EXPECT_EQ(msg.rfind(dir / "flipped.pt" + ": cannot load checkpoint: ", 0), 0u) << msg;
  EXPECT_NE(msg.find("(a damaged file)"), std::string::npos) << msg;
}

TEST(Checkpoint, RestoresTheRandomGenerator) {
  test::TempDir dir;
  BasicCNN model(InputSpec{});
  torch::manual_seed(5);
  save_checkpoint(dir / "c.pt", *model, nullptr, TrainProgress{});
  const auto expected = torch::rand({4});
  torch::manual_seed(99);
  load_checkpoint(dir / "c.pt", *model, nullptr, /*restore_rng=*/true);
  EXPECT_TRUE(torch::equal(torch::rand({4}), expected));
}

TEST(Checkpoint, InterruptedWriteKeepsThePreviousFile) {
  test::TempDir dir;
  BasicCNN model(InputSpec{});
  TrainProgress first;
  first.epoch = 1;
  save_checkpoint(dir / "last.pt", *model, nullptr, first);
  {
    // A writer that dies before commit (as a kill during the write would) leaves the old file.
    AtomicFile partial(dir / "last.pt");
    partial.write(std::string(1000, 'x'));
  }
  EXPECT_EQ(load_checkpoint(dir / "last.pt", *model, nullptr).epoch, 1);
}

}  // namespace
}  // namespace imgcls
