// Duplicate images within and across a run's splits, from fingerprints (diagnostics/
// pixel_hash.hpp): exact duplicates share a pixel hash; near duplicates have perceptual
// hashes at most `max_distance` bits apart (and different pixel hashes). No LibTorch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "diagnostics/pixel_hash.hpp"

namespace imgcls {

struct SampleRef {
  int split = 0;      // index into the splits given
  int64_t index = 0;  // the sample's index in its split
};

struct DuplicatePair {
  SampleRef a, b;          // a before b in (split, index) order
  int distance = 0;        // 0 for exact duplicates; the perceptual hashes' Hamming distance otherwise
  double correlation = 1;  // near duplicates: of the thumbnails (1 without thumbnails)
};

struct DuplicateFindings {
  // Pairs per (split of a, split of b), a's split <= b's: (s, s) within split s, else across.
  // A group of k equal images counts k(k-1)/2 pairs.
  std::map<std::pair<int, int>, int64_t> pair_counts;
  // At most `max_listed` pairs within splits and `max_listed` across, the same ones on every
  // run: exact ones group by group in sample order; near ones the most alike of all
  // (thumbnail correlation, then distance), most alike first.
  std::vector<DuplicatePair> within, across;
  int64_t within_count() const;
  int64_t across_count() const;
};

// One fingerprint per sample of each split; `usable[s][i]` false leaves a sample out (an
// unreadable file). Splits must not share samples.
struct SplitFingerprints {
  std::vector<PixelHash> exact;
  std::vector<uint64_t> perceptual;   // empty unless near duplicates are looked for
  std::vector<Thumbnail> thumbnails;  // empty, or one per sample to confirm near duplicates
  std::vector<bool> usable;
};

// Pearson correlation of two thumbnails' grey levels (brightness and contrast do not count);
// 1 for two flat thumbnails, 0 for one flat and one not.
double thumbnail_correlation(const Thumbnail& a, const Thumbnail& b);

DuplicateFindings exact_duplicates(const std::vector<SplitFingerprints>& splits, std::size_t max_listed);

// Pairs of different pixels whose perceptual hashes differ in at most max_distance bits and,
// when the splits carry thumbnails, whose thumbnails correlate at min_correlation or more.
// Multi-index hashing (Norouzi et al. 2012): two hashes within max_distance bits agree exactly
// on at least one of max_distance + 1 bit blocks, so only samples sharing a block are
// compared. max_distance in 0..32.
DuplicateFindings near_duplicates(const std::vector<SplitFingerprints>& splits, int max_distance,
                                  double min_correlation, std::size_t max_listed);

}  // namespace imgcls
