#include "report/grid_sample.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "data/rng.hpp"

namespace imgcls {
namespace {

// Round robin over the groups of `chosen` (indices into items), each group shuffled.
std::vector<std::size_t> across_groups(const std::vector<GridItem>& items, const std::vector<std::size_t>& chosen,
                                       Rng& rng) {
  std::map<std::string, std::vector<std::size_t>> groups;
  for (const auto i : chosen) groups[items[i].group].push_back(i);
  std::size_t longest = 0;
  for (auto& [name, members] : groups) {
    for (std::size_t k = members.size(); k > 1; --k)  // Fisher-Yates with our own generator
      std::swap(members[k - 1], members[static_cast<std::size_t>(rng.randint(0, static_cast<int64_t>(k)))]);
    longest = std::max(longest, members.size());
  }
  std::vector<std::size_t> order;
  for (std::size_t round = 0; round < longest; ++round)
    for (const auto& [name, members] : groups)
      if (round < members.size()) order.push_back(members[round]);
  return order;
}

}  // namespace

std::vector<std::size_t> grid_sample(const std::vector<GridItem>& items, std::size_t max, uint64_t seed,
                                     bool mistakes_first) {
  Rng rng(seed);
  std::vector<std::size_t> wrong, rest;
  for (std::size_t i = 0; i < items.size(); ++i) (mistakes_first && items[i].correct < 0 ? wrong : rest).push_back(i);
  auto order = across_groups(items, wrong, rng);
  const auto others = across_groups(items, rest, rng);
  order.insert(order.end(), others.begin(), others.end());
  if (order.size() > max) order.resize(max);
  return order;
}

}  // namespace imgcls
