#include "data/rng.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace imgcls {
namespace {

uint64_t splitmix64(uint64_t& x) {
  uint64_t z = (x += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

}  // namespace

Rng::Rng(uint64_t seed) {
  for (auto& s : s_) s = splitmix64(seed);
}

uint64_t Rng::next() {
  const uint64_t result = rotl(s_[1] * 5, 7) * 9;
  const uint64_t t = s_[1] << 17;
  s_[2] ^= s_[0];
  s_[3] ^= s_[1];
  s_[1] ^= s_[2];
  s_[0] ^= s_[3];
  s_[2] ^= t;
  s_[3] = rotl(s_[3], 45);
  return result;
}

double Rng::uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
double Rng::uniform(double lo, double hi) { return lo + (hi - lo) * uniform(); }
int64_t Rng::randint(int64_t lo, int64_t hi) {
  if (hi <= lo) throw std::invalid_argument("Rng::randint: empty range");
  return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo));
}

uint64_t sample_seed(uint64_t seed, int64_t epoch, int64_t index) {
  uint64_t x = seed;
  uint64_t h = splitmix64(x);
  x = h ^ static_cast<uint64_t>(epoch);
  h = splitmix64(x);
  x = h ^ static_cast<uint64_t>(index);
  return splitmix64(x);
}

std::vector<int64_t> class_counts(const std::vector<int64_t>& labels, int64_t num_classes) {
  std::vector<int64_t> counts(static_cast<std::size_t>(std::max<int64_t>(num_classes, 0)), 0);
  for (const auto label : labels) {
    if (label < 0 || label >= num_classes)
      throw std::out_of_range("label " + std::to_string(label) + " outside 0.." + std::to_string(num_classes - 1));
    ++counts[static_cast<std::size_t>(label)];
  }
  return counts;
}

std::vector<int64_t> balanced_order(const std::vector<int64_t>& labels, int64_t num_classes, uint64_t seed,
                                    int64_t epoch) {
  std::vector<std::vector<int64_t>> members(static_cast<std::size_t>(std::max<int64_t>(num_classes, 0)));
  for (std::size_t i = 0; i < labels.size(); ++i) {
    const auto label = labels[i];
    if (label < 0 || label >= num_classes)
      throw std::out_of_range("label " + std::to_string(label) + " outside 0.." + std::to_string(num_classes - 1));
    members[static_cast<std::size_t>(label)].push_back(static_cast<int64_t>(i));
  }
  for (std::size_t c = 0; c < members.size(); ++c)
    if (members[c].empty()) throw std::invalid_argument("class " + std::to_string(c) + " has no sample to draw");
  std::vector<int64_t> order;
  if (labels.empty()) return order;
  order.reserve(labels.size());
  Rng rng(sample_seed(seed, epoch, -1));
  for (std::size_t k = 0; k < labels.size(); ++k) {
    const auto& of_class = members[static_cast<std::size_t>(rng.randint(0, num_classes))];
    order.push_back(of_class[static_cast<std::size_t>(rng.randint(0, static_cast<int64_t>(of_class.size())))]);
  }
  return order;
}

}  // namespace imgcls
