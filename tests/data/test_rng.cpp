// The data pipeline's generator: the published algorithms' numbers, and per-sample seeds.
#include <gtest/gtest.h>

#include <stdexcept>

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

}  // namespace
}  // namespace imgcls
