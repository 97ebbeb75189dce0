// Which predictions `imgcls predict --grid` shows: a seeded sample across the classes rather
// than the first files in path order (60 daisies and 4 dandelions of a 5-class folder), and
// with --grid-wrong the mistakes first. No LibTorch, no OpenCV.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace imgcls {

struct GridItem {
  std::string group;  // the class the image belongs to (its label, else its folder)
  int correct = 0;    // +1 right, -1 wrong, 0 label unknown
};

// Indices into `items`, at most `max` of them: the groups taken in turn (sorted by name), each
// group's items in an order drawn from `seed`, so every class shows before any shows twice.
// `mistakes_first`: the wrong ones (correct < 0) come first, sampled the same way, then the
// rest. The same items and seed give the same indices.
std::vector<std::size_t> grid_sample(const std::vector<GridItem>& items, std::size_t max, uint64_t seed,
                                     bool mistakes_first);

}  // namespace imgcls
