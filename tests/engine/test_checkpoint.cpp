#include <gtest/gtest.h>
#include <torch/torch.h>

#include "engine/checkpoint.hpp"
#include "imgcls/errors.hpp"
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
  save_checkpoint(dir / "c.pt", *a, &opt, {3, 0.75});

  torch::manual_seed(2);
  BasicCNN b(InputSpec{});
  torch::optim::Adam opt_b(b->parameters(), torch::optim::AdamOptions(1e-3));
  EXPECT_FALSE(torch::allclose(a->forward(x), b->forward(x)));
  const auto info = load_checkpoint(dir / "c.pt", *b, &opt_b);
  EXPECT_EQ(info.epoch, 3);
  EXPECT_DOUBLE_EQ(info.metric, 0.75);
  EXPECT_TRUE(torch::equal(a->forward(x), b->forward(x)));
}

TEST(Checkpoint, CorruptOrForeignFilesAreClearErrors) {
  test::TempDir dir;
  BasicCNN model(InputSpec{});
  save_checkpoint(dir / "good.pt", *model, nullptr, {1, 0.5});
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

}  // namespace
}  // namespace imgcls
