// train.ema: the average's arithmetic (the decay warmup of TensorFlow's ExponentialMovingAverage
// and timm v1's ModelEma, computed here by hand), its schedule, the swap, checkpoints.
#include <gtest/gtest.h>
#include <torch/torch.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "engine/checkpoint.hpp"
#include "engine/model_ema.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/errors.hpp"
#include "models/basic_cnn.hpp"
#include "test_util.hpp"

namespace imgcls {
namespace {

struct Net : torch::nn::Module {
  Net() {
    fc = register_module("fc", torch::nn::Linear(2, 1));
    bn = register_module("bn", torch::nn::BatchNorm1d(1));
  }
  torch::nn::Linear fc{nullptr};
  torch::nn::BatchNorm1d bn{nullptr};
};

void set_weight(Net& net, double v) {
  torch::NoGradGuard g;
  net.fc->weight.fill_(v);
  net.bn->running_mean.fill_(10 * v);
  net.bn->num_batches_tracked.fill_(static_cast<int64_t>(v));
}

TEST(ModelEma, WarmupDecayIsMinOfDecayAndOnePlusNOverTenPlusN) {
  Net net;
  set_weight(net, 0);
  EmaConfig c;
  c.enabled = true, c.decay = 0.2;
  ModelEma ema(net, c);
  // By hand: e0 = 0; each update e <- d e + (1 - d) w with d = min(0.2, (1 + n) / (10 + n)).
  double e = 0, m = 0;
  const double weights[] = {1, 3, 2, 5};
  for (int n = 0; n < 4; ++n) {
    const double d = std::min(0.2, (1.0 + n) / (10.0 + n));
    EXPECT_DOUBLE_EQ(ema.next_decay(), d);
    set_weight(net, weights[n]);
    ema.update();
    e = d * e + (1 - d) * weights[n];
    m = d * m + (1 - d) * 10 * weights[n];
  }
  EXPECT_DOUBLE_EQ(ema.next_decay(), 0.2);                    // (1 + 4) / 14 > 0.2
  ema.swap();                                                 // the average in the model
  EXPECT_NEAR(net.fc->weight[0][0].item<double>(), e, 1e-5);  // float32
  EXPECT_NEAR(net.bn->running_mean[0].item<double>(), m, 1e-4);
  EXPECT_EQ(net.bn->num_batches_tracked.item<int64_t>(), 5);  // integers copied
  ema.swap();                                                 // and back
  EXPECT_EQ(net.fc->weight[0][0].item<double>(), 5.0);

  EmaConfig plain = c;
  plain.warmup = false;
  ModelEma no_warmup(net, plain);
  EXPECT_DOUBLE_EQ(no_warmup.next_decay(), 0.2);
}

TEST(ModelEma, UpdatesEveryNOptimizerSteps) {
  Net net;
  EmaConfig c;
  c.enabled = true, c.every = 3;
  ModelEma ema(net, c);
  StepInfo s;
  for (int i = 0; i < 10; ++i) {
    s.optimizer_stepped = i % 2 == 1;  // accumulation over two batches: 5 optimizer steps
    ema.after_step(s);
  }
  EXPECT_EQ(ema.state().steps, 5);
  EXPECT_EQ(ema.state().updates, 1);  // after the third
}

TEST(ModelEma, StateRoundTripsThroughACheckpoint) {
  test::TempDir dir;
  BasicCNN model(InputSpec{});
  EmaConfig c;
  c.enabled = true;
  ModelEma ema(*model, c);
  {
    torch::NoGradGuard g;
    for (auto& p : model->parameters()) p.add_(1.0);
  }
  ema.update();
  TrainProgress progress;
  progress.epoch = 1;
  progress.history = {EpochMetrics{1, 0.1, 2.0, 0.5, 1.9, 0.55, 3.0, 100.0, 0.25, 2.5, 0.25, 0.7, 0.65, 1.7, 0.6}};
  const auto state = ema.state();
  progress.ema = state.tensors, progress.ema_updates = state.updates, progress.ema_steps = 7;
  save_checkpoint(dir / "c.pt", *model, nullptr, progress);

  const auto read = read_progress(dir / "c.pt");
  ASSERT_EQ(read.history.size(), 1u);
  EXPECT_DOUBLE_EQ(read.history[0].val_loss_ema, 1.7);
  EXPECT_DOUBLE_EQ(read.history[0].val_acc_ema, 0.6);
  EXPECT_EQ(read.ema_updates, 1);
  EXPECT_EQ(read.ema_steps, 7);
  ASSERT_EQ(read.ema.size(), state.tensors.size());
  for (std::size_t i = 0; i < read.ema.size(); ++i) EXPECT_TRUE(torch::equal(read.ema[i], state.tensors[i])) << i;

  BasicCNN other(InputSpec{});
  load_ema_into(*other, read.ema, dir / "c.pt");
  const auto a = other->parameters();
  for (std::size_t i = 0; i < a.size(); ++i) EXPECT_TRUE(torch::equal(a[i], state.tensors[i])) << i;
  ModelEma restored(*other, c);
  restored.load_state({read.ema, read.ema_updates, read.ema_steps}, "c.pt");
  EXPECT_DOUBLE_EQ(restored.next_decay(), ema.next_decay());

  // A checkpoint without the average, and one of another model, are one-line errors.
  save_checkpoint(dir / "plain.pt", *model, nullptr, TrainProgress{});
  try {
    load_ema_into(*other, read_progress(dir / "plain.pt").ema, "plain.pt");
    FAIL() << "no error";
  } catch (const TrainError& e) {
    EXPECT_EQ(std::string(e.what()), "plain.pt: holds no EMA weights (train.ema was not on when it was written)");
  }
  BasicCNN five(InputSpec{1, 28, 28, 5});
  EXPECT_THROW(load_ema_into(*five, read.ema, "c.pt"), TrainError);
}

TEST(ModelEma, ElevenColumnHistoriesStillRead) {
  test::TempDir dir;
  torch::serialize::OutputArchive a;
  a.write("format_version", torch::tensor(kCheckpointFormatVersion));
  a.write("counters", torch::tensor(std::vector<int64_t>{1, 0, 10, 0, 0, 0, 1}));
  a.write("sums", torch::tensor(std::vector<double>{0, 0.5}, torch::kDouble));
  for (const auto* key : {"schedule_state", "early_stopping_state", "scaler_state"})
    a.write(key, torch::empty({0}, torch::kDouble));
  a.write(
      "history",
      torch::tensor(std::vector<double>{1, 0.1, 2, 0.5, 1.9, 0.55, 3, 100, 0.5, 2, 0.5}, torch::kDouble).view({1, 11}));
  a.save_to(dir / "old.pt");
  const auto read = read_progress(dir / "old.pt");
  ASSERT_EQ(read.history.size(), 1u);
  EXPECT_DOUBLE_EQ(read.history[0].eval_seconds, 0.5);
  EXPECT_TRUE(std::isnan(read.history[0].val_acc_ema));
  EXPECT_TRUE(read.ema.empty());
}

TEST(ModelEma, ConfigKeysNeedEnabled) {
  const std::string base = "data: {dataset: mnist}\nmodel: {name: basic_cnn}\n";
  EXPECT_NO_THROW(parse_config(base + "train: {ema: {enabled: true, decay: 0.999, use_for_best: true}}\n", "e.yaml"));
  try {
    parse_config(base + "train:\n  ema:\n    decay: 0.999\n", "e.yaml");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()), "e.yaml:5: train.ema.decay: has no effect without train.ema.enabled: true");
  }
  try {
    parse_config(base + "train:\n  early_stopping: {monitor: train_loss}\n  ema: {enabled: true, use_for_best: true}\n",
                 "e.yaml");
    FAIL() << "no error";
  } catch (const ConfigError& e) {
    EXPECT_EQ(std::string(e.what()).rfind("e.yaml:5: train.ema.use_for_best: picks best.pt by val_loss_ema", 0), 0u)
        << e.what();
  }
  EXPECT_THROW(parse_config(base, "e.yaml", {"train.ema.decay=1"}), ConfigError);
}

