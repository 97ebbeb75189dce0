// TrainLoop and TrainStep: the extension points are called where ARCHITECTURE.md says, a
// hook's stop ends the epoch after an optimizer step with the position recorded, and a hook
// can change a batch (soft targets) and watch gradients before the optimizer step.
#include <gtest/gtest.h>
#include <torch/optim/sgd.h>
#include <ATen/autocast_mode.h>
#include <torch/torch.h>

#include "data/loader.hpp"
#include "data/transforms.hpp"
#include "engine/amp.hpp"
#include "engine/checkpoint.hpp"
#include "engine/device.hpp"
#include "engine/device_feed.hpp"
#include "engine/lr_schedule.hpp"
#include "engine/train_loop.hpp"
#include "imgcls/config/config.hpp"
#include "models/classifier.hpp"
#include "util/cpu_features.hpp"

namespace imgcls {
namespace {

// Records every call, in order.
class Recorder final : public TrainHook {
 public:
  std::vector<std::string> calls;
  int stop_after_step = -1;  // ask to stop once this step has run
  int64_t last_step = 0;
  void on_epoch_start(int64_t epoch) override { calls.push_back("start " + std::to_string(epoch)); }
  void before_forward(StepInputs& in, int64_t, int64_t step) override {
    calls.push_back("forward " + std::to_string(step));
    EXPECT_EQ(in.images.dim(), 4);
  }
  void after_backward(int64_t, int64_t step) override { calls.push_back("backward " + std::to_string(step)); }
  void after_step(const StepInfo& s) override {
    calls.push_back("step " + std::to_string(s.step) + (s.optimizer_stepped ? " *" : ""));
    last_step = s.step;
  }
  int stop_requested() override { return last_step == stop_after_step ? 2 : 0; }
};

struct LoopRig {
  Dataset ds;
  std::unique_ptr<Pipeline> pipeline;
  std::unique_ptr<Loader> loader;
  std::unique_ptr<DeviceFeed> feed;
  Config config;
  std::shared_ptr<ClassifierImpl> model;
  std::unique_ptr<torch::optim::Optimizer> optimizer;
  std::unique_ptr<GradScaler> scaler;
  std::unique_ptr<LrSchedule> schedule;

