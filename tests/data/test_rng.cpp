// The data pipeline's generator: the published algorithms' numbers, and per-sample seeds.
#include <gtest/gtest.h>

#include <set>
#include <stdexcept>
#include <vector>

#include "data/rng.hpp"

namespace imgcls {
namespace {

TEST(Rng, GivesThePublishedAlgorithmsNumbers) {
  // Expected values from an independent Python transcription of Vigna's splitmix64.c and
  // xoshiro256starstar.c (splitmix64 from 0 first gives 0xe220a8397b1dcdaf, as published).
  Rng rng(0);
  EXPECT_EQ(rng.next(), 0x99ec5f36cb75f2b4ULL);
  EXPECT_EQ(rng.next(), 0xbf6e1f784956452aULL);
  EXPECT_EQ(rng.next(), 0x1a5f849d4933e6e0ULL);
  EXPECT_EQ(sample_seed(42, 3, 7), 0xab2f97746e2ea953ULL);
}

TEST(Rng, RangesHoldAndAnEmptyRangeThrows) {
  Rng rng(7);
  for (int i = 0; i < 1000; ++i) {
    const auto u = rng.uniform(-2.0, 3.0);
    EXPECT_GE(u, -2.0);
    EXPECT_LT(u, 3.0);
    const auto k = rng.randint(5, 9);
    EXPECT_GE(k, 5);
    EXPECT_LT(k, 9);
  }
  EXPECT_THROW(rng.randint(3, 3), std::invalid_argument);
}

TEST(Rng, SampleSeedsDiffer) {
  EXPECT_NE(sample_seed(1, 1, 0), sample_seed(1, 1, 1));
  EXPECT_NE(sample_seed(1, 1, 0), sample_seed(1, 2, 0));
  EXPECT_NE(sample_seed(1, 1, 0), sample_seed(2, 1, 0));
  EXPECT_EQ(sample_seed(5, 3, 9), sample_seed(5, 3, 9));
  Rng a(3), b(3);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(a.next(), b.next());
}

TEST(BalancedOrder, DrawsEveryClassEquallyOftenWithReplacementSeededPerEpoch) {
  // A long tail: 1000, 500, 250 and 125 samples.
  std::vector<int64_t> labels;
  for (int64_t c = 0; c < 4; ++c) labels.insert(labels.end(), static_cast<std::size_t>(1000 >> c), c);
  const auto order = balanced_order(labels, 4, 42, 1);
  ASSERT_EQ(order.size(), labels.size());  // an epoch of the split's length
  std::vector<int64_t> per_class(4, 0);
  for (const auto i : order) {
    ASSERT_GE(i, 0);
    ASSERT_LT(i, static_cast<int64_t>(labels.size()));
    ++per_class[static_cast<std::size_t>(labels[static_cast<std::size_t>(i)])];
  }
  // 1875 draws at 1/4 each: 468.75, standard deviation 18.75; 5 of them as the margin.
  for (const auto n : per_class) EXPECT_NEAR(static_cast<double>(n), 468.75, 94) << "per class";
  EXPECT_LT(std::set<int64_t>(order.begin(), order.end()).size(), order.size());  // with replacement
  EXPECT_EQ(order, balanced_order(labels, 4, 42, 1));
  EXPECT_NE(order, balanced_order(labels, 4, 42, 2));
  EXPECT_NE(order, balanced_order(labels, 4, 43, 1));
  EXPECT_TRUE(balanced_order({}, 0, 1, 1).empty());
  EXPECT_THROW(balanced_order({0, 0, 2}, 3, 1, 1), std::invalid_argument);  // class 1: nothing to draw
  EXPECT_THROW(balanced_order({0, 3}, 3, 1, 1), std::out_of_range);
  EXPECT_EQ(class_counts({0, 0, 2}, 3), (std::vector<int64_t>{2, 0, 1}));
}

}  // namespace
}  // namespace imgcls
