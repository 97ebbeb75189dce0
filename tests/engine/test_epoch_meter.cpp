// EpochMeter: sums on the device, read when asked, a non-finite loss reported with its steps.
#include "engine/epoch_meter.hpp"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "engine/checkpoint.hpp"
#include "imgcls/errors.hpp"

namespace imgcls {
namespace {

// Logits whose argmax is `predicted[i]` for sample i, over 3 classes.
at::Tensor logits_for(const std::vector<int64_t>& predicted) {
  auto t = at::zeros({static_cast<int64_t>(predicted.size()), 3});
  for (std::size_t i = 0; i < predicted.size(); ++i) t[static_cast<int64_t>(i)][predicted[i]] = 1.0;
  return t;
}

at::Tensor labels(const std::vector<int64_t>& v) { return at::tensor(v, at::kLong); }

TEST(EpochMeter, AddsUpWeightedLossesAndHitsOnlyWhenSettled) {
  TrainProgress p;
  p.loss_sum = 1.0, p.correct = 2, p.seen = 4;  // what an interrupted epoch had before resuming
  EpochMeter meter(at::kCPU, 3, 5);
  meter.add(at::scalar_tensor(0.5, at::kFloat), logits_for({0, 1}), labels({0, 2}));        // 1 hit of 2
  meter.add(at::scalar_tensor(2.0, at::kBFloat16), logits_for({2, 2, 1}), labels({2, 2, 1}));  // 3 of 3
  EXPECT_EQ(p.seen, 4);  // nothing read yet
  meter.settle(6, p);
  EXPECT_DOUBLE_EQ(p.loss_sum, 1.0 + 0.5 * 2 + 2.0 * 3);
  EXPECT_EQ(p.correct, 2 + 1 + 3);
  EXPECT_EQ(p.seen, 4 + 5);
  meter.settle(6, p);  // nothing new: unchanged
  EXPECT_EQ(p.seen, 9);
  meter.add(at::scalar_tensor(1.0), logits_for({0}), labels({1}));
  meter.settle(7, p);
  EXPECT_DOUBLE_EQ(p.loss_sum, 9.0);
  EXPECT_EQ(p.correct, 6);
  EXPECT_EQ(p.seen, 10);
}

TEST(EpochMeter, NonFiniteLossNamesTheStepsSinceTheLastReadAndLeavesProgressAlone) {
  TrainProgress p;
  EpochMeter meter(at::kCPU, 2, 1);
  meter.add(at::scalar_tensor(0.7, at::kDouble), logits_for({0}), labels({0}));
  meter.settle(3, p);  // steps 1-3 read (2 and 3 had empty batches)
  meter.add(at::scalar_tensor(0.1), logits_for({0}), labels({0}));
  meter.add(at::scalar_tensor(std::numeric_limits<double>::quiet_NaN()), logits_for({1}), labels({1}));
  meter.add(at::scalar_tensor(0.2), logits_for({2}), labels({2}));
  try {
    meter.settle(6, p);
    FAIL() << "no error for a NaN loss";
  } catch (const TrainError& e) {
    EXPECT_NE(std::string(e.what()).find("epoch 2 steps 4-6: loss is nan"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("checkpoints/last.pt"), std::string::npos) << e.what();
  }
  EXPECT_EQ(p.seen, 1);
  EXPECT_DOUBLE_EQ(p.loss_sum, 0.7);

  EpochMeter one(at::kCPU, 1, 8);
  one.add(at::scalar_tensor(std::numeric_limits<double>::infinity()), logits_for({0}), labels({0}));
  try {
    one.settle(8, p);
    FAIL() << "no error for an infinite loss";
  } catch (const TrainError& e) {
    EXPECT_NE(std::string(e.what()).find("epoch 1 step 8: loss is inf"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace imgcls
