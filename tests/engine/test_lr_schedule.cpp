// Learning-rate sequences against PyTorch's torch.optim.lr_scheduler: the expected values
// were printed by scripts/dev/lr_reference.py (torch 2.11.0) and pasted here.
#include <gtest/gtest.h>

#include "engine/lr_schedule.hpp"
#include "imgcls/config/config.hpp"
#include "imgcls/engine/trainer.hpp"
#include "imgcls/errors.hpp"

namespace imgcls {
namespace {

SchedulerConfig sched(const std::string& overrides_yaml) {
  return parse_config("data: {dataset: mnist}\nmodel: {name: basic_cnn}\ntrain: {epochs: 50}\nscheduler: " +
                          overrides_yaml + "\n",
                      "s.yaml")
      .scheduler;
}

void expect_sequence(const LrSchedule& s, const std::vector<double>& expected, int64_t steps_per_epoch = 1) {
  for (std::size_t i = 0; i < expected.size(); ++i) {
    const auto e = static_cast<int64_t>(i) / steps_per_epoch, st = static_cast<int64_t>(i) % steps_per_epoch;
    EXPECT_NEAR(s.lr(e, st), expected[i], 1e-12 + 1e-9 * expected[i]) << "position " << i;
  }
}

TEST(LrSchedule, StepLR) {
  expect_sequence(LrSchedule(sched("{name: step, step_size: 3, gamma: 0.5}"), 0.1, 10, 7),
                  {0.1, 0.1, 0.1, 0.05, 0.05, 0.05, 0.025, 0.025, 0.025, 0.0125});
}

TEST(LrSchedule, MultiStepLR) {
  expect_sequence(LrSchedule(sched("{name: multistep, milestones: [2, 5, 7], gamma: 0.1}"), 0.1, 10, 3),
                  {0.1, 0.1, 0.010000000000000002, 0.010000000000000002, 0.010000000000000002, 0.0010000000000000002,
                   0.0010000000000000002, 0.00010000000000000003, 0.00010000000000000003, 0.00010000000000000003});
}

TEST(LrSchedule, CosineAnnealingLR) {
  expect_sequence(LrSchedule(sched("{name: cosine, t_max: 10, eta_min: 0.001}"), 0.1, 11, 5),
                  {0.1, 0.09757729755661011, 0.0905463412215599, 0.07959536998847742, 0.0657963412215599, 0.0505,
                   0.03520365877844011, 0.02140463001152259, 0.010453658778440109, 0.0034227024433899004, 0.001});
}

TEST(LrSchedule, ExponentialLR) {
  expect_sequence(LrSchedule(sched("{name: exponential, gamma: 0.9}"), 0.1, 6, 2),
                  {0.1, 0.09000000000000001, 0.08100000000000002, 0.07290000000000002, 0.06561000000000002,
                   0.05904900000000002});
}

TEST(LrSchedule, OneCycleLRCos) {
  // 4 epochs x 5 steps = 20 steps, stepped per batch.
  LrSchedule s(sched("{name: onecycle, max_lr: 0.1, pct_start: 0.3, anneal: cos}"), 0.5, 4, 5);
  EXPECT_TRUE(s.per_step());
  expect_sequence(s,
                  {0.0040000000000000036, 0.013167184270002533, 0.037167184270002526, 0.06683281572999747,
                   0.09083281572999748, 0.1, 0.09874640062350874, 0.09504846320134738, 0.089091617757105,
                   0.0811745653949763, 0.07169430017913009, 0.06112620219362893, 0.0500002, 0.03887419780637107,
                   0.028306099820869922, 0.0188258346050237, 0.010908782242895003, 0.004951936798652629,
                   0.0012539993764912555, 4e-07},
                  5);
}

TEST(LrSchedule, OneCycleLRLinear) {
  LrSchedule s(sched("{name: onecycle, pct_start: 0.25, anneal: linear, div_factor: 10, final_div_factor: 100}"), 0.1,
               2, 10);  // max_lr 0 = optimizer.lr
  expect_sequence(s,
                  {0.01, 0.0325, 0.05500000000000001, 0.0775, 0.1, 0.09334, 0.08668000000000001, 0.08002000000000001,
                   0.07336000000000001, 0.06670000000000001, 0.06004, 0.053380000000000004, 0.046720000000000005,
                   0.040060000000000005, 0.03340000000000001, 0.026740000000000014, 0.02008, 0.013420000000000001,
                   0.006760000000000002, 0.00010000000000000286},
                  10);
}

std::vector<double> run_plateau(LrSchedule& s, const std::vector<double>& metrics) {
  std::vector<double> lrs;
  for (std::size_t e = 0; e < metrics.size(); ++e) {
    lrs.push_back(s.lr(static_cast<int64_t>(e), 0));
    s.end_epoch(static_cast<int64_t>(e), metrics[e]);
  }
  return lrs;
}

TEST(LrSchedule, ReduceLROnPlateauMinRelWithCooldown) {
  LrSchedule s(sched("{name: plateau, monitor: val_loss, factor: 0.5, patience: 2, threshold: 1.0e-4, "
                     "threshold_mode: rel, cooldown: 1, min_lr: 0.01}"),
               0.1, 14, 10);
  const auto lrs =
      run_plateau(s, {1.0, 0.9, 0.91, 0.92, 0.93, 0.8, 0.85, 0.86, 0.87, 0.88, 0.89, 0.9, 0.95, 0.96});
  const std::vector<double> expected = {0.1,  0.1,   0.1,   0.1,   0.1,   0.05,  0.05,
                                        0.05, 0.05,  0.025, 0.025, 0.025, 0.025, 0.0125};
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(lrs[i], expected[i], 1e-12) << i;
}

TEST(LrSchedule, ReduceLROnPlateauMaxAbsAndState) {
  const auto config = sched("{name: plateau, monitor: val_acc, factor: 0.1, patience: 1, threshold: 0.05, "
                            "threshold_mode: abs}");
  LrSchedule s(config, 0.1, 9, 10);
  const std::vector<double> metrics = {0.5, 0.6, 0.6, 0.6, 0.61, 0.6, 0.6, 0.6, 0.6};
  const std::vector<double> expected = {0.1,  0.1,   0.1,   0.1,   0.010000000000000002, 0.010000000000000002,
                                        0.001, 0.001, 0.0001};
  // Stop after 5 epochs, carry the state over to a fresh schedule (as a resume does).
  std::vector<double> lrs;
  for (int e = 0; e < 5; ++e) lrs.push_back(s.lr(e, 0)), s.end_epoch(e, metrics[e]);
  LrSchedule resumed(config, 0.1, 9, 10);
  resumed.load_state(s.state());
  for (int e = 5; e < 9; ++e) lrs.push_back(resumed.lr(e, 0)), resumed.end_epoch(e, metrics[e]);
  for (std::size_t i = 0; i < expected.size(); ++i) EXPECT_NEAR(lrs[i], expected[i], 1e-12) << i;
}

TEST(LrSchedule, WarmupEpochsIsSequentialLR) {
  // SequentialLR([LinearLR(0.1, 1.0, 3), CosineAnnealingLR(7)], milestones=[3])
  expect_sequence(LrSchedule(sched("{name: cosine, t_max: 7, warmup_epochs: 3, warmup_start_factor: 0.1}"), 0.1, 10, 4),
                  {0.010000000000000002, 0.04, 0.07, 0.1, 0.09504844339512096, 0.08117449009293669,
                   0.061126046697815725, 0.03887395330218429, 0.018825509907063328, 0.004951556604879048});
  // SequentialLR([LinearLR(0.25, 1.0, 2), StepLR(2, 0.5)], milestones=[2])
  expect_sequence(
      LrSchedule(sched("{name: step, step_size: 2, gamma: 0.5, warmup_epochs: 2, warmup_start_factor: 0.25}"), 0.1, 8, 4),
      {0.025, 0.0625, 0.1, 0.1, 0.05, 0.05, 0.025, 0.025});
}

TEST(LrSchedule, WarmupStepsScalesTheFirstSteps) {
  LrSchedule s(sched("{name: none, warmup_steps: 4, warmup_start_factor: 0.2}"), 0.1, 3, 3);
  EXPECT_TRUE(s.per_step());
  // global steps 0..5: factors 0.2, 0.4, 0.6, 0.8, 1, 1
  expect_sequence(s, {0.02, 0.04, 0.06, 0.08, 0.1, 0.1}, 3);
}

TEST(LrSchedule, CosineDefaultsToTheRemainingEpochs) {
  LrSchedule s(sched("{name: cosine}"), 1.0, 5, 1);
  EXPECT_NEAR(s.lr(0, 0), 1.0, 1e-12);
  EXPECT_NEAR(s.lr(5, 0), 0.0, 1e-12);  // t_max = 5
}

TEST(LrSchedule, BadCombinationsAreConfigErrors) {
  EXPECT_THROW(sched("{name: multistep}"), ConfigError);
  EXPECT_THROW(sched("{name: multistep, milestones: [5, 3]}"), ConfigError);
  EXPECT_THROW(sched("{name: step, warmup_epochs: 1, warmup_steps: 10}"), ConfigError);
  EXPECT_THROW(sched("{name: step, warmup_epochs: 50}"), ConfigError);
  EXPECT_THROW(LrSchedule(sched("{name: onecycle, warmup_epochs: 1}"), 0.1, 1, 5), ConfigError);  // no step after warmup
}

// The shortest cycles (`train --smoke 1` is one epoch of one step): one step is PyTorch's
// OneCycleLR(total_steps=1), the final lr; pct_start x total = 1, where PyTorch divides by zero,
// starts at max_lr and falls, never NaN.
TEST(LrSchedule, OneCycleOfOneStepOrAnEmptyRise) {
  expect_sequence(LrSchedule(sched("{name: onecycle, max_lr: 0.1}"), 0.1, 1, 1), {4e-07});
  LrSchedule s(sched("{name: onecycle, max_lr: 0.1, pct_start: 0.25, anneal: linear}"), 0.1, 1, 4);
  expect_sequence(s, {0.1, 0.1 - (0.1 - 4e-07) / 3, 0.1 - 2 * (0.1 - 4e-07) / 3, 4e-07}, 4);
}

TEST(EarlyStopping, StopsAfterPatienceWithoutImprovement) {
  EarlyStopping es(/*maximize=*/true, /*patience=*/2, /*min_delta=*/0.01);
  EXPECT_TRUE(es.update(0.5));
  EXPECT_FALSE(es.update(0.505));  // within min_delta: not an improvement
  EXPECT_FALSE(es.should_stop());
  EXPECT_TRUE(es.update(0.6));
  EXPECT_FALSE(es.update(0.59));
  EXPECT_FALSE(es.update(0.6));
  EXPECT_TRUE(es.should_stop());
  EXPECT_DOUBLE_EQ(es.best(), 0.6);
}

TEST(EarlyStopping, MinimisesLossesAndStopsOnNaN) {
  EXPECT_FALSE(monitor_maximizes("val_loss", "auto"));
  EXPECT_TRUE(monitor_maximizes("val_acc", "auto"));
  EXPECT_TRUE(monitor_maximizes("val_macro_f1", "auto"));
  EXPECT_TRUE(monitor_maximizes("val_balanced_acc", "auto"));
  EXPECT_EQ(effective_monitor("val_macro_f1", true), "val_macro_f1");
  EXPECT_EQ(effective_monitor("val_macro_f1", false), "train_acc");  // training measures no F1
  EXPECT_EQ(effective_monitor("val_balanced_acc", false), "train_acc");
  EarlyStopping es(false, 0, 0);
  EXPECT_TRUE(es.update(1.0));
  EXPECT_TRUE(es.update(0.5));
  for (int i = 0; i < 10; ++i) es.update(2.0);
  EXPECT_FALSE(es.should_stop());  // patience 0: never stops on a plateau
  es.update(std::numeric_limits<double>::quiet_NaN());
  EXPECT_TRUE(es.should_stop());
  EarlyStopping copy(false, 0, 0);
  copy.load_state(es.state());
  EXPECT_TRUE(copy.should_stop());
  EXPECT_DOUBLE_EQ(copy.best(), 0.5);
}

}  // namespace
}  // namespace imgcls
