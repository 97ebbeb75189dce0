// The prediction grid's sample: across the classes (not the first files in path order),
// seeded, and with --grid-wrong the mistakes first.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "report/grid_sample.hpp"

namespace imgcls {
namespace {

// A 5-class folder listed in path order: 60 daisies, then 4 of each other class.
std::vector<GridItem> flowers() {
  std::vector<GridItem> items;
  for (int i = 0; i < 60; ++i) items.push_back({"daisy", 1});
  for (const auto* c : {"dandelion", "roses", "sunflowers", "tulips"})
    for (int i = 0; i < 4; ++i) items.push_back({c, 1});
  return items;
}

std::map<std::string, int> per_group(const std::vector<GridItem>& items, const std::vector<std::size_t>& shown) {
  std::map<std::string, int> n;
  for (const auto i : shown) ++n[items[i].group];
  return n;
}

TEST(GridSample, EveryClassShowsBeforeAnyShowsTwice) {
  const auto items = flowers();
  const auto shown = grid_sample(items, 10, 0, false);
  ASSERT_EQ(shown.size(), 10u);
  EXPECT_EQ(
      per_group(items, shown),
      (std::map<std::string, int>{{"daisy", 2}, {"dandelion", 2}, {"roses", 2}, {"sunflowers", 2}, {"tulips", 2}}));
  EXPECT_EQ(std::set<std::size_t>(shown.begin(), shown.end()).size(), 10u);  // no image twice
  // Rare classes run out; the rest of the grid is daisies.
  const auto all = grid_sample(items, 64, 0, false);
  EXPECT_EQ(per_group(items, all)["daisy"], 48);
  EXPECT_EQ(per_group(items, all)["tulips"], 4);
  EXPECT_EQ(grid_sample(items, 1000, 0, false).size(), items.size());
}

TEST(GridSample, SeededDrawsWithinAClass) {
  const auto items = flowers();
  EXPECT_EQ(grid_sample(items, 10, 3, false), grid_sample(items, 10, 3, false));
  EXPECT_NE(grid_sample(items, 10, 3, false), grid_sample(items, 10, 4, false));
  // The daisy shown is drawn, not the first in path order.
  std::set<std::size_t> daisies;
  for (uint64_t seed = 0; seed < 8; ++seed)
    for (const auto i : grid_sample(items, 5, seed, false))
      if (items[i].group == "daisy") daisies.insert(i);
  EXPECT_GT(daisies.size(), 4u);
}

TEST(GridSample, MistakesFirstWhenAsked) {
  auto items = flowers();
  items[7].correct = -1;   // a daisy
  items[61].correct = -1;  // a dandelion
  items[70].correct = 0;   // label unknown: not a mistake
  const auto shown = grid_sample(items, 6, 0, true);
  ASSERT_EQ(shown.size(), 6u);
  EXPECT_EQ(std::set<std::size_t>(shown.begin(), shown.begin() + 2), (std::set<std::size_t>{7, 61}));
  for (std::size_t k = 2; k < shown.size(); ++k) EXPECT_GE(items[shown[k]].correct, 0);
  // Without the flag the mistakes are sampled like the rest.
  const auto plain = grid_sample(items, 64, 0, false);
  EXPECT_NE(std::set<std::size_t>(plain.begin(), plain.begin() + 2), (std::set<std::size_t>{7, 61}));
}

}  // namespace
}  // namespace imgcls