  explicit LoopRig(int64_t n = 20, int64_t batch = 4) {
    torch::manual_seed(3);
    ds.images = at::randint(0, 256, {n, 1, 8, 8}, at::kByte);
    ds.labels = at::randint(0, 3, {n}, at::kLong);
    ds.channels = 1;
    ds.class_names = {"a", "b", "c"};
    pipeline = std::make_unique<Pipeline>(std::vector<TransformSpec>{}, 1);
    LoaderOptions o;
    o.batch_size = batch;
    o.shuffle = true;
    o.seed = 5;
    loader = std::make_unique<Loader>(ds, *pipeline, o);
    feed = std::make_unique<DeviceFeed>(*loader, at::kCPU);
    config = parse_config("data: {dataset: fashion_mnist}\nmodel: {name: mlp, hidden: [16]}\n", "loop.yaml");
    model = make_model(config, InputSpec{1, 8, 8, 3});
    optimizer = std::make_unique<torch::optim::SGD>(model->parameters(), torch::optim::SGDOptions(0.1));
    scaler = std::make_unique<GradScaler>(false, at::kCPU);
    schedule = std::make_unique<LrSchedule>(config.scheduler, 0.1, 2, 3);
  }
};

TEST(TrainLoop, CallsEveryExtensionPointInOrder) {
  LoopRig s(20, 4);  // 5 batches, accumulated in groups of 2: optimizer steps after 2, 4, 5
  Recorder rec;
  TrainStep step(*s.model, *s.optimizer, *s.scaler, StepSettings{}, {&rec});
  TrainLoop loop(step, *s.optimizer, *s.schedule, {}, LoopSettings{2, 4, 20, false}, {&rec}, at::kCPU);
  TrainProgress p;
  const auto r = loop.run(*s.feed, 1, p);
  EXPECT_EQ(r.stop_signal, 0);
  EXPECT_EQ(r.images, 20);
  EXPECT_EQ(rec.calls, (std::vector<std::string>{"start 1", "forward 1", "step 1", "forward 2", "backward 2",
                                                 "step 2 *", "forward 3", "step 3", "forward 4", "backward 4",
                                                 "step 4 *", "forward 5", "backward 5", "step 5 *"}));
  EXPECT_EQ(p.step, 5);
  EXPECT_EQ(p.global_step, 3);
  EXPECT_EQ(p.seen, 20);
  EXPECT_GT(p.loss_sum, 0);
}

TEST(TrainLoop, AHookStopEndsTheEpochAfterAnOptimizerStep) {
  LoopRig s(20, 4);
  Recorder rec;
  rec.stop_after_step = 3;  // no accumulation: polled after every step
  TrainStep step(*s.model, *s.optimizer, *s.scaler, StepSettings{}, {&rec});
  TrainLoop loop(step, *s.optimizer, *s.schedule, {}, LoopSettings{1, 4, 20, false}, {&rec}, at::kCPU);
  TrainProgress p;
  const auto r = loop.run(*s.feed, 1, p);
  EXPECT_EQ(r.stop_signal, 2);
  EXPECT_EQ(p.step, 3);
  EXPECT_EQ(p.seen, 12);  // settled at the stop: the checkpoint's sums are exact
  // The resumed epoch starts at batch 4.
  rec.calls.clear();
  rec.stop_after_step = -1;
  loop.run(*s.feed, 1, p);
  EXPECT_EQ(rec.calls.at(1), "forward 4");
  EXPECT_EQ(p.seen, 20);
}

// A hook can replace the labels by class probabilities (what mixup does): one-hot targets
// give exactly the gradient of the hard labels.
class OneHot final : public TrainHook {
 public:
  void before_forward(StepInputs& in, int64_t, int64_t) override {
    in.targets = at::one_hot(in.labels, 3).to(at::kFloat);
  }
};

TEST(TrainStep, SoftTargetsFromAHookReplaceTheLabels) {
  LoopRig a, b;
  OneHot one_hot;
  TrainStep plain(*a.model, *a.optimizer, *a.scaler, StepSettings{});
  TrainStep soft(*b.model, *b.optimizer, *b.scaler, StepSettings{});
  TrainLoop la(plain, *a.optimizer, *a.schedule, {}, LoopSettings{1, 4, 20, false}, {}, at::kCPU);
  TrainLoop lb(soft, *b.optimizer, *b.schedule, {}, LoopSettings{1, 4, 20, false}, {&one_hot}, at::kCPU);
  TrainProgress pa, pb;
  la.run(*a.feed, 1, pa);
  lb.run(*b.feed, 1, pb);
  const auto wa = a.model->parameters(), wb = b.model->parameters();
  for (std::size_t i = 0; i < wa.size(); ++i) EXPECT_TRUE(torch::allclose(wa[i], wb[i], 1e-5, 1e-6)) << i;
  EXPECT_NEAR(pa.loss_sum, pb.loss_sum, 1e-4);
}

// after_backward sees the complete, unscaled gradient before the optimizer changes the
// weights (where an all-reduce across processes goes).
class GradWatcher final : public TrainHook {
 public:
  explicit GradWatcher(ClassifierImpl& m) : model(m) {}
  void after_backward(int64_t, int64_t) override {
    for (const auto& p : model.parameters()) ASSERT_TRUE(p.grad().defined());
    weights_before = model.parameters()[0].clone();
    ++calls;
  }
  ClassifierImpl& model;
  at::Tensor weights_before;
  int calls = 0;
};

TEST(TrainStep, AfterBackwardRunsBeforeTheOptimizerStep) {
  LoopRig s;
  GradWatcher watch(*s.model);
  TrainStep step(*s.model, *s.optimizer, *s.scaler, StepSettings{}, {&watch});
  StepInputs in{at::randn({4, 1, 8, 8}), at::tensor({0, 1, 2, 0}, at::kLong), {}};
  at::Tensor logits, loss;
  step.forward(in, logits, loss);
  step.backward(loss, 1.0);
  const auto grad = s.model->parameters()[0].grad().clone();
  step.finish_group(1, 1);
  EXPECT_EQ(watch.calls, 1);
  // SGD, lr 0.1: the step moved the weights by exactly -lr x the gradient the hook saw.
  EXPECT_TRUE(torch::allclose(s.model->parameters()[0], watch.weights_before - 0.1 * grad, 1e-6, 1e-7));
}

// train.class_weights: the loss is torch's CrossEntropyLoss(weight=w): sum_i w[y_i] l_i / sum_i w[y_i].
TEST(TrainStep, ClassWeightsWeighTheLossLikeTorch) {
  LoopRig rig;
  StepSettings settings;
  settings.class_weights = torch::tensor({0.5f, 2.0f, 4.0f});
  TrainStep weighted(*rig.model, *rig.optimizer, *rig.scaler, settings);
  StepInputs in;
  in.images = torch::randn({6, 1, 8, 8});
  in.labels = torch::tensor(std::vector<int64_t>{0, 1, 2, 2, 0, 1});
  at::Tensor logits, loss;
  weighted.forward(in, logits, loss);
  const auto each = torch::nn::functional::cross_entropy(
      logits, in.labels, torch::nn::functional::CrossEntropyFuncOptions().reduction(torch::kNone));
  const auto w = settings.class_weights.index_select(0, in.labels);
  EXPECT_NEAR(loss.item<double>(), ((each * w).sum() / w.sum()).item<double>(), 1e-6);
  // Unweighted it is the plain mean, which differs here.
  TrainStep plain(*rig.model, *rig.optimizer, *rig.scaler, StepSettings{});
  plain.forward(in, logits, loss);
  EXPECT_NEAR(loss.item<double>(), each.mean().item<double>(), 1e-6);
  EXPECT_GT(std::abs(each.mean().item<double>() - ((each * w).sum() / w.sum()).item<double>()), 1e-4);
}

// train.amp: bf16 on the CPU: the forward pass runs in bf16 under LibTorch's CPU autocast, the
// loss, weights and gradients stay fp32, and autocast is off again after the step.
TEST(TrainStep, Bf16OnCpuRunsTheForwardInBf16AndKeepsFp32Weights) {
  for (const std::string amp : {"none", "bf16"}) {
    LoopRig s;
    StepSettings settings;
    settings.amp = amp;
    TrainStep step(*s.model, *s.optimizer, *s.scaler, settings);
    StepInputs in{at::randn({4, 1, 8, 8}), at::tensor({0, 1, 2, 0}, at::kLong), {}};
    at::Tensor logits, loss;
    step.forward(in, logits, loss);
    EXPECT_EQ(logits.scalar_type(), amp == "bf16" ? at::kBFloat16 : at::kFloat) << amp;
    EXPECT_EQ(loss.scalar_type(), at::kFloat) << amp;
    EXPECT_FALSE(at::autocast::is_autocast_enabled(at::kCPU)) << amp;
    step.backward(loss, 1.0);
    for (const auto& p : s.model->parameters()) {
      EXPECT_EQ(p.scalar_type(), at::kFloat) << amp;
      EXPECT_EQ(p.grad().scalar_type(), at::kFloat) << amp;
    }
    step.finish_group(1, 1);
  }
}

TEST(AutocastScope, RestoresTheStateItFoundAndRejectsFp16OnCpu) {
  {
    AutocastScope outer("bf16", at::kCPU);
    EXPECT_TRUE(at::autocast::is_autocast_enabled(at::kCPU));
    EXPECT_EQ(at::autocast::get_autocast_dtype(at::kCPU), at::kBFloat16);
    { AutocastScope inner("none", at::kCPU); }
    { AutocastScope inner("bf16", at::kCPU); }
    EXPECT_TRUE(at::autocast::is_autocast_enabled(at::kCPU));  // the inner scope put it back
  }
  EXPECT_FALSE(at::autocast::is_autocast_enabled(at::kCPU));
  EXPECT_THROW(AutocastScope("fp16", at::kCPU), std::invalid_argument);
  EXPECT_THROW(AutocastScope("fp8", at::kCUDA), std::invalid_argument);
}

TEST(Device, AmpAutoIsBf16OnlyOnACpuWithNativeBf16) {
  // (train.amp, CUDA, native CPU bf16) -> the autocast dtype the run uses
  EXPECT_EQ(choose_amp("auto", false, true), "bf16");
  EXPECT_EQ(choose_amp("auto", false, false), "none");
  EXPECT_EQ(choose_amp("auto", true, true), "none");
  EXPECT_EQ(choose_amp("bf16", false, false), "bf16");  // asked for: emulated, with a warning
  EXPECT_EQ(choose_amp("bf16", false, true), "bf16");
  EXPECT_EQ(choose_amp("fp16", false, true), "none");   // CPU autocast: bf16 only
  EXPECT_EQ(choose_amp("fp16", true, false), "fp16");
  EXPECT_EQ(choose_amp("bf16", true, false), "bf16");
  EXPECT_EQ(choose_amp("none", false, true), "none");
}

TEST(Device, ChannelsLastAutoFollowsTheMeasuredRule) {
  // (train.channels_last, autocast dtype, CUDA, convolutional, the row's CPU choice)
  EXPECT_TRUE(choose_channels_last("auto", "none", false, true, true));    // the CPU: the row's, in fp32
  EXPECT_TRUE(choose_channels_last("auto", "bf16", false, true, true));    // ... and in bf16
  EXPECT_FALSE(choose_channels_last("auto", "bf16", false, true, false));
  EXPECT_TRUE(choose_channels_last("auto", "fp16", true, true, false));    // CUDA: under autocast
  EXPECT_FALSE(choose_channels_last("auto", "none", true, true, true));    // ... not in fp32
  EXPECT_FALSE(choose_channels_last("auto", "bf16", false, false, true));  // no convolution (mlp)
  EXPECT_TRUE(choose_channels_last("true", "none", false, false, false));  // as given
  EXPECT_FALSE(choose_channels_last("false", "bf16", false, true, true));
}

// The default config: bf16 on a CPU with native bf16, fp32 elsewhere; the memory format by
// the model table's row (measured: cifar10_cnn faster in channels_last, vgg_cnn in NCHW).
TEST(Device, TheDefaultsFollowTheProcessorAndTheModel) {
  Config c;
  EXPECT_EQ(c.train.amp, "auto");
  EXPECT_EQ(c.train.channels_last, "auto");
  EXPECT_EQ(effective_amp(c, c10::kCPU), cpu_bf16().native() ? "bf16" : "none");
  c.model.name = "vgg_cnn";
  EXPECT_FALSE(effective_channels_last(c, c10::kCPU, *make_model(c, InputSpec{1, 28, 28, 10})));
  c.model.name = "cifar10_cnn";
  EXPECT_TRUE(effective_channels_last(c, c10::kCPU, *make_model(c, InputSpec{3, 32, 32, 10})));
  c.model.name = "mlp";
  EXPECT_FALSE(effective_channels_last(c, c10::kCPU, *make_model(c, InputSpec{1, 28, 28, 10})));
}

}  // namespace
}  // namespace imgcls
