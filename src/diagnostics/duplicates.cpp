#include "diagnostics/duplicates.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <tuple>

namespace imgcls {
namespace {

bool before(const SampleRef& x, const SampleRef& y) { return std::tie(x.split, x.index) < std::tie(y.split, y.index); }

// Near pairs, the most alike first: correlation, then distance, then sample order.
bool more_alike(const DuplicatePair& x, const DuplicatePair& y) {
  return std::make_tuple(-x.correlation, x.distance, x.a.split, x.a.index, x.b.split, x.b.index) <
         std::make_tuple(-y.correlation, y.distance, y.a.split, y.a.index, y.b.split, y.b.index);
}

// Keeps the max_listed most alike: the list grows to twice that, then drops the rest.
void keep_best(std::vector<DuplicatePair>& list, std::size_t max_listed) {
  if (list.size() <= max_listed) return;
  std::nth_element(list.begin(), list.begin() + static_cast<std::ptrdiff_t>(max_listed), list.end(), more_alike);
  list.resize(max_listed);
}

void record(DuplicateFindings& f, SampleRef a, SampleRef b, int distance, double correlation, std::size_t max_listed) {
  if (before(b, a)) std::swap(a, b);
  ++f.pair_counts[{a.split, b.split}];
  auto& list = a.split == b.split ? f.within : f.across;
  list.push_back({a, b, distance, correlation});
  if (list.size() >= 2 * max_listed + 1) keep_best(list, max_listed);
}

}  // namespace

double thumbnail_correlation(const Thumbnail& a, const Thumbnail& b) {
  double ma = 0, mb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) ma += a[i], mb += b[i];
  ma /= static_cast<double>(a.size()), mb /= static_cast<double>(b.size());
  double ab = 0, aa = 0, bb = 0;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const double x = a[i] - ma, y = b[i] - mb;
    ab += x * y, aa += x * x, bb += y * y;
  }
  if (aa == 0 || bb == 0) return aa == 0 && bb == 0 ? 1.0 : 0.0;
  return ab / std::sqrt(aa * bb);
}

int64_t DuplicateFindings::within_count() const {
  int64_t n = 0;
  for (const auto& [key, count] : pair_counts)
    if (key.first == key.second) n += count;
  return n;
}

int64_t DuplicateFindings::across_count() const {
  int64_t n = 0;
  for (const auto& [key, count] : pair_counts)
    if (key.first != key.second) n += count;
  return n;
}

DuplicateFindings exact_duplicates(const std::vector<SplitFingerprints>& splits, std::size_t max_listed) {
  struct Entry {
    PixelHash hash;
    SampleRef ref;
  };
  std::vector<Entry> all;
  for (std::size_t s = 0; s < splits.size(); ++s)
    for (std::size_t i = 0; i < splits[s].exact.size(); ++i)
      if (splits[s].usable.empty() || splits[s].usable[i])
        all.push_back({splits[s].exact[i], {static_cast<int>(s), static_cast<int64_t>(i)}});
  std::sort(all.begin(), all.end(), [](const Entry& x, const Entry& y) {
    return std::tie(x.hash.hi, x.hash.lo, x.ref.split, x.ref.index) <
           std::tie(y.hash.hi, y.hash.lo, y.ref.split, y.ref.index);
  });
  // Groups of equal images, each sorted by sample; then the groups in the order of their first
  // sample, so the pairs listed do not depend on hash values.
  std::vector<std::pair<std::size_t, std::size_t>> groups;  // [begin, end) in `all`
  for (std::size_t i = 0; i < all.size();) {
    std::size_t j = i + 1;
    while (j < all.size() && all[j].hash == all[i].hash) ++j;
    if (j - i > 1) groups.emplace_back(i, j);
    i = j;
  }
  std::sort(groups.begin(), groups.end(),
            [&](const auto& x, const auto& y) { return before(all[x.first].ref, all[y.first].ref); });
  DuplicateFindings f;
  for (const auto& [begin, end] : groups) {
    // Counted per split pair without listing every pair: a group of k blank images has k²/2.
    std::map<int, int64_t> per_split;
    for (std::size_t i = begin; i < end; ++i) ++per_split[all[i].ref.split];
    for (auto x = per_split.begin(); x != per_split.end(); ++x) {
      f.pair_counts[{x->first, x->first}] += x->second * (x->second - 1) / 2;
      for (auto y = std::next(x); y != per_split.end(); ++y)
        f.pair_counts[{x->first, y->first}] += x->second * y->second;
    }
    for (std::size_t i = begin; i < end; ++i)
      for (std::size_t j = i + 1; j < end; ++j) {
        const auto& a = all[i].ref;
        const auto& b = all[j].ref;
        auto& list = a.split == b.split ? f.within : f.across;
        if (list.size() < max_listed) list.push_back({a, b, 0});
        if (f.within.size() >= max_listed && f.across.size() >= max_listed) break;
      }
  }
  for (auto it = f.pair_counts.begin(); it != f.pair_counts.end();)
    it = it->second ? std::next(it) : f.pair_counts.erase(it);
  return f;
}