// Mixup, cutmix and EMA in a real run on device-resident batches: interrupted mid-epoch and
// resumed, it gives the same metrics (val_acc_ema included) and the same average as a run never
// interrupted; best.pt and the test go by the EMA weights.
TEST(ModelEma, MixupAndEmaRunResumesExactly) {
  if (!test::have_fashion_mnist()) GTEST_SKIP() << "dataset-fashion-mnist is not installed";
  test::TempDir dir;
  test::write_text(dir / "c.yaml", R"(name: recipe
seed: 5
device: cpu
threads: 1
data: {dataset: fashion_mnist, root: /usr/share/datasets/fashion-mnist, limit: 1200, val_split: 0.2, batch_size: 32,
       device_resident: true}
model: {name: mlp, hidden: [64]}
optimizer: {name: sgd, lr: 0.05, momentum: 0.9, weight_decay: 0.0001, bias_weight_decay: 0}
train:
  epochs: 3
  label_smoothing: 0.1
  mixup: {mixup_alpha: 0.8, cutmix_alpha: 1.0}
  ema: {enabled: true, decay: 0.99, use_for_best: true}
)");
  const std::string binary = IMGCLS_BINARY;
  const auto straight = test::run(binary + " train " + dir / "c.yaml" + " --out " + dir / "straight");
  ASSERT_EQ(straight.exit_code, 0) << straight.output;
  const auto stopped =
      test::run("IMGCLS_TEST_KILL_AT=2:10:INT " + binary + " train " + dir / "c.yaml" + " --out " + dir / "run");
  ASSERT_EQ(stopped.exit_code, 130) << stopped.output;
  const auto resumed = test::run(binary + " train --resume " + dir / "run");
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;

  EXPECT_EQ(test::metrics_without_timing(dir / "run"), test::metrics_without_timing(dir / "straight"));
  const auto rows = test::lines_of(test::read_text(dir / "straight/metrics.csv"));
  ASSERT_EQ(rows.size(), 4u);
  for (std::size_t i = 1; i < rows.size(); ++i) EXPECT_NE(rows[i].back(), ',') << rows[i];  // val_acc_ema filled
  const auto a = read_progress(dir / "straight/checkpoints/last.pt");
  const auto b = read_progress(dir / "run/checkpoints/last.pt");
  ASSERT_FALSE(a.ema.empty());
  ASSERT_EQ(a.ema.size(), b.ema.size());
  for (std::size_t i = 0; i < a.ema.size(); ++i) EXPECT_TRUE(torch::equal(a.ema[i], b.ema[i])) << i;
  EXPECT_EQ(a.ema_updates, b.ema_updates);
  EXPECT_EQ(a.ema_updates, a.global_step);

  // best.pt by val_acc_ema; summary's best_val_acc is that column's value; the test says EMA.
  const auto summary = nlohmann::json::parse(test::read_text(dir / "straight/summary.json"));
  EXPECT_EQ(summary["monitor"], "val_acc_ema");
  double best = -1;
  int64_t best_epoch = 0;
  for (const auto& m : a.history)
    if (m.val_acc_ema > best) best = m.val_acc_ema, best_epoch = m.epoch;
  EXPECT_EQ(summary["best_epoch"].get<int64_t>(), best_epoch);
  EXPECT_DOUBLE_EQ(summary["best_val_acc"].get<double>(), best);
  EXPECT_NE(straight.output.find(", EMA weights): loss"), std::string::npos) << straight.output;
  EXPECT_NE(straight.output.find("ema:       decay 0.99 with warmup, every 1 optimizer step"), std::string::npos)
      << straight.output;
}

}  // namespace
}  // namespace imgcls
