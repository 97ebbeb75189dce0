#include <gtest/gtest.h>
#include <torch/torch.h>

#include "engine/checkpoint.hpp"
#include "imgcls/errors.hpp"
#include "imgcls/io/atomic_file.hpp"
#include "models/basic_cnn.hpp"
#include "test_util.hpp"

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