DuplicateFindings near_duplicates(const std::vector<SplitFingerprints>& splits, int max_distance,
                                  double min_correlation, std::size_t max_listed) {
  max_distance = std::clamp(max_distance, 0, 32);
  struct Entry {
    uint64_t hash;
    PixelHash exact;
    SampleRef ref;
    const Thumbnail* thumbnail;
  };
  std::vector<Entry> all;
  for (std::size_t s = 0; s < splits.size(); ++s)
    for (std::size_t i = 0; i < splits[s].perceptual.size(); ++i)
      if (splits[s].usable.empty() || splits[s].usable[i])
        all.push_back({splits[s].perceptual[i],
                       splits[s].exact[i],
                       {static_cast<int>(s), static_cast<int64_t>(i)},
                       splits[s].thumbnails.empty() ? nullptr : &splits[s].thumbnails[i]});
  // max_distance + 1 blocks of about equal width covering the 64 bits.
  const int blocks = max_distance + 1;
  std::vector<uint64_t> masks;
  for (int b = 0, first = 0; b < blocks; ++b) {
    const int width = (64 - first) / (blocks - b);
    masks.push_back((width == 64 ? ~uint64_t{0} : ((uint64_t{1} << width) - 1)) << first);
    first += width;
  }
  DuplicateFindings f;
  std::vector<std::pair<uint64_t, std::size_t>> keyed(all.size());
  for (int b = 0; b < blocks; ++b) {
    for (std::size_t i = 0; i < all.size(); ++i) keyed[i] = {all[i].hash & masks[static_cast<std::size_t>(b)], i};
    std::sort(keyed.begin(), keyed.end());
    for (std::size_t i = 0; i < keyed.size();) {
      std::size_t j = i + 1;
      while (j < keyed.size() && keyed[j].first == keyed[i].first) ++j;
      for (std::size_t x = i; x < j; ++x)
        for (std::size_t y = x + 1; y < j; ++y) {
          const auto& p = all[keyed[x].second];
          const auto& q = all[keyed[y].second];
          const uint64_t diff = p.hash ^ q.hash;
          const int d = hamming_distance(p.hash, q.hash);
          if (d > max_distance || p.exact == q.exact) continue;
          // Found once: in the first block where the two agree.
          bool earlier = false;
          for (int e = 0; e < b && !earlier; ++e) earlier = (diff & masks[static_cast<std::size_t>(e)]) == 0;
          if (earlier) continue;
          const double corr = p.thumbnail && q.thumbnail ? thumbnail_correlation(*p.thumbnail, *q.thumbnail) : 1.0;
          if (corr >= min_correlation) record(f, p.ref, q.ref, d, corr, max_listed);
        }
      i = j;
    }
  }
  for (auto* list : {&f.within, &f.across}) {
    keep_best(*list, max_listed);
    std::sort(list->begin(), list->end(), more_alike);
  }
  return f;
}

}  // namespace imgcls
